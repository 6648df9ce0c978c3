// SPDX-License-Identifier: GPL-2.0
/*
 * Who reads /proc/forkstat, and what they may see of it: the access
 * policy, in the style of kptr_restrict and hidepid.
 *
 *   access=0  open: everyone sees everything, numbered as the initial
 *             PID namespace numbers it (single-tenant hosts).
 *   access=1  namespaced (default): a reader sees the processes its own
 *             PID namespace sees, numbered as there (what getpid()
 *             returns inside a container), and socket records of its own
 *             network namespace. Host-wide totals and histograms carry
 *             no identity and are shown, as /proc/stat shows every
 *             reader the host's count of forks.
 *   access=2  private: as 1, and a reader without CAP_SYS_ADMIN in the
 *             initial user namespace sees only its own user's processes
 *             and nothing host-wide (probes, totals, histograms).
 *
 * Root in the initial namespaces (CAP_SYS_ADMIN in the initial user
 * namespace, reading from the initial PID namespace) sees everything at
 * every level. The view is taken when the file is opened, with the
 * opener's credentials and namespaces, as a write's permission is: a
 * descriptor passed to another process keeps the opener's view.
 *
 * Records keep references to the struct pid of the processes they name
 * (rows.c, slow.c, cow.c, sockmode.c, cleared.c), so that a process that has
 * exited is still placed in its namespaces and numbered as each numbers
 * it; the reader's view holds its PID namespace for as long as the file
 * is open, so a namespace torn down mid-read stays readable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "forkstat.h"

static unsigned int access = FORKSTAT_ACCESS_NAMESPACED;

static int forkstat_set_access(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, FORKSTAT_ACCESS_OPEN,
				     FORKSTAT_ACCESS_PRIVATE);
}

static const struct kernel_param_ops forkstat_access_ops = {
	.set = forkstat_set_access,
	.get = param_get_uint,
};

/* Writable at run time by root; a file already open keeps its view. */
module_param_cb(access, &forkstat_access_ops, &access, 0644);
MODULE_PARM_DESC(access,
		 "Who sees what: 0 everyone everything, 1 own PID and network namespace, 2 also own user only and nothing host-wide (default 1)");

static const char *const forkstat_sees_names[] = {
	[FORKSTAT_SEES_ALL] = "all",
	[FORKSTAT_SEES_NAMESPACE] = "namespace",
	[FORKSTAT_SEES_OWN] = "own",
};

struct forkstat_reader *forkstat_reader_new(struct file *file)
{
	struct forkstat_reader *r = kzalloc(sizeof(*r), GFP_KERNEL);
	bool root;

	if (!r)
		return NULL;
	r->access = READ_ONCE(access);
	r->pid_ns = get_pid_ns(task_active_pid_ns(current));
	r->net_cookie = current->nsproxy->net_ns->net_cookie;
	r->uid = current_uid();
	r->admin = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	root = r->admin && r->pid_ns == &init_pid_ns;
	if (root || r->access == FORKSTAT_ACCESS_OPEN)
		r->sees = FORKSTAT_SEES_ALL;
	else if (r->access == FORKSTAT_ACCESS_PRIVATE && !r->admin)
		r->sees = FORKSTAT_SEES_OWN;
	else
		r->sees = FORKSTAT_SEES_NAMESPACE;
	return r;
}

void forkstat_reader_free(struct forkstat_reader *r)
{
	if (!r)
		return;
	put_pid_ns(r->pid_ns);
	kfree(r);
}

/*
 * The number the reader knows the process of pid by (a thread group
 * leader's or a thread's struct pid), or 0 when it may not see it. A
 * NULL pid (no process recorded) reads as 0.
 */
pid_t forkstat_reader_pid(const struct forkstat_reader *r, struct pid *pid,
			  kuid_t uid)
{
	if (!pid)
		return 0;
	if (r->sees == FORKSTAT_SEES_ALL)
		return pid_nr(pid);
	if (r->sees == FORKSTAT_SEES_OWN && !uid_eq(uid, r->uid))
		return 0;
	return pid_nr_ns(pid, r->pid_ns);
}

/* A number for display only: 0 where the reader cannot name it. */
pid_t forkstat_reader_nr(const struct forkstat_reader *r, struct pid *pid)
{
	if (!pid)
		return 0;
	return r->sees == FORKSTAT_SEES_ALL ? pid_nr(pid) : pid_nr_ns(pid, r->pid_ns);
}

bool forkstat_reader_sees_net(const struct forkstat_reader *r, u64 net_cookie)
{
	return r->sees == FORKSTAT_SEES_ALL || net_cookie == r->net_cookie;
}

/*
 * Raw user addresses of a process of uid: its memory layout, which
 * /proc/PID/maps shows only to whom may ptrace it. Here: a reader that
 * sees all, or one of the same user.
 */
bool forkstat_reader_sees_addrs(const struct forkstat_reader *r, kuid_t uid)
{
	return r->sees == FORKSTAT_SEES_ALL || uid_eq(uid, r->uid);
}

bool forkstat_reader_sees_host(const struct forkstat_reader *r)
{
	return r->sees != FORKSTAT_SEES_OWN;
}

/* Whether a and b see the same document. */
bool forkstat_reader_same_view(const struct forkstat_reader *a,
			       const struct forkstat_reader *b)
{
	return a->access == b->access && a->sees == b->sees &&
	       a->pid_ns == b->pid_ns && a->net_cookie == b->net_cookie &&
	       uid_eq(a->uid, b->uid) && a->admin == b->admin;
}

void forkstat_reader_show(struct seq_file *m, const struct forkstat_reader *r)
{
	seq_printf(m, "reader access=%u sees=%s pidns_level=%u totals=%s\n",
		   r->access, forkstat_sees_names[r->sees], r->pid_ns->level,
		   forkstat_reader_sees_host(r) ? "host" : "none");
}
