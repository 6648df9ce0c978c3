// SPDX-License-Identifier: GPL-2.0
/*
 * Threads that stall on a parent's mm while a fork duplicates it.
 *
 * dup_mmap holds the parent's mmap lock for writing for the whole copy
 * (on 6.12 each VMA is also write-locked as it is copied, and a fault on
 * a locked VMA falls back to the mmap lock). The parent's other threads
 * that fault, mmap or munmap meanwhile wait in the rwsem slow paths,
 * rwsem_down_read_slowpath and rwsem_down_write_slowpath. Those are the
 * only places probed: an uncontended lock never gets there, so nothing
 * else pays, and a contended one pays one atomic read unless some fork is
 * duplicating an mm at that moment. PREEMPT_RT builds rwsems on an
 * rt_mutex (rwbase_rt), and Debian's rt kernels inline the rt_mutex slow
 * path into rwbase_write_lock, which every writer calls: a probe there
 * made every mmap and munmap pay. There the lock:contention_begin and
 * contention_end tracepoints are followed instead, which fire only when a
 * lock is contended: a writer queued on the rt_mutex, a writer waiting
 * for readers to leave, a reader in the slow path (its rwbase, then the
 * rt_mutex inside it). A thread's wait runs from its first begin on the
 * mm's lock to the end that closes it. Every contended lock of the
 * system (spinlocks are rt_mutexes there) pays the two tracepoint calls
 * and an atomic read in each while no fork duplicates; an uncontended
 * one, nothing.
 *
 * Policy: a small table of mms being duplicated (FORKSTAT_STALL_SLOTS,
 * filled by fork.c at uprobe_start_dup_mmap); a wait on the mmap_lock of
 * one of them by a thread of that mm (the forking process's own; not a
 * reader of its /proc/PID/maps, nor khugepaged) is timed to its end. The
 * fork's figures are taken at uprobe_end_dup_mmap, just after the unlock
 * that woke the waiters: one woken but not yet back counts up to that
 * moment (time it then spends waiting for a CPU is not the fork's), and
 * its own end finds the slot closed (a new generation) and adds nothing.
 * More duplications at once than slots are counted as unwatched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/mm_types.h>
#include <linux/ptrace.h>
#include <linux/spinlock.h>
#include <linux/tracepoint.h>

#include "forkstat.h"

#define FORKSTAT_STALL_SLOTS	16

struct forkstat_stall_slot {
	struct mm_struct *mm;	/* being duplicated; NULL when free */
	struct task_struct *forker;	/* its own wait for the lock is no stall */
	raw_spinlock_t lock;	/* the rest */
	u32 gen;		/* bumped at every claim */
	unsigned int waits;	/* finished */
	u64 ns;
	u64 max_ns;
	unsigned int pending;	/* still waiting */
	u64 pending_start_sum;
	u64 pending_first;	/* the earliest pending start, or 0 */
};

static struct forkstat_stall_slot forkstat_stall_slots[FORKSTAT_STALL_SLOTS];
/* Slots in use: the slow paths look no further while it is 0. */
static atomic_t forkstat_stall_busy;
static atomic64_t forkstat_stall_unwatched;
/* Every fork's figures summed, for the host's totals. */
static atomic64_t forkstat_stall_waits;
static atomic64_t forkstat_stall_ns;

/* What the end of a wait needs. */
struct forkstat_waiter {
	struct forkstat_stall_slot *slot;
	u32 gen;
	u64 start_ns;
};

void forkstat_stall_begin(struct forkstat_fork *f)
{
	struct mm_struct *mm = current->mm;
	unsigned long irqflags;
	int i;

	f->stall_slot = -1;
	for (i = 0; i < FORKSTAT_STALL_SLOTS; i++) {
		struct forkstat_stall_slot *s = &forkstat_stall_slots[i];

		if (READ_ONCE(s->mm) || cmpxchg(&s->mm, NULL, mm))
			continue;
		raw_spin_lock_irqsave(&s->lock, irqflags);
		s->forker = current;
		s->gen++;
		s->waits = 0;
		s->ns = 0;
		s->max_ns = 0;
		s->pending = 0;
		s->pending_start_sum = 0;
		s->pending_first = 0;
		raw_spin_unlock_irqrestore(&s->lock, irqflags);
		atomic_inc(&forkstat_stall_busy);
		f->stall_slot = i;
		return;
	}
	atomic64_inc(&forkstat_stall_unwatched);
}

void forkstat_stall_end(struct forkstat_fork *f)
{
	struct forkstat_stall_slot *s;
	unsigned long irqflags;
	u64 now;

	if (f->stall_slot < 0)
		return;
	s = &forkstat_stall_slots[f->stall_slot];
	f->stall_slot = -1;
	now = ktime_get_ns();
	raw_spin_lock_irqsave(&s->lock, irqflags);
	f->stall_waits = s->waits + s->pending;
	f->stall_ns = s->ns + s->pending * now - s->pending_start_sum;
	f->stall_max_ns = s->max_ns;
	if (s->pending_first)
		f->stall_max_ns = max(f->stall_max_ns, now - s->pending_first);
	s->gen++;		/* late returns add nothing */
	raw_spin_unlock_irqrestore(&s->lock, irqflags);
	if (f->stall_waits) {
		atomic64_add(f->stall_waits, &forkstat_stall_waits);
		atomic64_add(f->stall_ns, &forkstat_stall_ns);
	}
	/* Emptied before another fork may claim it. */
	smp_store_release(&s->mm, NULL);
	atomic_dec(&forkstat_stall_busy);
}

#ifdef CONFIG_PREEMPT_RT
#define forkstat_is_mmap_lock(mm, lock)					\
	((lock) == (void *)&(mm)->mmap_lock.rwbase ||			\
	 (lock) == (void *)&(mm)->mmap_lock.rwbase.rtmutex)
#else
#define forkstat_is_mmap_lock(mm, lock)	((lock) == (void *)&(mm)->mmap_lock)
#endif

/*
 * The slot of a fork under way whose mm's mmap lock this is, if the
 * current thread is one of that mm's own and not the forker: the fork
 * taking the lock, or another process (a reader of /proc/PID/maps,
 * khugepaged), is no stall.
 */
static struct forkstat_stall_slot *forkstat_stall_watching(const void *lock)
{
	int i;

	for (i = 0; i < FORKSTAT_STALL_SLOTS; i++) {
		struct forkstat_stall_slot *s = &forkstat_stall_slots[i];
		struct mm_struct *mm = READ_ONCE(s->mm);

		if (!mm || !forkstat_is_mmap_lock(mm, lock))
			continue;
		if (READ_ONCE(s->forker) == current || current->mm != mm)
			return NULL;
		return s;
	}
	return NULL;
}

/* Starts a wait in s; false if the fork let the slot go meanwhile. */
static bool forkstat_waiter_start(struct forkstat_stall_slot *s,
				  struct forkstat_waiter *w)
{
	unsigned long irqflags;

	w->slot = s;
	w->start_ns = ktime_get_ns();
	raw_spin_lock_irqsave(&s->lock, irqflags);
	if (s->mm != current->mm) {
		raw_spin_unlock_irqrestore(&s->lock, irqflags);
		return false;
	}
	w->gen = s->gen;
	s->pending++;
	s->pending_start_sum += w->start_ns;
	if (!s->pending_first)
		s->pending_first = w->start_ns;
	raw_spin_unlock_irqrestore(&s->lock, irqflags);
	return true;
}

static void forkstat_waiter_end(struct forkstat_waiter *w)
{
	struct forkstat_stall_slot *s = w->slot;
	u64 ns = ktime_get_ns() - w->start_ns;
	unsigned long irqflags;

	raw_spin_lock_irqsave(&s->lock, irqflags);
	if (s->gen == w->gen) {
		s->pending--;
		s->pending_start_sum -= w->start_ns;
		if (!s->pending)
			s->pending_first = 0;
		s->waits++;
		s->ns += ns;
		s->max_ns = max(s->max_ns, ns);
	}
	raw_spin_unlock_irqrestore(&s->lock, irqflags);
}

/* Up to that many waits followed at once; more are "nmissed". */
#define FORKSTAT_WAITERS	256

#ifdef CONFIG_PREEMPT_RT

/*
 * A thread's wait between the tracepoints: found by its task, hashed, in
 * a few entries from its hash (a wait that finds them taken is missed).
 * Only the thread itself writes its entry once it has claimed it.
 */
struct forkstat_rt_waiter {
	struct task_struct *task;	/* NULL when free */
	struct rwbase_rt *rwbase;	/* the lock waited on */
	unsigned int depth;		/* begins not yet ended */
	struct forkstat_waiter w;
};

#define FORKSTAT_RT_PROBES	8

static struct forkstat_rt_waiter forkstat_rt_waiters[FORKSTAT_WAITERS];
/* Entries in use: an end looks no further while it is 0. */
static atomic_t forkstat_rt_waiting;
static atomic64_t forkstat_rt_hits;
static atomic64_t forkstat_rt_missed;
static struct tracepoint *forkstat_contention_begin_tp;
static struct tracepoint *forkstat_contention_end_tp;

static struct forkstat_rt_waiter *forkstat_rt_waiter_of(struct task_struct *t)
{
	unsigned int h = hash_ptr(t, ilog2(FORKSTAT_WAITERS));
	unsigned int i;

	for (i = 0; i < FORKSTAT_RT_PROBES; i++) {
		struct forkstat_rt_waiter *rw =
			&forkstat_rt_waiters[(h + i) % FORKSTAT_WAITERS];

		if (READ_ONCE(rw->task) == t)
			return rw;
	}
	return NULL;
}

static bool forkstat_rt_is_lock(struct rwbase_rt *rwb, const void *lock)
{
	return lock == (void *)rwb || lock == (void *)&rwb->rtmutex;
}

static void forkstat_rt_free(struct forkstat_rt_waiter *rw)
{
	rw->rwbase = NULL;
	atomic_dec(&forkstat_rt_waiting);
	/* Done with the entry before another claims it. */
	smp_store_release(&rw->task, NULL);
}

/*
 * Both handlers run inside the lock slow paths, with the waiter's state
 * saved and, for spinlocks, a raw wait_lock held: raw locks only, no
 * allocation, no printing.
 */
static void forkstat_contention_begin(void *data, void *lock,
				      unsigned int flags)
{
	struct forkstat_stall_slot *s;
	struct forkstat_rt_waiter *rw;
	unsigned int h, i;

	if (atomic_read(&forkstat_rt_waiting)) {
		rw = forkstat_rt_waiter_of(current);
		/*
		 * Already waiting: a reader's rt_mutex inside its wait on
		 * the rwbase counts in that wait; another lock met
		 * meanwhile (the rt_mutex's wait_lock) is not followed.
		 */
		if (rw) {
			if (forkstat_rt_is_lock(rw->rwbase, lock))
				rw->depth++;
			return;
		}
	}
	if (!atomic_read(&forkstat_stall_busy))
		return;
	s = forkstat_stall_watching(lock);
	if (!s)
		return;
	atomic64_inc(&forkstat_rt_hits);
	h = hash_ptr(current, ilog2(FORKSTAT_WAITERS));
	for (i = 0; i < FORKSTAT_RT_PROBES; i++) {
		rw = &forkstat_rt_waiters[(h + i) % FORKSTAT_WAITERS];
		if (READ_ONCE(rw->task) || cmpxchg(&rw->task, NULL, current))
			continue;
		rw->rwbase = &current->mm->mmap_lock.rwbase;
		rw->depth = 1;
		atomic_inc(&forkstat_rt_waiting);
		if (!forkstat_waiter_start(s, &rw->w))
			forkstat_rt_free(rw);
		return;
	}
	atomic64_inc(&forkstat_rt_missed);
}

static void forkstat_contention_end(void *data, void *lock, int ret)
{
	struct forkstat_rt_waiter *rw;

	if (!atomic_read(&forkstat_rt_waiting))
		return;
	rw = forkstat_rt_waiter_of(current);
	if (!rw || !forkstat_rt_is_lock(rw->rwbase, lock) || --rw->depth)
		return;
	forkstat_waiter_end(&rw->w);
	forkstat_rt_free(rw);
}

static struct tracepoint *forkstat_rt_attach(const char *name, void *fn)
{
	struct tracepoint *tp;
	int err = -ENOENT;

	tp = forkstat_tracepoint_find(name);
	if (tp)
		err = tracepoint_probe_register(tp, fn, NULL);
	if (!err)
		return tp;
	pr_warn("threads stalled by forks not seen: tracepoint lock:%s (error %d)\n",
		name, err);
	return NULL;
}

/* The end first: no wait begun is left without its end. */
void forkstat_stall_attach(void)
{
	forkstat_contention_end_tp =
		forkstat_rt_attach("contention_end", forkstat_contention_end);
	if (forkstat_contention_end_tp)
		forkstat_contention_begin_tp =
			forkstat_rt_attach("contention_begin",
					   forkstat_contention_begin);
}

/* After the fork probes: no slot is claimed any more. */
void forkstat_stall_detach(void)
{
	if (forkstat_contention_begin_tp)
		tracepoint_probe_unregister(forkstat_contention_begin_tp,
					    forkstat_contention_begin, NULL);
	if (forkstat_contention_end_tp)
		tracepoint_probe_unregister(forkstat_contention_end_tp,
					    forkstat_contention_end, NULL);
	tracepoint_synchronize_unregister();
	forkstat_contention_begin_tp = NULL;
	forkstat_contention_end_tp = NULL;
}

static void forkstat_stall_show_probes(struct seq_file *m)
{
	seq_printf(m, "tracepoint name=lock:contention_begin state=%s hits=%lld nmissed=%lld\n",
		   forkstat_contention_begin_tp ? "attached" : "none",
		   (long long)atomic64_read(&forkstat_rt_hits),
		   (long long)atomic64_read(&forkstat_rt_missed));
	seq_printf(m, "tracepoint name=lock:contention_end state=%s\n",
		   forkstat_contention_end_tp ? "attached" : "none");
}

static void forkstat_stall_reset_probes(void)
{
	atomic64_set(&forkstat_rt_hits, 0);
	atomic64_set(&forkstat_rt_missed, 0);
}

#else /* !CONFIG_PREEMPT_RT */

static struct forkstat_probe forkstat_down_read;
static struct forkstat_probe forkstat_down_write;

/* The wait's first argument, the lock: is it the mm of a fork under way? */
static int forkstat_waiter_entry(struct forkstat_probe *p, struct pt_regs *regs,
				 struct forkstat_waiter *w)
{
	struct forkstat_stall_slot *s;

	if (!atomic_read(&forkstat_stall_busy))
		return 1;
	forkstat_probe_hit(p);
	s = forkstat_stall_watching((void *)regs_get_kernel_argument(regs, 0));
	return s && forkstat_waiter_start(s, w) ? 0 : 1;
}

static void forkstat_waiter_ret(struct pt_regs *regs, struct forkstat_waiter *w)
{
	forkstat_waiter_end(w);
}

static int forkstat_down_read_entry(struct pt_regs *regs, struct forkstat_waiter *w)
{
	return forkstat_waiter_entry(&forkstat_down_read, regs, w);
}

static int forkstat_down_write_entry(struct pt_regs *regs, struct forkstat_waiter *w)
{
	return forkstat_waiter_entry(&forkstat_down_write, regs, w);
}

FORKSTAT_RETPROBE(forkstat_down_read, "rwsem_down_read_slowpath",
		  forkstat_down_read_entry, forkstat_waiter_ret,
		  struct forkstat_waiter, FORKSTAT_WAITERS);
FORKSTAT_RETPROBE(forkstat_down_write, "rwsem_down_write_slowpath",
		  forkstat_down_write_entry, forkstat_waiter_ret,
		  struct forkstat_waiter, FORKSTAT_WAITERS);

static struct forkstat_probe *const forkstat_stall_probes[] = {
	&forkstat_down_read,
	&forkstat_down_write,
};

void forkstat_stall_attach(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(forkstat_stall_probes); i++)
		forkstat_probe_register(forkstat_stall_probes[i], false);
}

/* After the fork probes: no slot is claimed any more. */
void forkstat_stall_detach(void)
{
	forkstat_probes_unregister(forkstat_stall_probes,
				   ARRAY_SIZE(forkstat_stall_probes));
}

static void forkstat_stall_show_probes(struct seq_file *m)
{
	forkstat_probes_show(m, forkstat_stall_probes,
			     ARRAY_SIZE(forkstat_stall_probes));
}

static void forkstat_stall_reset_probes(void)
{
	forkstat_probes_reset(forkstat_stall_probes,
			      ARRAY_SIZE(forkstat_stall_probes));
}

#endif /* CONFIG_PREEMPT_RT */

void forkstat_stall_init(void)
{
	int i;

	BUILD_BUG_ON(!is_power_of_2(FORKSTAT_WAITERS));
	for (i = 0; i < FORKSTAT_STALL_SLOTS; i++)
		raw_spin_lock_init(&forkstat_stall_slots[i].lock);
}

void forkstat_stall_show(struct seq_file *m)
{
	forkstat_stall_show_probes(m);
	seq_printf(m, "stallcfg slots=%d unwatched=%lld waits=%lld ns=%lld\n",
		   FORKSTAT_STALL_SLOTS,
		   (long long)atomic64_read(&forkstat_stall_unwatched),
		   (long long)atomic64_read(&forkstat_stall_waits),
		   (long long)atomic64_read(&forkstat_stall_ns));
}

void forkstat_stall_reset(void)
{
	forkstat_stall_reset_probes();
	atomic64_set(&forkstat_stall_unwatched, 0);
	atomic64_set(&forkstat_stall_waits, 0);
	atomic64_set(&forkstat_stall_ns, 0);
}
