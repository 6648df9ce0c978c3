// SPDX-License-Identifier: GPL-2.0
/*
 * The sockets whose last recorded O_NONBLOCK change was a clear, keyed by
 * inode number: the join between a clear and the threads that block on
 * that socket later (blocked.c). The sockclear ring keeps the last
 * sock_ring clears whole; this table keeps a small entry per socket.
 *
 * Written from process context only (sockmode.c checks a change as task
 * work, not in a probe handler) and read by /proc/forkstat readers, so
 * one lock does. Open addressing: a socket sits within
 * FORKSTAT_CLEARED_PROBE slots of its hash. A set removes its socket;
 * when those slots are all taken the oldest clear among them gives way
 * (counted as evicted), so memory is fixed at load. Entries of sockets
 * since closed stay until evicted or reset: sockfs numbers inodes from a
 * 32-bit counter (get_next_ino), so a number comes back only after four
 * billion more sockets.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "forkstat.h"
#include "param.h"

#define FORKSTAT_CLEARED_PROBE	16

static unsigned int cleared_max = 4096;

FORKSTAT_PARAM_UINT(cleared_max, 64, 1 << 20, 0444,
		    "Sockets remembered as cleared to blocking mode, to join them to their blocked readers, 64..1048576, rounded up to a power of 2 (default 4096)");

static DEFINE_SPINLOCK(forkstat_cleared_lock);
static struct forkstat_cleared *forkstat_cleared;
static unsigned int forkstat_cleared_bits;
static unsigned int forkstat_cleared_used;
static u64 forkstat_cleared_evicted;

int forkstat_cleared_init(void)
{
	unsigned int n = roundup_pow_of_two(cleared_max);

	forkstat_cleared = kvcalloc(n, sizeof(*forkstat_cleared),
				    GFP_KERNEL | __GFP_NOWARN);
	if (!forkstat_cleared)
		return -ENOMEM;
	forkstat_cleared_bits = ilog2(n);
	cleared_max = n;
	return 0;
}

void forkstat_cleared_exit(void)
{
	unsigned int i;

	for (i = 0; i < cleared_max; i++) {
		put_pid(forkstat_cleared[i].tgid);
		forkstat_resched_every(i);
	}
	kvfree(forkstat_cleared);
}

static struct forkstat_cleared *forkstat_cleared_slot(unsigned long ino,
						      unsigned int i)
{
	unsigned int h = hash_long(ino, forkstat_cleared_bits);

	return &forkstat_cleared[(h + i) & (cleared_max - 1)];
}

/* ino's entry, or NULL; *room is a free slot, else the oldest one. */
static struct forkstat_cleared *forkstat_cleared_lookup(unsigned long ino,
							struct forkstat_cleared **room)
{
	struct forkstat_cleared *e, *free = NULL, *oldest = NULL;
	unsigned int i;

	for (i = 0; i < FORKSTAT_CLEARED_PROBE; i++) {
		e = forkstat_cleared_slot(ino, i);
		if (e->ino == ino)
			return e;
		if (!e->ino && !free)
			free = e;
		if (e->ino && (!oldest || e->time_ns < oldest->time_ns))
			oldest = e;
	}
	*room = free ? free : oldest;
	return NULL;
}

/*
 * A clear by current's process adds or refreshes ino; a set removes it.
 * Process context (task work): the reference let go is dropped here.
 * True for a set that undid a clear remembered here.
 */
bool forkstat_cleared_note(unsigned long ino, bool now_nonblock, u64 time_ns)
{
	bool undid = false;
	struct forkstat_cleared *e, *room = NULL;
	struct pid *old = NULL, *tgid = NULL;

	if (!now_nonblock)
		tgid = get_pid(task_tgid(current));
	spin_lock(&forkstat_cleared_lock);
	e = forkstat_cleared_lookup(ino, &room);
	if (now_nonblock) {
		if (e) {
			undid = true;
			e->ino = 0;
			old = e->tgid;
			e->tgid = NULL;
			forkstat_cleared_used--;
		}
	} else {
		if (!e) {
			e = room;
			if (e->ino)
				forkstat_cleared_evicted++;
			else
				forkstat_cleared_used++;
		}
		old = e->tgid;
		e->ino = ino;
		e->time_ns = time_ns;
		e->tgid = tgid;
		forkstat_cred_current(&e->cred);
	}
	spin_unlock(&forkstat_cleared_lock);
	put_pid(old);
	return undid;
}

bool forkstat_cleared_find(unsigned long ino, const struct forkstat_reader *r,
			   u64 *time_ns, pid_t *by)
{
	struct forkstat_cleared *e, *room;

	*time_ns = 0;
	*by = 0;
	spin_lock(&forkstat_cleared_lock);
	e = forkstat_cleared_lookup(ino, &room);
	if (e) {
		*time_ns = e->time_ns;
		/* Which process had the socket: one of its details. */
		if (forkstat_reader_sees_details(r, &e->cred))
			*by = forkstat_reader_nr(r, e->tgid);
	}
	spin_unlock(&forkstat_cleared_lock);
	return e;
}

void forkstat_cleared_show(struct seq_file *m)
{
	unsigned int used;
	u64 evicted;

	spin_lock(&forkstat_cleared_lock);
	used = forkstat_cleared_used;
	evicted = forkstat_cleared_evicted;
	spin_unlock(&forkstat_cleared_lock);
	seq_printf(m, "clearedcfg max=%u used=%u evicted=%llu bytes=%zu\n",
		   cleared_max, used, evicted,
		   (size_t)cleared_max * sizeof(*forkstat_cleared));
}

void forkstat_cleared_reset(void)
{
	struct pid *old;
	unsigned int i;

	spin_lock(&forkstat_cleared_lock);
	forkstat_cleared_evicted = 0;
	spin_unlock(&forkstat_cleared_lock);
	/* One entry at a time: clears made meanwhile may stay. */
	for (i = 0; i < cleared_max; i++) {
		spin_lock(&forkstat_cleared_lock);
		if (forkstat_cleared[i].ino)
			forkstat_cleared_used--;
		forkstat_cleared[i].ino = 0;
		old = forkstat_cleared[i].tgid;
		forkstat_cleared[i].tgid = NULL;
		spin_unlock(&forkstat_cleared_lock);
		put_pid(old);
		forkstat_resched_every(i);
	}
}
