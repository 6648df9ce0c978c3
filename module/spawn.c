// SPDX-License-Identifier: GPL-2.0
/*
 * What each fork was for: whether its child exec'd (a spawn, which
 * posix_spawn or vfork would have made without copying the parent's
 * page tables), exited without exec (a snapshot, a worker), or ran on
 * past spawn_window_s without either; and for CLONE_VFORK calls, how long
 * the parent stayed frozen, from copy_process's entry until it ran again
 * after its child exec'd or exited (in Go, how long syscall.ForkLock was
 * held, and what every other spawn queued behind).
 *
 * Policy: each plain fork and each CLONE_VFORK call of a user process
 * takes a watch, one of spawn_watches slots, from copy_process's return
 * (before the child first runs). Two hooks end it: exec_mm_release, the
 * child letting go of its old mm in exec (where a vfork's parent is
 * woken), and the sched_process_exit tracepoint of the child's last
 * thread. A delayed work item ends the watches older than the window.
 * A fork that finds no free slot near its hash is counted as unfollowed.
 * A vfork's parent is timed on its own side, by a probe on
 * cgroup_leave_frozen, the call that ends its wait (below).
 *
 * A watch holds no reference: it is found by the child's signal_struct
 * (shared by its threads, kept across exec) and its leader's start
 * time, compared and never followed, and it reaches its parent's row by
 * tgid and start time. Its state word carries a generation, so that an
 * end racing with the window's reaper or with a new fork in the same
 * slot claims it once.
 *
 * Cost: a claim per fork (a few compares and a cmpxchg), an entry probe
 * per exec and per vfork, and per thread exit a tracepoint call that
 * stops at one atomic read while no watch is open, at a second while the
 * exiting thread is not its process's last.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "forkstat.h"
#include "param.h"

static unsigned int spawn_watches = 1024;
static unsigned int spawn_window_s = 10;

FORKSTAT_PARAM_UINT(spawn_watches, 64, 65536, 0444,
		    "Forks followed at once to their child's exec or exit, 64..65536, rounded up to a power of 2 (default 1024)");
FORKSTAT_PARAM_UINT(spawn_window_s, 1, 3600, 0644,
		    "A child that neither exec'd nor exited this long after its fork counts as running on, 1..3600 s (default 10)");

/* Slots a fork's hash may take, and an end looks at. */
#define FORKSTAT_SPAWN_WAYS	8

/* The low bits of a watch's state; the rest is its generation. */
enum forkstat_spawn_state {
	FORKSTAT_SPAWN_FREE,
	FORKSTAT_SPAWN_FILLING,
	FORKSTAT_SPAWN_OPEN,
	FORKSTAT_SPAWN_CLOSING,
};

#define FORKSTAT_SPAWN_STATE	3
#define FORKSTAT_SPAWN_GEN	4

struct forkstat_spawn_watch {
	atomic_t state;
	const void *signal;	/* the child's signal_struct, only compared */
	u64 child_start;	/* its leader's start time */
	u64 parent_start;
	pid_t parent_tgid;	/* as the initial namespace numbers it */
	bool fork, vfork;
	u64 fork_id;		/* fork.c's id, for cow.c; 0: none */
	u64 ret_ns;		/* copy_process's return */
	u64 fork_ns, stall_ns;
};

static struct forkstat_spawn_watch *forkstat_spawn_slots;
static unsigned int forkstat_spawn_bits;	/* of the number of ways */
static atomic_t forkstat_spawn_open;
static atomic64_t forkstat_spawn_unfollowed;

/*
 * Host-wide sums, shown to readers who see the host; the parents' RSS
 * apart, added at every fork without the lock.
 */
static DEFINE_RAW_SPINLOCK(forkstat_spawn_lock);
static struct forkstat_spawn_stats forkstat_spawn_host;
static atomic64_t forkstat_spawn_rss_kb;

/* How often the window's reaper looks, while a watch is open. */
#define FORKSTAT_SPAWN_REAP	HZ

static void forkstat_spawn_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(forkstat_spawn_reaper, forkstat_spawn_reap);

static struct forkstat_spawn_watch *forkstat_spawn_way(const void *signal)
{
	return &forkstat_spawn_slots[hash_ptr(signal, forkstat_spawn_bits) *
				     FORKSTAT_SPAWN_WAYS];
}

static int forkstat_spawn_state(int state)
{
	return state & FORKSTAT_SPAWN_STATE;
}

/* The same slot one generation on, in state s. */
static int forkstat_spawn_next(int state, int s)
{
	return ((state & ~FORKSTAT_SPAWN_STATE) + FORKSTAT_SPAWN_GEN) | s;
}

/*
 * vfork parents between copy_process's return and running again, keyed
 * by task (compared only). A parent always leaves through
 * cgroup_leave_frozen, however its wait ends (its child's exec or exit,
 * or its own SIGKILL), so an entry is held for as long as its parent
 * waits, no longer: parents parked behind children that never exec hold
 * theirs, and past FORKSTAT_VFORK_WAITS of them a wait is not followed.
 */
#define FORKSTAT_VFORK_WAITS_BITS	8
#define FORKSTAT_VFORK_WAITS		BIT(FORKSTAT_VFORK_WAITS_BITS)

struct forkstat_vfork_wait {
	struct task_struct *task;	/* NULL: free */
	u64 start_ns;			/* copy_process's entry */
};

static struct forkstat_vfork_wait forkstat_vfork_waits[FORKSTAT_VFORK_WAITS];
static atomic_t forkstat_vfork_waiting;
static atomic64_t forkstat_vfork_unfollowed;

static struct forkstat_probe forkstat_leave_frozen;

/* The entry is current's only: it alone fills it and finds it. */
static void forkstat_vfork_wait_begin(u64 start_ns)
{
	unsigned int i, h = hash_ptr(current, FORKSTAT_VFORK_WAITS_BITS);

	if (READ_ONCE(forkstat_leave_frozen.state) != FORKSTAT_PROBE_ATTACHED)
		return;
	for (i = 0; i < FORKSTAT_VFORK_WAITS; i++) {
		struct forkstat_vfork_wait *v =
			&forkstat_vfork_waits[(h + i) % FORKSTAT_VFORK_WAITS];

		if (!READ_ONCE(v->task) && !cmpxchg(&v->task, NULL, current)) {
			v->start_ns = start_ns;
			atomic_inc(&forkstat_vfork_waiting);
			return;
		}
	}
	atomic64_inc(&forkstat_vfork_unfollowed);
}

void forkstat_spawn_watch(const struct forkstat_fork *f, struct task_struct *child)
{
	struct forkstat_spawn_watch *w;
	unsigned int i;
	int state;

	if (f->flavour == FORKSTAT_FORK)
		atomic64_add(f->rss_kb, &forkstat_spawn_rss_kb);
	if (f->clone_flags & CLONE_VFORK)
		forkstat_vfork_wait_begin(f->start_ns);
	if (!forkstat_spawn_slots)
		return;
	w = forkstat_spawn_way(child->signal);
	for (i = 0; i < FORKSTAT_SPAWN_WAYS; i++, w++) {
		state = atomic_read(&w->state);
		if (forkstat_spawn_state(state) == FORKSTAT_SPAWN_FREE &&
		    atomic_cmpxchg(&w->state, state, state | FORKSTAT_SPAWN_FILLING) ==
		    state)
			goto claimed;
	}
	atomic64_inc(&forkstat_spawn_unfollowed);
	return;
claimed:
	w->signal = child->signal;
	w->child_start = child->start_time;
	w->parent_start = current->group_leader->start_time;
	w->parent_tgid = current->tgid;
	w->fork = f->flavour == FORKSTAT_FORK;
	w->vfork = f->clone_flags & CLONE_VFORK;
	w->fork_id = f->id;
	w->ret_ns = f->start_ns + f->total_ns;
	w->fork_ns = f->total_ns;
	w->stall_ns = f->stall_ns;
	atomic_inc(&forkstat_spawn_open);
	/* Whole before an end can find it. */
	atomic_set_release(&w->state, state | FORKSTAT_SPAWN_OPEN);
	/*
	 * Not after a delayed_work_pending() test: a reaper finishing its
	 * scan could miss this watch while the test saw it pending.
	 */
	schedule_delayed_work(&forkstat_spawn_reaper, FORKSTAT_SPAWN_REAP);
}

void forkstat_spawn_stats_add(struct forkstat_spawn_stats *st,
			      const struct forkstat_spawn_end *e)
{
	if (e->fork) {
		st->forks[e->outcome]++;
		if (e->outcome == FORKSTAT_OUT_EXEC) {
			st->exec_lag_ns += e->lag_ns;
			st->exec_lag_max_ns = max(st->exec_lag_max_ns, e->lag_ns);
			st->spawn_fork_ns += e->fork_ns;
			st->spawn_stall_ns += e->stall_ns;
		}
	}
	if (e->vfork)
		st->vforks[e->outcome]++;
}

void forkstat_spawn_stats_add_wait(struct forkstat_spawn_stats *st, u64 ns)
{
	st->vfork_waits++;
	st->vfork_wait_ns += ns;
	st->vfork_wait_max_ns = max(st->vfork_wait_max_ns, ns);
	st->vfork_wait_hist[forkstat_lat_bucket(ns)]++;
}

void forkstat_spawn_stats_sum(struct forkstat_spawn_stats *sum,
			      const struct forkstat_spawn_stats *st)
{
	unsigned int i;

	for (i = 0; i < FORKSTAT_NR_OUTCOMES; i++) {
		sum->forks[i] += st->forks[i];
		sum->vforks[i] += st->vforks[i];
	}
	sum->exec_lag_ns += st->exec_lag_ns;
	sum->exec_lag_max_ns = max(sum->exec_lag_max_ns, st->exec_lag_max_ns);
	sum->spawn_fork_ns += st->spawn_fork_ns;
	sum->spawn_stall_ns += st->spawn_stall_ns;
	sum->spawn_cow_ns += st->spawn_cow_ns;
	sum->fork_rss_kb += st->fork_rss_kb;
	sum->vfork_waits += st->vfork_waits;
	sum->vfork_wait_ns += st->vfork_wait_ns;
	sum->vfork_wait_max_ns = max(sum->vfork_wait_max_ns, st->vfork_wait_max_ns);
	for (i = 0; i < FORKSTAT_LAT_BUCKETS; i++)
		sum->vfork_wait_hist[i] += st->vfork_wait_hist[i];
}

void forkstat_spawn_stats_show(struct seq_file *m, const struct forkstat_spawn_stats *st)
{
	seq_printf(m, " fork_exec=%llu fork_exit=%llu fork_run=%llu exec_lag_ns=%llu exec_lag_max_ns=%llu spawn_fork_ns=%llu spawn_stall_ns=%llu spawn_cow_ns=%llu fork_rss_kb=%llu vfork_exec=%llu vfork_exit=%llu vfork_run=%llu vfork_waits=%llu vfork_wait_ns=%llu vfork_wait_max_ns=%llu vfork_wait_hist=",
		   st->forks[FORKSTAT_OUT_EXEC], st->forks[FORKSTAT_OUT_EXIT],
		   st->forks[FORKSTAT_OUT_RUN], st->exec_lag_ns, st->exec_lag_max_ns,
		   st->spawn_fork_ns, st->spawn_stall_ns, st->spawn_cow_ns,
		   st->fork_rss_kb, st->vforks[FORKSTAT_OUT_EXEC],
		   st->vforks[FORKSTAT_OUT_EXIT], st->vforks[FORKSTAT_OUT_RUN],
		   st->vfork_waits, st->vfork_wait_ns, st->vfork_wait_max_ns);
	forkstat_seq_counts(m, st->vfork_wait_hist, FORKSTAT_LAT_BUCKETS);
}

/*
 * Claims w, whose state was state (open), for its closer; its figures go
 * to its parent's row and the host, and the slot is freed.
 */
static void forkstat_spawn_close(struct forkstat_spawn_watch *w, int state,
				 enum forkstat_outcome outcome, u64 now)
{
	struct forkstat_spawn_end e = {
		.outcome = outcome,
		.fork = w->fork,
		.vfork = w->vfork,
		.lag_ns = now - w->ret_ns,
		.fork_ns = w->fork_ns,
		.stall_ns = w->stall_ns,
	};
	int closing = forkstat_spawn_next(state, FORKSTAT_SPAWN_CLOSING);
	unsigned long irqflags;

	if (atomic_cmpxchg(&w->state, state, closing) != state)
		return;		/* the other closer's */
	if (outcome == FORKSTAT_OUT_EXEC && w->fork_id)
		forkstat_cow_exec(w->fork_id);
	forkstat_rows_add_spawn(w->parent_tgid, w->parent_start, &e);
	raw_spin_lock_irqsave(&forkstat_spawn_lock, irqflags);
	forkstat_spawn_stats_add(&forkstat_spawn_host, &e);
	raw_spin_unlock_irqrestore(&forkstat_spawn_lock, irqflags);
	w->signal = NULL;
	atomic_dec(&forkstat_spawn_open);
	atomic_set_release(&w->state, closing & ~FORKSTAT_SPAWN_STATE);
}

static void forkstat_spawn_wait_done(u64 ns)
{
	unsigned long irqflags;

	forkstat_rows_add_vfork_wait(ns);
	raw_spin_lock_irqsave(&forkstat_spawn_lock, irqflags);
	forkstat_spawn_stats_add_wait(&forkstat_spawn_host, ns);
	raw_spin_unlock_irqrestore(&forkstat_spawn_lock, irqflags);
}

/* current's process exec'd or exited: the watch of its fork, if any, ends. */
static void forkstat_spawn_end(enum forkstat_outcome outcome)
{
	const void *signal = current->signal;
	u64 start = current->group_leader->start_time;
	struct forkstat_spawn_watch *w;
	unsigned int i;
	int state;

	if (!atomic_read(&forkstat_spawn_open))
		return;
	w = forkstat_spawn_way(signal);
	for (i = 0; i < FORKSTAT_SPAWN_WAYS; i++, w++) {
		state = atomic_read_acquire(&w->state);
		if (forkstat_spawn_state(state) != FORKSTAT_SPAWN_OPEN ||
		    READ_ONCE(w->signal) != signal || w->child_start != start)
			continue;
		forkstat_spawn_close(w, state, outcome, ktime_get_ns());
		return;
	}
}

static struct forkstat_probe forkstat_exec_mm_release;

/*
 * exec_mm_release(tsk, old_mm), tsk being current past exec's point of
 * no return; a vfork's parent is woken right after.
 */
static void forkstat_exec_entry(struct pt_regs *regs)
{
	forkstat_probe_hit(&forkstat_exec_mm_release);
	forkstat_spawn_end(FORKSTAT_OUT_EXEC);
}

FORKSTAT_PROBE(forkstat_exec_mm_release, "exec_mm_release", forkstat_exec_entry);

/*
 * cgroup_leave_frozen(always_leave), called as a vfork's parent runs
 * again (and on the cgroup freezer's paths, where current has no entry).
 */
static void forkstat_leave_frozen_entry(struct pt_regs *regs)
{
	unsigned int i, h;
	u64 ns;

	/*
	 * always_leave: ptrace_stop() and the fatal-signal path, not the end
	 * of a vfork wait (a PTRACE_O_TRACEVFORK stop comes before it).
	 */
	if (!atomic_read(&forkstat_vfork_waiting) || regs_get_kernel_argument(regs, 0))
		return;
	forkstat_probe_hit(&forkstat_leave_frozen);
	h = hash_ptr(current, FORKSTAT_VFORK_WAITS_BITS);
	for (i = 0; i < FORKSTAT_VFORK_WAITS; i++) {
		struct forkstat_vfork_wait *v =
			&forkstat_vfork_waits[(h + i) % FORKSTAT_VFORK_WAITS];

		if (READ_ONCE(v->task) != current)
			continue;
		ns = ktime_get_ns() - v->start_ns;
		atomic_dec(&forkstat_vfork_waiting);
		/* start_ns read before another parent may claim the entry. */
		smp_store_release(&v->task, NULL);
		forkstat_spawn_wait_done(ns);
		return;
	}
}

FORKSTAT_PROBE(forkstat_leave_frozen, "cgroup_leave_frozen", forkstat_leave_frozen_entry);

static struct tracepoint *forkstat_spawn_exit_tp;

/*
 * sched_process_exit, after the exiting thread's mm was let go of (and a
 * vfork's parent woken): the process is over once its last thread is.
 */
static void forkstat_spawn_task_exit(void *data, struct task_struct *p)
{
	if (atomic_read(&forkstat_spawn_open) && !atomic_read(&p->signal->live))
		forkstat_spawn_end(FORKSTAT_OUT_EXIT);
}

static struct forkstat_probe *const forkstat_spawn_probes[] = {
	&forkstat_exec_mm_release,
	&forkstat_leave_frozen,
};

/* Ends every watch older than the window (all, at unload). */
static bool forkstat_spawn_close_old(bool all)
{
	u64 now = ktime_get_ns();
	u64 window = (u64)READ_ONCE(spawn_window_s) * NSEC_PER_SEC;
	unsigned int i, n = spawn_watches;
	bool open = false;
	int state;

	for (i = 0; i < n; i++) {
		struct forkstat_spawn_watch *w = &forkstat_spawn_slots[i];

		forkstat_resched_every(i + 1);
		state = atomic_read_acquire(&w->state);
		if (forkstat_spawn_state(state) != FORKSTAT_SPAWN_OPEN)
			continue;
		/* A fork that returned after now was taken is new, not over. */
		if (!all && (s64)(now - w->ret_ns) < (s64)window) {
			open = true;
			continue;
		}
		forkstat_spawn_close(w, state, FORKSTAT_OUT_RUN, now);
	}
	return open;
}

static void forkstat_spawn_reap(struct work_struct *work)
{
	if (forkstat_spawn_close_old(false))
		schedule_delayed_work(&forkstat_spawn_reaper, FORKSTAT_SPAWN_REAP);
}

int forkstat_spawn_init(void)
{
	unsigned int n = roundup_pow_of_two(spawn_watches);

	forkstat_spawn_slots = kvcalloc(n, sizeof(*forkstat_spawn_slots),
					GFP_KERNEL | __GFP_NOWARN);
	if (!forkstat_spawn_slots)
		return -ENOMEM;
	spawn_watches = n;
	forkstat_spawn_bits = ilog2(n / FORKSTAT_SPAWN_WAYS);
	return 0;
}

void forkstat_spawn_exit(void)
{
	kvfree(forkstat_spawn_slots);
	forkstat_spawn_slots = NULL;
}

/* The ends first: a watch made before them would never end but by the window. */
void forkstat_spawn_attach(void)
{
	int err;

	forkstat_spawn_exit_tp = forkstat_tracepoint_find("sched_process_exit");
	err = forkstat_spawn_exit_tp ?
	      tracepoint_probe_register(forkstat_spawn_exit_tp,
					forkstat_spawn_task_exit, NULL) : -ENOENT;
	if (err) {
		pr_warn("exits without exec not seen: tracepoint sched:sched_process_exit (error %d)\n",
			err);
		forkstat_spawn_exit_tp = NULL;
	}
	forkstat_probe_register(&forkstat_exec_mm_release, false);
	forkstat_probe_register(&forkstat_leave_frozen, false);
}

/*
 * After the fork probes: no watch is made any more. Once the ends are
 * gone, the watches left are ended as running on; they hold nothing.
 */
void forkstat_spawn_detach(void)
{
	forkstat_probes_unregister(forkstat_spawn_probes, ARRAY_SIZE(forkstat_spawn_probes));
	memset(forkstat_vfork_waits, 0, sizeof(forkstat_vfork_waits));
	atomic_set(&forkstat_vfork_waiting, 0);
	if (forkstat_spawn_exit_tp) {
		tracepoint_probe_unregister(forkstat_spawn_exit_tp,
					    forkstat_spawn_task_exit, NULL);
		tracepoint_synchronize_unregister();
		forkstat_spawn_exit_tp = NULL;
	}
	cancel_delayed_work_sync(&forkstat_spawn_reaper);
	forkstat_spawn_close_old(true);
}

void forkstat_spawn_add_cow(u64 ns)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&forkstat_spawn_lock, irqflags);
	forkstat_spawn_host.spawn_cow_ns += ns;
	raw_spin_unlock_irqrestore(&forkstat_spawn_lock, irqflags);
}

void forkstat_spawn_show(struct seq_file *m, const struct forkstat_reader *r)
{
	struct forkstat_spawn_stats host;
	unsigned long irqflags;
	bool sees = forkstat_reader_sees_host(r);

	seq_printf(m, "spawncfg window_s=%u watches=%u open=%d unfollowed=%lld vfork_waits=%lu waiting=%d vfork_unfollowed=%lld bytes=%zu\n",
		   READ_ONCE(spawn_window_s), spawn_watches,
		   sees ? atomic_read(&forkstat_spawn_open) : 0,
		   sees ? (long long)atomic64_read(&forkstat_spawn_unfollowed) : 0,
		   FORKSTAT_VFORK_WAITS, sees ? atomic_read(&forkstat_vfork_waiting) : 0,
		   sees ? (long long)atomic64_read(&forkstat_vfork_unfollowed) : 0,
		   spawn_watches * sizeof(*forkstat_spawn_slots) +
		   sizeof(forkstat_vfork_waits));
	if (!sees)
		return;
	forkstat_probes_show(m, forkstat_spawn_probes, ARRAY_SIZE(forkstat_spawn_probes));
	seq_printf(m, "tracepoint name=sched:sched_process_exit state=%s\n",
		   forkstat_spawn_exit_tp ? "attached" : "none");
	raw_spin_lock_irqsave(&forkstat_spawn_lock, irqflags);
	host = forkstat_spawn_host;
	raw_spin_unlock_irqrestore(&forkstat_spawn_lock, irqflags);
	host.fork_rss_kb = atomic64_read(&forkstat_spawn_rss_kb);
	seq_puts(m, "spawnsum");
	forkstat_spawn_stats_show(m, &host);
	seq_putc(m, '\n');
}

/* Open watches go on and are counted after the reset. */
void forkstat_spawn_reset(void)
{
	unsigned long irqflags;

	forkstat_probes_reset(forkstat_spawn_probes, ARRAY_SIZE(forkstat_spawn_probes));
	atomic64_set(&forkstat_spawn_unfollowed, 0);
	atomic64_set(&forkstat_vfork_unfollowed, 0);
	atomic64_set(&forkstat_spawn_rss_kb, 0);
	raw_spin_lock_irqsave(&forkstat_spawn_lock, irqflags);
	memset(&forkstat_spawn_host, 0, sizeof(forkstat_spawn_host));
	raw_spin_unlock_irqrestore(&forkstat_spawn_lock, irqflags);
}
