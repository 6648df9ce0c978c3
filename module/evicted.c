// SPDX-License-Identifier: GPL-2.0
/*
 * What processes gone leave to their cgroup, shown as "procgone"
 * records: the figures of the rows of exited processes when rows.c gives
 * their place to a new process, summed per cgroup, and the OOM kills of
 * the cgroup's processes (oom.c; its records are a ring, these are
 * counters). A cgroup's totals are its rows plus its procgone
 * (forkstatctl's top --by cgroup, the Prometheus counters), so while
 * the cgroup exists they never go down when a row is evicted or an OOM
 * record overwritten.
 *
 * A fixed table, allocated with the module, open-addressed by cgroup id:
 * written by probe handlers (under the evicted row's lock), so one raw
 * lock and no allocation. A cgroup that finds no slot within
 * FORKSTAT_EVICTED_PROBE places adds to the "other" slot, cgroup=0.
 * Shown only to readers that see every process's counts, since the
 * sums speak for processes the reader may not be shown.
 *
 * A host that runs for months sees thousands of cgroups come and go (a
 * pod, a container, a systemd scope each), more than the table holds.
 * Once it is three quarters full, or a cgroup finds no slot, a sweep is
 * queued: in process context, since looking a cgroup up by id takes
 * kernfs's lock, it folds the slots of cgroups removed since into
 * "other" and frees them for the cgroups that live now, then comes back
 * a second later for as long as it frees slots. Else a sweep comes a
 * minute after a cgroup's slot is added to, and a minute after the last
 * while any cgroup has a slot (on a real host, every minute: 256
 * lookups at most): removed cgroups leave within a minute or two
 * however slowly they come and go (a pod every few seconds never fills
 * the table three quarters), and a table full of live cgroups is not
 * swept every second. The sums over all cgroups never go down; a removed
 * cgroup's own line goes to "other" when swept, though rows of its
 * exited processes may still name it.
 *
 * A read shows the rows first, then these lines (rows.c), while rows
 * are taken over beside it: a row taken after the read copied it has
 * its figures in that read's row, so they are held apart until the read
 * has shown these lines; one taken before is in these lines only. A
 * sweep during a read does the same with the slots it folds into
 * "other", which the read copies last, and never waits for a moment
 * without a read (readers who never stop would starve it). So no read
 * counts an evicted row twice or not at all, and a cgroup's sums never
 * go down from one read to the next (but at a reset, or a removed
 * cgroup's sweep). Only reads
 * by those who see every row (and these lines) take part: one at a
 * time, as snapshot.c renders one document at a time.
 */
#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "forkstat.h"

#define FORKSTAT_EVICTED_BITS	8
#define FORKSTAT_EVICTED_SLOTS	BIT(FORKSTAT_EVICTED_BITS)
#define FORKSTAT_EVICTED_PROBE	16

/* A slot freed by the sweep: lookups go on past it, new cgroups take it. */
#define FORKSTAT_EVICTED_SWEPT	U64_MAX

/* What evicted rows left, and the OOM kills. */
struct forkstat_gone {
	u64 rows;		/* rows evicted */
	u64 oom_kills;		/* the cgroup's processes the OOM killer killed */
	struct forkstat_row_stats st;
};

struct forkstat_evicted {
	u64 cgroup;		/* 0: never used, or "other" in the last slot */
	struct forkstat_gone shown;
	/*
	 * Shown from the next read's start: rows the read in progress copied
	 * before they went, and (in "other") slots swept after it copied them.
	 */
	struct forkstat_gone held;
};

static DEFINE_RAW_SPINLOCK(forkstat_evicted_lock);
/* The last slot is "other". */
static struct forkstat_evicted forkstat_evicted[FORKSTAT_EVICTED_SLOTS + 1];

/* The "other" slot, where cgroups without one and removed ones add. */
#define forkstat_evicted_other	(&forkstat_evicted[FORKSTAT_EVICTED_SLOTS])
/* A sweep once the table is this full, before cgroups find no slot. */
#define FORKSTAT_EVICTED_CROWDED	(FORKSTAT_EVICTED_SLOTS * 3 / 4)
/* Between sweeps while they free slots, and once one freed none. */
#define FORKSTAT_EVICTED_SWEEP_EVERY	HZ
#define FORKSTAT_EVICTED_SWEEP_IDLE	(60 * HZ)

static void forkstat_evicted_sweep(struct work_struct *work);
static DECLARE_DELAYED_WORK(forkstat_evicted_sweep_work, forkstat_evicted_sweep);
/* Under forkstat_evicted_lock: */
static unsigned int forkstat_evicted_used;	/* slots of a cgroup */
static u64 forkstat_evicted_swept;		/* slots folded into "other" */
static u32 forkstat_evicted_reads;		/* reads begun */
static u32 forkstat_evicted_reading;		/* the read in progress, 0: none */
static unsigned int forkstat_evicted_copied;	/* slots it has copied */
static unsigned int forkstat_evicted_held;	/* non-zero: a held part to fold */
static unsigned long forkstat_evicted_next_sweep;	/* not before (jiffies) */

/*
 * The slot of cgroup, taken if it has none; NULL when none is left
 * within FORKSTAT_EVICTED_PROBE places. Under forkstat_evicted_lock.
 */
static struct forkstat_evicted *forkstat_evicted_slot(u64 cgroup)
{
	unsigned int i, h = hash_64(cgroup, FORKSTAT_EVICTED_BITS);
	struct forkstat_evicted *e, *free = NULL;

	for (i = 0; i < FORKSTAT_EVICTED_PROBE; i++) {
		e = &forkstat_evicted[(h + i) % FORKSTAT_EVICTED_SLOTS];
		if (e->cgroup == cgroup)
			return e;
		if (e->cgroup == FORKSTAT_EVICTED_SWEPT && !free)
			free = e;
		if (!e->cgroup) {
			free = free ?: e;
			break;	/* cgroup is not further on */
		}
	}
	if (free) {
		free->cgroup = cgroup;
		forkstat_evicted_used++;
	}
	return free;
}

/*
 * Locks the table and returns the slot cgroup adds to: its own, or
 * "other" when it has none (no cgroup, or the table full around its
 * hash). A sweep is run at once when the table is crowded or full,
 * unless one is not due yet, and else armed a minute ahead when a slot
 * is added to. Any context but NMI: queueing work takes raw locks only.
 */
static struct forkstat_evicted *forkstat_evicted_lock_slot(u64 cgroup, unsigned long *irqflags)
	__acquires(&forkstat_evicted_lock)
{
	struct forkstat_evicted *e = NULL;

	raw_spin_lock_irqsave(&forkstat_evicted_lock, *irqflags);
	if (!cgroup || cgroup == FORKSTAT_EVICTED_SWEPT)
		return forkstat_evicted_other;
	e = forkstat_evicted_slot(cgroup);
	if ((!e || forkstat_evicted_used >= FORKSTAT_EVICTED_CROWDED) &&
	    time_after_eq(jiffies, forkstat_evicted_next_sweep)) {
		forkstat_evicted_next_sweep = jiffies + FORKSTAT_EVICTED_SWEEP_EVERY;
		/* Now, though the minute's sweep is pending. */
		mod_delayed_work(system_unbound_wq, &forkstat_evicted_sweep_work, 0);
	} else if (e) {
		/* The minute's sweep, unless one is pending already. */
		queue_delayed_work(system_unbound_wq, &forkstat_evicted_sweep_work,
				   FORKSTAT_EVICTED_SWEEP_IDLE);
	}
	return e ?: forkstat_evicted_other;
}

static void forkstat_evicted_sum(struct forkstat_row_stats *sum,
				 const struct forkstat_row_stats *st)
{
	unsigned int f, s;

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
	forkstat_spawn_stats_sum(&sum->spawn, &st->spawn);
}

static void forkstat_gone_sum(struct forkstat_gone *sum, const struct forkstat_gone *g)
{
	sum->rows += g->rows;
	sum->oom_kills += g->oom_kills;
	forkstat_evicted_sum(&sum->st, &g->st);
}

/*
 * An evicted row's figures, st, of a row that the read shown_in (0 for
 * none) copied: held while that read is in progress, since it shows
 * them in the row. Any context but NMI (forkstat_evicted_lock_slot).
 */
void forkstat_evicted_add(u64 cgroup, const struct forkstat_row_stats *st, u32 shown_in)
{
	unsigned long irqflags;
	struct forkstat_evicted *e = forkstat_evicted_lock_slot(cgroup, &irqflags);
	struct forkstat_gone *g;

	g = &e->shown;
	if (shown_in && shown_in == forkstat_evicted_reading) {
		g = &e->held;
		forkstat_evicted_held++;
	}
	g->rows++;
	forkstat_evicted_sum(&g->st, st);
	raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
}

/*
 * A read of the rows begins, by a reader who is shown these lines, one
 * at a time (snapshot.c renders one document at a time): what earlier
 * reads held is shown from now on, and rows this read copies are marked
 * with the number returned. Process context.
 */
u32 forkstat_evicted_read_begin(void)
{
	struct forkstat_evicted *e;
	unsigned long irqflags;
	unsigned int i;
	bool held;
	u32 read;

	raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
	WARN_ON_ONCE(forkstat_evicted_reading);
	held = forkstat_evicted_held;
	raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
	/* No read is in progress: nothing is held meanwhile. */
	for (i = 0; held && i <= FORKSTAT_EVICTED_SLOTS; i++) {
		e = &forkstat_evicted[i];
		raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
		forkstat_gone_sum(&e->shown, &e->held);
		memset(&e->held, 0, sizeof(e->held));
		raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
	}
	raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
	forkstat_evicted_held = 0;
	read = ++forkstat_evicted_reads ?: ++forkstat_evicted_reads;
	forkstat_evicted_reading = read;
	forkstat_evicted_copied = 0;
	raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
	return read;
}

/* After its procgone lines: rows evicted from now on add to those. */
void forkstat_evicted_read_end(void)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
	forkstat_evicted_reading = 0;
	raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
}

/*
 * Whether the cgroup v2 of id was removed. cgroup_get_from_id() looks
 * the id up in kernfs, which finds no directory once rmdir has
 * deactivated it, whoever still holds the cgroup; from a kworker, in the
 * initial cgroup namespace, it finds every cgroup that exists. Process
 * context: it takes kernfs's lock.
 */
static bool forkstat_cgroup_removed(u64 id)
{
#ifdef CONFIG_CGROUPS
	struct cgroup *cgrp = cgroup_get_from_id(id);

	if (IS_ERR_OR_NULL(cgrp))
		return true;
	cgroup_put(cgrp);
#endif
	return false;
}

/*
 * Folds the slots of removed cgroups into "other" and frees them, one
 * slot per lock hold; again a second later while sweeps free slots, so
 * that a burst of removals is swept up soon after it ends, else a minute
 * later while any cgroup has a slot. A slot that the read in progress
 * has copied goes to what "other" holds until the next read (the read
 * in progress copies "other" last, and would count it twice); one it has
 * not copied goes to what "other" shows. A slot's
 * held part stays held, in "other".
 */
static void forkstat_evicted_sweep(struct work_struct *work)
{
	struct forkstat_evicted *e, *other = forkstat_evicted_other;
	unsigned int i, freed = 0, used;
	unsigned long irqflags, delay;
	struct forkstat_gone *to;
	u64 id;

	for (i = 0; i < FORKSTAT_EVICTED_SLOTS; i++) {
		e = &forkstat_evicted[i];
		raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
		id = e->cgroup;
		raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
		if (id && id != FORKSTAT_EVICTED_SWEPT && forkstat_cgroup_removed(id)) {
			raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
			/* Not freed by a reset, nor taken again since. */
			if (e->cgroup == id) {
				to = &other->shown;
				if (forkstat_evicted_reading && i < forkstat_evicted_copied) {
					to = &other->held;
					forkstat_evicted_held++;
				}
				forkstat_gone_sum(to, &e->shown);
				forkstat_gone_sum(&other->held, &e->held);
				forkstat_evicted_held += !!e->held.rows;
				memset(e, 0, sizeof(*e));
				e->cgroup = FORKSTAT_EVICTED_SWEPT;
				forkstat_evicted_used--;
				forkstat_evicted_swept++;
				freed++;
			}
			raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
		}
		cond_resched();
	}
	raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
	delay = freed ? FORKSTAT_EVICTED_SWEEP_EVERY : FORKSTAT_EVICTED_SWEEP_IDLE;
	forkstat_evicted_next_sweep = jiffies + delay;
	used = forkstat_evicted_used;
	raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
	/* A second later even if a cgroup armed the minute's meanwhile. */
	if (freed)
		mod_delayed_work(system_unbound_wq, &forkstat_evicted_sweep_work, delay);
	else if (used)
		queue_delayed_work(system_unbound_wq, &forkstat_evicted_sweep_work, delay);
}

/* Any context (oom:mark_victim). */
void forkstat_evicted_add_oom_kill(u64 cgroup)
{
	unsigned long irqflags;

	forkstat_evicted_lock_slot(cgroup, &irqflags)->shown.oom_kills++;
	raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
}

static void forkstat_evicted_show_one(struct seq_file *m, const struct forkstat_evicted *e)
{
	const struct forkstat_row_stats *st = &e->shown.st;
	int f;

	seq_printf(m, "procgone cgroup=%llu rows=%llu", e->cgroup, e->shown.rows);
	for (f = 0; f < FORKSTAT_NR_FLAVOURS; f++)
		if (f != FORKSTAT_KTHREAD)
			seq_printf(m, " %s=%llu", forkstat_flavour_names[f], st->count[f]);
	seq_printf(m, " errors=%llu sum_ns=%llu max_ns=%llu ptcopy_ns=%llu max_rss_kb=%lu stall_waits=%llu stall_ns=%llu stall_max_ns=%llu cow_faults=%llu cow_pages=%llu cow_ns=%llu child_cow_faults=%llu child_cow_pages=%llu child_cow_ns=%llu",
		   st->errors, st->sum_ns, st->max_ns, st->ptcopy_ns, st->max_rss_kb,
		   st->stall_waits, st->stall_ns, st->stall_max_ns,
		   st->cow[0].faults, st->cow[0].pages, st->cow[0].ns,
		   st->cow[1].faults, st->cow[1].pages, st->cow[1].ns);
	forkstat_spawn_stats_show(m, &st->spawn);
	seq_printf(m, " sock_clears=%llu sock_sets=%llu last_clear_ns=%llu oom_kills=%llu\n",
		   st->sock_clears, st->sock_sets, st->last_clear_ns, e->shown.oom_kills);
}

/*
 * One slot copied at a time, its shown part, noting for the sweep how
 * far the read has copied: the lock is held for a memcpy only. For
 * readers who see every row (forkstat_rows_show).
 */
void forkstat_evicted_show(struct seq_file *m)
{
	struct forkstat_evicted e;
	unsigned long irqflags;
	unsigned int i;

	for (i = 0; i <= FORKSTAT_EVICTED_SLOTS; i++) {
		raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
		e.cgroup = forkstat_evicted[i].cgroup;
		e.shown = forkstat_evicted[i].shown;
		if (forkstat_evicted_reading)
			forkstat_evicted_copied = i + 1;
		raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
		if (e.shown.rows || e.shown.oom_kills)
			forkstat_evicted_show_one(m, &e);
	}
}

/* The table's use, on the procs line: for readers that see the host. */
void forkstat_evicted_show_use(struct seq_file *m, bool host)
{
	unsigned int used = 0;
	unsigned long irqflags;
	u64 swept = 0;

	if (host) {
		raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
		used = forkstat_evicted_used;
		swept = forkstat_evicted_swept;
		raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
	}
	seq_printf(m, " gone_cgroups_max=%lu gone_cgroups=%u gone_cgroups_swept=%llu",
		   FORKSTAT_EVICTED_SLOTS, used, swept);
}

/* A procgone line is under 1200 bytes. */
size_t forkstat_evicted_show_size(void)
{
	return (FORKSTAT_EVICTED_SLOTS + 1) * 1200;
}

/* A slot per lock hold: interrupts stay off for a slot's clearing (under 1 KiB). */
void forkstat_evicted_reset(void)
{
	unsigned long irqflags;
	unsigned int i;

	raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
	forkstat_evicted_swept = 0;
	raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
	for (i = 0; i <= FORKSTAT_EVICTED_SLOTS; i++) {
		struct forkstat_evicted *e = &forkstat_evicted[i];

		raw_spin_lock_irqsave(&forkstat_evicted_lock, irqflags);
		if (i < FORKSTAT_EVICTED_SLOTS && e->cgroup && e->cgroup != FORKSTAT_EVICTED_SWEPT)
			forkstat_evicted_used--;
		memset(e, 0, sizeof(*e));
		raw_spin_unlock_irqrestore(&forkstat_evicted_lock, irqflags);
	}
}

void forkstat_evicted_init(void)
{
	forkstat_evicted_next_sweep = jiffies;
}

/* After the probes that add are gone. */
void forkstat_evicted_exit(void)
{
	cancel_delayed_work_sync(&forkstat_evicted_sweep_work);
}
