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
 * rt_mutex (rwbase_rt): there the contended reader waits in
 * __rwbase_read_lock and every writer goes through rwbase_write_lock, whose
 * first argument is the rwsem's rwbase; an uncontended writer pays the
 * same atomic read.
 *
 * Policy: a small table of mms being duplicated (FORKSTAT_STALL_SLOTS,
 * filled by fork.c at uprobe_start_dup_mmap); a wait on the mmap_lock of
 * one of them by a thread of that mm (the forking process's own; not a
 * reader of its /proc/PID/maps, nor khugepaged) is timed to its end. The
 * fork's figures are taken at uprobe_end_dup_mmap, just after the unlock
 * that woke the waiters: one
 * woken but not yet back counts up to that moment (time it then spends
 * waiting for a CPU is not the fork's), and its own return finds the slot
 * closed (a new generation) and adds nothing. More duplications at once
 * than slots are counted as unwatched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/mm_types.h>
#include <linux/ptrace.h>
#include <linux/spinlock.h>

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

/* What a waiter's return handler needs. */
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

static struct forkstat_probe forkstat_down_read;
static struct forkstat_probe forkstat_down_write;

#ifdef CONFIG_PREEMPT_RT
#define FORKSTAT_READ_WAIT	"__rwbase_read_lock"
#define FORKSTAT_WRITE_WAIT	"rwbase_write_lock"
#define forkstat_mmap_lock(mm)	((void *)&(mm)->mmap_lock.rwbase)
#else
#define FORKSTAT_READ_WAIT	"rwsem_down_read_slowpath"
#define FORKSTAT_WRITE_WAIT	"rwsem_down_write_slowpath"
#define forkstat_mmap_lock(mm)	((void *)&(mm)->mmap_lock)
#endif

/* The wait's first argument, the lock: is it the mm of a fork under way? */
static int forkstat_waiter_entry(struct forkstat_probe *p, struct pt_regs *regs,
				 struct forkstat_waiter *w)
{
	void *sem = (void *)regs_get_kernel_argument(regs, 0);
	unsigned long irqflags;
	int i;

	if (!atomic_read(&forkstat_stall_busy))
		return 1;
	forkstat_probe_hit(p);
	for (i = 0; i < FORKSTAT_STALL_SLOTS; i++) {
		struct forkstat_stall_slot *s = &forkstat_stall_slots[i];
		struct mm_struct *mm = READ_ONCE(s->mm);

		if (!mm || forkstat_mmap_lock(mm) != sem)
			continue;
		/*
		 * The fork taking the lock, or another process (a reader of
		 * /proc/PID/maps, khugepaged): not the forker's threads.
		 */
		if (READ_ONCE(s->forker) == current || current->mm != mm)
			return 1;
		w->slot = s;
		w->start_ns = ktime_get_ns();
		raw_spin_lock_irqsave(&s->lock, irqflags);
		if (s->mm != mm) {
			raw_spin_unlock_irqrestore(&s->lock, irqflags);
			return 1;
		}
		w->gen = s->gen;
		s->pending++;
		s->pending_start_sum += w->start_ns;
		if (!s->pending_first)
			s->pending_first = w->start_ns;
		raw_spin_unlock_irqrestore(&s->lock, irqflags);
		return 0;
	}
	return 1;
}

static void forkstat_waiter_ret(struct pt_regs *regs, struct forkstat_waiter *w)
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

static int forkstat_down_read_entry(struct pt_regs *regs, struct forkstat_waiter *w)
{
	return forkstat_waiter_entry(&forkstat_down_read, regs, w);
}

static int forkstat_down_write_entry(struct pt_regs *regs, struct forkstat_waiter *w)
{
	return forkstat_waiter_entry(&forkstat_down_write, regs, w);
}

/* Up to that many waits followed at once; more are "nmissed". */
#define FORKSTAT_WAITERS	256

FORKSTAT_RETPROBE(forkstat_down_read, FORKSTAT_READ_WAIT,
		  forkstat_down_read_entry, forkstat_waiter_ret,
		  struct forkstat_waiter, FORKSTAT_WAITERS);
FORKSTAT_RETPROBE(forkstat_down_write, FORKSTAT_WRITE_WAIT,
		  forkstat_down_write_entry, forkstat_waiter_ret,
		  struct forkstat_waiter, FORKSTAT_WAITERS);

static struct forkstat_probe *const forkstat_stall_probes[] = {
	&forkstat_down_read,
	&forkstat_down_write,
};

void forkstat_stall_init(void)
{
	int i;

	for (i = 0; i < FORKSTAT_STALL_SLOTS; i++)
		raw_spin_lock_init(&forkstat_stall_slots[i].lock);
}

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

void forkstat_stall_show(struct seq_file *m)
{
	forkstat_probes_show(m, forkstat_stall_probes,
			     ARRAY_SIZE(forkstat_stall_probes));
	seq_printf(m, "stallcfg slots=%d unwatched=%lld waits=%lld ns=%lld\n",
		   FORKSTAT_STALL_SLOTS,
		   (long long)atomic64_read(&forkstat_stall_unwatched),
		   (long long)atomic64_read(&forkstat_stall_waits),
		   (long long)atomic64_read(&forkstat_stall_ns));
}

void forkstat_stall_reset(void)
{
	forkstat_probes_reset(forkstat_stall_probes,
			      ARRAY_SIZE(forkstat_stall_probes));
	atomic64_set(&forkstat_stall_unwatched, 0);
	atomic64_set(&forkstat_stall_waits, 0);
	atomic64_set(&forkstat_stall_ns, 0);
}
