// SPDX-License-Identifier: GPL-2.0
/*
 * The probes on the fork path, and how their firings make one
 * struct forkstat_fork per copy_process call.
 *
 * copy_process (a return probe, probes.h) brackets the whole call. Inside
 * it, for a fork that copies the parent's mm, the uprobe_start_dup_mmap /
 * uprobe_end_dup_mmap pair (entry probes, called at both ends of
 * dup_mmap; a return probe on dup_mmap where they are missing) time the
 * whole mm duplication: a fixed cost per fork, whatever the parent's size
 * or VMA count.
 *
 * The page-table copy alone is copy_page_range, called once per VMA that
 * needs copying: a probe there costs a kretprobe hit per VMA, ten
 * thousand per fork for a parent with ten thousand VMAs. So it is a run-
 * time switch, ptcopy_exact, off by default; while it is off a fork's
 * page-table copy time is its mm duplication time, which contains it
 * (docs/format.md says how close the two are).
 *
 * The mm duplication also opens stall.c's watch on the parent's mmap lock,
 * and a fork's return opens cow.c's watch on both mms.
 *
 * The inner probes find their copy_process call through a table of calls
 * in flight keyed by task: copy_process can sleep and move between CPUs,
 * so per-CPU state would not do, and handlers must not allocate.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>
#include <linux/sched/task.h>

#include "forkstat.h"

const char *const forkstat_flavour_names[FORKSTAT_NR_FLAVOURS] = {
	[FORKSTAT_FORK] = "fork",
	[FORKSTAT_VFORK] = "vfork",
	[FORKSTAT_VM_CLONE] = "vm_clone",
	[FORKSTAT_THREAD] = "thread",
	[FORKSTAT_KTHREAD] = "kthread",
};

/*
 * copy_process calls followed at once. More wait in the kernel only when
 * that many tasks fork at the same moment; the rest are counted as
 * untracked, and kretprobe instances are sized to match.
 */
#define FORKSTAT_INFLIGHT_BITS	8
#define FORKSTAT_INFLIGHT	BIT(FORKSTAT_INFLIGHT_BITS)

struct forkstat_inflight {
	struct task_struct *task;	/* the forking task; NULL when free */
	struct forkstat_fork f;
};

static struct forkstat_inflight forkstat_inflight[FORKSTAT_INFLIGHT];

/* copy_process calls not followed: the in-flight table was full. */
static atomic64_t forkstat_untracked;
/* Inner probe firings with no copy_process call of their task in flight. */
static atomic64_t forkstat_unmatched;
/* Forks that copy their parent's mm, numbered from load on. */
static atomic64_t forkstat_fork_ids;

static struct forkstat_inflight *forkstat_inflight_claim(void)
{
	unsigned int i, start = hash_ptr(current, FORKSTAT_INFLIGHT_BITS);

	for (i = 0; i < FORKSTAT_INFLIGHT; i++) {
		struct forkstat_inflight *s =
			&forkstat_inflight[(start + i) % FORKSTAT_INFLIGHT];

		if (!READ_ONCE(s->task) && !cmpxchg(&s->task, NULL, current))
			return s;
	}
	atomic64_inc(&forkstat_untracked);
	return NULL;
}

/*
 * Slots are freed in any order, so a search cannot stop at a free one;
 * it almost always succeeds at the first slot it looks at.
 */
static struct forkstat_inflight *forkstat_inflight_find(void)
{
	unsigned int i, start = hash_ptr(current, FORKSTAT_INFLIGHT_BITS);

	for (i = 0; i < FORKSTAT_INFLIGHT; i++) {
		struct forkstat_inflight *s =
			&forkstat_inflight[(start + i) % FORKSTAT_INFLIGHT];

		if (READ_ONCE(s->task) == current)
			return s;
	}
	atomic64_inc(&forkstat_unmatched);
	return NULL;
}

static void forkstat_inflight_release(struct forkstat_inflight *s)
{
	/* The slot's contents are done with before another task may claim it. */
	smp_store_release(&s->task, NULL);
}

/* CLONE_VFORK without CLONE_VM still copies page tables: a fork. */
static enum forkstat_flavour forkstat_classify(u64 flags)
{
	if (current->flags & PF_KTHREAD)
		return FORKSTAT_KTHREAD;
	if (flags & CLONE_THREAD)
		return FORKSTAT_THREAD;
	if (!(flags & CLONE_VM))
		return FORKSTAT_FORK;
	return flags & CLONE_VFORK ? FORKSTAT_VFORK : FORKSTAT_VM_CLONE;
}

/*
 * What copy_process's return probe carries: the call's record, in the
 * in-flight slot for a call that copies the parent's mm (the inner
 * probes add to it there), else in the return instance itself.
 */
struct forkstat_call {
	struct forkstat_inflight *s;
	struct forkstat_fork f;
};

static struct forkstat_fork *forkstat_call_fork(struct forkstat_call *c)
{
	return c->s ? &c->s->f : &c->f;
}

static struct forkstat_probe forkstat_copy_process;
static struct forkstat_probe forkstat_copy_page_range;

/*
 * copy_process(pid, trace, node, args): the clone flags are args->flags.
 * The parent is current; its mm is stable while it forks.
 */
static int forkstat_copy_process_entry(struct pt_regs *regs,
				       struct forkstat_call *c)
{
	struct kernel_clone_args *args =
		(void *)regs_get_kernel_argument(regs, 3);
	struct mm_struct *mm = current->mm;
	struct forkstat_fork *f = &c->f;

	forkstat_probe_hit(&forkstat_copy_process);
	c->s = NULL;
	if (!(args->flags & CLONE_VM) && mm) {
		c->s = forkstat_inflight_claim();
		if (!c->s)
			return 1;	/* no return handler for this call */
		f = &c->s->f;
	}
	memset(f, 0, sizeof(*f));
	f->stall_slot = -1;
	if (c->s)
		f->id = atomic64_inc_return(&forkstat_fork_ids);
	f->ptcopy_exact = READ_ONCE(forkstat_copy_page_range.state) ==
			  FORKSTAT_PROBE_ATTACHED;
	f->clone_flags = args->flags;
	f->flavour = forkstat_classify(args->flags);
	if (mm) {
		f->rss_kb = get_mm_rss(mm) << (PAGE_SHIFT - 10);
		f->pgtables_kb = mm_pgtables_bytes(mm) >> 10;
		f->vmas = READ_ONCE(mm->map_count);
	}
	f->start_ns = ktime_get_ns();
	return 0;
}

static void forkstat_copy_process_ret(struct pt_regs *regs,
				      struct forkstat_call *c)
{
	struct forkstat_fork *f = forkstat_call_fork(c);
	struct task_struct *child = (void *)regs_return_value(regs);

	f->total_ns = ktime_get_ns() - f->start_ns;
	forkstat_stall_end(f);	/* if the duplication's end was missed */
	if (IS_ERR(child))
		f->err = PTR_ERR(child);
	else
		f->child = child; /* not running yet: kernel_clone wakes it */
	/* The mm duplication contains the page-table copy: its upper bound. */
	if (!f->ptcopy_exact)
		f->ptcopy_ns = f->mmdup_ns;

	forkstat_stats_add(f);
	if (f->flavour != FORKSTAT_KTHREAD) {
		forkstat_rows_add_fork(f);
		forkstat_slow_add(f);
	}
	if (c->s && !f->err)
		forkstat_cow_watch(f, child);
	/* Not CLONE_VFORK|CLONE_THREAD: a thread, whose process goes on. */
	if (!f->err && (f->flavour == FORKSTAT_FORK || f->flavour == FORKSTAT_VFORK))
		forkstat_spawn_watch(f, child);
	if (c->s)
		forkstat_inflight_release(c->s);
}

FORKSTAT_RETPROBE(forkstat_copy_process, "copy_process",
		  forkstat_copy_process_entry, forkstat_copy_process_ret,
		  struct forkstat_call, FORKSTAT_INFLIGHT);

/* What an inner return probe carries from entry to return. */
struct forkstat_inner {
	struct forkstat_inflight *s;
	u64 start_ns;
};

static int forkstat_inner_entry(struct forkstat_probe *p,
				struct forkstat_inner *in)
{
	forkstat_probe_hit(p);
	in->s = forkstat_inflight_find();
	if (!in->s)
		return 1;
	in->start_ns = ktime_get_ns();
	return 0;
}

static int forkstat_copy_page_range_entry(struct pt_regs *regs,
					  struct forkstat_inner *in)
{
	return forkstat_inner_entry(&forkstat_copy_page_range, in);
}

static void forkstat_copy_page_range_ret(struct pt_regs *regs,
					 struct forkstat_inner *in)
{
	in->s->f.ptcopy_ns += ktime_get_ns() - in->start_ns;
	in->s->f.ptcopy_vmas++;
}

/* Per VMA: switched on by ptcopy_exact only. */
FORKSTAT_KRETPROBE(forkstat_copy_page_range, "copy_page_range",
		   forkstat_copy_page_range_entry, forkstat_copy_page_range_ret,
		   struct forkstat_inner, FORKSTAT_INFLIGHT);

/*
 * The mm duplication: uprobe_start_dup_mmap and uprobe_end_dup_mmap are
 * called at both ends of dup_mmap on 6.1 and 6.12, two entry hits; a
 * return probe on dup_mmap itself (inlined on 6.12) is the fallback.
 */
static struct forkstat_probe forkstat_dup_start;
static struct forkstat_probe forkstat_dup_end;
static struct forkstat_probe forkstat_dup_mmap;

static void forkstat_dup_start_entry(struct pt_regs *regs)
{
	struct forkstat_inflight *s;

	forkstat_probe_hit(&forkstat_dup_start);
	s = forkstat_inflight_find();
	if (s) {
		forkstat_stall_begin(&s->f);
		s->f.mmdup_start_ns = ktime_get_ns();
	}
}

static void forkstat_dup_end_entry(struct pt_regs *regs)
{
	struct forkstat_inflight *s;

	forkstat_probe_hit(&forkstat_dup_end);
	s = forkstat_inflight_find();
	if (s && s->f.mmdup_start_ns)
		s->f.mmdup_ns = ktime_get_ns() - s->f.mmdup_start_ns;
	if (s)
		forkstat_stall_end(&s->f);	/* the lock was just released */
}

FORKSTAT_PROBE(forkstat_dup_start, "uprobe_start_dup_mmap", forkstat_dup_start_entry);
FORKSTAT_PROBE(forkstat_dup_end, "uprobe_end_dup_mmap", forkstat_dup_end_entry);

static int forkstat_dup_mmap_entry(struct pt_regs *regs, struct forkstat_inner *in)
{
	if (forkstat_inner_entry(&forkstat_dup_mmap, in))
		return 1;
	forkstat_stall_begin(&in->s->f);
	return 0;
}

static void forkstat_dup_mmap_ret(struct pt_regs *regs, struct forkstat_inner *in)
{
	in->s->f.mmdup_ns = ktime_get_ns() - in->start_ns;
	forkstat_stall_end(&in->s->f);
}

FORKSTAT_RETPROBE(forkstat_dup_mmap, "dup_mmap", forkstat_dup_mmap_entry,
		  forkstat_dup_mmap_ret, struct forkstat_inner, FORKSTAT_INFLIGHT);

/* In the order they are attached; copy_process last, see below. */
static struct forkstat_probe *const forkstat_fork_probes[] = {
	&forkstat_copy_page_range,
	&forkstat_dup_start,
	&forkstat_dup_end,
	&forkstat_dup_mmap,
	&forkstat_copy_process,
};

static const char *forkstat_mmdup_method(void)
{
	if (forkstat_dup_start.state == FORKSTAT_PROBE_ATTACHED)
		return "uprobe_dup_mmap";
	if (forkstat_dup_mmap.state == FORKSTAT_PROBE_ATTACHED)
		return "dup_mmap";
	return "none";
}

/* copy_page_range when it is on, else the mm duplication, else nothing. */
static const char *forkstat_ptcopy_method(void)
{
	if (forkstat_copy_page_range.state == FORKSTAT_PROBE_ATTACHED)
		return "copy_page_range";
	return strcmp(forkstat_mmdup_method(), "none") ? "mmdup" : "none";
}

/*
 * ptcopy_exact: switched at load or at run time. Before the probes are
 * registered (a load parameter) and after they are gone, it only records
 * the wish; the lock orders a write against init and exit.
 */
static bool ptcopy_exact;
static bool forkstat_fork_live;
static DEFINE_MUTEX(forkstat_ptcopy_lock);

static int forkstat_set_ptcopy_exact(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	mutex_lock(&forkstat_ptcopy_lock);
	if (forkstat_fork_live &&
	    forkstat_copy_page_range.state != FORKSTAT_PROBE_FAILED)
		ret = forkstat_probe_switch(&forkstat_copy_page_range, on);
	if (!ret)
		ptcopy_exact = on;
	mutex_unlock(&forkstat_ptcopy_lock);
	return ret;
}

static const struct kernel_param_ops forkstat_ptcopy_exact_ops = {
	.set = forkstat_set_ptcopy_exact,
	.get = param_get_bool,
};

module_param_cb(ptcopy_exact, &forkstat_ptcopy_exact_ops, &ptcopy_exact, 0644);
MODULE_PARM_DESC(ptcopy_exact,
		 "Time the page-table copy VMA by VMA (copy_page_range, a probe hit per VMA) instead of taking the mm duplication for it (default 0)");

/*
 * The inner probes go first so that every fork copy_process follows is
 * followed whole. A fork already inside copy_process when it is attached
 * is simply not seen; one already past an inner probe's entry is counted
 * as unmatched by the others at worst.
 */
void forkstat_fork_attach(void)
{
	mutex_lock(&forkstat_ptcopy_lock);
	forkstat_probe_register(&forkstat_copy_page_range, !ptcopy_exact);
	forkstat_fork_live = true;
	mutex_unlock(&forkstat_ptcopy_lock);
	/* The pair, or failing that dup_mmap itself. */
	if (!forkstat_probe_register(&forkstat_dup_start, false) &&
	    forkstat_probe_register(&forkstat_dup_end, false))
		forkstat_probe_unregister(&forkstat_dup_start);
	if (forkstat_dup_start.state != FORKSTAT_PROBE_ATTACHED)
		forkstat_probe_register(&forkstat_dup_mmap, false);
	forkstat_probe_register(&forkstat_copy_process, false);

	pr_info("fork latency via %s, page-table copy via %s, mm duplication via %s\n",
		forkstat_probe_used(&forkstat_copy_process),
		forkstat_ptcopy_method(), forkstat_mmdup_method());
}

/* copy_process first: its return handler is what reads the others' work. */
void forkstat_fork_detach(void)
{
	mutex_lock(&forkstat_ptcopy_lock);
	forkstat_fork_live = false;
	mutex_unlock(&forkstat_ptcopy_lock);
	forkstat_probes_unregister(forkstat_fork_probes,
				   ARRAY_SIZE(forkstat_fork_probes));
}

void forkstat_fork_show(struct seq_file *m)
{
	forkstat_probes_show(m, forkstat_fork_probes,
			     ARRAY_SIZE(forkstat_fork_probes));
	seq_printf(m, "method latency=%s ptcopy=%s mmdup=%s\n",
		   forkstat_probe_used(&forkstat_copy_process),
		   forkstat_ptcopy_method(), forkstat_mmdup_method());
	seq_printf(m, "health untracked=%lld unmatched=%lld\n",
		   (long long)atomic64_read(&forkstat_untracked),
		   (long long)atomic64_read(&forkstat_unmatched));
}

void forkstat_fork_reset(void)
{
	forkstat_probes_reset(forkstat_fork_probes,
			      ARRAY_SIZE(forkstat_fork_probes));
	atomic64_set(&forkstat_untracked, 0);
	atomic64_set(&forkstat_unmatched, 0);
}
