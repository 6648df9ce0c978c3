/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Views of a parsed /proc/forkstat: every printer writes to a FILE and
 * reads only the model, so tests can run them on fixture files. Each
 * terminal view fits 80 columns and escapes process-controlled text
 * (escape.h); the machine views are json.c and prom.c.
 */
#ifndef RENDER_H
#define RENDER_H

#include <stdio.h>

#include "cgroups.h"
#include "fmt.h"
#include "fsparse.h"
#include "hist.h"

/* Where cgroup ids get their paths (cgroups.c); NULL: numbers only. */
void render_use_cgroups(const struct fs_cgroups *cg);
/* id's path, or "cgroup:ID" in buf. */
const char *render_cgroup(uint64_t id, char *buf, size_t len);
/* The same escaped and fitted into width terminal columns (fit_middle). */
const char *render_cgroup_col(uint64_t id, size_t width, char *buf, size_t len);

/* A path's last component: a mapped file's name in a frame or a list. */
const char *path_base(const char *path);

/* For qsort comparators that put the largest first. */
static inline int cmp_desc(uint64_t x, uint64_t y)
{
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Set by userspace/Makefile from dkms.conf. */
#ifndef FORKSTATCTL_VERSION
#define FORKSTATCTL_VERSION "unknown"
#endif

/* copy_process calls of a row, every flavour. */
uint64_t proc_calls(const struct fs_proc *p);

/*
 * A probe that did not attach where this kernel needs it: "failed", and
 * not a fallback whose stand-in attached (dup_mmap beside the uprobe
 * pair). Probes "unused" on this kernel or switched "off" are not.
 */
int probe_failed_unexpectedly(const struct fs_doc *d, const struct fs_probe *p);

/* One cgroup's processes, summed over their rows. */
struct cgroup_sum {
	uint64_t id, procs, calls, forks, sum_ns, ptcopy_ns, clears, blocked;
	uint64_t stall_ns, cow_pages;	/* both sides' */
	uint64_t oom_kills;		/* its processes the OOM killer killed */
};

/* The cgroups of d's rows; *out is malloc'ed, NULL when out of memory. */
size_t cgroup_sums(const struct fs_doc *d, struct cgroup_sum **out);

void render_summary(FILE *out, const struct fs_doc *d);
/* ms: bucket bounds in milliseconds (runqlat -m). */
void render_hist(FILE *out, const struct fs_doc *d, int ms);
void render_heatmap(FILE *out, const struct fs_doc *d);

enum top_key { TOP_TIME, TOP_FORKS, TOP_MAX, TOP_RSS, TOP_CLEARS, TOP_BLOCKED,
	       TOP_STALL, TOP_COW, TOP_SPAWN, TOP_NR_KEYS };
extern const char *const top_key_names[TOP_NR_KEYS];
/* d's rows, largest key first; malloc'ed, NULL when out of memory. */
struct fs_proc *sorted_procs(const struct fs_doc *d, enum top_key key);
void render_top(FILE *out, const struct fs_doc *d, int n, enum top_key key);
/* The same per cgroup: top --by cgroup. */
void render_top_cgroups(FILE *out, const struct fs_doc *d, int n, enum top_key key);

enum events_what { EVENTS_ALL, EVENTS_FORKS, EVENTS_SOCKETS, EVENTS_BLOCKED };
void render_events(FILE *out, const struct fs_doc *d, enum events_what what);

/*
 * The chains of slow forks, clears and sets in the folded format of
 * flame-graph tools (stacks.c); by_time: slow forks weighted by their
 * time in copy_process (us), clears left out.
 */
void render_stacks(FILE *out, const struct fs_doc *d, enum events_what what, int by_time);

struct symbolizer;

/*
 * Chain id's frames, a line each under an event (indented 8 columns),
 * named by sy (events.c); nothing when the document lacks it.
 */
void render_chain(FILE *out, struct symbolizer *sy, const struct fs_doc *d, uint64_t id);

/* oom: each OOM kept, its victims' memory and the trigger's chain (oom.c). */
void render_oom(FILE *out, const struct fs_doc *d);

/* The rings whose records events --follow streams. */
enum fs_record { FS_REC_SLOW, FS_REC_COW, FS_REC_CLEAR, FS_REC_SET, FS_NR_RECORDS };

/*
 * Record i of that ring as one JSON Lines object with "type" (json.c);
 * sy names its chain's frames and keeps the files it read for the next.
 */
void render_record_json(FILE *out, const struct fs_doc *d, struct symbolizer *sy,
			enum fs_record kind, size_t i);
/* The same as one line of text, its chain's frames under it (events.c). */
void render_record_line(FILE *out, const struct fs_doc *d, struct symbolizer *sy,
			enum fs_record kind, size_t i);

/* The snapshot as one JSON document; now_ns: when it was read (realtime). */
void render_json(FILE *out, const struct fs_doc *d, uint64_t now_ns);

struct prom_options {
	size_t max_cgroups;	/* cgroups with series of their own */
	int per_process;	/* also the per-process series */
};

/* d NULL: the module is not loaded (forkstat_up 0 and nothing else). */
void render_prometheus(FILE *out, const struct fs_doc *d, const struct prom_options *o);

/* hist with an interval: the calls of one interval, per flavour (views.c). */
struct interval_hist {
	uint64_t now_ns;			/* realtime at the second read */
	double secs;				/* measured between the reads */
	uint64_t count[FS_NR_FLAVOURS];
	uint64_t max_ns[FS_NR_FLAVOURS];	/* since load: bounds percentiles */
	uint64_t hist[FS_NR_FLAVOURS][FS_LAT_BUCKETS];
};

void interval_hist_compute(const struct fs_doc *prev, const struct fs_doc *cur,
			   double secs, uint64_t now_ns, struct interval_hist *h);
/* timestamps: an HH:MM:SS line first (-T); ms: bounds in ms (-m). */
void render_interval_hist(FILE *out, const struct interval_hist *h, int timestamps, int ms);
void render_interval_hist_json(FILE *out, const struct interval_hist *h);

/* Counters only grow between resets: a smaller one means a reset. */
static inline uint64_t counter_delta(uint64_t cur, uint64_t prev)
{
	return cur >= prev ? cur - prev : cur;
}

/* What changed between two reads: one line of watch (watch.c). */
struct watch_interval {
	uint64_t now_ns;			/* realtime at the second read */
	double secs;				/* measured between the reads */
	double rate[FS_NR_FLAVOURS];		/* calls per second */
	uint64_t fork_hist[FS_LAT_BUCKETS];	/* the interval's forks */
	uint64_t fork_max_ns;			/* bounds its percentiles */
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
