// SPDX-License-Identifier: GPL-2.0
/*
 * Who reads /proc/forkstat, and what they may see of it: the access
 * policy, in the style of kptr_restrict and hidepid.
 *
 *   access=0  open: everyone sees everything, numbered as the initial
 *             PID namespace numbers it (single-tenant hosts).
 *   access=1  namespaced (default): a reader sees the processes its own
 *             PID namespace sees (or its proc mount's, if narrower),
 *             numbered as there (what getpid() returns inside a
 *             container), and socket records of its own
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
 * Within what a reader sees, a process's details (its call chains with
 * their files and addresses, its sockets and descriptors, where its
 * threads are blocked) follow /proc/PID/maps's rule, ptrace read access:
 * the reader's fs user and group are the process's real, effective and
 * saved ones and the process was dumpable (not setuid, setgid or made
 * undumpable), or the reader has CAP_SYS_PTRACE (access=0 shows them to
 * all). Others get the process's counts only. Decided per record from
 * the credentials the event was made with (who.h), so an exited process
 * is judged as it was. A proc mount with hidepid=invisible or noaccess
 * (a reader outside its gid=), or hidepid=ptraceable, hides the
 * processes whose details the reader may not see altogether, as /proc
 * does; subset=pid has no /proc/forkstat at all.
 *
 * Records keep references to the struct pid of the processes they name
 * (rows.c, slow.c, cow.c, sockmode.c, cleared.c), so that a process that has
 * exited is still placed in its namespaces and numbered as each numbers
 * it; the reader's view holds its PID namespace for as long as the file
 * is open, so a namespace torn down mid-read stays readable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "forkstat.h"
#include "param.h"

static unsigned int access = FORKSTAT_ACCESS_NAMESPACED;

/* Writable at run time by root; a file already open keeps its view. */
FORKSTAT_PARAM_UINT(access, FORKSTAT_ACCESS_OPEN, FORKSTAT_ACCESS_PRIVATE, 0644,
		    "Who sees what: 0 everyone everything, 1 own PID and network namespace, 2 also own user only and nothing host-wide (default 1)");

static const char *const forkstat_sees_names[] = {
	[FORKSTAT_SEES_ALL] = "all",
	[FORKSTAT_SEES_NAMESPACE] = "namespace",
	[FORKSTAT_SEES_OWN] = "own",
};

/* has_pid_permissions() for a process the reader may not ptrace. */
static bool forkstat_reader_hidepid(struct file *file)
{
	struct proc_fs_info *fs_info = proc_sb_info(file_inode(file)->i_sb);

	if (fs_info->hide_pid == HIDEPID_NOT_PTRACEABLE)
		return true;
	return fs_info->hide_pid >= HIDEPID_NO_ACCESS && !in_group_p(fs_info->pid_gid);
}

/*
 * The narrower of the opener's PID namespace and its proc mount's: the
 * opener's when it lives inside the mount's (a container reading the
 * host's /proc sees its own processes, as it always did), else the
 * mount's, as that /proc numbers and shows. Not the opener's alone: a
 * host user could open the file through the proc mount of a namespace
 * it made, without hidepid=, and see every host process that the host
 * /proc's hidepid= hides from it.
 */
static struct pid_namespace *forkstat_reader_pid_ns(struct file *file)
{
	struct pid_namespace *mnt = proc_sb_info(file_inode(file)->i_sb)->pid_ns;
	struct pid_namespace *own = task_active_pid_ns(current), *ns = own;

	while (ns && ns->level > mnt->level)
		ns = ns->parent;
	return ns == mnt ? own : mnt;
}

struct forkstat_reader *forkstat_reader_new(struct file *file)
{
	struct forkstat_reader *r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	bool root;

	if (!r)
		return NULL;
	r->access = READ_ONCE(access);
	r->pid_ns = get_pid_ns(forkstat_reader_pid_ns(file));
	r->net_cookie = current->nsproxy->net_ns->net_cookie;
	r->uid = current_uid();
	r->admin = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	r->ptrace = file_ns_capable(file, &init_user_ns, CAP_SYS_PTRACE);
	r->fsuid = current_fsuid();
	r->fsgid = current_fsgid();
	r->hidepid = forkstat_reader_hidepid(file);
	r->cgroup_init = current->nsproxy->cgroup_ns->ns.inum == PROC_CGROUP_INIT_INO;
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
 * leader's or a thread's struct pid), made with cred, or 0 when it may
 * not see it. A NULL pid (no process recorded) reads as 0.
 */
pid_t forkstat_reader_pid(const struct forkstat_reader *r, struct pid *pid,
			  const struct forkstat_cred *cred)
{
	if (!pid)
		return 0;
	if (r->sees == FORKSTAT_SEES_ALL)
		return pid_nr(pid);
	if (r->sees == FORKSTAT_SEES_OWN && !uid_eq(cred->uid, r->uid))
		return 0;
	if (r->hidepid && !forkstat_reader_sees_details(r, cred))
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
 * The details of a process made with cred: what /proc/PID/maps, fd and
 * syscall show only to whom may ptrace it (see the top of this file).
 */
bool forkstat_reader_sees_details(const struct forkstat_reader *r,
				  const struct forkstat_cred *cred)
{
	if (r->sees == FORKSTAT_SEES_ALL || r->ptrace)
		return true;
	return !cred->shielded && uid_eq(cred->uid, r->fsuid) &&
	       gid_eq(cred->gid, r->fsgid);
}

/*
 * Every process's counts: figures summed over processes without naming
 * them may be shown (evicted.c). Not in a container, under hidepid or
 * at access=2, where some rows are hidden from the reader.
 */
bool forkstat_reader_sees_every_row(const struct forkstat_reader *r)
{
	return r->sees == FORKSTAT_SEES_ALL ||
	       (r->sees == FORKSTAT_SEES_NAMESPACE && r->pid_ns == &init_pid_ns &&
		!r->hidepid);
}

bool forkstat_reader_sees_cgroup_paths(const struct forkstat_reader *r)
{
	return r->sees == FORKSTAT_SEES_ALL || r->cgroup_init;
}

bool forkstat_reader_sees_host(const struct forkstat_reader *r)
{
	return r->sees != FORKSTAT_SEES_OWN;
}

/*
 * Whether a and b see the same document: every field of the view, as
 * any may change what is shown (a snapshot shared at a user's limit,
 * snapshot.c, must be of the reader's own view).
 */
bool forkstat_reader_same_view(const struct forkstat_reader *a,
			       const struct forkstat_reader *b)
{
	return a->access == b->access && a->sees == b->sees &&
	       a->pid_ns == b->pid_ns && a->net_cookie == b->net_cookie &&
	       uid_eq(a->uid, b->uid) && a->admin == b->admin &&
	       uid_eq(a->fsuid, b->fsuid) && gid_eq(a->fsgid, b->fsgid) &&
	       a->ptrace == b->ptrace && a->hidepid == b->hidepid &&
	       a->cgroup_init == b->cgroup_init;
}

void forkstat_reader_show(struct seq_file *m, const struct forkstat_reader *r)
{
	bool all = r->sees == FORKSTAT_SEES_ALL || r->ptrace;

	seq_printf(m, "reader access=%u sees=%s pidns_level=%u totals=%s details=%s hidepid=%d\n",
		   r->access, forkstat_sees_names[r->sees], r->pid_ns->level,
		   forkstat_reader_sees_host(r) ? "host" : "none",
		   all ? "all" : "ptraceable", !all && r->hidepid);
}
