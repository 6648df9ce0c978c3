// SPDX-License-Identifier: GPL-2.0
/*
 * A ring of the last n records of one kind, allocated at load: the slow
 * forks (slow.c) and the socket clears (sockmode.c). Records hold
 * references (who.h); the ring drops those of a record it overwrites or
 * forgets, and a reader works on a copy with references of its own, so
 * that the lock is held only for memcpy's and refcount increments.
 * Adding takes the lock with interrupts off and neither sleeps nor
 * allocates: a probe handler may add.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "ring.h"

int forkstat_ring_init(struct forkstat_ring *r, unsigned int n)
{
	raw_spin_lock_init(&r->lock);
	r->n = n;
	r->total = 0;
	r->slots = kvcalloc(n, r->size, GFP_KERNEL);
	return r->slots ? 0 : -ENOMEM;
}

static void *forkstat_ring_slot(struct forkstat_ring *r, u64 i)
{
	return (char *)r->slots + (size_t)(i % r->n) * r->size;
}

void forkstat_ring_exit(struct forkstat_ring *r)
{
	unsigned int i;

	for (i = 0; r->slots && i < r->n; i++)
		r->put(forkstat_ring_slot(r, i));
	kvfree(r->slots);
	r->slots = NULL;
}

void forkstat_ring_add(struct forkstat_ring *r, const void *rec)
{
	char old[FORKSTAT_RING_REC_MAX];
	unsigned long irqflags;
	void *slot;

	raw_spin_lock_irqsave(&r->lock, irqflags);
	slot = forkstat_ring_slot(r, r->total++);
	memcpy(old, slot, r->size);
	memcpy(slot, rec, r->size);
	raw_spin_unlock_irqrestore(&r->lock, irqflags);
	r->put(old);
}

void *forkstat_ring_copy(struct forkstat_ring *r, unsigned int *count, u64 *total)
{
	unsigned long irqflags;
	u64 i, first;
	char *copy;

	copy = kvmalloc_array(r->n, r->size, GFP_KERNEL);
	if (!copy)
		return NULL;
	raw_spin_lock_irqsave(&r->lock, irqflags);
	*total = r->total;
	first = r->total > r->n ? r->total - r->n : 0;
	*count = r->total - first;
	for (i = first; i < r->total; i++) {
		void *c = copy + (size_t)(i - first) * r->size;

		memcpy(c, forkstat_ring_slot(r, i), r->size);
		r->get(c);
	}
	raw_spin_unlock_irqrestore(&r->lock, irqflags);
	return copy;
}

void forkstat_ring_free_copy(struct forkstat_ring *r, void *copy, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		r->put((char *)copy + (size_t)i * r->size);
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
	raw_spin_unlock_irqrestore(&r->lock, irqflags);
	for (i = 0; i < r->n; i++) {
		memset(old, 0, r->size);
		raw_spin_lock_irqsave(&r->lock, irqflags);
		if (i >= r->total) {
			memcpy(old, forkstat_ring_slot(r, i), r->size);
			memset(forkstat_ring_slot(r, i), 0, r->size);
		}
		raw_spin_unlock_irqrestore(&r->lock, irqflags);
		r->put(old);
	}
}
