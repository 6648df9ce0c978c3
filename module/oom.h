/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oom.c and oomwalk.c: what an OOM victim held, by class, from a walk of
 * its mappings after the kill. The counts of victims and mappings kept
 * (FORKSTAT_OOM_VICTIMS, FORKSTAT_OOM_TOP) are in the UAPI header.
 */
#ifndef FORKSTAT_OOM_H
#define FORKSTAT_OOM_H

#include <linux/mm_types.h>
#include <linux/types.h>

#include "uapi/forkstat.h"

/* A path kept of a mapped file or a memory cgroup: its tail when longer. */
#define FORKSTAT_OOM_PATH	96

/* How the walk of a victim's mappings ended. */
enum forkstat_oom_walk_end {
	FORKSTAT_OOM_WALK_OK,
	FORKSTAT_OOM_WALK_GONE,		/* the victim had let go of its mm */
	FORKSTAT_OOM_WALK_BUSY,		/* its mmap lock was not free */
	FORKSTAT_OOM_WALK_PARTIAL,	/* a writer waited: stopped early */
	FORKSTAT_OOM_WALK_NR
};

extern const char *const forkstat_oom_walk_ends[FORKSTAT_OOM_WALK_NR];

struct forkstat_oom_anon {
	u64 start, end;
	unsigned long rss_kb;
};

struct forkstat_oom_file {
	u64 ino;
	u32 dev;
	unsigned long size_kb;	/* mapped, over the mappings seen while it was kept */
	char path[FORKSTAT_OOM_PATH];
};

/* Resident anonymous memory by class, and the files mapped. */
struct forkstat_oom_regions {
	u8 end;				/* enum forkstat_oom_walk_end */
	unsigned int vmas;
	u64 walk_ns;
	unsigned long heap_kb;		/* the brk heap */
	unsigned long stack_kb;		/* the main stack, and threads' above guard pages */
	unsigned int stacks;
	unsigned long anon_kb;		/* every other private anonymous mapping */
	unsigned int anon_vmas;
	unsigned long file_kb;		/* file and shared mappings: mapped, not resident */
	unsigned int file_vmas;
	struct forkstat_oom_anon anon[FORKSTAT_OOM_TOP];	/* largest first */
	struct forkstat_oom_file files[FORKSTAT_OOM_TOP];	/* largest first */
};

/*
 * Process context: mm's mappings into reg, if mm still has users. The
 * caller holds mm itself (mmgrab), never its users beyond the walk: a
 * walk that finds it gone says so.
 */
void forkstat_oom_walk(struct mm_struct *mm, struct forkstat_oom_regions *reg);

#endif /* FORKSTAT_OOM_H */
