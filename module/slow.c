// SPDX-License-Identifier: GPL-2.0
/*
 * The last slow_ring copy_process calls that took slow_us or longer, with
 * who made them and how big the parent was. Slow calls are rare by
 * definition, so one lock for the ring costs nothing measurable next to
 * the millisecond the call already took (ring.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/timekeeping.h>

#include "forkstat.h"
#include "param.h"
#include "ring.h"

static unsigned int slow_us = 1000;
static unsigned int slow_ring = 64;

/* Writable at run time: raise it on a box where every fork is "slow". */
FORKSTAT_PARAM_UINT(slow_us, 1, 60 * USEC_PER_SEC, 0644,
		    "A copy_process call this long (us, 1..60000000) or longer is recorded as slow (default 1000)");
FORKSTAT_PARAM_UINT(slow_ring, 1, 4096, 0444,
		    "Slow calls remembered, 1..4096 (default 64)");

struct forkstat_slow {
	u64 time_ns;		/* CLOCK_REALTIME when the call returned */
	struct forkstat_fork f;	/* f.child is not kept: see child */
	struct forkstat_who who;
	struct pid *child;
	u64 stack;		/* its user call chain (ustack.c), 0: none */
	char comm[TASK_COMM_LEN];
};

static struct forkstat_ring forkstat_slow_ring =
	FORKSTAT_RING(struct forkstat_slow,
		      offsetof(struct forkstat_slow, who.pid),
		      offsetof(struct forkstat_slow, who.tgid),
		      offsetof(struct forkstat_slow, child));

int forkstat_slow_init(void)
{
	return forkstat_ring_init(&forkstat_slow_ring, slow_ring);
}

void forkstat_slow_exit(void)
{
	forkstat_ring_exit(&forkstat_slow_ring);
}

bool forkstat_slow_enough(u64 ns)
{
	return ns >= (u64)READ_ONCE(slow_us) * NSEC_PER_USEC;
}

/*
 * Called from the copy_process return handler, where current and the
 * child (not running yet) keep their struct pids alive for the ring.
 */
void forkstat_slow_add(const struct forkstat_fork *f)
{
	struct forkstat_slow s;

	if (f->err || !forkstat_slow_enough(f->total_ns))
		return;
	s.time_ns = ktime_get_real_ns();
	s.f = *f;
	s.f.child = NULL;
	forkstat_who_current(&s.who);
	s.child = task_pid(f->child);
	forkstat_current_comm(s.comm);
	s.stack = forkstat_ustack_take_later();
	forkstat_ring_add(&forkstat_slow_ring, &s);
}

static void forkstat_slow_show_one(struct seq_file *m, const struct forkstat_reader *r,
				   const struct forkstat_slow *s)
{
	pid_t tgid = forkstat_reader_pid(r, s->who.tgid, &s->who.cred);
	u64 stack = forkstat_reader_sees_details(r, &s->who.cred) ? s->stack : 0;

	if (!tgid)
		return;		/* not the reader's to see */
	seq_printf(m, "slow id=%llu time_ns=%llu pid=%d tgid=%d child=%d flavour=%s flags=0x%llx rss_kb=%lu pgtables_kb=%lu vmas=%u total_ns=%llu ptcopy_ns=%llu ptcopy_vmas=%u mmdup_ns=%llu stall_waits=%u stall_ns=%llu stall_max_ns=%llu cgroup=%llu stack=%llu comm=",
		   s->f.id, s->time_ns, forkstat_reader_nr(r, s->who.pid), tgid,
		   forkstat_reader_nr(r, s->child),
		   forkstat_flavour_names[s->f.flavour], s->f.clone_flags,
		   s->f.rss_kb, s->f.pgtables_kb, s->f.vmas, s->f.total_ns,
		   s->f.ptcopy_ns, s->f.ptcopy_vmas, s->f.mmdup_ns,
		   s->f.stall_waits, s->f.stall_ns, s->f.stall_max_ns, s->who.cgroup,
		   stack);
	forkstat_seq_comm(m, s->comm);
	seq_putc(m, '\n');
	forkstat_ustack_show(m, stack);
}

/* Oldest first: those the reader may see. */
int forkstat_slow_show(struct seq_file *m, const struct forkstat_reader *r)
{
	struct forkstat_slow *copy;
	unsigned int i, count;
	u64 total, lost;
	bool host = forkstat_reader_sees_host(r);

	copy = forkstat_ring_copy(&forkstat_slow_ring, &count, &total, &lost);
	if (!copy)
		return -ENOMEM;
	seq_printf(m, "slowcfg slow_us=%u ring=%u total=%llu lost=%llu bytes=%zu\n",
		   READ_ONCE(slow_us), slow_ring, host ? total : 0, host ? lost : 0,
		   slow_ring * sizeof(struct forkstat_slow));
	for (i = 0; i < count; i++)
		forkstat_slow_show_one(m, r, &copy[i]);
	forkstat_ring_free_copy(&forkstat_slow_ring, copy, count);
	return 0;
}

/* A slow line is under 500 bytes; its chain is ustack.c's. */
size_t forkstat_slow_show_size(void)
{
	return (size_t)slow_ring * 500;
}

void forkstat_slow_reset(void)
{
	forkstat_ring_reset(&forkstat_slow_ring);
}
