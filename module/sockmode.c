// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets switched between blocking and non-blocking mode.
 *
 * fcntl(F_SETFL) ends in do_fcntl(fd, cmd, arg, filp) and ioctl(FIONBIO)
 * in do_vfs_ioctl(filp, fd, cmd, arg). Both commands are handled inline
 * there, so every fcntl and every ioctl on the machine passes the probes:
 * they are entry probes (probes.h), and their handler tests its one
 * command and returns. That test is all any other call pays; a return
 * probe would cost each of them about a hundred instructions more, kept
 * or not.
 *
 * A call that may change a socket's O_NONBLOCK (F_SETFL asking for the
 * other mode; FIONBIO, whose wish is in user memory that may not be
 * readable here) leaves a check to the calling thread (later.c), holding
 * a reference to the open file and the flag before the call. The check
 * runs as the thread returns to user space, right after the call, in
 * process context, and compares the flag again: only a change that
 * happened is counted, so a failed call, a no-op, a pipe or a tty records
 * nothing. Then it files the change: counters, the process's row, the
 * table of cleared sockets and, for a clear, the sockclear ring with the
 * thread's user call chain (ustack.c), taken there and then. A set that
 * undoes a clear of that table goes with its chain to the sockset ring:
 * who switched the socket back. Other sets, as common as new connections
 * in servers that set their sockets non-blocking (settimeout(),
 * configureBlocking(false)), take no chain: its cost stays bounded by
 * the clears'.
 *
 * A thread parked inside the call (FIONBIO's argument on a userfaultfd
 * page) or stopped after it keeps its check; it pins nothing (later.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/moduleparam.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/ioctls.h>

#include "forkstat.h"
#include "param.h"
#include "ring.h"

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

FORKSTAT_PARAM_UINT(sock_ring, 1, 4096, 0444,
		    "O_NONBLOCK clears on sockets remembered, and sets that undo one, 1..4096 each (default 64)");

/* One clear, or set, as /proc/forkstat shows it. */
struct forkstat_clear {
	u64 time_ns;
	struct forkstat_who who;
	int fd;
	enum forkstat_sock_path path;
	struct forkstat_sockdesc sd;
	u64 stack;		/* its user call chain (ustack.c), 0: none */
	char comm[TASK_COMM_LEN];
};

#define FORKSTAT_CLEAR_RING						\
	FORKSTAT_RING(struct forkstat_clear,				\
		      offsetof(struct forkstat_clear, who.pid),		\
		      offsetof(struct forkstat_clear, who.tgid))

static struct forkstat_ring forkstat_clear_ring = FORKSTAT_CLEAR_RING;
static struct forkstat_ring forkstat_set_ring = FORKSTAT_CLEAR_RING;

/* Mode changes per path: [path][0] to blocking (clears), [path][1] sets. */
static atomic64_t forkstat_mode_changes[FORKSTAT_NR_PATHS][2];

/* Runs in the thread that made the change, in process context. */
static void forkstat_mode_changed(struct file *filp, int fd,
				  enum forkstat_sock_path path, bool now_nonblock)
{
	/* One time for the change, wherever it is filed. */
	u64 time_ns = ktime_get_real_ns();
	struct forkstat_sockdesc sd;
	struct forkstat_clear c;

	if (!forkstat_sockdesc_fill(&sd, filp))
		return;
	atomic64_inc(&forkstat_mode_changes[path][now_nonblock]);
	forkstat_rows_add_sock_mode(now_nonblock, time_ns);
	if (!forkstat_cleared_note(sd.ino, now_nonblock, time_ns) && now_nonblock)
		return;

	c.time_ns = time_ns;
	forkstat_who_current(&c.who);
	c.fd = fd;
	c.path = path;
	c.sd = sd;
	forkstat_current_comm(c.comm);
	c.stack = forkstat_ustack_take();
	forkstat_ring_add(now_nonblock ? &forkstat_set_ring : &forkstat_clear_ring, &c);
}

/* Calls whose check found no pending work free (later.c), or none queued. */
static atomic64_t forkstat_checks_untracked;

static void forkstat_check_run(struct forkstat_later *l)
{
	bool now_nonblock = READ_ONCE(l->filp->f_flags) & O_NONBLOCK;

	if (now_nonblock != l->check.was_nonblock)
		forkstat_mode_changed(l->filp, l->check.fd, l->check.path,
				      now_nonblock);
}

/*
 * want_nonblock is the mode the call asks for, or -1 when unknown. Runs
 * in a probe handler: no sleeping, no allocation.
 */
static void forkstat_mode_call(struct forkstat_probe *p, struct file *filp,
			       int fd, enum forkstat_sock_path path,
			       int want_nonblock)
{
	struct forkstat_later *l;
	bool was_nonblock;

	if (!filp || !S_ISSOCK(file_inode(filp)->i_mode))
		return;
	forkstat_probe_hit(p);
	was_nonblock = READ_ONCE(filp->f_flags) & O_NONBLOCK;
	if (want_nonblock == was_nonblock)
		return;		/* asks for the mode it has: nothing changes */
	/* Only a user thread comes back to user space to run the check. */
	if (current->flags & FORKSTAT_NOT_USER)
		goto untracked;
	l = forkstat_later_get();
	if (!l)
		goto untracked;
	l->filp = get_file(filp);	/* the caller holds one: never the last */
	l->check.fd = fd;
	l->check.path = path;
	l->check.was_nonblock = was_nonblock;
	if (forkstat_later_queue(l, forkstat_check_run))
		return;
untracked:
	atomic64_inc(&forkstat_checks_untracked);
}

static struct forkstat_probe forkstat_do_fcntl;
static struct forkstat_probe forkstat_do_vfs_ioctl;

/* do_fcntl(fd, cmd, arg, filp); F_SETFL sets O_NONBLOCK to arg's bit. */
static void forkstat_do_fcntl_entry(struct pt_regs *regs)
{
	unsigned long arg;

	if (regs_get_kernel_argument(regs, 1) != F_SETFL)
		return;
	arg = regs_get_kernel_argument(regs, 2);
	forkstat_mode_call(&forkstat_do_fcntl,
			   (void *)regs_get_kernel_argument(regs, 3),
			   regs_get_kernel_argument(regs, 0), FORKSTAT_PATH_FCNTL,
			   !!(arg & O_NONBLOCK));
}

/*
 * do_vfs_ioctl(filp, fd, cmd, arg); FIONBIO reads an int at arg. Not
 * inlined: its local, whose address is taken, would give the common path
 * of the caller the stack protector's ten instructions.
 */
static noinline void forkstat_fionbio(struct pt_regs *regs)
{
	const int __user *argp;
	int on, want = -1;

	argp = (const int __user *)regs_get_kernel_argument(regs, 3);
	/* Fails without faulting when the page is not there: then unknown. */
	if (!copy_from_user_nofault(&on, argp, sizeof(on)))
		want = !!on;
	forkstat_mode_call(&forkstat_do_vfs_ioctl,
			   (void *)regs_get_kernel_argument(regs, 0),
			   regs_get_kernel_argument(regs, 1), FORKSTAT_PATH_IOCTL,
			   want);
}

static void forkstat_do_vfs_ioctl_entry(struct pt_regs *regs)
{
	if (regs_get_kernel_argument(regs, 2) == FIONBIO)
		forkstat_fionbio(regs);
}

FORKSTAT_PROBE(forkstat_do_fcntl, "do_fcntl", forkstat_do_fcntl_entry);
FORKSTAT_PROBE(forkstat_do_vfs_ioctl, "do_vfs_ioctl", forkstat_do_vfs_ioctl_entry);

static struct forkstat_probe *const forkstat_sockmode_probes[] = {
	&forkstat_do_fcntl,
	&forkstat_do_vfs_ioctl,
};

int forkstat_sockmode_init(void)
{
	int ret = forkstat_ring_init(&forkstat_clear_ring, sock_ring);

	if (ret)
		return ret;
	ret = forkstat_ring_init(&forkstat_set_ring, sock_ring);
	if (ret)
		forkstat_ring_exit(&forkstat_clear_ring);
	return ret;
}

void forkstat_sockmode_exit(void)
{
	forkstat_ring_exit(&forkstat_clear_ring);
	forkstat_ring_exit(&forkstat_set_ring);
}

void forkstat_sockmode_attach(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(forkstat_sockmode_probes); i++)
		forkstat_probe_register(forkstat_sockmode_probes[i], false);
}

/* Checks still pending are later.c's to orphan, after this. */
void forkstat_sockmode_detach(void)
{
	forkstat_probes_unregister(forkstat_sockmode_probes,
				   ARRAY_SIZE(forkstat_sockmode_probes));
}

/*
 * Only the reader's own network namespace's, by processes whose details
 * it may see: a record names a descriptor and its socket.
 */
static void forkstat_clear_show(struct seq_file *m, const struct forkstat_reader *r,
				const char *type, const struct forkstat_clear *c)
{
	pid_t tgid = forkstat_reader_pid(r, c->who.tgid, &c->who.cred);

	if (!tgid || !forkstat_reader_sees_net(r, c->sd.net_cookie) ||
	    !forkstat_reader_sees_details(r, &c->who.cred))
		return;
	seq_printf(m, "%s time_ns=%llu pid=%d tgid=%d fd=%d path=%s", type,
		   c->time_ns, forkstat_reader_nr(r, c->who.pid), tgid, c->fd,
		   forkstat_path_names[c->path]);
	forkstat_sockdesc_show(m, &c->sd);
	seq_printf(m, " cgroup=%llu stack=%llu comm=", c->who.cgroup, c->stack);
	forkstat_seq_comm(m, c->comm);
	seq_putc(m, '\n');
	forkstat_ustack_show(m, c->stack);
}

/* Host-wide counts: probe health, changes per path, the cleared table. */
static void forkstat_sockmode_show_host(struct seq_file *m)
{
	int p;

	forkstat_probes_show(m, forkstat_sockmode_probes,
			     ARRAY_SIZE(forkstat_sockmode_probes));
	seq_printf(m, "sockmethod fcntl=%s ioctl=%s blocked=%s\n",
		   forkstat_probe_used(&forkstat_do_fcntl),
		   forkstat_probe_used(&forkstat_do_vfs_ioctl),
		   IS_ENABLED(CONFIG_X86_64) ? "scan" : "none");
	seq_printf(m, "sockhealth untracked=%lld\n",
		   (long long)atomic64_read(&forkstat_checks_untracked));
	for (p = 0; p < FORKSTAT_NR_PATHS; p++)
		seq_printf(m, "sockmode path=%s clears=%lld sets=%lld\n",
			   forkstat_path_names[p],
			   (long long)atomic64_read(&forkstat_mode_changes[p][0]),
			   (long long)atomic64_read(&forkstat_mode_changes[p][1]));
	forkstat_cleared_show(m);
}

/* One ring's records, oldest first: those the reader may see. */
static int forkstat_changes_show(struct seq_file *m, const struct forkstat_reader *r,
				 struct forkstat_ring *ring, const char *cfg,
				 const char *type)
{
	struct forkstat_clear *copy;
	unsigned int i, count;
	u64 total, lost;
	bool host = forkstat_reader_sees_host(r);

	copy = forkstat_ring_copy(ring, &count, &total, &lost);
	if (!copy)
		return -ENOMEM;
	seq_printf(m, "%s ring=%u total=%llu lost=%llu bytes=%zu\n", cfg, sock_ring,
		   host ? total : 0, host ? lost : 0,
		   sock_ring * sizeof(struct forkstat_clear));
	for (i = 0; i < count; i++)
		forkstat_clear_show(m, r, type, &copy[i]);
	forkstat_ring_free_copy(ring, copy, count);
	return 0;
}

int forkstat_sockmode_show(struct seq_file *m, const struct forkstat_reader *r)
{
	int ret;

	if (forkstat_reader_sees_host(r))
		forkstat_sockmode_show_host(m);
	ret = forkstat_changes_show(m, r, &forkstat_clear_ring, "sockcfg", "sockclear");
	if (!ret)
		ret = forkstat_changes_show(m, r, &forkstat_set_ring, "socksetcfg", "sockset");
	return ret;
}

/* A sockclear or sockset line is under 512 bytes, a unix path included. */
size_t forkstat_sockmode_show_size(void)
{
	return (size_t)sock_ring * 2 * 512;
}

void forkstat_sockmode_reset(void)
{
	int p;

	forkstat_probes_reset(forkstat_sockmode_probes,
			      ARRAY_SIZE(forkstat_sockmode_probes));
	atomic64_set(&forkstat_checks_untracked, 0);
	for (p = 0; p < FORKSTAT_NR_PATHS; p++) {
		atomic64_set(&forkstat_mode_changes[p][0], 0);
		atomic64_set(&forkstat_mode_changes[p][1], 0);
	}
	forkstat_ring_reset(&forkstat_clear_ring);
	forkstat_ring_reset(&forkstat_set_ring);
}
