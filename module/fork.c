// SPDX-License-Identifier: GPL-2.0
/*
 * The probes on the fork path, and how their firings make one
 * struct forkstat_fork per copy_process call.
 *
 * copy_process (kretprobe) brackets the whole call. Inside it, for a fork
 * that copies the parent's mm, copy_page_range (kretprobe, once per VMA
 * that needs copying) gives the page-table copy time, and dup_mmap
 * (kretprobe; inlined on 6.12) or the uprobe_start_dup_mmap /
 * uprobe_end_dup_mmap pair (plain kprobes, called at both ends of
 * dup_mmap) give the whole mm duplication. The inner probes find their
 * copy_process call through a table of calls in flight keyed by task:
 * copy_process can sleep and move between CPUs, so per-CPU state would
 * not do, and handlers must not allocate.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/mm.h>
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
#define FORKSTAT_INFLIGHT	(1 << FORKSTAT_INFLIGHT_BITS)

struct forkstat_inflight {
	struct task_struct *task;	/* the forking task; NULL when free */
	struct forkstat_fork f;
};

static struct forkstat_inflight forkstat_inflight[FORKSTAT_INFLIGHT];

/* copy_process calls not followed: the in-flight table was full. */
static atomic64_t forkstat_untracked;
/* Inner probe firings with no copy_process call of their task in flight. */
static atomic64_t forkstat_unmatched;

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

static struct forkstat_probe forkstat_copy_process;
static struct forkstat_probe forkstat_copy_page_range;
static struct forkstat_probe forkstat_dup_mmap;
static struct forkstat_probe forkstat_dup_start;
static struct forkstat_probe forkstat_dup_end;

/*
 * copy_process(pid, trace, node, args): the clone flags are args->flags.
 * The parent is current; its mm is stable while it forks.
 */
static int forkstat_copy_process_entry(struct kretprobe_instance *ri,
				       struct pt_regs *regs)
{
	struct kernel_clone_args *args =
		(void *)regs_get_kernel_argument(regs, 3);
	struct mm_struct *mm = current->mm;
	struct forkstat_inflight *s;

	forkstat_probe_hit(&forkstat_copy_process);
	s = forkstat_inflight_claim();
	if (!s)
		return 1;	/* no return handler for this call */

	memset(&s->f, 0, sizeof(s->f));
	s->f.clone_flags = args->flags;
	s->f.flavour = forkstat_classify(args->flags);
	if (mm) {
		s->f.rss_kb = get_mm_rss(mm) << (PAGE_SHIFT - 10);
		s->f.pgtables_kb = mm_pgtables_bytes(mm) >> 10;
		s->f.vmas = READ_ONCE(mm->map_count);
	}
	*(struct forkstat_inflight **)ri->data = s;
	s->f.start_ns = ktime_get_ns();
	return 0;
}

static int forkstat_copy_process_ret(struct kretprobe_instance *ri,
				     struct pt_regs *regs)
{
	struct forkstat_inflight *s = *(struct forkstat_inflight **)ri->data;
	struct task_struct *child = (void *)regs_return_value(regs);

	s->f.total_ns = ktime_get_ns() - s->f.start_ns;
	if (IS_ERR(child))
		s->f.err = PTR_ERR(child);
	else
		s->f.child = child->pid; /* not running yet: kernel_clone wakes it */

	forkstat_stats_add(&s->f);
	if (s->f.flavour != FORKSTAT_KTHREAD) {
		forkstat_procs_add(&s->f);
		forkstat_slow_add(&s->f);
	}
	forkstat_inflight_release(s);
	return 0;
}

/* What an inner kretprobe carries from entry to return. */
struct forkstat_inner {
	struct forkstat_inflight *s;
	u64 start_ns;
};

static int forkstat_inner_entry(struct forkstat_probe *p,
				struct kretprobe_instance *ri)
{
	struct forkstat_inner *in = (void *)ri->data;

	forkstat_probe_hit(p);
	in->s = forkstat_inflight_find();
	if (!in->s)
		return 1;
	in->start_ns = ktime_get_ns();
	return 0;
}

static u64 forkstat_inner_ns(struct kretprobe_instance *ri)
{
	struct forkstat_inner *in = (void *)ri->data;

	return ktime_get_ns() - in->start_ns;
}

static int forkstat_copy_page_range_entry(struct kretprobe_instance *ri,
					  struct pt_regs *regs)
{
	return forkstat_inner_entry(&forkstat_copy_page_range, ri);
}

static int forkstat_copy_page_range_ret(struct kretprobe_instance *ri,
					struct pt_regs *regs)
{
	struct forkstat_inner *in = (void *)ri->data;

	in->s->f.ptcopy_ns += forkstat_inner_ns(ri);
	in->s->f.ptcopy_vmas++;
	return 0;
}

static int forkstat_dup_mmap_entry(struct kretprobe_instance *ri,
				   struct pt_regs *regs)
{
	return forkstat_inner_entry(&forkstat_dup_mmap, ri);
}

static int forkstat_dup_mmap_ret(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	struct forkstat_inner *in = (void *)ri->data;

	in->s->f.mmdup_ns = forkstat_inner_ns(ri);
	return 0;
}

static int forkstat_dup_start_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct forkstat_inflight *s;

	forkstat_probe_hit(&forkstat_dup_start);
	s = forkstat_inflight_find();
	if (s)
		s->f.mmdup_start_ns = ktime_get_ns();
	return 0;
}

static int forkstat_dup_end_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct forkstat_inflight *s;

	forkstat_probe_hit(&forkstat_dup_end);
	s = forkstat_inflight_find();
	if (s && s->f.mmdup_start_ns)
		s->f.mmdup_ns = ktime_get_ns() - s->f.mmdup_start_ns;
	return 0;
}

static struct forkstat_probe forkstat_copy_process = {
	.rp = { .kp.symbol_name = "copy_process",
		.entry_handler = forkstat_copy_process_entry,
		.handler = forkstat_copy_process_ret,
		.data_size = sizeof(struct forkstat_inflight *),
		.maxactive = FORKSTAT_INFLIGHT },
};

static struct forkstat_probe forkstat_copy_page_range = {
	.rp = { .kp.symbol_name = "copy_page_range",
		.entry_handler = forkstat_copy_page_range_entry,
		.handler = forkstat_copy_page_range_ret,
		.data_size = sizeof(struct forkstat_inner),
		.maxactive = FORKSTAT_INFLIGHT },
};

static struct forkstat_probe forkstat_dup_mmap = {
	.rp = { .kp.symbol_name = "dup_mmap",
		.entry_handler = forkstat_dup_mmap_entry,
		.handler = forkstat_dup_mmap_ret,
		.data_size = sizeof(struct forkstat_inner),
		.maxactive = FORKSTAT_INFLIGHT },
};

static struct forkstat_probe forkstat_dup_start = {
	.rp.kp = { .symbol_name = "uprobe_start_dup_mmap",
		   .pre_handler = forkstat_dup_start_pre },
};

static struct forkstat_probe forkstat_dup_end = {
	.rp.kp = { .symbol_name = "uprobe_end_dup_mmap",
		   .pre_handler = forkstat_dup_end_pre },
};

/* In the order they are attached; copy_process last, see below. */
static struct forkstat_probe *const forkstat_fork_probes[] = {
	&forkstat_copy_page_range,
	&forkstat_dup_mmap,
	&forkstat_dup_start,
	&forkstat_dup_end,
	&forkstat_copy_process,
};

static const char *forkstat_mmdup_method(void)
{
	if (forkstat_dup_mmap.state == FORKSTAT_PROBE_ATTACHED)
		return "dup_mmap";
	if (forkstat_dup_start.state == FORKSTAT_PROBE_ATTACHED)
		return "uprobe_dup_mmap";
	return "none";
}

/*
 * The inner probes go first so that every fork copy_process follows is
 * followed whole. A fork already inside copy_process when it is attached
 * is simply not seen; one already past an inner probe's entry is counted
 * as unmatched by the others at worst.
 */
void forkstat_fork_init(void)
{
	forkstat_probe_register(&forkstat_copy_page_range);
	/* The uprobe pair is a fallback for kernels that inline dup_mmap. */
	if (forkstat_probe_register(&forkstat_dup_mmap) &&
	    !forkstat_probe_register(&forkstat_dup_start) &&
	    forkstat_probe_register(&forkstat_dup_end))
		forkstat_probe_unregister(&forkstat_dup_start);
	forkstat_probe_register(&forkstat_copy_process);

	pr_info("fork latency via %s, page-table copy via %s, mm duplication via %s\n",
		forkstat_probe_used(&forkstat_copy_process),
		forkstat_probe_used(&forkstat_copy_page_range),
		forkstat_mmdup_method());
}

/* copy_process first: its return handler is what reads the others' work. */
void forkstat_fork_exit(void)
{
	forkstat_probes_unregister(forkstat_fork_probes,
				   ARRAY_SIZE(forkstat_fork_probes));
}

void forkstat_fork_show(struct seq_file *m)
{
	forkstat_probes_show(m, forkstat_fork_probes,
			     ARRAY_SIZE(forkstat_fork_probes));
	seq_printf(m, "method latency=%s ptcopy=%s mmdup=%s\n",
		   forkstat_probe_used(&forkstat_copy_process),
		   forkstat_probe_used(&forkstat_copy_page_range),
		   forkstat_mmdup_method());
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
