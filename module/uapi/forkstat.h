/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * forkstat's contract with userspace: where the module publishes, which
 * version of the text format (docs/format.md) it writes, and the bucket
 * layout of its histograms. Shared by the module, forkstatctl and the
 * selftests; nothing else of the kernel's headers is needed to read
 * /proc/forkstat.
 */
#ifndef _UAPI_FORKSTAT_H
#define _UAPI_FORKSTAT_H

#define FORKSTAT_PROC_PATH	"/proc/forkstat"

/*
 * Bumped on any change a parser could trip on; adding a key to a line or
 * a new kind of line is not one. Format 2: blocked readers are found by a
 * scan at read time (records blockedscan, blocked, blockedthread), no
 * longer counted in proc rows.
 */
#define FORKSTAT_FORMAT		2

/*
 * Every document is shorter than this: the module refuses to render a
 * longer one (EFBIG), and a reader need not accept more.
 */
#define FORKSTAT_DOC_MAX	(1024UL * 1024 * 1024)

/* The one command a write accepts (with or without a trailing newline). */
#define FORKSTAT_CMD_RESET	"reset"

/*
 * Latency histograms are log2 of microseconds, as bcc's tools print them:
 * bucket 0 holds [0, 2) us, bucket i holds [2^i, 2^(i+1)) us, the last
 * one everything from 2^(FORKSTAT_LAT_BUCKETS - 1) us (about 67 s) up.
 */
#define FORKSTAT_LAT_BUCKETS	27
/* Bucket i's bounds in us: [MIN, END); the last bucket has no end. */
#define FORKSTAT_LAT_MIN_US(i)	((1ULL << (i)) & ~1ULL)
#define FORKSTAT_LAT_END_US(i)	(2ULL << (i))

/*
 * Parent RSS buckets, log2 of MiB: bucket 0 is under 1 MiB, bucket i holds
 * [2^(i-1), 2^i) MiB, the last one 2^(FORKSTAT_RSS_BUCKETS - 2) MiB (1 TiB)
 * and more.
 */
#define FORKSTAT_RSS_BUCKETS	22
/* Bucket i's bounds in MiB: [MIN, END); the last bucket has no end. */
#define FORKSTAT_RSS_MIN_MIB(i)	((i) ? 1ULL << ((i) - 1) : 0ULL)
#define FORKSTAT_RSS_END_MIB(i)	(1ULL << (i))

/*
 * A user call chain ("ustack" record) holds up to FORKSTAT_USTACK_FRAMES
 * frames ("uframe") in up to FORKSTAT_USTACK_FILES distinct mapped files
 * ("ufile").
 */
#define FORKSTAT_USTACK_FRAMES	16
#define FORKSTAT_USTACK_FILES	4

/*
 * An OOM record ("oom") keeps up to FORKSTAT_OOM_VICTIMS victims
 * ("oomvictim"), each with its FORKSTAT_OOM_TOP largest anonymous
 * regions ("oomanon": mappings side by side count as one) and mapped
 * files ("oomfile").
 */
#define FORKSTAT_OOM_VICTIMS	4
#define FORKSTAT_OOM_TOP	4

#endif /* _UAPI_FORKSTAT_H */
