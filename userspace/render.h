/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Views of a parsed /proc/forkstat: every printer writes to a FILE and
 * reads only the model, so tests can run them on fixture files.
 */
#ifndef RENDER_H
#define RENDER_H

#include <stdio.h>

#include "fsparse.h"

/* The one log2 histogram printer, bcc style; unit names the bucket unit. */
void render_log2_hist(FILE *out, const uint64_t *counts, int n, const char *unit);

/* Bucket bound (us) under which the p-th fraction of counts falls. */
uint64_t log2_percentile_us(const uint64_t *counts, int n, double p);

/* A duration for a person: "812 ns", "3.4 us", "12.1 ms", "2.03 s". */
const char *fmt_ns(uint64_t ns, char *buf, size_t len);
/* A size for a person, from KiB: "512 KiB", "2.1 GiB". */
const char *fmt_kb(uint64_t kb, char *buf, size_t len);

void render_summary(FILE *out, const struct fs_doc *d);
void render_hist(FILE *out, const struct fs_doc *d);
void render_heatmap(FILE *out, const struct fs_doc *d);

enum top_key { TOP_TIME, TOP_FORKS, TOP_MAX, TOP_RSS, TOP_CLEARS, TOP_BLOCKED, TOP_NR_KEYS };
extern const char *const top_key_names[TOP_NR_KEYS];
void render_top(FILE *out, const struct fs_doc *d, int n, enum top_key key);

enum events_what { EVENTS_ALL, EVENTS_FORKS, EVENTS_SOCKETS };
void render_events(FILE *out, const struct fs_doc *d, enum events_what what);

void render_json(FILE *out, const struct fs_doc *d);
void render_prometheus(FILE *out, const struct fs_doc *d);

/* What changed between two reads secs apart: one line of watch. */
struct watch_interval {
	double secs;
	double rate[FS_NR_FLAVOURS];		/* calls per second */
	uint64_t fork_hist[FS_LAT_BUCKETS];	/* the interval's forks */
	uint64_t clears;			/* new O_NONBLOCK clears */
	uint64_t blocked;			/* readers blocked now */
	const struct fs_proc *busiest;		/* most time inside copy_process */
	uint64_t busiest_ns;
};

void watch_compute(const struct fs_doc *prev, const struct fs_doc *cur,
		   double secs, struct watch_interval *w);
void render_watch_header(FILE *out);
void render_watch_line(FILE *out, const struct watch_interval *w);
/* The same as one JSON object on one line (JSON Lines). */
void render_watch_json(FILE *out, const struct watch_interval *w);

#endif /* RENDER_H */
