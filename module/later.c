// SPDX-License-Identifier: GPL-2.0
/*
 * Work a probe handler leaves to the thread that made the event, or that
 * the event is about, run in that thread as it returns to user space or
 * goes to handle a signal (task work), in process context: sockmode.c's
 * check of a mode change, ustack.c's call chain of a slow fork or an
 * OOM, oom.c's walk of a victim's mappings by the victim itself.
 *
 * A thread may stay away from user space for as long as user space
 * wants: a vfork parent whose child pauses, a call parked on a
 * userfaultfd page, a tracer's stop. Such a thread must neither pin the
 * module nor hold what other threads' events need. So:
 *
 * - Handlers take a pending work from a pool allocated in process
 *   context and refilled by a work item whenever it runs low: a parked
 *   thread keeps its works (one per event that queued it one), the pool
 *   is filled again, and only a burst faster than the refill finds it
 *   empty (counted as lost).
 * - No module reference is held. At unload every work no thread has
 *   started is orphaned: what it holds is let go, and its function
 *   becomes kfree, so the thread frees it whenever it does return (or
 *   exits): the kernel exports no way to take a task work back. Works
 *   running at that moment are waited for (they never wait on user
 *   space: uwalk.c only tries the mmap lock). A thread that read the
 *   function just before it changed finds the work orphaned, leaves it
 *   for the unload to free and returns without blocking, so an RCU tasks
 *   grace period covers it.
 * - A work meets the thread as it is then: task work also runs from
 *   do_exit(), after the mm is gone, and io_uring's workers run it in
 *   their own loop though they have no user stack. Users check what
 *   they need (ustack.c's forkstat_ustack_wanted()).
 *
 * kfree is called through the task work's type: the same calling
 * convention, and exported, so still an indirect-branch target under
 * IBT. A kernel that checks indirect calls by type (CFI_CLANG) would trap
 * there: the module refuses to build for one (dkms.conf skips it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/workqueue.h>

#include "forkstat.h"

#if IS_ENABLED(CONFIG_CFI_CLANG)
#error "forkstat frees orphaned task work through kfree: not with CFI_CLANG"
#endif

/* An orphan is freed through its work: the work must be what kfree gets. */
static_assert(offsetof(struct forkstat_later, work) == 0);

/*
 * Queuing may record the caller's stack for KASAN, which may allocate:
 * not in a probe handler (kernels with TWAF_NO_ALLOC can be told not to;
 * Kbuild looks for it).
 */
#ifdef FORKSTAT_HAVE_TWAF_NO_ALLOC
#define FORKSTAT_TWA	(TWA_RESUME | TWAF_NO_ALLOC)
#else
#define FORKSTAT_TWA	TWA_RESUME
#endif

/* Free works kept: more than ever pend at once on a busy host. */
#define FORKSTAT_LATER_POOL	64
/* Works orphaned per hold of the lock at unload. */
#define FORKSTAT_LATER_BATCH	32

/* free: in the pool; pending: on a thread, not started. */
static DEFINE_RAW_SPINLOCK(forkstat_later_lock);
static LIST_HEAD(forkstat_later_free);
static LIST_HEAD(forkstat_later_pending);
static unsigned int forkstat_later_nfree, forkstat_later_npending;
static bool forkstat_later_live;
static atomic_t forkstat_later_running;
/* Orphans a thread reached through the old function: the unload frees them. */
static LLIST_HEAD(forkstat_later_strays);
static atomic64_t forkstat_later_lost;
/* Any work queued since load: exit then waits for an RCU tasks grace period. */
static bool forkstat_later_used;

static void forkstat_later_fill(struct work_struct *work)
{
	struct forkstat_later *l = NULL;
	unsigned long irqflags;

	for (;;) {
		if (!l)
			l = kzalloc(sizeof(*l), GFP_KERNEL | __GFP_NOWARN);
		if (!l)
			return;
		raw_spin_lock_irqsave(&forkstat_later_lock, irqflags);
		if (forkstat_later_live && forkstat_later_nfree < FORKSTAT_LATER_POOL) {
			list_add(&l->node, &forkstat_later_free);
			forkstat_later_nfree++;
			l = NULL;
		}
		raw_spin_unlock_irqrestore(&forkstat_later_lock, irqflags);
		if (l)
			break;
		cond_resched();
	}
	kfree(l);	/* the pool filled meanwhile, or the module is leaving */
}

static DECLARE_WORK(forkstat_later_filler, forkstat_later_fill);

struct forkstat_later *forkstat_later_get(void)
{
	struct forkstat_later *l;
	unsigned long irqflags;
	bool low;

	raw_spin_lock_irqsave(&forkstat_later_lock, irqflags);
	l = list_first_entry_or_null(&forkstat_later_free, struct forkstat_later, node);
	if (l) {
		list_del(&l->node);
		forkstat_later_nfree--;
	}
	low = forkstat_later_live && forkstat_later_nfree < FORKSTAT_LATER_POOL / 2;
	raw_spin_unlock_irqrestore(&forkstat_later_lock, irqflags);
	if (low)
		schedule_work(&forkstat_later_filler);
	if (!l)
		atomic64_inc(&forkstat_later_lost);
	return l;
}

/* Back to the pool, or freed when the pool is full; process context. */
static void forkstat_later_put(struct forkstat_later *l)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&forkstat_later_lock, irqflags);
	if (forkstat_later_nfree < FORKSTAT_LATER_POOL) {
		list_add(&l->node, &forkstat_later_free);
		forkstat_later_nfree++;
		l = NULL;
	}
	raw_spin_unlock_irqrestore(&forkstat_later_lock, irqflags);
	kfree(l);
}

/*
 * The task work. The lock decides between this thread and an unload
 * orphaning the work: whoever takes it off the pending list owns it.
 */
static void forkstat_later_run(struct callback_head *work)
{
	struct forkstat_later *l = container_of(work, struct forkstat_later, work);
	unsigned long irqflags;
	bool mine;

	raw_spin_lock_irqsave(&forkstat_later_lock, irqflags);
	mine = l->pending;
	if (mine) {
		l->pending = false;
		list_del(&l->node);
		forkstat_later_npending--;
		atomic_inc(&forkstat_later_running);
	}
	raw_spin_unlock_irqrestore(&forkstat_later_lock, irqflags);
	if (!mine) {
		/* Orphaned on the way here: nothing that may block now. */
		llist_add(&l->stray, &forkstat_later_strays);
		return;
	}
	l->run(l);
	if (l->filp)
		fput(l->filp);
	l->filp = NULL;
	forkstat_later_put(l);
	/* The last thing done: the unload may go once no work runs. */
	atomic_dec_return_release(&forkstat_later_running);
}

bool forkstat_later_queue_on(struct task_struct *task, struct forkstat_later *l,
			     void (*run)(struct forkstat_later *l))
{
	unsigned long irqflags;

	l->run = run;
	init_task_work(&l->work, forkstat_later_run);
	if (!READ_ONCE(forkstat_later_used))
		WRITE_ONCE(forkstat_later_used, true);
	raw_spin_lock_irqsave(&forkstat_later_lock, irqflags);
	l->pending = true;
	list_add(&l->node, &forkstat_later_pending);
	forkstat_later_npending++;
	raw_spin_unlock_irqrestore(&forkstat_later_lock, irqflags);
	if (!task_work_add(task, &l->work, FORKSTAT_TWA))
		return true;
	/* Too late: the task is past running its task work. */
	if (l->filp)
		fput(l->filp);	/* the caller's call holds one: never the last */
	l->filp = NULL;
	raw_spin_lock_irqsave(&forkstat_later_lock, irqflags);
	l->pending = false;
	list_move(&l->node, &forkstat_later_free);
	forkstat_later_npending--;
	forkstat_later_nfree++;
	raw_spin_unlock_irqrestore(&forkstat_later_lock, irqflags);
	atomic64_inc(&forkstat_later_lost);
	return false;
}

bool forkstat_later_queue(struct forkstat_later *l,
			  void (*run)(struct forkstat_later *l))
{
	return forkstat_later_queue_on(current, l, run);
}

int forkstat_later_init(void)
{
	forkstat_later_live = true;
	forkstat_later_fill(NULL);
	if (forkstat_later_nfree == FORKSTAT_LATER_POOL)
		return 0;
	forkstat_later_exit();
	return -ENOMEM;
}

/*
 * Orphans up to a batch of the works no thread has started; returns how
 * many. Under the lock, so that a thread reaching one meanwhile waits
 * for its function to be set, then finds it orphaned.
 */
static unsigned int forkstat_later_orphan(void)
{
	struct file *files[FORKSTAT_LATER_BATCH];
	struct forkstat_later *l;
	unsigned long irqflags;
	unsigned int i, n = 0;

	raw_spin_lock_irqsave(&forkstat_later_lock, irqflags);
	while (n < FORKSTAT_LATER_BATCH &&
	       (l = list_first_entry_or_null(&forkstat_later_pending,
					     struct forkstat_later, node))) {
		list_del(&l->node);
		l->pending = false;
		forkstat_later_npending--;
		files[n++] = l->filp;
		l->filp = NULL;
		/*
		 * From here on the work is the thread's to free: the stores
		 * above must not follow it.
		 */
		smp_store_release(&l->work.func, (task_work_func_t)(void *)kfree);
	}
	raw_spin_unlock_irqrestore(&forkstat_later_lock, irqflags);
	for (i = 0; i < n; i++)
		if (files[i])
			fput(files[i]);
	return n;
}

/* After the probes: nothing is queued any more. */
void forkstat_later_exit(void)
{
	struct forkstat_later *l, *tmp;
	struct llist_node *strays;
	unsigned long irqflags;

	raw_spin_lock_irqsave(&forkstat_later_lock, irqflags);
	forkstat_later_live = false;
	raw_spin_unlock_irqrestore(&forkstat_later_lock, irqflags);
	cancel_work_sync(&forkstat_later_filler);

	while (forkstat_later_orphan())
		cond_resched();
	/* Running works never wait on user space: this ends. */
	while (atomic_read_acquire(&forkstat_later_running))
		usleep_range(1000, 2000);
	if (READ_ONCE(forkstat_later_used))
		synchronize_rcu_tasks();
	strays = llist_del_all(&forkstat_later_strays);
	llist_for_each_entry_safe(l, tmp, strays, stray)
		kfree(l);
	list_for_each_entry_safe(l, tmp, &forkstat_later_free, node) {
		list_del(&l->node);
		kfree(l);
	}
	forkstat_later_nfree = 0;
}

void forkstat_later_show(struct seq_file *m)
{
	unsigned int nfree, npending;
	unsigned long irqflags;

	raw_spin_lock_irqsave(&forkstat_later_lock, irqflags);
	nfree = forkstat_later_nfree;
	npending = forkstat_later_npending;
	raw_spin_unlock_irqrestore(&forkstat_later_lock, irqflags);
	seq_printf(m, "later pool=%d free=%u pending=%u lost=%lld\n",
		   FORKSTAT_LATER_POOL, nfree, npending,
		   (long long)atomic64_read(&forkstat_later_lost));
}

void forkstat_later_reset(void)
{
	atomic64_set(&forkstat_later_lost, 0);
}
