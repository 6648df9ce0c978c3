// SPDX-License-Identifier: GPL-2.0
/*
 * OOM kills: one "oom" record per out_of_memory() call that killed a
 * process, found its victim already exiting, or found nothing it may
 * kill, in a ring of the last oom_ring. Calls that only waited for an
 * earlier victim to go, or that an OOM notifier or a !__GFP_FS
 * allocation settled, are counted, not recorded.
 *
 * Hooks, none on an allocation path: out_of_memory's entry and return
 * (the trigger is current; the oom_control, its caller's, says why and
 * whom it chose), __oom_kill_process's entry (the next victim marked is
 * killed, not found exiting) and the oom:mark_victim tracepoint (each
 * victim, its task locked and its mm valid: the figures of the kernel's
 * "Killed process" line). The kernel runs out_of_memory under oom_lock,
 * so one call is followed at a time, into one pending record; only its
 * return handler reads the oom_control, whose chosen task the kernel may
 * have let go of by the time a memory.oom.group kill marks the others.
 *
 * Handlers run with preemption off, inside the OOM path: they only take
 * references (the pids, the memory cgroup's css, each victim's mm
 * struct, never its users) and never allocate. Each victim walks its
 * own mappings (oomwalk.c) for resident memory by class, in task work
 * as its SIGKILL wakes it, before it lets go of them. A work item on a
 * reclaim-safe workqueue finishes the record in process context: it
 * walks the victims that cannot, names the memory cgroup, drops the
 * references that are not the record's and stores the record, in the
 * order of the calls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/delay.h>
#include <linux/kdev_t.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/oom.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "forkstat.h"
#include "param.h"
#include "oom.h"

static unsigned int oom_ring = 16;

FORKSTAT_PARAM_UINT(oom_ring, 0, 1024, 0444,
		    "OOM records remembered, 0..1024, 0 follows none (default 16)");

/* Records between the handlers and the work item. */
#define FORKSTAT_OOM_PENDING	4

enum forkstat_oom_result {
	FORKSTAT_OOM_KILLED,	/* a victim was sent SIGKILL */
	FORKSTAT_OOM_EXITING,	/* the victim was exiting already: marked only */
	FORKSTAT_OOM_NONE,	/* nothing it may kill */
};

static const char *const forkstat_oom_results[] = {
	[FORKSTAT_OOM_KILLED] = "killed",
	[FORKSTAT_OOM_EXITING] = "exiting",
	[FORKSTAT_OOM_NONE] = "none",
};

/* What ran out, by enum oom_constraint (include/linux/oom.h). */
static const char *const forkstat_oom_constraints[] = {
	[CONSTRAINT_NONE] = "global",
	[CONSTRAINT_CPUSET] = "cpuset",
	[CONSTRAINT_MEMORY_POLICY] = "mempolicy",
	[CONSTRAINT_MEMCG] = "memcg",
};

struct forkstat_oom_victim {
	struct pid *pid, *tgid;		/* references */
	struct forkstat_cred cred;
	u64 cgroup;
	bool killed, chosen;
	short score_adj;
	long points;			/* the badness it was chosen by */
	unsigned long total_vm_kb, anon_kb, file_kb, shmem_kb, swap_kb, pgtables_kb;
	char comm[TASK_COMM_LEN];
	/* Pending only: its mm (mmgrab) for the walk, and the task compared. */
	struct mm_struct *mm;
	unsigned long key;
	u8 walk;			/* who walks its mappings: FORKSTAT_OOM_BY_... */
	bool walked;			/* by the work item, ahead of the store */
	struct forkstat_oom_regions reg;
};

enum {
	FORKSTAT_OOM_BY_WORKER,		/* the work item, if its mm is still there */
	FORKSTAT_OOM_BY_VICTIM,		/* the victim, in task work: not yet */
	FORKSTAT_OOM_BY_VICTIM_DONE,	/* the victim did */
};

struct forkstat_oom {
	u64 id;				/* 0: an empty slot */
	u64 time_ns;			/* CLOCK_REALTIME at out_of_memory's entry */
	u8 result, constraint;
	u64 memcg;			/* the memory cgroup whose limit fired, or 0 */
	unsigned long limit_kb, usage_kb;
	char memcg_path[FORKSTAT_OOM_PATH];	/* its tail when longer */
	u32 gfp;
	int order;
	unsigned long domain_kb;	/* the OOM domain's size */
	struct forkstat_who trigger;	/* with references */
	char comm[TASK_COMM_LEN];
	u64 stack;			/* the trigger's chain (ustack.c), 0: none */
	/* result=none again, same trigger and memcg: folded in (a retried fault). */
	u64 repeats, last_ns;
	unsigned int nvictims, victims;	/* kept, marked */
	unsigned int kills;		/* victims marked killed */
	struct forkstat_oom_victim victim[FORKSTAT_OOM_VICTIMS];
};

/* A record on its way from the handlers to the ring. */
struct forkstat_oom_pending {
	atomic_t state;			/* FORKSTAT_OOM_FREE ... */
	u64 seq;			/* the order of the calls */
	unsigned long ready;		/* jiffies when its call returned */
	bool abandoned;			/* its call's return was never seen */
	struct mem_cgroup *memcg;	/* a css reference, or NULL */
	/* The task given its walk at __oom_kill_process; compared only. */
	unsigned long walk_queued;
	struct forkstat_oom rec;
};

enum {
	FORKSTAT_OOM_FREE,
	FORKSTAT_OOM_FILLING,		/* out_of_memory runs */
	FORKSTAT_OOM_READY,		/* for the work item */
	FORKSTAT_OOM_FINISHING,		/* taken by the work item, or the unload */
};

/* later.c's work names a slot and a victim in a byte each. */
static_assert(FORKSTAT_OOM_PENDING <= U8_MAX + 1 && FORKSTAT_OOM_VICTIMS < U8_MAX);

/* One out_of_memory call followed: its probe's data. */
struct forkstat_oom_call {
	struct forkstat_oom_pending *p;
	struct oom_control *oc;
};

static struct forkstat_oom_pending forkstat_oom_pending[FORKSTAT_OOM_PENDING];
/* The pending record of the out_of_memory call in progress, or NULL. */
static struct forkstat_oom_pending *forkstat_oom_cur;
static u64 forkstat_oom_seq;
/*
 * The last call's, when it found nothing to kill: the same again is the
 * fault retried, folded into its record (forkstat_oom_store), no chain
 * taken. The pid is compared, never dereferenced (with its number, in
 * case a new process got the same struct); under oom_lock like the calls.
 */
static struct pid *forkstat_oom_none_tgid;
static pid_t forkstat_oom_none_nr;
static u64 forkstat_oom_none_memcg;
static struct workqueue_struct *forkstat_oom_wq;
/*
 * __oom_kill_process entered for this task: the next victim marked is
 * killed, not found exiting. Apart from the pending record, so that a
 * kill is counted when there is none (under oom_lock like the calls).
 */
static bool forkstat_oom_next_killed;
static unsigned long forkstat_oom_next_victim;	/* compared, never dereferenced */

static DEFINE_MUTEX(forkstat_oom_lock);	/* the ring, for the work item and readers */
static struct forkstat_oom *forkstat_oom_ring;
static u64 forkstat_oom_ids;

enum {
	FORKSTAT_OOMC_CALLS,		/* out_of_memory calls followed */
	FORKSTAT_OOMC_RECORDED,		/* into a record, or folded into one */
	FORKSTAT_OOMC_WAITED,		/* an earlier victim was still going */
	FORKSTAT_OOMC_SETTLED,		/* no victim needed */
	FORKSTAT_OOMC_KILLS,		/* victims marked killed */
	FORKSTAT_OOMC_LOST,		/* no pending room */
	FORKSTAT_OOMC_NR
};

static atomic64_t forkstat_oom_counts[FORKSTAT_OOMC_NR];

static void forkstat_oom_count(unsigned int c)
{
	atomic64_inc(&forkstat_oom_counts[c]);
}

/* Host-wide counts: 0 for a reader who sees no more than its namespaces. */
static long long forkstat_oom_read(unsigned int c, bool host)
{
	return host ? (long long)atomic64_read(&forkstat_oom_counts[c]) : 0LL;
}

static struct forkstat_probe forkstat_out_of_memory;
static struct forkstat_probe forkstat_oom_kill;
static void forkstat_oom_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(forkstat_oom_work, forkstat_oom_work_fn);
/*
 * How long a record waits for its victims' walks (they take
 * milliseconds) before the work item walks what they did not: well
 * before the OOM reaper empties them (OOM_REAPER_DELAY, 2 s).
 */
#define FORKSTAT_OOM_WALK_WAIT	(HZ / 2)
/* How long a victim's work looks for its mark: the OOM call's printing. */
#define FORKSTAT_OOM_MARK_WAIT	(2 * HZ)
/* How often the work item looks again meanwhile. */
#define FORKSTAT_OOM_WALK_POLL	(HZ / 50)

/*
 * out_of_memory(oc): claims a pending record for the trigger, current.
 * One still being filled is a call whose return was never seen (a
 * missed return probe): handed to the work item to let go of.
 */
static int forkstat_oom_entry(struct pt_regs *regs, struct forkstat_oom_call *call)
{
	struct oom_control *oc = (struct oom_control *)regs_get_kernel_argument(regs, 0);
	struct forkstat_oom_pending *p = READ_ONCE(forkstat_oom_cur);
	unsigned int i;

	forkstat_oom_next_killed = false;
	if (!oom_ring || !oc)
		return 1;
	forkstat_probe_hit(&forkstat_out_of_memory);
	forkstat_oom_count(FORKSTAT_OOMC_CALLS);
	if (p) {
		p->abandoned = true;
		atomic_set_release(&p->state, FORKSTAT_OOM_READY);
		queue_delayed_work(forkstat_oom_wq, &forkstat_oom_work, 0);
	}
	p = NULL;
	for (i = 0; i < FORKSTAT_OOM_PENDING; i++) {
		if (atomic_cmpxchg(&forkstat_oom_pending[i].state, FORKSTAT_OOM_FREE,
				   FORKSTAT_OOM_FILLING) == FORKSTAT_OOM_FREE) {
			p = &forkstat_oom_pending[i];
			break;
		}
	}
	WRITE_ONCE(forkstat_oom_cur, p);
	if (!p) {
		forkstat_oom_count(FORKSTAT_OOMC_LOST);
		return 1;
	}
	memset(&p->rec, 0, sizeof(p->rec));
	/* Read by victims' works without the lock, and checked again with it. */
	WRITE_ONCE(p->seq, ++forkstat_oom_seq);
	p->abandoned = false;
	p->memcg = NULL;
	p->walk_queued = 0;
	p->rec.time_ns = ktime_get_real_ns();
	call->p = p;
	call->oc = oc;
	return 0;
}

static void forkstat_oom_walk_later(struct forkstat_later *l);
static void forkstat_oom_walk_found(struct forkstat_later *l);

/*
 * A victim's walk is left to the victim, in task work: it runs it at
 * the top of get_signal(), before the SIGKILL it was sent makes it exit
 * (or current, when the trigger is killed with it, as it returns from
 * its allocation). So its mappings are walked while they are whole, and
 * no one holds its memory meanwhile (see forkstat_oom_mark_victim).
 * Without a free work, or for a thread that would not run it before
 * letting go of the mm, the work item walks: a kernel thread using a
 * user mm, io_uring's workers, an exiting thread (after exit_mm()), and
 * one stopped, traced or frozen, which its SIGKILL wakes inside
 * get_signal(), past its task work, on its way to exit. A victim parked
 * in the kernel runs the work late or never: after
 * FORKSTAT_OOM_WALK_WAIT the work item walks it, and later.c keeps the
 * module unpinned. v, the victim's place in the record, is known only
 * at oom:mark_victim; before that, FORKSTAT_OOM_NO_VICTIM.
 */
static bool forkstat_oom_queue_walk(struct forkstat_oom_pending *p, struct task_struct *task,
				    unsigned int v, void (*run)(struct forkstat_later *l))
{
	struct forkstat_later *l;

	/* frozen() is not exported: its test, and the cgroup freezer's trap. */
	if (task->flags & (FORKSTAT_NOT_USER | PF_EXITING) || task_is_stopped_or_traced(task) ||
	    READ_ONCE(task->__state) & TASK_FROZEN || READ_ONCE(task->jobctl) & JOBCTL_TRAP_FREEZE)
		return false;
	l = forkstat_later_get();
	if (!l)
		return false;
	l->oom.seq = p->seq;
	l->oom.slot = p - forkstat_oom_pending;
	l->oom.victim = v;
	return forkstat_later_queue_on(task, l, run);
}

#define FORKSTAT_OOM_NO_VICTIM	U8_MAX

/*
 * __oom_kill_process(victim, message): the next victim marked is
 * killed. Its walk is queued now, before the SIGKILL: once that is sent,
 * the victim may be in get_signal() on another CPU, past its task work,
 * before oom:mark_victim could queue it. The caller holds the task.
 */
static void forkstat_oom_kill_entry(struct pt_regs *regs)
{
	struct forkstat_oom_pending *p = READ_ONCE(forkstat_oom_cur);
	unsigned long victim = regs_get_kernel_argument(regs, 0);
	unsigned int i;

	forkstat_probe_hit(&forkstat_oom_kill);
	forkstat_oom_next_killed = true;
	forkstat_oom_next_victim = victim;
	if (!p)
		return;
	p->walk_queued = 0;
	/* Victims past those a record keeps are not walked. */
	if (!victim || p->rec.nvictims == FORKSTAT_OOM_VICTIMS)
		return;
	/* A memory.oom.group kill comes back to the chosen one: walked once. */
	for (i = 0; i < p->rec.nvictims; i++)
		if (p->rec.victim[i].key == victim)
			return;
	if (forkstat_oom_queue_walk(p, (struct task_struct *)victim,
				    FORKSTAT_OOM_NO_VICTIM, forkstat_oom_walk_found))
		p->walk_queued = victim;
}

/*
 * oom:mark_victim's part: v walked by the work queued for its task at
 * __oom_kill_process, or queued now (a victim found exiting, or a
 * thread of the trigger's process marked), to the locked task or to
 * current when the mm is current's.
 */
static void forkstat_oom_walk_by_victim(struct forkstat_oom_pending *p,
					struct forkstat_oom_victim *v,
					struct task_struct *task)
{
	if (v->killed && v->key == p->walk_queued) {
		/* Its work may wait for this on another CPU: v whole to its acquire. */
		smp_store_release(&v->walk, FORKSTAT_OOM_BY_VICTIM);
		return;
	}
	if (v->mm == current->mm)
		task = current;
	/* Another CPU may run the work at once: v whole, the walk its first. */
	smp_store_release(&v->walk, FORKSTAT_OOM_BY_VICTIM);
	if (!forkstat_oom_queue_walk(p, task, v - p->rec.victim, forkstat_oom_walk_later))
		WRITE_ONCE(v->walk, FORKSTAT_OOM_BY_WORKER);
}

/*
 * oom:mark_victim, with task locked and its mm valid (or current's own,
 * which stays). Takes the mm struct, never its users: the victim's exit
 * frees its memory, and stops counting for the OOM killer, as it would
 * without the module. (Holding the users would leave its memory charged
 * after its exit, and the OOM killer would kill again.) So the victim
 * walks itself: woken by its SIGKILL, it would mostly be gone before the
 * work item ran.
 */
static void forkstat_oom_mark_victim(void *data, struct task_struct *task, uid_t uid)
{
	struct forkstat_oom_pending *p = READ_ONCE(forkstat_oom_cur);
	struct mm_struct *mm = task->mm;
	struct forkstat_oom_victim *v;
	bool killed = forkstat_oom_next_killed;

	forkstat_oom_next_killed = false;
	if (killed) {
		forkstat_oom_count(FORKSTAT_OOMC_KILLS);
		forkstat_evicted_add_oom_kill(forkstat_task_cgroup(task));
	}
	if (!p)
		return;
	p->rec.victims++;
	if (killed)
		p->rec.kills++;
	if (!mm || p->rec.nvictims == FORKSTAT_OOM_VICTIMS)
		return;
	v = &p->rec.victim[p->rec.nvictims++];
	v->pid = get_pid(task_pid(task));
	v->tgid = get_pid(task_tgid(task));
	rcu_read_lock();
	forkstat_cred_of(&v->cred, __task_cred(task), mm);
	rcu_read_unlock();
	v->cgroup = forkstat_task_cgroup(task);
	v->killed = killed;
	/* The task __oom_kill_process was given: another thread of it may be marked. */
	v->key = killed ? forkstat_oom_next_victim : (unsigned long)task;
	v->score_adj = task->signal->oom_score_adj;
	v->total_vm_kb = mm->total_vm << (PAGE_SHIFT - 10);
	v->anon_kb = get_mm_counter(mm, MM_ANONPAGES) << (PAGE_SHIFT - 10);
	v->file_kb = get_mm_counter(mm, MM_FILEPAGES) << (PAGE_SHIFT - 10);
	v->shmem_kb = get_mm_counter(mm, MM_SHMEMPAGES) << (PAGE_SHIFT - 10);
	v->swap_kb = get_mm_counter(mm, MM_SWAPENTS) << (PAGE_SHIFT - 10);
	v->pgtables_kb = mm_pgtables_bytes(mm) >> 10;
	forkstat_task_comm(v->comm, task);
	mmgrab(mm);
	v->mm = mm;
	forkstat_oom_walk_by_victim(p, v, task);
}

/* Whether current's call repeats the last one that found nothing to kill. */
static bool forkstat_oom_repeat(struct forkstat_oom *o)
{
	bool same = o->trigger.tgid == forkstat_oom_none_tgid &&
		    task_tgid_nr(current) == forkstat_oom_none_nr &&
		    o->memcg == forkstat_oom_none_memcg;

	forkstat_oom_none_tgid = o->result == FORKSTAT_OOM_NONE ? o->trigger.tgid : NULL;
	forkstat_oom_none_nr = task_tgid_nr(current);
	forkstat_oom_none_memcg = o->memcg;
	return same && o->result == FORKSTAT_OOM_NONE;
}

/*
 * out_of_memory's return: what it did. A record for a kill, an exiting
 * victim or nothing killable goes to the work item; the rest is counted
 * and its pending record freed (it holds no references: no victim).
 * The oom_control is the caller's, still there; its chosen task is
 * compared, never dereferenced.
 */
static void forkstat_oom_ret(struct pt_regs *regs, struct forkstat_oom_call *call)
{
	struct forkstat_oom_pending *p = call->p;
	struct oom_control *oc = call->oc;
	bool ret = regs_return_value(regs) & 1;
	struct forkstat_oom *o = &p->rec;
	unsigned int i;

	WRITE_ONCE(forkstat_oom_cur, NULL);
	if (!o->victims && ret) {
		forkstat_oom_count(oc->chosen == (void *)-1UL ? FORKSTAT_OOMC_WAITED :
							       FORKSTAT_OOMC_SETTLED);
		atomic_set_release(&p->state, FORKSTAT_OOM_FREE);
		return;
	}
	if (o->kills)
		o->result = FORKSTAT_OOM_KILLED;
	else
		o->result = o->victims ? FORKSTAT_OOM_EXITING : FORKSTAT_OOM_NONE;
	for (i = 0; i < o->nvictims; i++) {
		struct forkstat_oom_victim *v = &o->victim[i];

		v->chosen = v->key == (unsigned long)oc->chosen;
		v->points = v->chosen ? oc->chosen_points : 0;
	}
	/* A memory cgroup's OOM whose current was exiting has no constraint set. */
	o->constraint = oc->memcg ? CONSTRAINT_MEMCG :
		min_t(unsigned int, oc->constraint, ARRAY_SIZE(forkstat_oom_constraints) - 1);
	o->gfp = (__force u32)oc->gfp_mask;
	o->order = oc->order;
	o->domain_kb = oc->totalpages << (PAGE_SHIFT - 10);
	if (oc->memcg) {
		o->memcg = cgroup_id(oc->memcg->css.cgroup);
		o->limit_kb = READ_ONCE(oc->memcg->memory.max) << (PAGE_SHIFT - 10);
		o->usage_kb = page_counter_read(&oc->memcg->memory) << (PAGE_SHIFT - 10);
		/* A get: the charge in progress holds the memcg meanwhile. */
		css_get(&oc->memcg->css);
		p->memcg = oc->memcg;
	}
	forkstat_who_current(&o->trigger);
	get_pid(o->trigger.pid);
	get_pid(o->trigger.tgid);
	forkstat_current_comm(o->comm);
	/* A retry's chain is the last one's. */
	o->repeats = forkstat_oom_repeat(o);
	if (!o->repeats)
		o->stack = forkstat_ustack_take_later();
	p->ready = jiffies;
	atomic_set_release(&p->state, FORKSTAT_OOM_READY);
	queue_delayed_work(forkstat_oom_wq, &forkstat_oom_work, 0);
}

/* One call at a time (every caller holds oom_lock): a few, never all used. */
FORKSTAT_RETPROBE(forkstat_out_of_memory, "out_of_memory", forkstat_oom_entry,
		  forkstat_oom_ret, struct forkstat_oom_call, 4);
FORKSTAT_PROBE(forkstat_oom_kill, "__oom_kill_process", forkstat_oom_kill_entry);

static struct forkstat_probe *const forkstat_oom_probes[] = {
	&forkstat_oom_kill,
	&forkstat_out_of_memory,
};

static struct tracepoint *forkstat_oom_tp;

static void forkstat_oom_put(struct forkstat_oom *o)
{
	unsigned int i;

	forkstat_who_put(&o->trigger);
	for (i = 0; i < o->nvictims; i++) {
		put_pid(o->victim[i].pid);
		put_pid(o->victim[i].tgid);
	}
	o->id = 0;
}

/*
 * Under forkstat_oom_lock: o into the ring, its references with it, or
 * folded into the last record when it found nothing to kill either,
 * for the same trigger and memory cgroup (the last record holds its
 * trigger's pid, so the pointers compared name the same process).
 */
static void forkstat_oom_store(struct forkstat_oom *o)
{
	struct forkstat_oom *last = &forkstat_oom_ring[forkstat_oom_ids % oom_ring];

	if (o->repeats && last->id && last->id == forkstat_oom_ids &&
	    last->result == FORKSTAT_OOM_NONE && last->memcg == o->memcg &&
	    last->trigger.tgid == o->trigger.tgid) {
		last->repeats++;
		last->last_ns = o->time_ns;
		forkstat_oom_put(o);
		forkstat_oom_count(FORKSTAT_OOMC_RECORDED);
		return;
	}
	o->id = ++forkstat_oom_ids;
	o->repeats = 0;
	o->last_ns = o->time_ns;
	last = &forkstat_oom_ring[o->id % oom_ring];
	if (last->id)
		forkstat_oom_put(last);
	*last = *o;
	forkstat_oom_count(FORKSTAT_OOMC_RECORDED);
}

/*
 * The memory cgroup's path, its tail when longer: cgroup_path() writes
 * its head, so the path goes through a buffer of its longest, static
 * (nothing is allocated under memory pressure), under forkstat_oom_lock.
 */
static char forkstat_oom_path_buf[PATH_MAX];

static void forkstat_oom_memcg_path(struct mem_cgroup *memcg, char *dst)
{
	char *buf = forkstat_oom_path_buf;
	int len = cgroup_path(memcg->css.cgroup, buf, PATH_MAX);

	if (len < 0 || len >= PATH_MAX) {
		strscpy(dst, "?", FORKSTAT_OOM_PATH);
		return;
	}
	len = strlen(buf);
	strscpy(dst, buf + max(0, len - (FORKSTAT_OOM_PATH - 1)), FORKSTAT_OOM_PATH);
}

/* Under forkstat_oom_lock: l's record still waits for this victim's walk. */
static bool forkstat_oom_walk_wanted(struct forkstat_later *l)
{
	struct forkstat_oom_pending *p = &forkstat_oom_pending[l->oom.slot];
	struct forkstat_oom_victim *v = &p->rec.victim[l->oom.victim];

	/* The mark first: its release orders the seq of its own record before it. */
	return smp_load_acquire(&v->walk) == FORKSTAT_OOM_BY_VICTIM &&
	       READ_ONCE(p->seq) == l->oom.seq && atomic_read(&p->state) != FORKSTAT_OOM_FREE;
}

/*
 * In the victim (or the trigger killed with it), as it goes to handle
 * its SIGKILL, returns to user space, or exits: the walk of its mm,
 * handed to its record if that still waits for it. Past its mm (it ran
 * the work only as it exited), it hands the walk to the work item: other
 * threads may still hold the mm's users.
 */
static void forkstat_oom_walk_later(struct forkstat_later *l)
{
	struct forkstat_oom_pending *p = &forkstat_oom_pending[l->oom.slot];
	struct forkstat_oom_victim *v = &p->rec.victim[l->oom.victim];
	struct forkstat_oom_regions reg = { };
	bool wanted, own;

	/* Not for a record already stored without it, nor let go of at unload. */
	mutex_lock(&forkstat_oom_lock);
	wanted = forkstat_oom_walk_wanted(l);
	own = wanted && current->mm && current->mm == v->mm;
	if (wanted && !own)
		WRITE_ONCE(v->walk, FORKSTAT_OOM_BY_WORKER);
	mutex_unlock(&forkstat_oom_lock);
	if (!wanted)
		return;
	if (own)
		forkstat_oom_walk(current->mm, &reg);
	mutex_lock(&forkstat_oom_lock);
	wanted = own && forkstat_oom_walk_wanted(l);
	if (wanted) {
		v->reg = reg;
		WRITE_ONCE(v->walk, FORKSTAT_OOM_BY_VICTIM_DONE);
	}
	mutex_unlock(&forkstat_oom_lock);
	/* At once, not after the poll the work item may have set itself. */
	mod_delayed_work(forkstat_oom_wq, &forkstat_oom_work, 0);
}

/*
 * The work queued at __oom_kill_process, in the victim: its place in the
 * record once oom:mark_victim has filled it (just after the SIGKILL),
 * then its walk. It runs before the mark if the victim came back to user
 * space just then, or took its SIGKILL on another CPU at once: the mark
 * comes while the OOM call lasts, or never (the kill found no thread
 * with an mm, a memory.oom.group kill came back to a marked victim).
 */
static void forkstat_oom_walk_found(struct forkstat_later *l)
{
	struct forkstat_oom_pending *p = &forkstat_oom_pending[l->oom.slot];
	unsigned long until = jiffies + FORKSTAT_OOM_MARK_WAIT;
	struct forkstat_oom_victim *v;
	bool last = false;
	unsigned int i;

	while (!last) {
		/* No mark comes once the OOM call has returned: one more look. */
		last = atomic_read_acquire(&p->state) != FORKSTAT_OOM_FILLING ||
		       time_after(jiffies, until);
		if (READ_ONCE(p->seq) != l->oom.seq)
			return;
		for (i = 0; i < FORKSTAT_OOM_VICTIMS; i++) {
			v = &p->rec.victim[i];
			/* walk_later checks again under the lock: a stale match walks nothing. */
			if (smp_load_acquire(&v->walk) == FORKSTAT_OOM_BY_VICTIM &&
			    READ_ONCE(v->key) == (unsigned long)current) {
				l->oom.victim = i;
				forkstat_oom_walk_later(l);
				return;
			}
		}
		if (!last)
			usleep_range(1000, 2000);
	}
}

/* Whether a ready record still waits for a victim's walk. */
static bool forkstat_oom_waits(struct forkstat_oom_pending *p)
{
	bool waits = false;
	unsigned int i;

	if (time_after(jiffies, p->ready + FORKSTAT_OOM_WALK_WAIT))
		return false;
	mutex_lock(&forkstat_oom_lock);
	for (i = 0; i < p->rec.nvictims; i++)
		waits |= READ_ONCE(p->rec.victim[i].walk) == FORKSTAT_OOM_BY_VICTIM;
	mutex_unlock(&forkstat_oom_lock);
	return waits;
}

/*
 * Process context: a pending record finished, stored (unless its call
 * was never seen to return, or the module is leaving), its slot freed.
 */
static void forkstat_oom_finish(struct forkstat_oom_pending *p, bool store)
{
	struct forkstat_oom *o = &p->rec;
	unsigned int i;

	store = store && !p->abandoned && forkstat_oom_ring;
	/*
	 * A victim that has not walked by now is parked in the kernel, its
	 * memory whole: walked here (its work, if it ever runs, walks no more).
	 */
	mutex_lock(&forkstat_oom_lock);
	for (i = 0; i < o->nvictims; i++)
		if (READ_ONCE(o->victim[i].walk) == FORKSTAT_OOM_BY_VICTIM)
			WRITE_ONCE(o->victim[i].walk, FORKSTAT_OOM_BY_WORKER);
	mutex_unlock(&forkstat_oom_lock);
	for (i = 0; i < o->nvictims; i++) {
		struct forkstat_oom_victim *v = &o->victim[i];

		if (store && READ_ONCE(v->walk) == FORKSTAT_OOM_BY_WORKER && !v->walked)
			forkstat_oom_walk(v->mm, &v->reg);
		mmdrop(v->mm);
		v->mm = NULL;
	}
	mutex_lock(&forkstat_oom_lock);
	if (p->memcg) {
		if (store)
			forkstat_oom_memcg_path(p->memcg, o->memcg_path);
		css_put(&p->memcg->css);
		p->memcg = NULL;
	}
	if (store)
		forkstat_oom_store(o);
	else
		forkstat_oom_put(o);
	mutex_unlock(&forkstat_oom_lock);
	atomic_set_release(&p->state, FORKSTAT_OOM_FREE);
}

/*
 * The ready records, oldest call first; one that waits for its
 * victim's walk holds back the later ones, and the work item looks
 * again shortly.
 */
static void forkstat_oom_work_fn(struct work_struct *work)
{
	struct forkstat_oom_pending *p;
	unsigned int i, v;

	/* The work item's walks first, every ready record's: before the reaper's. */
	for (i = 0; i < FORKSTAT_OOM_PENDING; i++) {
		p = &forkstat_oom_pending[i];
		if (atomic_read_acquire(&p->state) != FORKSTAT_OOM_READY || p->abandoned)
			continue;
		for (v = 0; v < p->rec.nvictims; v++) {
			struct forkstat_oom_victim *vi = &p->rec.victim[v];

			if (READ_ONCE(vi->walk) == FORKSTAT_OOM_BY_WORKER && !vi->walked) {
				forkstat_oom_walk(vi->mm, &vi->reg);
				vi->walked = true;
			}
		}
	}
	for (;;) {
		p = NULL;
		for (i = 0; i < FORKSTAT_OOM_PENDING; i++) {
			struct forkstat_oom_pending *q = &forkstat_oom_pending[i];

			if (atomic_read_acquire(&q->state) == FORKSTAT_OOM_READY &&
			    (!p || q->seq < p->seq))
				p = q;
		}
		if (!p)
			return;
		if (!p->abandoned && forkstat_oom_waits(p)) {
			queue_delayed_work(forkstat_oom_wq, &forkstat_oom_work,
					   FORKSTAT_OOM_WALK_POLL);
			return;
		}
		if (atomic_cmpxchg(&p->state, FORKSTAT_OOM_READY,
				   FORKSTAT_OOM_FINISHING) == FORKSTAT_OOM_READY)
			forkstat_oom_finish(p, true);
	}
}

/* The work item runs under memory pressure: a workqueue with a rescuer, one item at a time. */
int forkstat_oom_init(void)
{
	if (!oom_ring)
		return 0;
	forkstat_oom_ring = kvcalloc(oom_ring, sizeof(*forkstat_oom_ring),
				     GFP_KERNEL | __GFP_NOWARN);
	forkstat_oom_wq = alloc_ordered_workqueue("forkstat_oom", WQ_MEM_RECLAIM);
	if (forkstat_oom_ring && forkstat_oom_wq)
		return 0;
	forkstat_oom_exit();
	return -ENOMEM;
}

void forkstat_oom_attach(void)
{
	int err;

	if (!oom_ring)
		return;
#ifndef FORKSTAT_HAVE_MARK_VICTIM_TASK
	pr_warn("OOM kills not followed: oom:mark_victim is not (task, uid) on this kernel\n");
	return;
#endif
	forkstat_oom_tp = forkstat_tracepoint_find("mark_victim");
	err = forkstat_oom_tp ? tracepoint_probe_register(forkstat_oom_tp,
							    forkstat_oom_mark_victim, NULL) :
				-ENOENT;
	if (err) {
		pr_warn("OOM kills not followed: tracepoint oom:mark_victim (error %d)\n", err);
		forkstat_oom_tp = NULL;
		return;
	}
	/* Without the kill probe every kill would read as an exiting victim. */
	if (forkstat_probe_register(&forkstat_oom_kill, false) ||
	    forkstat_probe_register(&forkstat_out_of_memory, false)) {
		pr_warn("OOM kills not followed: a probe did not attach\n");
		forkstat_oom_detach();
	}
}

/*
 * The tracepoint first, then the probes: no handler runs once this
 * returns. A record they leave half made, or waiting for a victim's
 * walk, is let go of at exit, after later.c's exit: until then a
 * victim's walk may still come.
 */
void forkstat_oom_detach(void)
{
	if (!forkstat_oom_tp)
		return;
	tracepoint_probe_unregister(forkstat_oom_tp, forkstat_oom_mark_victim, NULL);
	tracepoint_synchronize_unregister();
	forkstat_probes_unregister(forkstat_oom_probes, ARRAY_SIZE(forkstat_oom_probes));
	forkstat_oom_tp = NULL;
	WRITE_ONCE(forkstat_oom_cur, NULL);
}

void forkstat_oom_exit(void)
{
	unsigned int i;

	/*
	 * After later.c's exit: no victim's walk queues the work item again,
	 * and what it has not finished is let go of here, unstored.
	 */
	if (forkstat_oom_wq) {
		cancel_delayed_work_sync(&forkstat_oom_work);
		destroy_workqueue(forkstat_oom_wq);
	}
	forkstat_oom_wq = NULL;
	for (i = 0; i < FORKSTAT_OOM_PENDING; i++)
		if (atomic_read(&forkstat_oom_pending[i].state) != FORKSTAT_OOM_FREE)
			forkstat_oom_finish(&forkstat_oom_pending[i], false);
	if (!forkstat_oom_ring)
		return;
	for (i = 0; i < oom_ring; i++) {
		if (forkstat_oom_ring[i].id)
			forkstat_oom_put(&forkstat_oom_ring[i]);
		forkstat_resched_every(i + 1);
	}
	kvfree(forkstat_oom_ring);
	forkstat_oom_ring = NULL;
}

static void forkstat_oom_show_regions(struct seq_file *m, const struct forkstat_oom *o,
				      pid_t tgid, const struct forkstat_oom_regions *reg)
{
	unsigned int i;

	seq_printf(m, "oomregions oom=%llu tgid=%d walk=%s vmas=%u walk_ns=%llu heap_kb=%lu stack_kb=%lu stacks=%u anon_kb=%lu anon_vmas=%u file_kb=%lu file_vmas=%u\n",
		   o->id, tgid, forkstat_oom_walk_ends[reg->end], reg->vmas, reg->walk_ns,
		   reg->heap_kb, reg->stack_kb, reg->stacks, reg->anon_kb, reg->anon_vmas,
		   reg->file_kb, reg->file_vmas);
	for (i = 0; i < FORKSTAT_OOM_TOP && reg->anon[i].rss_kb; i++)
		seq_printf(m, "oomanon oom=%llu tgid=%d n=%u start=0x%llx end=0x%llx rss_kb=%lu\n",
			   o->id, tgid, i, reg->anon[i].start, reg->anon[i].end,
			   reg->anon[i].rss_kb);
	for (i = 0; i < FORKSTAT_OOM_TOP && reg->files[i].size_kb; i++) {
		const struct forkstat_oom_file *f = &reg->files[i];

		seq_printf(m, "oomfile oom=%llu tgid=%d n=%u size_kb=%lu dev=%u:%u ino=%llu path=",
			   o->id, tgid, i, f->size_kb, MAJOR(f->dev), MINOR(f->dev), f->ino);
		forkstat_seq_comm(m, f->path);
		seq_putc(m, '\n');
	}
}

/* A victim the reader may see; its mappings only with its details. */
static void forkstat_oom_show_victim(struct seq_file *m, const struct forkstat_reader *r,
				     const struct forkstat_oom *o,
				     const struct forkstat_oom_victim *v)
{
	pid_t tgid = forkstat_reader_pid(r, v->tgid, &v->cred);

	if (!tgid)
		return;
	seq_printf(m, "oomvictim oom=%llu pid=%d tgid=%d killed=%d chosen=%d points=%ld oom_score_adj=%d cgroup=%llu total_vm_kb=%lu anon_kb=%lu file_kb=%lu shmem_kb=%lu swap_kb=%lu pgtables_kb=%lu comm=",
		   o->id, forkstat_reader_nr(r, v->pid), tgid, v->killed, v->chosen,
		   v->points, v->score_adj, v->cgroup, v->total_vm_kb, v->anon_kb,
		   v->file_kb, v->shmem_kb, v->swap_kb, v->pgtables_kb);
	forkstat_seq_comm(m, v->comm);
	seq_putc(m, '\n');
	if (forkstat_reader_sees_details(r, &v->cred))
		forkstat_oom_show_regions(m, o, tgid, &v->reg);
}

/*
 * A record the reader sees a process of: the trigger or a victim. The
 * trigger's numbers, cgroup and name only if it may see the trigger; the
 * memory cgroup's path only from the initial cgroup namespace, as
 * /proc/PID/cgroup shows it there.
 */
static void forkstat_oom_show_one(struct seq_file *m, const struct forkstat_reader *r,
				  const struct forkstat_oom *o)
{
	pid_t tgid = forkstat_reader_pid(r, o->trigger.tgid, &o->trigger.cred);
	u64 stack = tgid && forkstat_reader_sees_details(r, &o->trigger.cred) ? o->stack : 0;
	unsigned int i, seen = 0;

	for (i = 0; i < o->nvictims; i++)
		seen += !!forkstat_reader_pid(r, o->victim[i].tgid, &o->victim[i].cred);
	if (!tgid && !seen)
		return;
	seq_printf(m, "oom id=%llu time_ns=%llu result=%s constraint=%s memcg=%llu limit_kb=%lu usage_kb=%lu gfp=0x%x order=%d domain_kb=%lu pid=%d tgid=%d cgroup=%llu kills=%u victims=%u kept=%u repeats=%llu last_ns=%llu stack=%llu comm=",
		   o->id, o->time_ns, forkstat_oom_results[o->result],
		   forkstat_oom_constraints[o->constraint], o->memcg, o->limit_kb,
		   o->usage_kb, o->gfp, o->order, o->domain_kb,
		   tgid ? forkstat_reader_nr(r, o->trigger.pid) : 0, tgid,
		   tgid ? o->trigger.cgroup : 0, o->kills, o->victims, o->nvictims,
		   o->repeats, o->last_ns, stack);
	forkstat_seq_comm(m, tgid ? o->comm : "");
	seq_putc(m, '\n');
	forkstat_ustack_show(m, stack);
	if (o->memcg && forkstat_reader_sees_cgroup_paths(r)) {
		seq_printf(m, "oomcgroup oom=%llu id=%llu path=", o->id, o->memcg);
		forkstat_seq_comm(m, o->memcg_path);
		seq_putc(m, '\n');
	}
	for (i = 0; i < o->nvictims; i++)
		forkstat_oom_show_victim(m, r, o, &o->victim[i]);
}

/* Under forkstat_oom_lock: the record numbered id into copy, with pid references of its own. */
static bool forkstat_oom_get(u64 id, struct forkstat_oom *copy)
{
	const struct forkstat_oom *o = &forkstat_oom_ring[id % oom_ring];
	unsigned int i;

	if (o->id != id)
		return false;
	*copy = *o;
	get_pid(copy->trigger.pid);
	get_pid(copy->trigger.tgid);
	for (i = 0; i < copy->nvictims; i++) {
		get_pid(copy->victim[i].pid);
		get_pid(copy->victim[i].tgid);
	}
	return true;
}

/*
 * Oldest first. Each record is copied under the ring's lock and printed
 * outside it (printing a chain allocates; the work item must not wait).
 */
void forkstat_oom_show(struct seq_file *m, const struct forkstat_reader *r)
{
	bool host = forkstat_reader_sees_host(r);
	struct forkstat_oom *copy;
	u64 first, last, id;
	bool got;

	seq_printf(m, "oomcfg ring=%u calls=%lld recorded=%lld kills=%lld waited=%lld settled=%lld lost=%lld bytes=%zu\n",
		   oom_ring, forkstat_oom_read(FORKSTAT_OOMC_CALLS, host),
		   forkstat_oom_read(FORKSTAT_OOMC_RECORDED, host),
		   forkstat_oom_read(FORKSTAT_OOMC_KILLS, host),
		   forkstat_oom_read(FORKSTAT_OOMC_WAITED, host),
		   forkstat_oom_read(FORKSTAT_OOMC_SETTLED, host),
		   forkstat_oom_read(FORKSTAT_OOMC_LOST, host),
		   oom_ring * sizeof(*forkstat_oom_ring));
	if (!forkstat_oom_ring)
		return;
	copy = kmalloc(sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return;
	mutex_lock(&forkstat_oom_lock);
	last = forkstat_oom_ids;
	mutex_unlock(&forkstat_oom_lock);
	first = last > oom_ring ? last - oom_ring + 1 : 1;
	for (id = first; id <= last; id++) {
		mutex_lock(&forkstat_oom_lock);
		got = forkstat_oom_get(id, copy);
		mutex_unlock(&forkstat_oom_lock);
		if (!got)
			continue;
		forkstat_oom_show_one(m, r, copy);
		forkstat_oom_put(copy);
	}
	kfree(copy);
}

/*
 * A record's lines at their longest, names escaped four bytes a byte:
 * oom 520, oomcgroup 450, per victim oomvictim 440, oomregions 300,
 * four oomanon of 140 and four oomfile of 530; its chain is ustack.c's.
 */
size_t forkstat_oom_show_size(void)
{
	return (size_t)oom_ring * (970 + FORKSTAT_OOM_VICTIMS * 3420);
}

void forkstat_oom_reset(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(forkstat_oom_counts); i++)
		atomic64_set(&forkstat_oom_counts[i], 0);
	WRITE_ONCE(forkstat_oom_none_tgid, NULL);
	forkstat_probes_reset(forkstat_oom_probes, ARRAY_SIZE(forkstat_oom_probes));
	if (!forkstat_oom_ring)
		return;
	mutex_lock(&forkstat_oom_lock);
	for (i = 0; i < oom_ring; i++) {
		if (forkstat_oom_ring[i].id)
			forkstat_oom_put(&forkstat_oom_ring[i]);
		forkstat_resched_every(i + 1);
	}
	mutex_unlock(&forkstat_oom_lock);
}

void forkstat_oom_probes_show(struct seq_file *m)
{
	forkstat_probes_show(m, forkstat_oom_probes, ARRAY_SIZE(forkstat_oom_probes));
	seq_printf(m, "tracepoint name=oom:mark_victim state=%s\n",
		   forkstat_oom_tp ? "attached" : "none");
}
