// SPDX-License-Identifier: GPL-2.0
/*
 * The last slow_ring copy_process calls that took slow_us or longer, with
 * who made them and how big the parent was. Slow calls are rare by
 * definition, so one lock for the ring costs nothing measurable next to
 * the millisecond the call already took.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "forkstat.h"

static unsigned int slow_us = 1000;
static unsigned int slow_ring = 64;

static int forkstat_set_slow_us(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 60 * USEC_PER_SEC);
}

static int forkstat_set_slow_ring(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 4096);
}

static const struct kernel_param_ops forkstat_slow_us_ops = {
	.set = forkstat_set_slow_us,
	.get = param_get_uint,
};

static const struct kernel_param_ops forkstat_slow_ring_ops = {
	.set = forkstat_set_slow_ring,
	.get = param_get_uint,
};

/* Writable at run time: raise it on a box where every fork is "slow". */
module_param_cb(slow_us, &forkstat_slow_us_ops, &slow_us, 0644);
MODULE_PARM_DESC(slow_us, "A copy_process call this long (us, 1..60000000) or longer is recorded as slow (default 1000)");
module_param_cb(slow_ring, &forkstat_slow_ring_ops, &slow_ring, 0444);
MODULE_PARM_DESC(slow_ring, "Slow calls remembered, 1..4096 (default 64)");

struct forkstat_slow {
	u64 time_ns;		/* CLOCK_REALTIME when the call returned */
	struct forkstat_fork f;
	pid_t pid, tgid;
	char comm[TASK_COMM_LEN];
};

static DEFINE_RAW_SPINLOCK(forkstat_slow_lock);
static struct forkstat_slow *forkstat_slow_ring;
static u64 forkstat_slow_total;	/* since load or reset; the ring holds the last */

int forkstat_slow_init(void)
{
	forkstat_slow_ring = kvcalloc(slow_ring, sizeof(*forkstat_slow_ring),
				      GFP_KERNEL);
	return forkstat_slow_ring ? 0 : -ENOMEM;
}

void forkstat_slow_exit(void)
{
	kvfree(forkstat_slow_ring);
}

void forkstat_slow_add(const struct forkstat_fork *f)
{
	struct forkstat_slow *s;
	unsigned long irqflags;

	if (f->err || f->total_ns < (u64)READ_ONCE(slow_us) * NSEC_PER_USEC)
		return;

	raw_spin_lock_irqsave(&forkstat_slow_lock, irqflags);
	s = &forkstat_slow_ring[forkstat_slow_total++ % slow_ring];
	s->time_ns = ktime_get_real_ns();
	s->f = *f;
	s->pid = current->pid;
	s->tgid = current->tgid;
	forkstat_current_comm(s->comm);
	raw_spin_unlock_irqrestore(&forkstat_slow_lock, irqflags);
}

/* Oldest first. The ring is copied under the lock, then printed. */
int forkstat_slow_show(struct seq_file *m)
{
	struct forkstat_slow *copy;
	unsigned long irqflags;
	u64 total, i, first;

	copy = kvmalloc_array(slow_ring, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	raw_spin_lock_irqsave(&forkstat_slow_lock, irqflags);
	total = forkstat_slow_total;
	memcpy(copy, forkstat_slow_ring, slow_ring * sizeof(*copy));
	raw_spin_unlock_irqrestore(&forkstat_slow_lock, irqflags);

	seq_printf(m, "slowcfg slow_us=%u ring=%u total=%llu bytes=%zu\n",
		   READ_ONCE(slow_us), slow_ring, total,
		   slow_ring * sizeof(*forkstat_slow_ring));
	first = total > slow_ring ? total - slow_ring : 0;
	for (i = first; i < total; i++) {
		const struct forkstat_slow *s = &copy[i % slow_ring];

		seq_printf(m, "slow time_ns=%llu pid=%d tgid=%d child=%d flavour=%s flags=0x%llx rss_kb=%lu pgtables_kb=%lu vmas=%u total_ns=%llu ptcopy_ns=%llu ptcopy_vmas=%u mmdup_ns=%llu comm=",
			   s->time_ns, s->pid, s->tgid, s->f.child,
			   forkstat_flavour_names[s->f.flavour], s->f.clone_flags,
			   s->f.rss_kb, s->f.pgtables_kb, s->f.vmas,
			   s->f.total_ns, s->f.ptcopy_ns, s->f.ptcopy_vmas,
			   s->f.mmdup_ns);
		forkstat_seq_comm(m, s->comm);
		seq_putc(m, '\n');
	}
	kvfree(copy);
	return 0;
}

/* A slow line is under 384 bytes. */
size_t forkstat_slow_show_size(void)
{
	return (size_t)slow_ring * 384;
}

void forkstat_slow_reset(void)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&forkstat_slow_lock, irqflags);
	forkstat_slow_total = 0;
	raw_spin_unlock_irqrestore(&forkstat_slow_lock, irqflags);
}
