// SPDX-License-Identifier: GPL-2.0
/*
 * References that probe handlers let go of, dropped later in process
 * context.
 *
 * A record's reference to a struct pid is often the last one: its
 * process exited and was reaped long before the record is overwritten
 * (ring.c) or its row taken over (rows.c). Dropping it frees the struct
 * pid (kmem_cache_free and the memory cgroup's uncharge) and, for the
 * last pid of a PID namespace, the namespace (ida_free and more): on
 * PREEMPT_RT each takes a sleeping lock, which a handler, running with
 * preemption off, must not. So a handler hands them here, into a fixed
 * array, and a work item puts them.
 *
 * Most references are not the last: the process still runs. Those are
 * dropped on the spot with refcount_dec_not_one(), which never takes the
 * count to zero, so nothing is freed and no lock taken; only a reference
 * that may be the last goes into the array. Handing over live ones too
 * filled it with a single process's 10,000 socket-mode changes in a row
 * whenever the worker was slow to run (sock_many, PREEMPT_RT kernels).
 *
 * All or nothing: a handler that finds no room for every reference it
 * would hand over keeps the old record and gives up the new event
 * instead (counted by the caller, and here as refused), so nothing is
 * ever put in a handler nor leaked. The array only fills when processes
 * die faster than the work item runs.
 *
 * Waking a worker per reference would cost each handover a wake-up
 * (thousands of instructions, more than the record itself), so the work
 * waits FORKSTAT_RELEASE_DELAY after the first handover and collects what
 * comes meanwhile; only an array half full wakes it at once. A pid held a
 * tenth of a second longer costs nothing anyone could see.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/pid.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "forkstat.h"

#define FORKSTAT_RELEASE_MAX	1024
/* Put per lock hold by the work item. */
#define FORKSTAT_RELEASE_BATCH	32
/* How long handed-over references wait for company. */
#define FORKSTAT_RELEASE_DELAY	(HZ / 10)

static DEFINE_RAW_SPINLOCK(forkstat_release_lock);
static struct pid *forkstat_release_pids[FORKSTAT_RELEASE_MAX];
static unsigned int forkstat_release_n;
static atomic64_t forkstat_release_refused;

/* Puts everything handed over so far; process context. */
static void forkstat_release_drain(struct work_struct *work)
{
	struct pid *batch[FORKSTAT_RELEASE_BATCH];
	unsigned long irqflags;
	unsigned int i, n;

	do {
		raw_spin_lock_irqsave(&forkstat_release_lock, irqflags);
		n = min_t(unsigned int, forkstat_release_n, FORKSTAT_RELEASE_BATCH);
		forkstat_release_n -= n;
		memcpy(batch, &forkstat_release_pids[forkstat_release_n],
		       n * sizeof(batch[0]));
		raw_spin_unlock_irqrestore(&forkstat_release_lock, irqflags);
		for (i = 0; i < n; i++)
			put_pid(batch[i]);
		cond_resched();
	} while (n);
}

static DECLARE_DELAYED_WORK(forkstat_release_work, forkstat_release_drain);

bool forkstat_release_pids_later(struct pid *const *pids, unsigned int n)
{
	unsigned long irqflags;
	unsigned int i, before, queued = 0, handed = 0;

	for (i = 0; i < n; i++)
		queued += !!pids[i];
	if (!queued)
		return true;
	raw_spin_lock_irqsave(&forkstat_release_lock, irqflags);
	/* Room for the worst case first: a drop cannot be taken back. */
	if (forkstat_release_n + queued > FORKSTAT_RELEASE_MAX) {
		raw_spin_unlock_irqrestore(&forkstat_release_lock, irqflags);
		atomic64_inc(&forkstat_release_refused);
		return false;
	}
	before = forkstat_release_n;
	for (i = 0; i < n; i++)
		if (pids[i] && !refcount_dec_not_one(&pids[i]->count))
			forkstat_release_pids[before + handed++] = pids[i];
	forkstat_release_n += handed;
	raw_spin_unlock_irqrestore(&forkstat_release_lock, irqflags);
	if (!handed)
		return true;
	/*
	 * Both take raw locks only (timer base, pool, the waking of a
	 * worker): fine with preemption off on PREEMPT_RT too. Pending work
	 * makes the second a test of one bit; the first happens once per
	 * crossing. Unbound: a CPU hogged by a real-time task must not hold
	 * the references.
	 */
	if (before < FORKSTAT_RELEASE_MAX / 2 &&
	    before + handed >= FORKSTAT_RELEASE_MAX / 2)
		mod_delayed_work(system_unbound_wq, &forkstat_release_work, 0);
	else
		queue_delayed_work(system_unbound_wq, &forkstat_release_work,
				   FORKSTAT_RELEASE_DELAY);
	return true;
}

/* After everything that hands references over is gone. */
void forkstat_release_exit(void)
{
	cancel_delayed_work_sync(&forkstat_release_work);
	forkstat_release_drain(NULL);
}

void forkstat_release_show(struct seq_file *m)
{
	seq_printf(m, "release max=%d queued=%u refused=%lld\n",
		   FORKSTAT_RELEASE_MAX, READ_ONCE(forkstat_release_n),
		   (long long)atomic64_read(&forkstat_release_refused));
}

void forkstat_release_reset(void)
{
	atomic64_set(&forkstat_release_refused, 0);
}
