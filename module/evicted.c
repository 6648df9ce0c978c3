// SPDX-License-Identifier: GPL-2.0
/*
 * What processes gone leave to their cgroup, shown as "procgone"
 * records: the figures of the rows of exited processes when rows.c gives
 * their place to a new process, summed per cgroup, and the OOM kills of
 * the cgroup's processes (oom.c; its records are a ring, these are
 * counters). A cgroup's totals are its rows plus its procgone
 * (forkstatctl's top --by cgroup, the Prometheus counters), so they
 * never go down when a row is evicted or an OOM record overwritten.
 *
 * A fixed table, allocated with the module, open-addressed by cgroup id:
 * written by probe handlers (under the evicted row's lock), so one raw
 * lock and no allocation. A cgroup that finds no slot within
 * FORKSTAT_EVICTED_PROBE places adds to the "other" slot, cgroup=0.
 * Shown only to readers that see every process's counts, since the
 * sums speak for processes the reader may not be shown.
 */
#include <linux/hash.h>
#include <linux/spinlock.h>

#include "forkstat.h"

#define FORKSTAT_EVICTED_BITS	8
#define FORKSTAT_EVICTED_SLOTS	BIT(FORKSTAT_EVICTED_BITS)
#define FORKSTAT_EVICTED_PROBE	16

struct forkstat_evicted {
	u64 cgroup;		/* 0: free, or "other" in the last slot */
	u64 rows;		/* rows evicted */
	u64 oom_kills;		/* the cgroup's processes the OOM killer killed */
	struct forkstat_row_stats st;
};

static DEFINE_RAW_SPINLOCK(forkstat_evicted_lock);
/* The last slot is "other". */
static struct forkstat_evicted forkstat_evicted[FORKSTAT_EVICTED_SLOTS + 1];

static struct forkstat_evicted *forkstat_evicted_slot(u64 cgroup)
{
	unsigned int i, h = hash_64(cgroup, FORKSTAT_EVICTED_BITS);
	struct forkstat_evicted *e;

	for (i = 0; cgroup && i < FORKSTAT_EVICTED_PROBE; i++) {
		e = &forkstat_evicted[(h + i) % FORKSTAT_EVICTED_SLOTS];
		if (!e->cgroup)
			e->cgroup = cgroup;
		if (e->cgroup == cgroup)
			return e;
	}
	return &forkstat_evicted[FORKSTAT_EVICTED_SLOTS];
}

/* Any context. */
void forkstat_evicted_add(u64 cgroup, const struct forkstat_row_stats *st)
{
	struct forkstat_row_stats *sum;
	struct forkstat_evicted *e;
	unsigned long irqflags;
	unsigned int f, s;

	raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
	e = forkstat_evicted_slot(cgroup);
	e->rows++;
	sum = &e->st;
	for (f = 0; f < FORKSTAT_NR_FLAVOURS; f++)
		sum->count[f] += st->count[f];
	sum->errors += st->errors;
	sum->sum_ns += st->sum_ns;
	sum->max_ns = max(sum->max_ns, st->max_ns);
	sum->ptcopy_ns += st->ptcopy_ns;
	sum->max_rss_kb = max(sum->max_rss_kb, st->max_rss_kb);
	sum->sock_clears += st->sock_clears;
	sum->sock_sets += st->sock_sets;
	sum->last_clear_ns = max(sum->last_clear_ns, st->last_clear_ns);
	sum->stall_waits += st->stall_waits;
	sum->stall_ns += st->stall_ns;
	sum->stall_max_ns = max(sum->stall_max_ns, st->stall_max_ns);
	for (s = 0; s < 2; s++) {
		sum->cow[s].faults += st->cow[s].faults;
		sum->cow[s].pages += st->cow[s].pages;
		sum->cow[s].ns += st->cow[s].ns;
	}
	raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
}

/* Any context (oom:mark_victim). */
void forkstat_evicted_add_oom_kill(u64 cgroup)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
	forkstat_evicted_slot(cgroup)->oom_kills++;
	raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
}

static void forkstat_evicted_show_one(struct seq_file *m, const struct forkstat_evicted *e)
{
	const struct forkstat_row_stats *st = &e->st;
	int f;

	seq_printf(m, "procgone cgroup=%llu rows=%llu", e->cgroup, e->rows);
	for (f = 0; f < FORKSTAT_NR_FLAVOURS; f++)
		if (f != FORKSTAT_KTHREAD)
			seq_printf(m, " %s=%llu", forkstat_flavour_names[f], st->count[f]);
	seq_printf(m, " errors=%llu sum_ns=%llu max_ns=%llu ptcopy_ns=%llu max_rss_kb=%lu stall_waits=%llu stall_ns=%llu stall_max_ns=%llu cow_faults=%llu cow_pages=%llu cow_ns=%llu child_cow_faults=%llu child_cow_pages=%llu child_cow_ns=%llu sock_clears=%llu sock_sets=%llu last_clear_ns=%llu oom_kills=%llu\n",
		   st->errors, st->sum_ns, st->max_ns, st->ptcopy_ns, st->max_rss_kb,
		   st->stall_waits, st->stall_ns, st->stall_max_ns,
		   st->cow[0].faults, st->cow[0].pages, st->cow[0].ns,
		   st->cow[1].faults, st->cow[1].pages, st->cow[1].ns,
		   st->sock_clears, st->sock_sets, st->last_clear_ns, e->oom_kills);
}

/* One slot copied at a time: the lock is held for a memcpy only. */
void forkstat_evicted_show(struct seq_file *m, const struct forkstat_reader *r)
{
	struct forkstat_evicted e;
	unsigned long irqflags;
	unsigned int i;

	if (!forkstat_reader_sees_every_row(r))
		return;
	for (i = 0; i <= FORKSTAT_EVICTED_SLOTS; i++) {
		raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
		e = forkstat_evicted[i];
		raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
		if (e.rows || e.oom_kills)
			forkstat_evicted_show_one(m, &e);
	}
}

/* A procgone line is under 500 bytes. */
size_t forkstat_evicted_show_size(void)
{
	return (FORKSTAT_EVICTED_SLOTS + 1) * 500;
}

/* A slot per lock hold: interrupts stay off for 200 bytes' clearing. */
void forkstat_evicted_reset(void)
{
	unsigned long irqflags;
	unsigned int i;

	for (i = 0; i <= FORKSTAT_EVICTED_SLOTS; i++) {
		raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
		memset(&forkstat_evicted[i], 0, sizeof(forkstat_evicted[i]));
		raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
	}
}
