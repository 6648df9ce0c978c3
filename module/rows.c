// SPDX-License-Identifier: GPL-2.0
/*
 * The per-process table, shown as "proc" records: one row per process
 * (thread group) that called copy_process or changed a socket's mode.
 *
 * The table is allocated once, max_procs rows, open-addressed by tgid so
 * that handlers never allocate. Rows of exited processes stay (a
 * short-lived forker is often the culprit) until a new process finds no
 * free row within FORKSTAT_ROWS_PROBE places of its hash: it then takes
 * the row there of the exited process worth least (the least memory
 * forked, socket clearers last), whose figures are added to its cgroup's
 * in evicted.c, so that per-cgroup sums never go down. A live process's
 * row is never taken: a process that finds only those gets none. Its
 * figures still count in the host-wide totals; each fork, socket mode
 * change or vfork wait of it that found no row counts in "dropped", and
 * figures added later to a row that is not there (copy-on-write bills,
 * spawns) are in the totals only. A tgid
 * reused by a new process takes over its row, told apart by the group
 * leader's start time.
 *
 * A reset bumps the generation: rows of older generations are free.
 * Each row has its own lock, so only the threads of one process ever
 * wait for each other.
 *
 * A row holds a reference to its process's struct pid (who.h), so that
 * a reader in any namespace can tell whether it may see the row and by
 * which number, after the process has exited too (reader.c). Taking a
 * row over hands the old one to release.c (a probe handler may not drop
 * what may be the last reference); when that has no room, the row is not
 * taken over and the new process counts as dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "forkstat.h"
#include "param.h"

#define FORKSTAT_ROWS_MIN	16
#define FORKSTAT_ROWS_MAX	BIT(20)
/* Rows looked at before a process is dropped. */
#define FORKSTAT_ROWS_PROBE	32

static unsigned int max_procs = 1024;

FORKSTAT_PARAM_UINT(max_procs, FORKSTAT_ROWS_MIN, FORKSTAT_ROWS_MAX, 0444,
		    "Rows in the per-process table, 16..1048576, rounded up to a power of 2 (default 1024)");

struct forkstat_row {
	raw_spinlock_t lock;
	u32 shown_in;		/* the read that copied it (evicted.c), 0: none */
	/* (generation << 32) | tgid; changes only under the lock. */
	u64 key;
	u64 start_time;		/* of the group leader */
	struct pid *pid;	/* the group leader's, a reference */
	struct forkstat_cred cred;	/* at its last event */
	u64 cgroup;		/* at its last event */
	char comm[TASK_COMM_LEN];
	/* What the row is worth keeping once its process is gone. */
	u64 worth;
	struct forkstat_row_stats st;
};

static struct forkstat_row *forkstat_rows;
static unsigned int forkstat_rows_bits;
static atomic_t forkstat_rows_gen = ATOMIC_INIT(1);
static atomic64_t forkstat_rows_dropped;
static atomic64_t forkstat_rows_evicted;
/*
 * Until when (jiffies) a search for an exited process's row is not
 * tried again, after one found only live rows: a table full of live
 * processes would cost every event of a process without a row 32 lock
 * sections.
 */
static unsigned long forkstat_rows_full_until;

int forkstat_rows_init(void)
{
	unsigned int i, n = roundup_pow_of_two(max_procs);

	forkstat_rows = kvcalloc(n, sizeof(*forkstat_rows), GFP_KERNEL | __GFP_NOWARN);
	if (!forkstat_rows)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		raw_spin_lock_init(&forkstat_rows[i].lock);
	forkstat_rows_bits = ilog2(n);
	max_procs = n;
	forkstat_rows_full_until = jiffies;
	forkstat_evicted_init();
	return 0;
}

void forkstat_rows_exit(void)
{
	unsigned int i;

	forkstat_evicted_exit();
	for (i = 0; forkstat_rows && i < max_procs; i++) {
		put_pid(forkstat_rows[i].pid);
		forkstat_resched_every(i);
	}
	kvfree(forkstat_rows);
}

static u32 forkstat_key_gen(u64 key)
{
	return key >> 32;
}

/*
 * Row p, locked, becomes current's process's; false, p unlocked, when
 * the old reference finds no room in release.c.
 */
static bool forkstat_row_take(struct forkstat_row *p, u64 key, u64 start_time,
			      unsigned long irqflags)
{
	if (!forkstat_release_pids_later(&p->pid, 1)) {
		raw_spin_unlock_irqrestore(&p->lock, irqflags);
		return false;
	}
	memset(&p->st, 0, sizeof(p->st));
	p->shown_in = 0;
	p->worth = 0;
	p->key = key;
	p->start_time = start_time;
	p->pid = get_pid(task_tgid(current));
	return true;
}

/* Whether the process of a row in use has exited and been reaped. */
static bool forkstat_row_exited(const struct forkstat_row *p)
{
	bool exited;

	rcu_read_lock();
	exited = !pid_task(p->pid, PIDTYPE_TGID);
	rcu_read_unlock();
	return exited;
}

/*
 * What a dead process's row is worth keeping for: the memory its forks
 * copied (the parent's size at each fork that copied its page tables,
 * and a KiB for every other call, failed ones too: a fork bomb stopped
 * by pids.max is a culprit), and before any of that its socket
 * clears (the clearer is the culprit of threads blocked long after it
 * has gone). Not the time in fork, though that is what the size costs:
 * a 100 us fork preempted, or its VM descheduled, for 50 ms would
 * outweigh a fork from gigabytes.
 */
static void forkstat_row_add_worth(struct forkstat_row *p, const struct forkstat_fork *f)
{
	p->worth += 1 + (!f->err && f->flavour == FORKSTAT_FORK ? f->rss_kb : 0);
}

static u64 forkstat_row_worth(const struct forkstat_row *p)
{
	return p->worth + (p->st.sock_clears ? BIT_ULL(62) : 0);
}

/*
 * The row, among those probed from h, of an exited process worth the
 * least, locked; NULL when all hold live processes. A live row is never
 * given up, whatever the number of processes that want one.
 */
static struct forkstat_row *forkstat_row_victim(unsigned int h, u32 gen,
						unsigned long *irqflags)
{
	struct forkstat_row *p, *victim = NULL;
	u64 least = U64_MAX;
	unsigned int i;

	for (i = 0; i < FORKSTAT_ROWS_PROBE; i++) {
		p = &forkstat_rows[(h + i) & (max_procs - 1)];
		raw_spin_lock_irqsave(&p->lock, *irqflags);
		if (forkstat_key_gen(p->key) == gen && forkstat_row_worth(p) < least &&
		    forkstat_row_exited(p)) {
			victim = p;
			least = forkstat_row_worth(p);
		}
		raw_spin_unlock_irqrestore(&p->lock, *irqflags);
	}
	if (!victim)
		return NULL;
	raw_spin_lock_irqsave(&victim->lock, *irqflags);
	/* Taken meanwhile by a live process, or freed by a reset. */
	if (forkstat_key_gen(victim->key) == gen && forkstat_row_exited(victim))
		return victim;
	raw_spin_unlock_irqrestore(&victim->lock, *irqflags);
	return NULL;
}

/*
 * Returns the row of current's process, locked and carrying current's
 * name, user and cgroup, or NULL when none can be had. A new process
 * takes a free row near its hash, else the cheapest of an exited
 * process there (its figures go to its cgroup's in evicted.c). Any
 * context.
 */
static struct forkstat_row *forkstat_row_get(unsigned long *irqflags)
{
	u32 gen = atomic_read(&forkstat_rows_gen);
	u64 want = (u64)gen << 32 | (u32)current->tgid;
	u64 start_time = current->group_leader->start_time;
	unsigned int i, h = hash_32(current->tgid, forkstat_rows_bits);
	struct forkstat_row_stats old;
	struct forkstat_row *p;
	u32 shown_in;
	u64 cgroup;

	for (i = 0; i < FORKSTAT_ROWS_PROBE; i++) {
		u64 key;

		p = &forkstat_rows[(h + i) & (max_procs - 1)];
		key = READ_ONCE(p->key);
		if (key != want && forkstat_key_gen(key) == gen)
			continue;	/* another process's row */
		raw_spin_lock_irqsave(&p->lock, *irqflags);
		if (p->key == want && p->start_time == start_time)
			goto found;
		/* Free or stale: take it. */
		if (forkstat_key_gen(p->key) != gen) {
			if (!forkstat_row_take(p, want, start_time, *irqflags))
				goto dropped;
			goto found;
		}
		/* A dead process's with our tgid: evict it, or no row at all. */
		if (p->key == want)
			goto evict;
		raw_spin_unlock_irqrestore(&p->lock, *irqflags);
	}
	if (time_before(jiffies, READ_ONCE(forkstat_rows_full_until)))
		goto dropped;
	p = forkstat_row_victim(h, gen, irqflags);
	if (!p) {
		WRITE_ONCE(forkstat_rows_full_until, jiffies + 1);
		goto dropped;
	}
evict:
	old = p->st;
	cgroup = p->cgroup;
	shown_in = p->shown_in;
	if (!forkstat_row_take(p, want, start_time, *irqflags))
		goto dropped;
	forkstat_evicted_add(cgroup, &old, shown_in);
	atomic64_inc(&forkstat_rows_evicted);
	goto found;
dropped:
	atomic64_inc(&forkstat_rows_dropped);
	return NULL;
found:
	/* The latest name: a process that execs shows as what it is now. */
	forkstat_current_comm(p->comm);
	forkstat_cred_current(&p->cred);
	p->cgroup = forkstat_task_cgroup(current);
	return p;
}

static void forkstat_row_put(struct forkstat_row *p, unsigned long irqflags)
{
	raw_spin_unlock_irqrestore(&p->lock, irqflags);
}

void forkstat_rows_add_fork(const struct forkstat_fork *f)
{
	unsigned long irqflags;
	struct forkstat_row *p = forkstat_row_get(&irqflags);

	if (!p)
		return;
	forkstat_row_add_worth(p, f);
	if (f->err) {
		p->st.errors++;
	} else {
		p->st.count[f->flavour]++;
		p->st.sum_ns += f->total_ns;
		p->st.max_ns = max(p->st.max_ns, f->total_ns);
		p->st.ptcopy_ns += f->ptcopy_ns;
		p->st.max_rss_kb = max(p->st.max_rss_kb, f->rss_kb);
		p->st.stall_waits += f->stall_waits;
		p->st.stall_ns += f->stall_ns;
		p->st.stall_max_ns = max(p->st.stall_max_ns, f->stall_max_ns);
		if (f->flavour == FORKSTAT_FORK)
			p->st.spawn.fork_rss_kb += f->rss_kb;
	}
	forkstat_row_put(p, irqflags);
}

void forkstat_rows_add_sock_mode(bool now_nonblock, u64 time_ns)
{
	unsigned long irqflags;
	struct forkstat_row *p = forkstat_row_get(&irqflags);

	if (!p)
		return;
	if (now_nonblock) {
		p->st.sock_sets++;
	} else {
		p->st.sock_clears++;
		p->st.last_clear_ns = time_ns;
	}
	forkstat_row_put(p, irqflags);
}

/*
 * The row of the process tgid, started at start_time, locked, if it still
 * has one in this generation; never takes one over, and passes over a row
 * of another process that had the same tgid. Any context.
 */
static struct forkstat_row *forkstat_row_find(pid_t tgid, u64 start_time,
					      unsigned long *irqflags)
{
	u32 gen = atomic_read(&forkstat_rows_gen);
	u64 want = (u64)gen << 32 | (u32)tgid;
	unsigned int i, h = hash_32(tgid, forkstat_rows_bits);

	for (i = 0; tgid && i < FORKSTAT_ROWS_PROBE; i++) {
		struct forkstat_row *p = &forkstat_rows[(h + i) & (max_procs - 1)];

		if (READ_ONCE(p->key) != want)
			continue;
		raw_spin_lock_irqsave(&p->lock, *irqflags);
		if (p->key == want && p->start_time == start_time)
			return p;
		raw_spin_unlock_irqrestore(&p->lock, *irqflags);
	}
	return NULL;
}

void forkstat_rows_add_cow(pid_t tgid, u64 start_time,
			   const struct forkstat_cow_side *parent,
			   const struct forkstat_cow_side *child, bool exec)
{
	const struct forkstat_cow_side *sides[2] = { parent, child };
	struct forkstat_row *p;
	unsigned long irqflags;
	unsigned int s;

	p = forkstat_row_find(tgid, start_time, &irqflags);
	if (!p)
		return;
	for (s = 0; s < 2; s++) {
		p->st.cow[s].faults += sides[s]->faults;
		p->st.cow[s].pages += sides[s]->pages;
		p->st.cow[s].ns += sides[s]->ns;
	}
	if (exec)
		p->st.spawn.spawn_cow_ns += parent->ns + child->ns;
	forkstat_row_put(p, irqflags);
}

void forkstat_rows_add_spawn(pid_t tgid, u64 start_time,
			     const struct forkstat_spawn_end *e)
{
	unsigned long irqflags;
	struct forkstat_row *p = forkstat_row_find(tgid, start_time, &irqflags);

	if (!p)
		return;
	forkstat_spawn_stats_add(&p->st.spawn, e);
	forkstat_row_put(p, irqflags);
}

void forkstat_rows_add_vfork_wait(u64 ns)
{
	unsigned long irqflags;
	struct forkstat_row *p = forkstat_row_get(&irqflags);

	if (!p)
		return;
	forkstat_spawn_stats_add_wait(&p->st.spawn, ns);
	forkstat_row_put(p, irqflags);
}

/* Threads of the process now, 0 once it has exited. */
static int forkstat_row_threads(struct pid *pid, u64 start_time)
{
	struct task_struct *task;
	int threads = 0;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (task && task->start_time == start_time)
		threads = get_nr_threads(task);
	rcu_read_unlock();
	return threads;
}

static void forkstat_row_show(struct seq_file *m, const struct forkstat_row *row,
			      pid_t tgid)
{
	int f;

	seq_printf(m, "proc tgid=%d", tgid);
	for (f = 0; f < FORKSTAT_NR_FLAVOURS; f++)
		if (f != FORKSTAT_KTHREAD)
			seq_printf(m, " %s=%llu", forkstat_flavour_names[f],
				   row->st.count[f]);
	seq_printf(m, " errors=%llu sum_ns=%llu max_ns=%llu ptcopy_ns=%llu max_rss_kb=%lu stall_waits=%llu stall_ns=%llu stall_max_ns=%llu cow_faults=%llu cow_pages=%llu cow_ns=%llu child_cow_faults=%llu child_cow_pages=%llu child_cow_ns=%llu",
		   row->st.errors, row->st.sum_ns, row->st.max_ns,
		   row->st.ptcopy_ns, row->st.max_rss_kb,
		   row->st.stall_waits, row->st.stall_ns, row->st.stall_max_ns,
		   row->st.cow[0].faults, row->st.cow[0].pages, row->st.cow[0].ns,
		   row->st.cow[1].faults, row->st.cow[1].pages, row->st.cow[1].ns);
	forkstat_spawn_stats_show(m, &row->st.spawn);
	seq_printf(m, " sock_clears=%llu sock_sets=%llu last_clear_ns=%llu threads=%d cgroup=%llu comm=",
		   row->st.sock_clears, row->st.sock_sets, row->st.last_clear_ns,
		   forkstat_row_threads(row->pid, row->start_time), row->cgroup);
	forkstat_seq_comm(m, row->comm);
	seq_putc(m, '\n');
}

/*
 * The rows the reader may see, numbered as it numbers their processes,
 * then what evicted rows left per cgroup (evicted.c): after the rows, so
 * that a row taken over during the read is counted once. One read at a
 * time (snapshot.c's render lock).
 */
void forkstat_rows_show(struct seq_file *m, const struct forkstat_reader *r)
{
	u32 gen = atomic_read(&forkstat_rows_gen);
	bool host = forkstat_reader_sees_host(r);
	bool every = forkstat_reader_sees_every_row(r);
	u32 read = every ? forkstat_evicted_read_begin() : 0;
	struct forkstat_row row;
	unsigned int i;
	unsigned long irqflags;

	seq_printf(m, "procs max=%u dropped=%lld evicted=%lld bytes=%zu", max_procs,
		   host ? (long long)atomic64_read(&forkstat_rows_dropped) : 0,
		   host ? (long long)atomic64_read(&forkstat_rows_evicted) : 0,
		   (size_t)max_procs * sizeof(*forkstat_rows));
	forkstat_evicted_show_use(m, host);
	seq_putc(m, '\n');
	for (i = 0; i < max_procs; i++) {
		struct forkstat_row *p = &forkstat_rows[i];
		pid_t tgid;

		forkstat_resched_every(i);
		if (forkstat_key_gen(READ_ONCE(p->key)) != gen)
			continue;
		raw_spin_lock_irqsave(&p->lock, irqflags);
		row = *p;
		if (read && forkstat_key_gen(row.key) == gen)
			p->shown_in = read;
		get_pid(row.pid);
		raw_spin_unlock_irqrestore(&p->lock, irqflags);
		tgid = forkstat_reader_pid(r, row.pid, &row.cred);
		if (forkstat_key_gen(row.key) == gen && tgid)
			forkstat_row_show(m, &row, tgid);
		put_pid(row.pid);
	}
	if (every) {
		forkstat_evicted_show(m);
		forkstat_evicted_read_end();
	}
}

/* The most a full table prints: a proc line is under 1408 bytes. */
size_t forkstat_rows_show_size(void)
{
	return (size_t)max_procs * 1408 + forkstat_evicted_show_size();
}

/* Rows of older generations are free; their references go now. */
void forkstat_rows_reset(void)
{
	u32 gen = atomic_inc_return(&forkstat_rows_gen);
	unsigned long irqflags;
	struct pid *old;
	unsigned int i;

	atomic64_set(&forkstat_rows_dropped, 0);
	atomic64_set(&forkstat_rows_evicted, 0);
	forkstat_evicted_reset();
	for (i = 0; i < max_procs; i++) {
		struct forkstat_row *p = &forkstat_rows[i];

		old = NULL;
		raw_spin_lock_irqsave(&p->lock, irqflags);
		if (forkstat_key_gen(p->key) != gen) {
			old = p->pid;
			p->pid = NULL;
		}
		raw_spin_unlock_irqrestore(&p->lock, irqflags);
		put_pid(old);
		forkstat_resched_every(i);
	}
}
