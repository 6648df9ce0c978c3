/* SPDX-License-Identifier: GPL-2.0 */
/* ring.c: the last n records of one kind, with the references they hold. */
#ifndef FORKSTAT_RING_H
#define FORKSTAT_RING_H

#include <linux/spinlock.h>
#include <linux/types.h>

/* The largest record a ring keeps: adding copies one on the stack. */
#define FORKSTAT_RING_REC_MAX	320

struct forkstat_ring {
	size_t size;			/* of a record */
	void (*get)(void *rec);		/* takes a copy's references */
	void (*put)(void *rec);		/* drops them; a zeroed record has none */
	raw_spinlock_t lock;
	void *slots;
	unsigned int n;
	u64 total;			/* records added since load or reset */
};

#define FORKSTAT_RING(type, getf, putf) {				\
	.size = sizeof(type) +						\
		BUILD_BUG_ON_ZERO(sizeof(type) > FORKSTAT_RING_REC_MAX),	\
	.get = getf, .put = putf,					\
}

int forkstat_ring_init(struct forkstat_ring *r, unsigned int n);
void forkstat_ring_exit(struct forkstat_ring *r);
/* Takes over rec's references; the overwritten record's are dropped. */
void forkstat_ring_add(struct forkstat_ring *r, const void *rec);
/* The records kept, oldest first, *count of them, with references of their own. */
void *forkstat_ring_copy(struct forkstat_ring *r, unsigned int *count, u64 *total);
void forkstat_ring_free_copy(struct forkstat_ring *r, void *copy, unsigned int count);
void forkstat_ring_reset(struct forkstat_ring *r);

#endif /* FORKSTAT_RING_H */
