// SPDX-License-Identifier: GPL-2.0
/*
 * Per-flavour totals, latency histograms, and the latency-versus-size
 * histograms of forks, kept per CPU so that forks never share a cache
 * line. A reader sums the CPUs; a per-CPU seqcount gives it a consistent
 * copy of each, so a histogram always adds up to its count.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/seqlock.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "forkstat.h"

struct forkstat_flavour_stats {
	u64 count;		/* successful calls */
	u64 errors;		/* failed calls */
	u64 sum_ns;
	u64 max_ns;
	u64 ptcopy_sum_ns;
	u64 ptcopy_max_ns;
	u64 ptcopy_vmas;
	u64 mmdup_sum_ns;
	u64 lat_hist[FORKSTAT_LAT_BUCKETS];
};

struct forkstat_counts {
	struct forkstat_flavour_stats flavour[FORKSTAT_NR_FLAVOURS];
	/*
	 * The latency-versus-parent-size curves: for fork, vfork and
	 * vm_clone (whose curve should stay flat), and the page-table copy
	 * time of forks.
	 */
	u64 lat_by_rss[FORKSTAT_SIZED_FLAVOURS][FORKSTAT_RSS_BUCKETS][FORKSTAT_LAT_BUCKETS];
	u64 ptcopy_by_rss[FORKSTAT_RSS_BUCKETS][FORKSTAT_LAT_BUCKETS];
};

struct forkstat_cpu_stats {
	seqcount_t seq;
	struct forkstat_counts c;
};

static struct forkstat_cpu_stats __percpu *forkstat_cpu_stats;

/*
 * Failed calls per flavour and errno. Failures are rare, so a small
 * shared table does; an errno that finds no free slot lands in "other".
 */
#define FORKSTAT_ERR_SLOTS	8

struct forkstat_err_slot {
	atomic_t err;		/* positive errno, 0 while the slot is free */
	atomic64_t count;
};

static struct forkstat_err_slot
	forkstat_errs[FORKSTAT_NR_FLAVOURS][FORKSTAT_ERR_SLOTS];

static void forkstat_err_add(enum forkstat_flavour flavour, int err)
{
	struct forkstat_err_slot *slots = forkstat_errs[flavour];
	int i, old;

	/* The last slot, "other", never takes an errno. */
	for (i = 0; i < FORKSTAT_ERR_SLOTS - 1; i++) {
		old = atomic_cmpxchg(&slots[i].err, 0, err);
		if (!old || old == err)
			break;
	}
	atomic64_inc(&slots[i].count);
}

int forkstat_stats_init(void)
{
	int cpu;

	forkstat_cpu_stats = alloc_percpu(struct forkstat_cpu_stats);
	if (!forkstat_cpu_stats)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		seqcount_init(&per_cpu_ptr(forkstat_cpu_stats, cpu)->seq);
	return 0;
}

void forkstat_stats_exit(void)
{
	free_percpu(forkstat_cpu_stats);
}

/*
 * Called from the copy_process return handler, preemption off. Interrupts
 * are off too while the counters change, so that a reset (an IPI) never
 * lands between a count and its histogram bucket.
 */
void forkstat_stats_add(const struct forkstat_fork *f)
{
	struct forkstat_cpu_stats *cs;
	struct forkstat_flavour_stats *fl;
	unsigned long irqflags;

	if (f->err)
		forkstat_err_add(f->flavour, -f->err);

	local_irq_save(irqflags);
	cs = this_cpu_ptr(forkstat_cpu_stats);
	write_seqcount_begin(&cs->seq);
	fl = &cs->c.flavour[f->flavour];
	if (f->err) {
		fl->errors++;
	} else {
		unsigned int rb = forkstat_rss_bucket(f->rss_kb);

		fl->count++;
		fl->sum_ns += f->total_ns;
		fl->max_ns = max(fl->max_ns, f->total_ns);
		fl->ptcopy_sum_ns += f->ptcopy_ns;
		fl->ptcopy_max_ns = max(fl->ptcopy_max_ns, f->ptcopy_ns);
		fl->ptcopy_vmas += f->ptcopy_vmas;
		fl->mmdup_sum_ns += f->mmdup_ns;
		fl->lat_hist[forkstat_lat_bucket(f->total_ns)]++;
		if (f->flavour < FORKSTAT_SIZED_FLAVOURS)
			cs->c.lat_by_rss[f->flavour][rb][forkstat_lat_bucket(f->total_ns)]++;
		if (f->flavour == FORKSTAT_FORK)
			cs->c.ptcopy_by_rss[rb][forkstat_lat_bucket(f->ptcopy_ns)]++;
	}
	write_seqcount_end(&cs->seq);
	local_irq_restore(irqflags);
}

static void forkstat_counts_add(struct forkstat_counts *sum,
				const struct forkstat_counts *c)
{
	u64 max_ns[FORKSTAT_NR_FLAVOURS], ptcopy_max_ns[FORKSTAT_NR_FLAVOURS];
	const u64 *src = (const u64 *)c;
	u64 *dst = (u64 *)sum;
	size_t i;
	int f;

	for (f = 0; f < FORKSTAT_NR_FLAVOURS; f++) {
		max_ns[f] = max(sum->flavour[f].max_ns, c->flavour[f].max_ns);
		ptcopy_max_ns[f] = max(sum->flavour[f].ptcopy_max_ns,
				       c->flavour[f].ptcopy_max_ns);
	}
	/* Every other field is a count or a sum. */
	BUILD_BUG_ON(sizeof(*c) % sizeof(u64));
	for (i = 0; i < sizeof(*c) / sizeof(u64); i++)
		dst[i] += src[i];
	for (f = 0; f < FORKSTAT_NR_FLAVOURS; f++) {
		sum->flavour[f].max_ns = max_ns[f];
		sum->flavour[f].ptcopy_max_ns = ptcopy_max_ns[f];
	}
}

static void forkstat_show_hist2d(struct seq_file *m, const char *name,
				 enum forkstat_flavour flavour,
				 u64 (*hist)[FORKSTAT_LAT_BUCKETS])
{
	unsigned int rb, b;

	for (rb = 0; rb < FORKSTAT_RSS_BUCKETS; rb++) {
		for (b = 0; b < FORKSTAT_LAT_BUCKETS && !hist[rb][b]; b++)
			;
		if (b == FORKSTAT_LAT_BUCKETS)
			continue;	/* only rows that saw calls */
		seq_printf(m, "hist2d name=%s flavour=%s unit=log2_us rss_bucket=%u rss_mib=",
			   name, forkstat_flavour_names[flavour], rb);
		if (rb == FORKSTAT_RSS_BUCKETS - 1)
			seq_printf(m, "%llu-inf", FORKSTAT_RSS_MIN_MIB(rb));
		else
			seq_printf(m, "%llu-%llu", FORKSTAT_RSS_MIN_MIB(rb),
				   FORKSTAT_RSS_END_MIB(rb));
		seq_puts(m, " counts=");
		forkstat_seq_counts(m, hist[rb], FORKSTAT_LAT_BUCKETS);
		seq_putc(m, '\n');
	}
}

int forkstat_stats_show(struct seq_file *m)
{
	struct forkstat_counts *sum, *snap;
	int cpu, f, i, ret = 0;

	sum = kzalloc(sizeof(*sum), GFP_KERNEL);
	snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	if (!sum || !snap) {
		ret = -ENOMEM;
		goto out;
	}
	for_each_possible_cpu(cpu) {
		struct forkstat_cpu_stats *cs = per_cpu_ptr(forkstat_cpu_stats, cpu);
		unsigned int seq;

		do {
			seq = read_seqcount_begin(&cs->seq);
			memcpy(snap, &cs->c, sizeof(*snap));
		} while (read_seqcount_retry(&cs->seq, seq));
		forkstat_counts_add(sum, snap);
	}

	seq_printf(m, "stats cpus=%u bytes=%zu\n", num_possible_cpus(),
		   num_possible_cpus() * sizeof(struct forkstat_cpu_stats));
	for (f = 0; f < FORKSTAT_NR_FLAVOURS; f++) {
		const struct forkstat_flavour_stats *fl = &sum->flavour[f];

		seq_printf(m, "flavour name=%s count=%llu errors=%llu sum_ns=%llu max_ns=%llu ptcopy_sum_ns=%llu ptcopy_max_ns=%llu ptcopy_vmas=%llu mmdup_sum_ns=%llu\n",
			   forkstat_flavour_names[f], fl->count, fl->errors,
			   fl->sum_ns, fl->max_ns, fl->ptcopy_sum_ns,
			   fl->ptcopy_max_ns, fl->ptcopy_vmas, fl->mmdup_sum_ns);
	}
	for (f = 0; f < FORKSTAT_NR_FLAVOURS; f++) {
		for (i = 0; i < FORKSTAT_ERR_SLOTS; i++) {
			const struct forkstat_err_slot *e = &forkstat_errs[f][i];
			long long n = atomic64_read(&e->count);

			if (!n)
				continue;
			seq_printf(m, "fail flavour=%s errno=", forkstat_flavour_names[f]);
			if (i == FORKSTAT_ERR_SLOTS - 1)
				seq_puts(m, "other");
			else
				seq_printf(m, "%d", atomic_read(&e->err));
			seq_printf(m, " count=%lld\n", n);
		}
	}
	for (f = 0; f < FORKSTAT_NR_FLAVOURS; f++) {
		seq_printf(m, "hist name=latency flavour=%s unit=log2_us counts=",
			   forkstat_flavour_names[f]);
		forkstat_seq_counts(m, sum->flavour[f].lat_hist,
				    FORKSTAT_LAT_BUCKETS);
		seq_putc(m, '\n');
	}
	for (f = 0; f < FORKSTAT_SIZED_FLAVOURS; f++)
		forkstat_show_hist2d(m, "latency_by_rss", f, sum->lat_by_rss[f]);
	forkstat_show_hist2d(m, "ptcopy_by_rss", FORKSTAT_FORK, sum->ptcopy_by_rss);
out:
	kfree(snap);
	kfree(sum);
	return ret;
}

/* Runs on each CPU with interrupts off: never inside forkstat_stats_add. */
static void forkstat_stats_reset_cpu(void *unused)
{
	struct forkstat_cpu_stats *cs = this_cpu_ptr(forkstat_cpu_stats);

	write_seqcount_begin(&cs->seq);
	memset(&cs->c, 0, sizeof(cs->c));
	write_seqcount_end(&cs->seq);
}

void forkstat_stats_reset(void)
{
	int f, i;

	on_each_cpu(forkstat_stats_reset_cpu, NULL, 1);
	for (f = 0; f < FORKSTAT_NR_FLAVOURS; f++) {
		for (i = 0; i < FORKSTAT_ERR_SLOTS; i++) {
			atomic64_set(&forkstat_errs[f][i].count, 0);
			atomic_set(&forkstat_errs[f][i].err, 0);
		}
	}
}
