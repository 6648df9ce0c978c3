// SPDX-License-Identifier: GPL-2.0
/*
 * A ring of the last n records of one kind, allocated at load: the slow
 * forks (slow.c), the copy-on-write bills (cow.c), and the socket clears
 * and sets (sockmode.c). Records hold references to the struct pids they
 * name (who.h), at offsets the ring is given, so that one pair of
 * functions takes and drops them for every kind. A reader works on a
 * copy with references of its own, so the lock is held only for memcpy's
 * and refcount increments, of a batch of records at a time.
 *
 * Adding takes the lock with interrupts off and neither sleeps nor
 * allocates nor drops a last reference: a probe handler may add. The
 * references of the record it overwrites, maybe the last ones of
 * processes long gone, go to release.c.
 */
#include <linux/lockdep.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "forkstat.h"
#include "ring.h"

/* Records a reader copies per hold of the lock: 10 KiB at most. */
#define FORKSTAT_RING_BATCH	32

int forkstat_ring_init(struct forkstat_ring *r, unsigned int n)
{
	raw_spin_lock_init(&r->lock);
	r->n = n;
	r->total = 0;
	r->lost = 0;
	r->resets = 0;
	r->slots = kvcalloc(n, r->size, GFP_KERNEL | __GFP_NOWARN);
	return r->slots ? 0 : -ENOMEM;
}

static void *forkstat_ring_slot(struct forkstat_ring *r, u64 i)
{
	return (char *)r->slots + (size_t)(i % r->n) * r->size;
}

static struct pid **forkstat_ring_pid(const struct forkstat_ring *r, void *rec,
				      unsigned int i)
{
	return (struct pid **)((char *)rec + r->pid_off[i]);
}

static void forkstat_ring_get(const struct forkstat_ring *r, void *rec)
{
	unsigned int i;

	for (i = 0; i < r->npids; i++)
		get_pid(*forkstat_ring_pid(r, rec, i));
}

/* Process context: a reference dropped here may be the last. */
static void forkstat_ring_put(const struct forkstat_ring *r, void *rec)
{
	unsigned int i;

	for (i = 0; i < r->npids; i++) {
		put_pid(*forkstat_ring_pid(r, rec, i));
		*forkstat_ring_pid(r, rec, i) = NULL;
	}
}

void forkstat_ring_exit(struct forkstat_ring *r)
{
	unsigned int i;

	for (i = 0; r->slots && i < r->n; i++) {
		forkstat_ring_put(r, forkstat_ring_slot(r, i));
		forkstat_resched_every(i);
	}
	kvfree(r->slots);
	r->slots = NULL;
}

bool forkstat_ring_add(struct forkstat_ring *r, const void *rec)
{
	struct pid *old[FORKSTAT_RING_PIDS];
	unsigned long irqflags;
	unsigned int i;
	bool added;
	void *slot;

	raw_spin_lock_irqsave(&r->lock, irqflags);
	slot = forkstat_ring_slot(r, r->total);
	for (i = 0; i < r->npids; i++)
		old[i] = *forkstat_ring_pid(r, slot, i);
	added = forkstat_release_pids_later(old, r->npids);
	if (added) {
		memcpy(slot, rec, r->size);
		forkstat_ring_get(r, slot);
		r->total++;
	} else {
		r->lost++;
	}
	raw_spin_unlock_irqrestore(&r->lock, irqflags);
	return added;
}

/* The oldest record still in its slot; under r->lock. */
static u64 forkstat_ring_first(const struct forkstat_ring *r)
{
	lockdep_assert_held(&r->lock);
	return r->total > r->n ? r->total - r->n : 0;
}

/*
 * Newest first, FORKSTAT_RING_BATCH records per hold of the lock: a
 * ring of thousands is never copied with interrupts off in one go
 * (PREEMPT_RT), whatever reader asks. Records added meanwhile are left
 * for the next read; those they overwrote end the copy, as does a reset,
 * so the copy is always the newest records as of *total, in order.
 */
void *forkstat_ring_copy(struct forkstat_ring *r, unsigned int *count, u64 *total,
			 u64 *lost)
{
	unsigned long irqflags;
	u64 end, i, resets;
	char *copy, *c;

	copy = kvmalloc_array(r->n, r->size, GFP_KERNEL);
	if (!copy)
		return NULL;
	c = copy + (size_t)r->n * r->size;
	raw_spin_lock_irqsave(&r->lock, irqflags);
	end = r->total;
	i = end;
	resets = r->resets;
	*total = end;
	*lost = r->lost;
	for (;;) {
		u64 first = forkstat_ring_first(r), stop;

		if (i <= first || r->resets != resets)
			break;
		stop = max(first, i > FORKSTAT_RING_BATCH ? i - FORKSTAT_RING_BATCH : 0);
		while (i > stop) {
			c -= r->size;
			memcpy(c, forkstat_ring_slot(r, --i), r->size);
			forkstat_ring_get(r, c);
		}
		if (i == first)
			break;
		raw_spin_unlock_irqrestore(&r->lock, irqflags);
		cond_resched();
		raw_spin_lock_irqsave(&r->lock, irqflags);
	}
	raw_spin_unlock_irqrestore(&r->lock, irqflags);
	*count = end - i;
	memmove(copy, c, (size_t)*count * r->size);
	return copy;
}

void forkstat_ring_free_copy(struct forkstat_ring *r, void *copy, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		forkstat_ring_put(r, (char *)copy + (size_t)i * r->size);
	kvfree(copy);
}

/*
 * Forgets every record; their references go one at a time outside the
 * lock, but for a slot written since the reset, which keeps its own.
 */
void forkstat_ring_reset(struct forkstat_ring *r)
{
	char old[FORKSTAT_RING_REC_MAX];
	unsigned long irqflags;
	unsigned int i;

	raw_spin_lock_irqsave(&r->lock, irqflags);
	r->total = 0;
	r->lost = 0;
	r->resets++;
	raw_spin_unlock_irqrestore(&r->lock, irqflags);
	for (i = 0; i < r->n; i++) {
		memset(old, 0, r->size);
		raw_spin_lock_irqsave(&r->lock, irqflags);
		if (i >= r->total) {
			memcpy(old, forkstat_ring_slot(r, i), r->size);
			memset(forkstat_ring_slot(r, i), 0, r->size);
		}
		raw_spin_unlock_irqrestore(&r->lock, irqflags);
		forkstat_ring_put(r, old);
		forkstat_resched_every(i);
	}
}
