// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets switched between blocking and non-blocking mode, and the
 * threads that then wait in a blocking receive.
 *
 * fcntl(F_SETFL) ends in do_fcntl(fd, cmd, arg, filp) and ioctl(FIONBIO)
 * in do_vfs_ioctl(filp, fd, cmd, arg); both are kretprobes that look only
 * at their one command and compare the file's O_NONBLOCK before and
 * after, so only a change that really happened is counted. The caller
 * holds the file for the whole call. sock_recvmsg, which every receive
 * on a socket passes through, counts the calls waiting on a blocking
 * socket.
 *
 * Mode changes are rare, so their ring and counters are shared; the
 * receive path only touches this process's row, and only when it may wait.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/in.h>
#include <linux/ioctl.h>
#include <linux/net.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/un.h>
#include <net/af_unix.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <asm/ioctls.h>

#include "forkstat.h"

enum forkstat_sock_path {
	FORKSTAT_PATH_FCNTL,
	FORKSTAT_PATH_IOCTL,
	FORKSTAT_NR_PATHS
};

static const char *const forkstat_path_names[] = {
	[FORKSTAT_PATH_FCNTL] = "fcntl",
	[FORKSTAT_PATH_IOCTL] = "ioctl",
};

static unsigned int sock_ring = 64;

static int forkstat_set_sock_ring(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 4096);
}

static const struct kernel_param_ops forkstat_sock_ring_ops = {
	.set = forkstat_set_sock_ring,
	.get = param_get_uint,
};

module_param_cb(sock_ring, &forkstat_sock_ring_ops, &sock_ring, 0444);
MODULE_PARM_DESC(sock_ring, "O_NONBLOCK clears on sockets remembered, 1..4096 (default 64)");

/*
 * Receives followed at once, each holding a kretprobe instance (about
 * 100 bytes) while it waits; more show as sock_recvmsg's nmissed.
 */
static unsigned int max_blocked = 8192;

static int forkstat_set_max_blocked(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 64, 1 << 20);
}

static const struct kernel_param_ops forkstat_max_blocked_ops = {
	.set = forkstat_set_max_blocked,
	.get = param_get_uint,
};

module_param_cb(max_blocked, &forkstat_max_blocked_ops, &max_blocked, 0444);
MODULE_PARM_DESC(max_blocked, "Threads followed at once in a blocking receive, 64..1048576 (default 8192)");

/* One clear, as /proc/forkstat shows it. */
struct forkstat_clear {
	u64 time_ns;
	pid_t pid, tgid;
	int fd;
	enum forkstat_sock_path path;
	u16 family, type, protocol;
	__be16 lport, rport;
	union {
		struct in6_addr in6[2];	/* local, remote */
		__be32 in4[2];
		char sun_path[UNIX_PATH_MAX + 1];
	} addr;
	char comm[TASK_COMM_LEN];
};

static DEFINE_RAW_SPINLOCK(forkstat_clear_lock);
static struct forkstat_clear *forkstat_clear_ring;
static u64 forkstat_clears_total;

/* Mode changes per path: [path][0] to blocking (clears), [path][1] sets. */
static atomic64_t forkstat_mode_changes[FORKSTAT_NR_PATHS][2];

static void forkstat_clear_describe(struct forkstat_clear *c, struct file *filp)
{
	struct socket *sock = sock_from_file(filp);
	struct sock *sk = sock ? sock->sk : NULL;

	if (!sk)
		return;
	c->family = sk->sk_family;
	c->type = sk->sk_type;
	c->protocol = sk->sk_protocol;
	switch (sk->sk_family) {
	case AF_INET:
		c->addr.in4[0] = inet_sk(sk)->inet_saddr;
		c->addr.in4[1] = inet_sk(sk)->inet_daddr;
		c->lport = inet_sk(sk)->inet_sport;
		c->rport = inet_sk(sk)->inet_dport;
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
		c->addr.in6[0] = sk->sk_v6_rcv_saddr;
		c->addr.in6[1] = sk->sk_v6_daddr;
		c->lport = inet_sk(sk)->inet_sport;
		c->rport = inet_sk(sk)->inet_dport;
		break;
#endif
	case AF_UNIX: {
		/* Set once by bind() and never freed while the socket lives. */
		struct unix_address *ua = smp_load_acquire(&unix_sk(sk)->addr);
		int len = ua ? ua->len - (int)offsetof(struct sockaddr_un, sun_path) : 0;

		if (len > 0) {
			len = min_t(int, len, UNIX_PATH_MAX);
			memcpy(c->addr.sun_path, ua->name->sun_path, len);
			/* An abstract name starts with a NUL: show it as '@'. */
			if (!c->addr.sun_path[0])
				c->addr.sun_path[0] = '@';
			c->addr.sun_path[len] = '\0';
		}
		break;
	}
	}
}

static void forkstat_sock_mode_change(struct file *filp, int fd,
				      enum forkstat_sock_path path,
				      bool now_nonblock)
{
	struct forkstat_clear *c;
	unsigned long irqflags;

	atomic64_inc(&forkstat_mode_changes[path][now_nonblock]);
	forkstat_procs_sock_mode(now_nonblock);
	if (now_nonblock)
		return;

	raw_spin_lock_irqsave(&forkstat_clear_lock, irqflags);
	c = &forkstat_clear_ring[forkstat_clears_total++ % sock_ring];
	memset(c, 0, sizeof(*c));
	c->time_ns = ktime_get_real_ns();
	c->pid = current->pid;
	c->tgid = current->tgid;
	c->fd = fd;
	c->path = path;
	forkstat_current_comm(c->comm);
	forkstat_clear_describe(c, filp);
	raw_spin_unlock_irqrestore(&forkstat_clear_lock, irqflags);
}

/* What a mode-change kretprobe carries from entry to return. */
struct forkstat_mode_call {
	struct file *filp;
	int fd;
	bool was_nonblock;
};

static struct forkstat_probe forkstat_do_fcntl;
static struct forkstat_probe forkstat_do_vfs_ioctl;

static bool forkstat_is_socket(struct file *filp)
{
	return S_ISSOCK(file_inode(filp)->i_mode);
}

static int forkstat_mode_entry(struct forkstat_probe *p,
			       struct kretprobe_instance *ri,
			       struct file *filp, int fd)
{
	struct forkstat_mode_call *c = (void *)ri->data;

	forkstat_probe_hit(p);
	if (!filp || !forkstat_is_socket(filp))
		return 1;
	c->filp = filp;
	c->fd = fd;
	c->was_nonblock = READ_ONCE(filp->f_flags) & O_NONBLOCK;
	return 0;
}

static void forkstat_mode_ret(struct kretprobe_instance *ri,
			      enum forkstat_sock_path path)
{
	struct forkstat_mode_call *c = (void *)ri->data;
	bool now_nonblock = READ_ONCE(c->filp->f_flags) & O_NONBLOCK;

	if (c->was_nonblock == now_nonblock)
		return;
	forkstat_sock_mode_change(c->filp, c->fd, path, now_nonblock);
}

/* do_fcntl(fd, cmd, arg, filp) */
static int forkstat_do_fcntl_entry(struct kretprobe_instance *ri,
				   struct pt_regs *regs)
{
	if (regs_get_kernel_argument(regs, 1) != F_SETFL)
		return 1;
	return forkstat_mode_entry(&forkstat_do_fcntl, ri,
				   (void *)regs_get_kernel_argument(regs, 3),
				   regs_get_kernel_argument(regs, 0));
}

static int forkstat_do_fcntl_ret(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	forkstat_mode_ret(ri, FORKSTAT_PATH_FCNTL);
	return 0;
}

/* do_vfs_ioctl(filp, fd, cmd, arg) */
static int forkstat_do_vfs_ioctl_entry(struct kretprobe_instance *ri,
				       struct pt_regs *regs)
{
	if (regs_get_kernel_argument(regs, 2) != FIONBIO)
		return 1;
	return forkstat_mode_entry(&forkstat_do_vfs_ioctl, ri,
				   (void *)regs_get_kernel_argument(regs, 0),
				   regs_get_kernel_argument(regs, 1));
}

static int forkstat_do_vfs_ioctl_ret(struct kretprobe_instance *ri,
				     struct pt_regs *regs)
{
	forkstat_mode_ret(ri, FORKSTAT_PATH_IOCTL);
	return 0;
}

static struct forkstat_probe forkstat_do_fcntl = {
	.rp = { .kp.symbol_name = "do_fcntl",
		.entry_handler = forkstat_do_fcntl_entry,
		.handler = forkstat_do_fcntl_ret,
		.data_size = sizeof(struct forkstat_mode_call),
		.maxactive = 64 },
};

static struct forkstat_probe forkstat_do_vfs_ioctl = {
	.rp = { .kp.symbol_name = "do_vfs_ioctl",
		.entry_handler = forkstat_do_vfs_ioctl_entry,
		.handler = forkstat_do_vfs_ioctl_ret,
		.data_size = sizeof(struct forkstat_mode_call),
		.maxactive = 64 },
};

/*
 * sock_recvmsg(sock, msg, flags): a receive that may wait. The entry test
 * is the whole cost for non-blocking receives: no return instance is used.
 */
static struct forkstat_probe forkstat_sock_recvmsg;

static int forkstat_sock_recvmsg_entry(struct kretprobe_instance *ri,
				       struct pt_regs *regs)
{
	struct socket *sock = (void *)regs_get_kernel_argument(regs, 0);
	unsigned int flags = regs_get_kernel_argument(regs, 2);

	forkstat_probe_hit(&forkstat_sock_recvmsg);
	if (!sock->file || (READ_ONCE(sock->file->f_flags) & O_NONBLOCK) ||
	    (flags & MSG_DONTWAIT))
		return 1;
	return forkstat_procs_blocked_enter((void *)ri->data) ? 0 : 1;
}

static int forkstat_sock_recvmsg_ret(struct kretprobe_instance *ri,
				     struct pt_regs *regs)
{
	forkstat_procs_blocked_exit((void *)ri->data);
	return 0;
}

static struct forkstat_probe forkstat_sock_recvmsg = {
	.rp = { .kp.symbol_name = "sock_recvmsg",
		.entry_handler = forkstat_sock_recvmsg_entry,
		.handler = forkstat_sock_recvmsg_ret,
		.data_size = sizeof(struct forkstat_proc_ref) },
};

static struct forkstat_probe *const forkstat_sock_probes[] = {
	&forkstat_do_fcntl,
	&forkstat_do_vfs_ioctl,
	&forkstat_sock_recvmsg,
};

int forkstat_sock_init(void)
{
	size_t i;

	forkstat_clear_ring = kvcalloc(sock_ring, sizeof(*forkstat_clear_ring),
				       GFP_KERNEL);
	if (!forkstat_clear_ring)
		return -ENOMEM;
	/* One instance per thread parked in a blocking receive. */
	forkstat_sock_recvmsg.rp.maxactive = max_blocked;
	for (i = 0; i < ARRAY_SIZE(forkstat_sock_probes); i++)
		forkstat_probe_register(forkstat_sock_probes[i]);
	return 0;
}

void forkstat_sock_exit(void)
{
	forkstat_probes_unregister(forkstat_sock_probes,
				   ARRAY_SIZE(forkstat_sock_probes));
	kvfree(forkstat_clear_ring);
}

static void forkstat_clear_show(struct seq_file *m, const struct forkstat_clear *c)
{
	seq_printf(m, "sockclear time_ns=%llu pid=%d tgid=%d fd=%d path=%s family=%u type=%u protocol=%u",
		   c->time_ns, c->pid, c->tgid, c->fd, forkstat_path_names[c->path],
		   c->family, c->type, c->protocol);
	switch (c->family) {
	case AF_INET:
		seq_printf(m, " local=%pI4:%u remote=%pI4:%u",
			   &c->addr.in4[0], ntohs(c->lport),
			   &c->addr.in4[1], ntohs(c->rport));
		break;
	case AF_INET6:
		seq_printf(m, " local=[%pI6c]:%u remote=[%pI6c]:%u",
			   &c->addr.in6[0], ntohs(c->lport),
			   &c->addr.in6[1], ntohs(c->rport));
		break;
	case AF_UNIX:
		if (c->addr.sun_path[0]) {
			seq_puts(m, " sun_path=");
			forkstat_seq_comm(m, c->addr.sun_path);
		}
		break;
	}
	seq_puts(m, " comm=");
	forkstat_seq_comm(m, c->comm);
	seq_putc(m, '\n');
}

int forkstat_sock_show(struct seq_file *m)
{
	struct forkstat_clear *copy;
	unsigned long irqflags;
	u64 total, i;
	int p;

	forkstat_probes_show(m, forkstat_sock_probes,
			     ARRAY_SIZE(forkstat_sock_probes));
	seq_printf(m, "sockmethod fcntl=%s ioctl=%s blocked=%s\n",
		   forkstat_probe_used(&forkstat_do_fcntl),
		   forkstat_probe_used(&forkstat_do_vfs_ioctl),
		   forkstat_probe_used(&forkstat_sock_recvmsg));
	for (p = 0; p < FORKSTAT_NR_PATHS; p++)
		seq_printf(m, "sockmode path=%s clears=%lld sets=%lld\n",
			   forkstat_path_names[p],
			   (long long)atomic64_read(&forkstat_mode_changes[p][0]),
			   (long long)atomic64_read(&forkstat_mode_changes[p][1]));

	copy = kvmalloc_array(sock_ring, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	raw_spin_lock_irqsave(&forkstat_clear_lock, irqflags);
	total = forkstat_clears_total;
	memcpy(copy, forkstat_clear_ring, sock_ring * sizeof(*copy));
	raw_spin_unlock_irqrestore(&forkstat_clear_lock, irqflags);

	seq_printf(m, "sockcfg ring=%u total=%llu bytes=%zu\n", sock_ring, total,
		   sock_ring * sizeof(*forkstat_clear_ring));
	for (i = total > sock_ring ? total - sock_ring : 0; i < total; i++)
		forkstat_clear_show(m, &copy[i % sock_ring]);
	kvfree(copy);
	return 0;
}

/* A sockclear line is under 512 bytes, a unix path included. */
size_t forkstat_sock_show_size(void)
{
	return (size_t)sock_ring * 512;
}

void forkstat_sock_reset(void)
{
	unsigned long irqflags;
	int p;

	forkstat_probes_reset(forkstat_sock_probes,
			      ARRAY_SIZE(forkstat_sock_probes));
	for (p = 0; p < FORKSTAT_NR_PATHS; p++) {
		atomic64_set(&forkstat_mode_changes[p][0], 0);
		atomic64_set(&forkstat_mode_changes[p][1], 0);
	}
	raw_spin_lock_irqsave(&forkstat_clear_lock, irqflags);
	forkstat_clears_total = 0;
	raw_spin_unlock_irqrestore(&forkstat_clear_lock, irqflags);
}
