/* SPDX-License-Identifier: GPL-2.0 */
/* ring.c: the last n records of one kind, with the references they hold. */
#ifndef FORKSTAT_RING_H
#define FORKSTAT_RING_H

#include <linux/build_bug.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* The largest record a ring keeps: a reset copies one on the stack. */
#define FORKSTAT_RING_REC_MAX	320
/* The most struct pid references a record holds. */
#define FORKSTAT_RING_PIDS	3

struct forkstat_ring {
	size_t size;			/* of a record */
	/* Where a record keeps its struct pid references (offsetof). */
	size_t pid_off[FORKSTAT_RING_PIDS];
	unsigned int npids;
	raw_spinlock_t lock;
	void *slots;
	unsigned int n;
	u64 total;			/* records added since load or reset */
	u64 lost;			/* records not added: see forkstat_ring_add() */
	u64 resets;			/* forkstat_ring_reset() calls: ends a copy */
};

#define FORKSTAT_RING_NPIDS(...)	\
	(sizeof((size_t[]){ __VA_ARGS__ }) / sizeof(size_t))

/* A ring of records of type whose struct pid references lie at the offsets. */
#define FORKSTAT_RING(type, ...) {					\
	.size = sizeof(type) +						\
		BUILD_BUG_ON_ZERO(sizeof(type) > FORKSTAT_RING_REC_MAX) +	\
		BUILD_BUG_ON_ZERO(FORKSTAT_RING_NPIDS(__VA_ARGS__) >	\
				  FORKSTAT_RING_PIDS),			\
	.pid_off = { __VA_ARGS__ },					\
	.npids = FORKSTAT_RING_NPIDS(__VA_ARGS__),			\
}

int forkstat_ring_init(struct forkstat_ring *r, unsigned int n);
void forkstat_ring_exit(struct forkstat_ring *r);
/*
 * Copies rec in, taking references to the pids it names (the caller
 * keeps them alive meanwhile); the overwritten record's references are
 * handed to release.c. False, and nothing added (counted as lost), when
 * release.c had no room for them. Any context.
 */
bool forkstat_ring_add(struct forkstat_ring *r, const void *rec);
/*
 * The records kept, oldest first, *count of them, with references of
 * their own: records *total - *count to *total - 1, all that the ring
 * kept unless adds or a reset overtook the copy (userspace's follow
 * view counts what it missed from that). May sleep.
 */
void *forkstat_ring_copy(struct forkstat_ring *r, unsigned int *count, u64 *total,
			 u64 *lost);
void forkstat_ring_free_copy(struct forkstat_ring *r, void *copy, unsigned int count);
void forkstat_ring_reset(struct forkstat_ring *r);

#endif /* FORKSTAT_RING_H */
