// SPDX-License-Identifier: GPL-2.0
/*
 * The copy-on-write bill of a fork: the write-protect faults the parent
 * and the child take after it, the pages they copy and the time spent.
 *
 * After a fork both mms map every anonymous page read-only; the first
 * write by either side faults into do_wp_page, which copies the page
 * (or reuses it when the other side already let go). do_wp_page is the
 * one probe: a first-touch fault, a read fault or any fault of a process
 * that did not fork never gets there, and one that does pays one atomic
 * read while no fork is watched.
 *
 * Policy: each fork that copies the mm of a parent of cow_min_mb or more
 * RSS gets a watch, one of cow_watches slots, holding both mms (mmgrab:
 * their addresses cannot be reused while watched). A watch counts until
 * the child has no users of its mm any more (it exec'ed or exited), or
 * until cow_window_s have passed. A fault goes to the newest watch of its
 * mm. A fork that finds no free slot is counted as unwatched. Closed
 * watches are reaped by a work item, FORKSTAT_COW_REAP late at most,
 * which publishes their figures: to the forking process's row always, as
 * a "cow" record when the fork or its copy-on-write faults took slow_us
 * or longer.
 *
 * Only private mappings copy on write: a write fault on a shared one
 * (write-notify, soft-dirty tracking) or on a page userfaultfd
 * write-protects (which parks the fault in user space's hands for as long
 * as it likes) is not followed. Whether a fault copied: the page its PTE
 * maps before and after the call. After, the PTE is found again from
 * the PMD entry: the fault holds the mmap or VMA lock, so the PMD table
 * stays, but the PTE table it had may be gone (6.12's khugepaged and
 * MADV_COLLAPSE retract page tables under the mmap lock read, freeing
 * them after a grace period). A fault that let go of that lock
 * (VM_FAULT_RETRY) is retried, and counted then. A write to the shared
 * zero page is a first touch, not a copy.
 *
 * A fault's return finds its watch by slot and generation: a watch closed
 * meanwhile (a new generation) gets nothing, so no fault in progress ever
 * keeps a watch open.
 *
 * Why cow_min_mb: following a fault costs a return probe and its watch's
 * lookup, some 800 instructions on 6.1, and even the smallest fork takes
 * about ten copy-on-write faults (stacks, libc's data) before its child
 * execs or exits: with its watch, 2.2% more per fork of a shell
 * (cow_min_mb=0, measured). A parent's bill is at most its size, so
 * small parents are left out by default.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/userfaultfd_k.h>
#include <linux/workqueue.h>

#include "forkstat.h"
#include "param.h"
#include "ring.h"

static unsigned int cow_window_s = 10;
static unsigned int cow_min_mb = 16;
static unsigned int cow_watches = 64;
static unsigned int cow_ring = 64;

FORKSTAT_PARAM_UINT(cow_window_s, 1, 600, 0644,
		    "Copy-on-write faults count this long after a fork at most, 1..600 s (default 10)");
FORKSTAT_PARAM_UINT(cow_min_mb, 0, 1 << 20, 0644,
		    "Copy-on-write faults are followed after forks of parents this big (RSS, MiB, 0..1048576) or bigger (default 16)");
FORKSTAT_PARAM_UINT(cow_watches, 1, 1024, 0444,
		    "Forks whose copy-on-write faults are followed at once, 1..1024 (default 64)");
FORKSTAT_PARAM_UINT(cow_ring, 1, 4096, 0444,
		    "Copy-on-write records remembered, 1..4096 (default 64)");

enum forkstat_cow_state {
	FORKSTAT_COW_FREE,
	FORKSTAT_COW_FILLING,	/* claimed by a fork, not counting yet */
	FORKSTAT_COW_OPEN,
	FORKSTAT_COW_EXPIRED,	/* a fault found it over: for the reaper */
	FORKSTAT_COW_CLOSING,	/* the reaper's */
};

enum forkstat_cow_end {
	FORKSTAT_COW_END_WINDOW,
	FORKSTAT_COW_END_EXIT,
	FORKSTAT_COW_END_EXEC,
	FORKSTAT_COW_NR_ENDS
};

static const char *const forkstat_cow_end_names[FORKSTAT_COW_NR_ENDS] = {
	[FORKSTAT_COW_END_WINDOW] = "window",
	[FORKSTAT_COW_END_EXIT] = "exit",
	[FORKSTAT_COW_END_EXEC] = "exec",
};

/* What the fault handler compares, packed apart so a scan stays short. */
struct forkstat_cow_key {
	struct mm_struct *parent;
	struct mm_struct *child;
};

struct forkstat_cow_tally {
	atomic64_t faults, pages, ns;
};

struct forkstat_cow_watch {
	atomic_t state;
	raw_spinlock_t lock;	/* gen and side */
	u32 gen;		/* bumped at every close */
	u64 id;			/* the fork's */
	u64 start_ns;		/* ktime_get_ns() at the fork's return */
	u64 deadline_ns;
	u64 fork_ns;		/* the copy_process call */
	u64 start_time;		/* of the forker's group leader */
	struct mm_struct *parent_mm, *child_mm;	/* mmgrab'bed */
	struct task_struct *child_task;		/* only compared, never followed */
	bool exec;		/* spawn.c saw the child exec */
	struct forkstat_who who;	/* with references */
	struct pid *child;		/* a reference */
	char comm[TASK_COMM_LEN];
	struct forkstat_cow_side side[2];	/* parent, child */
};

/* A closed watch, as /proc/forkstat shows it. */
struct forkstat_cow_rec {
	u64 id;
	u64 time_ns;		/* CLOCK_REALTIME at the close */
	u64 window_ns;		/* how long it counted */
	u64 fork_ns;
	struct forkstat_cow_side side[2];
	enum forkstat_cow_end end;
	struct forkstat_who who;
	struct pid *child;
	char comm[TASK_COMM_LEN];
};

static struct forkstat_cow_key *forkstat_cow_keys;
static struct forkstat_cow_watch *forkstat_cow_watch_slots;
/*
 * The slots a fault or an exec looks at: the first ones, up to the span,
 * which holds every watch whose keys may be published. A fork claims the
 * lowest free slot and widens the span to hold it; the reaper narrows it
 * once the highest slots are free again, so that the one or two watches
 * usually open cost a fault a look at one or two slots, not at all of
 * them (64 by default: some 600 instructions per fault).
 * Low 16 bits: the span (cow_watches is at most 1024); high 16: a count of
 * widenings, so that a narrowing fails if a fork widened it meanwhile.
 * The count cannot come round in between: only the reaper frees slots,
 * so at most cow_watches widenings happen while it narrows.
 */
static atomic_t forkstat_cow_span;
/* Watches open or closing: the fault handler looks no further while 0. */
static atomic_t forkstat_cow_open;
static atomic64_t forkstat_cow_unwatched;
/* Sums over every closed watch, shown to the host only. */
static atomic64_t forkstat_cow_forks;
static struct forkstat_cow_tally forkstat_cow_sums[2];

static struct forkstat_ring forkstat_cow_ring =
	FORKSTAT_RING(struct forkstat_cow_rec,
		      offsetof(struct forkstat_cow_rec, who.pid),
		      offsetof(struct forkstat_cow_rec, who.tgid),
		      offsetof(struct forkstat_cow_rec, child));

/*
 * How often open watches are checked: a child that exec'ed or exited
 * frees its slot this late at most, so a shell forking fifty commands a
 * second keeps about five slots busy.
 */
#define FORKSTAT_COW_REAP	(HZ / 10)

static void forkstat_cow_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(forkstat_cow_reaper, forkstat_cow_reap);

#define FORKSTAT_COW_SPAN_LEN	0xffffU
#define FORKSTAT_COW_SPAN_COUNT	(FORKSTAT_COW_SPAN_LEN + 1)

static unsigned int forkstat_cow_span_len(void)
{
	return atomic_read(&forkstat_cow_span) & FORKSTAT_COW_SPAN_LEN;
}

/* After slot was claimed (a full barrier), before its watch is published. */
static void forkstat_cow_widen(unsigned int slot)
{
	int old = atomic_read(&forkstat_cow_span);
	unsigned int len;

	do {
		len = max_t(unsigned int, old & FORKSTAT_COW_SPAN_LEN, slot + 1);
	} while (!atomic_try_cmpxchg(&forkstat_cow_span, &old,
				     ((old & ~FORKSTAT_COW_SPAN_LEN) +
				      FORKSTAT_COW_SPAN_COUNT) | len));
}

/*
 * The reaper's, after freeing: the span ends at the highest slot not
 * free. A fork whose widening the read saw is seen in the slots' state
 * (the claim, then the widening, both fully ordered, then this read's
 * acquire); any later widening changed the count, and the narrowing fails:
 * the span stays wide until the next close.
 */
static void forkstat_cow_narrow(void)
{
	int old = atomic_read_acquire(&forkstat_cow_span);
	unsigned int len = old & FORKSTAT_COW_SPAN_LEN;

	while (len && atomic_read(&forkstat_cow_watch_slots[len - 1].state) ==
	       FORKSTAT_COW_FREE)
		len--;
	atomic_try_cmpxchg(&forkstat_cow_span, &old,
			   (old & ~FORKSTAT_COW_SPAN_LEN) | len);
}

static void forkstat_cow_reap_soon(unsigned long delay)
{
	if (!delayed_work_pending(&forkstat_cow_reaper))
		schedule_delayed_work(&forkstat_cow_reaper, delay);
}

void forkstat_cow_watch(const struct forkstat_fork *f, struct task_struct *child)
{
	struct mm_struct *mm = current->mm;
	struct forkstat_cow_watch *w;
	struct forkstat_who who;
	unsigned long irqflags;
	unsigned int i;

	if (!mm || !child->mm || child->mm == mm ||
	    f->rss_kb < (unsigned long)READ_ONCE(cow_min_mb) << 10)
		return;
	for (i = 0; i < cow_watches; i++) {
		w = &forkstat_cow_watch_slots[i];
		if (atomic_read(&w->state) == FORKSTAT_COW_FREE &&
		    atomic_cmpxchg(&w->state, FORKSTAT_COW_FREE,
				   FORKSTAT_COW_FILLING) == FORKSTAT_COW_FREE)
			goto claimed;
	}
	atomic64_inc(&forkstat_cow_unwatched);
	forkstat_cow_reap_soon(0);
	return;
claimed:
	w->id = f->id;
	w->start_ns = ktime_get_ns();
	w->deadline_ns = w->start_ns + (u64)READ_ONCE(cow_window_s) * NSEC_PER_SEC;
	w->fork_ns = f->total_ns;
	w->start_time = current->group_leader->start_time;
	mmgrab(mm);
	mmgrab(child->mm);
	w->parent_mm = mm;
	w->child_mm = child->mm;
	w->child_task = child;
	WRITE_ONCE(w->exec, false);
	forkstat_who_current(&who);
	forkstat_who_get(&w->who, &who);
	w->child = get_pid(task_pid(child));
	forkstat_current_comm(w->comm);
	raw_spin_lock_irqsave(&w->lock, irqflags);
	memset(w->side, 0, sizeof(w->side));
	raw_spin_unlock_irqrestore(&w->lock, irqflags);
	atomic_inc(&forkstat_cow_open);
	i = w - forkstat_cow_watch_slots;
	forkstat_cow_widen(i);
	WRITE_ONCE(forkstat_cow_keys[i].child, child->mm);
	/* The watch is whole before a fault can find it. */
	smp_store_release(&forkstat_cow_keys[i].parent, mm);
	atomic_set_release(&w->state, FORKSTAT_COW_OPEN);
	forkstat_cow_reap_soon(FORKSTAT_COW_REAP);
}

/* Over: the window has passed, or the child's mm has no users left. */
static bool forkstat_cow_over(const struct forkstat_cow_watch *w, u64 now)
{
	return now >= w->deadline_ns || !atomic_read(&w->child_mm->mm_users);
}

static struct forkstat_probe forkstat_do_wp_page;

struct forkstat_cow_fault {
	struct forkstat_cow_watch *w;
	u32 gen;		/* the watch's at entry */
	int side;
	struct vm_fault *vmf;	/* the caller's, there until it returns */
	unsigned long pfn;	/* mapped before the fault */
	u64 start_ns;
};

/*
 * The newest watch of mm, and which side mm is in it: a child that forks
 * in turn is the parent of the newer fork, and a page it copies stops
 * being shared with both.
 */
static struct forkstat_cow_watch *forkstat_cow_find(struct mm_struct *mm, int *side)
{
	struct forkstat_cow_watch *best = NULL;
	unsigned int i, n = forkstat_cow_span_len();

	for (i = 0; i < n; i++) {
		struct forkstat_cow_key *k = &forkstat_cow_keys[i];
		struct forkstat_cow_watch *w = &forkstat_cow_watch_slots[i];
		int in = READ_ONCE(k->child) == mm ? 1 :
			 READ_ONCE(k->parent) == mm ? 0 : -1;

		if (in >= 0 && (!best || w->id > best->id)) {
			best = w;
			*side = in;
		}
	}
	return best;
}

/*
 * do_wp_page(vmf): the PTE it was called for maps the shared page. The
 * watch found stays in its slot until a grace period after it closed
 * (forkstat_cow_close()): this handler runs with preemption off.
 */
static int forkstat_wp_entry(struct pt_regs *regs, struct forkstat_cow_fault *c)
{
	struct vm_fault *vmf = (void *)regs_get_kernel_argument(regs, 0);
	struct vm_area_struct *vma;
	struct forkstat_cow_watch *w;
	u64 now;

	if (!atomic_read(&forkstat_cow_open))
		return 1;
	forkstat_probe_hit(&forkstat_do_wp_page);
	vma = vmf->vma;
	if (!vmf->pte || !is_cow_mapping(vma->vm_flags) ||
	    userfaultfd_pte_wp(vma, vmf->orig_pte))
		return 1;
	w = forkstat_cow_find(vma->vm_mm, &c->side);
	if (!w || atomic_read_acquire(&w->state) != FORKSTAT_COW_OPEN)
		return 1;
	now = ktime_get_ns();
	if (forkstat_cow_over(w, now)) {
		if (atomic_cmpxchg(&w->state, FORKSTAT_COW_OPEN,
				   FORKSTAT_COW_EXPIRED) == FORKSTAT_COW_OPEN)
			forkstat_cow_reap_soon(0);
		return 1;
	}
	c->w = w;
	c->gen = READ_ONCE(w->gen);
	c->vmf = vmf;
	c->pfn = pte_pfn(vmf->orig_pte);
	c->start_ns = now;
	return 0;
}

/*
 * Whether the fault's PTE maps another page than before, found from the
 * PMD entry now (see above), under RCU: a PTE table retracted meanwhile
 * is freed only after a grace period.
 */
static bool forkstat_wp_copied(const struct forkstat_cow_fault *c)
{
	bool copied = false;
	pte_t pte;
	pmd_t pmd;

	rcu_read_lock();
	pmd = READ_ONCE(*c->vmf->pmd);
	if (pmd_present(pmd) && !pmd_bad(pmd)) {	/* not none, not huge now */
		pte = ptep_get(pte_offset_kernel(&pmd, c->vmf->address));
		copied = pte_present(pte) && pte_pfn(pte) != c->pfn &&
			 !is_zero_pfn(c->pfn);
	}
	rcu_read_unlock();
	return copied;
}

/*
 * The fault is over; it may have slept, and its watch closed meanwhile.
 * One that let go of its lock (to wait, or because it must be retried)
 * may find the range unmapped and its page tables freed by then: it is
 * counted when retried.
 */
static void forkstat_wp_ret(struct pt_regs *regs, struct forkstat_cow_fault *c)
{
	vm_fault_t ret = regs_return_value(regs);
	struct forkstat_cow_watch *w = c->w;
	unsigned long irqflags;
	bool copied;
	u64 ns;

	if (ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED))
		return;
	ns = ktime_get_ns() - c->start_ns;
	copied = forkstat_wp_copied(c);
	raw_spin_lock_irqsave(&w->lock, irqflags);
	if (w->gen == c->gen) {
		w->side[c->side].faults++;
		w->side[c->side].pages += copied;
		w->side[c->side].ns += ns;
	}
	raw_spin_unlock_irqrestore(&w->lock, irqflags);
}

/* Up to that many faults followed at once (they may sleep); more are "nmissed". */
#define FORKSTAT_COW_FAULTS	256

FORKSTAT_RETPROBE(forkstat_do_wp_page, "do_wp_page", forkstat_wp_entry,
		  forkstat_wp_ret, struct forkstat_cow_fault, FORKSTAT_COW_FAULTS);

static void forkstat_cow_sum(struct forkstat_cow_tally *dst,
			     const struct forkstat_cow_side *src)
{
	atomic64_add(src->faults, &dst->faults);
	atomic64_add(src->pages, &dst->pages);
	atomic64_add(src->ns, &dst->ns);
}

/*
 * From spawn.c, as the child of fork id execs (probe context): its watch
 * is found by id, without a lock; at worst a watch closing meanwhile is
 * marked, and its next fork clears the mark.
 */
void forkstat_cow_exec(u64 id)
{
	unsigned int i, n;

	if (!atomic_read(&forkstat_cow_open))
		return;
	n = forkstat_cow_span_len();
	for (i = 0; i < n; i++) {
		struct forkstat_cow_watch *w = &forkstat_cow_watch_slots[i];

		if (atomic_read(&w->state) == FORKSTAT_COW_OPEN && READ_ONCE(w->id) == id) {
			WRITE_ONCE(w->exec, true);
			return;
		}
	}
}

/*
 * Why it ended: the child's mm had no users left (exec when spawn.c saw
 * it, or when the child still runs with another mm; else exit), else the
 * window.
 */
static enum forkstat_cow_end forkstat_cow_end(struct forkstat_cow_watch *w)
{
	struct task_struct *t;
	enum forkstat_cow_end end = FORKSTAT_COW_END_EXIT;

	if (atomic_read(&w->child_mm->mm_users))
		return FORKSTAT_COW_END_WINDOW;
	if (READ_ONCE(w->exec))
		return FORKSTAT_COW_END_EXEC;
	rcu_read_lock();
	t = pid_task(w->child, PIDTYPE_PID);
	if (t == w->child_task && t->mm && !(t->flags & PF_EXITING))
		end = FORKSTAT_COW_END_EXEC;
	rcu_read_unlock();
	return end;
}

/*
 * Process context; no fault finds the watch any more, and none in
 * progress adds to it (a new generation).
 */
static void forkstat_cow_publish(struct forkstat_cow_watch *w)
{
	struct forkstat_cow_rec rec = {
		.id = w->id,
		.time_ns = ktime_get_real_ns(),
		.window_ns = min(ktime_get_ns(), w->deadline_ns) - w->start_ns,
		.fork_ns = w->fork_ns,
		.end = forkstat_cow_end(w),
		.who = w->who,		/* the ring takes references of its own */
		.child = w->child,
	};
	unsigned long irqflags;
	int i;

	raw_spin_lock_irqsave(&w->lock, irqflags);
	memcpy(rec.side, w->side, sizeof(rec.side));
	raw_spin_unlock_irqrestore(&w->lock, irqflags);
	for (i = 0; i < 2; i++)
		forkstat_cow_sum(&forkstat_cow_sums[i], &rec.side[i]);
	atomic64_inc(&forkstat_cow_forks);
	forkstat_rows_add_cow(pid_nr(w->who.tgid), w->start_time, &rec.side[0],
			      &rec.side[1], rec.end == FORKSTAT_COW_END_EXEC);
	if (rec.end == FORKSTAT_COW_END_EXEC)
		forkstat_spawn_add_cow(rec.side[0].ns + rec.side[1].ns);
	if (forkstat_slow_enough(w->fork_ns) ||
	    forkstat_slow_enough(rec.side[0].ns + rec.side[1].ns)) {
		memcpy(rec.comm, w->comm, sizeof(rec.comm));
		forkstat_ring_add(&forkstat_cow_ring, &rec);
	}
}

static void forkstat_cow_free(struct forkstat_cow_watch *w)
{
	forkstat_who_put(&w->who);
	put_pid(w->child);
	w->child = NULL;
	mmdrop(w->parent_mm);
	mmdrop(w->child_mm);
	w->parent_mm = NULL;
	w->child_mm = NULL;
	atomic_dec(&forkstat_cow_open);
	atomic_set_release(&w->state, FORKSTAT_COW_FREE);
}

/*
 * Closes what is over (or everything, at unload): no fault can find a
 * closing watch after the grace period, and a new generation turns away
 * the returns of faults still in progress.
 */
static bool forkstat_cow_close(bool all, bool publish)
{
	u64 now = ktime_get_ns();
	bool closing = false, open = false;
	unsigned long irqflags;
	unsigned int i;

	for (i = 0; i < cow_watches; i++) {
		struct forkstat_cow_watch *w = &forkstat_cow_watch_slots[i];
		int state = atomic_read_acquire(&w->state);

		if (state == FORKSTAT_COW_OPEN && !all && !forkstat_cow_over(w, now)) {
			open = true;
			continue;
		}
		if (state != FORKSTAT_COW_OPEN && state != FORKSTAT_COW_EXPIRED)
			continue;
		WRITE_ONCE(forkstat_cow_keys[i].parent, NULL);
		WRITE_ONCE(forkstat_cow_keys[i].child, NULL);
		atomic_set(&w->state, FORKSTAT_COW_CLOSING);
		closing = true;
	}
	if (closing)
		synchronize_rcu();
	for (i = 0; i < cow_watches; i++) {
		struct forkstat_cow_watch *w = &forkstat_cow_watch_slots[i];

		if (atomic_read(&w->state) != FORKSTAT_COW_CLOSING)
			continue;
		raw_spin_lock_irqsave(&w->lock, irqflags);
		w->gen++;
		raw_spin_unlock_irqrestore(&w->lock, irqflags);
		if (publish)
			forkstat_cow_publish(w);
		forkstat_cow_free(w);
	}
	if (closing)
		forkstat_cow_narrow();
	return open;
}

static void forkstat_cow_reap(struct work_struct *work)
{
	if (forkstat_cow_close(false, true))
		schedule_delayed_work(&forkstat_cow_reaper, FORKSTAT_COW_REAP);
}

int forkstat_cow_init(void)
{
	int i, ret = forkstat_ring_init(&forkstat_cow_ring, cow_ring);

	if (ret)
		return ret;
	forkstat_cow_keys = kcalloc(cow_watches, sizeof(*forkstat_cow_keys),
				    GFP_KERNEL | __GFP_NOWARN);
	forkstat_cow_watch_slots = kcalloc(cow_watches,
					   sizeof(*forkstat_cow_watch_slots),
					   GFP_KERNEL | __GFP_NOWARN);
	if (!forkstat_cow_keys || !forkstat_cow_watch_slots) {
		forkstat_cow_exit();
		return -ENOMEM;
	}
	for (i = 0; i < cow_watches; i++)
		raw_spin_lock_init(&forkstat_cow_watch_slots[i].lock);
	return 0;
}

void forkstat_cow_exit(void)
{
	kfree(forkstat_cow_keys);
	kfree(forkstat_cow_watch_slots);
	forkstat_cow_keys = NULL;
	forkstat_cow_watch_slots = NULL;
	forkstat_ring_exit(&forkstat_cow_ring);
}

void forkstat_cow_attach(void)
{
	forkstat_probe_register(&forkstat_do_wp_page, false);
}

/*
 * After the fork probes: no watch is made any more. Once the probe is
 * gone no handler runs, and faults still in progress return without one:
 * every watch closes now, whatever user space does.
 */
void forkstat_cow_detach(void)
{
	forkstat_probe_unregister(&forkstat_do_wp_page);
	cancel_delayed_work_sync(&forkstat_cow_reaper);
	forkstat_cow_close(true, false);
}

static void forkstat_cow_show_one(struct seq_file *m, const struct forkstat_reader *r,
				  const struct forkstat_cow_rec *c)
{
	pid_t tgid = forkstat_reader_pid(r, c->who.tgid, &c->who.cred);

	if (!tgid)
		return;
	seq_printf(m, "cow id=%llu time_ns=%llu pid=%d tgid=%d child=%d end=%s window_ns=%llu fork_ns=%llu faults=%llu pages=%llu ns=%llu child_faults=%llu child_pages=%llu child_ns=%llu cgroup=%llu comm=",
		   c->id, c->time_ns, forkstat_reader_nr(r, c->who.pid), tgid,
		   forkstat_reader_nr(r, c->child), forkstat_cow_end_names[c->end],
		   c->window_ns, c->fork_ns, c->side[0].faults, c->side[0].pages,
		   c->side[0].ns, c->side[1].faults, c->side[1].pages,
		   c->side[1].ns, c->who.cgroup);
	forkstat_seq_comm(m, c->comm);
	seq_putc(m, '\n');
}

int forkstat_cow_show(struct seq_file *m, const struct forkstat_reader *r)
{
	struct forkstat_cow_rec *copy;
	unsigned int i, count;
	u64 total, lost;
	bool host = forkstat_reader_sees_host(r);

	if (host) {
		forkstat_probe_show(m, &forkstat_do_wp_page);
		seq_printf(m, "cowsum forks=%lld faults=%lld pages=%lld ns=%lld child_faults=%lld child_pages=%lld child_ns=%lld\n",
			   (long long)atomic64_read(&forkstat_cow_forks),
			   (long long)atomic64_read(&forkstat_cow_sums[0].faults),
			   (long long)atomic64_read(&forkstat_cow_sums[0].pages),
			   (long long)atomic64_read(&forkstat_cow_sums[0].ns),
			   (long long)atomic64_read(&forkstat_cow_sums[1].faults),
			   (long long)atomic64_read(&forkstat_cow_sums[1].pages),
			   (long long)atomic64_read(&forkstat_cow_sums[1].ns));
	}
	copy = forkstat_ring_copy(&forkstat_cow_ring, &count, &total, &lost);
	if (!copy)
		return -ENOMEM;
	seq_printf(m, "cowcfg window_s=%u min_mb=%u watches=%u open=%d unwatched=%lld ring=%u total=%llu lost=%llu bytes=%zu\n",
		   READ_ONCE(cow_window_s), READ_ONCE(cow_min_mb), cow_watches,
		   host ? atomic_read(&forkstat_cow_open) : 0,
		   host ? (long long)atomic64_read(&forkstat_cow_unwatched) : 0,
		   cow_ring, host ? total : 0, host ? lost : 0,
		   cow_ring * sizeof(struct forkstat_cow_rec) +
		   cow_watches * (sizeof(struct forkstat_cow_key) +
				  sizeof(struct forkstat_cow_watch)));
	for (i = 0; i < count; i++)
		forkstat_cow_show_one(m, r, &copy[i]);
	forkstat_ring_free_copy(&forkstat_cow_ring, copy, count);
	return 0;
}

/* A cow line is under 384 bytes. */
size_t forkstat_cow_show_size(void)
{
	return PAGE_SIZE + (size_t)cow_ring * 384;
}

/* Open watches go on counting and are published after the reset. */
void forkstat_cow_reset(void)
{
	int i;

	forkstat_probe_reset(&forkstat_do_wp_page);
	atomic64_set(&forkstat_cow_unwatched, 0);
	atomic64_set(&forkstat_cow_forks, 0);
	for (i = 0; i < 2; i++) {
		atomic64_set(&forkstat_cow_sums[i].faults, 0);
		atomic64_set(&forkstat_cow_sums[i].pages, 0);
		atomic64_set(&forkstat_cow_sums[i].ns, 0);
	}
	forkstat_ring_reset(&forkstat_cow_ring);
}
