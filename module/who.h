/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who made an event, as a record keeps it: the struct pid of the thread
 * and of its thread group leader (so that the record still places the
 * process in its namespaces after it has exited: reader.c), what its
 * credentials were (what decides, the way /proc/PID decides, who may see
 * its details: reader.c), and its cgroup v2 id at the time.
 *
 * Filled from current without references (valid while current runs):
 * a ring takes its own as it stores the record (ring.c), a copy-on-write
 * watch with forkstat_who_get(). Taking them never sleeps; letting them
 * go may free a struct pid and its PID namespace, which takes sleeping
 * locks on PREEMPT_RT: never in a probe handler (release.c).
 */
#ifndef FORKSTAT_WHO_H
#define FORKSTAT_WHO_H

#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>

/*
 * What /proc/PID's ptrace rule (ptrace_may_access, PTRACE_MODE_READ) asks
 * of a process, taken when it made the event: its real user and group,
 * and whether it is shielded from them, as a setuid or setgid program
 * (its ids differ) or one made not dumpable is.
 */
struct forkstat_cred {
	kuid_t uid;
	kgid_t gid;
	bool shielded;
};

static inline void forkstat_cred_of(struct forkstat_cred *c, const struct cred *cred,
				    struct mm_struct *mm)
{
	c->uid = cred->uid;
	c->gid = cred->gid;
	c->shielded = !uid_eq(cred->uid, cred->euid) ||
		      !uid_eq(cred->uid, cred->suid) ||
		      !gid_eq(cred->gid, cred->egid) ||
		      !gid_eq(cred->gid, cred->sgid) ||
		      !mm || get_dumpable(mm) != SUID_DUMP_USER;
}

/* current's: its own cred and mm stay while it runs. */
static inline void forkstat_cred_current(struct forkstat_cred *c)
{
	forkstat_cred_of(c, current_cred(), current->mm);
}

struct forkstat_who {
	struct pid *pid;	/* the thread */
	struct pid *tgid;	/* its process */
	struct forkstat_cred cred;
	u64 cgroup;		/* cgroup v2 id, as in /sys/fs/cgroup's inodes */
};

static inline u64 forkstat_task_cgroup(struct task_struct *t)
{
	u64 id = 0;

#ifdef CONFIG_CGROUPS
	rcu_read_lock();
	id = cgroup_id(task_dfl_cgroup(t));
	rcu_read_unlock();
#endif
	return id;
}

/* current, borrowed: no references taken. */
static inline void forkstat_who_current(struct forkstat_who *w)
{
	w->pid = task_pid(current);
	w->tgid = task_tgid(current);
	forkstat_cred_current(&w->cred);
	w->cgroup = forkstat_task_cgroup(current);
}

/* A copy with references of its own. */
static inline void forkstat_who_get(struct forkstat_who *dst,
				    const struct forkstat_who *src)
{
	*dst = *src;
	get_pid(dst->pid);
	get_pid(dst->tgid);
}

/* Process context only: the references may be the last. */
static inline void forkstat_who_put(struct forkstat_who *w)
{
	put_pid(w->pid);
	put_pid(w->tgid);
	w->pid = NULL;
	w->tgid = NULL;
}

#endif /* FORKSTAT_WHO_H */
