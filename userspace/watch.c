// SPDX-License-Identifier: GPL-2.0
/*
 * watch: what changed between two reads, vmstat style, in 80 columns or
 * one JSON object per line. Rates divide by the time measured between
 * the reads, not the interval asked for; processes are matched by tgid
 * with a binary search (fsparse.c leaves rows in tgid order).
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "jsonw.h"
#include "render.h"

static int cmp_tgid(const void *key, const void *elem)
{
	int64_t k = *(const int64_t *)key, t = ((const struct fs_proc *)elem)->tgid;

	return k < t ? -1 : k > t;
}

static const struct fs_proc *find_proc(const struct fs_doc *d, int64_t tgid)
{
	return bsearch(&tgid, d->procs, d->nprocs, sizeof(*d->procs), cmp_tgid);
}

void watch_compute(const struct fs_doc *prev, const struct fs_doc *cur,
		   double secs, struct watch_interval *w)
{
	size_t i;
	int f;

	memset(w, 0, sizeof(*w));
	w->secs = secs > 0 ? secs : 1e-9;
	for (f = FS_FORK; f <= FS_THREAD; f++)
		w->rate[f] = counter_delta(cur->flav[f].count, prev->flav[f].count) / w->secs;
	for (i = 0; i < FS_LAT_BUCKETS; i++)
		w->fork_hist[i] = counter_delta(cur->flav[FS_FORK].hist[i], prev->flav[FS_FORK].hist[i]);
	w->fork_max_ns = cur->flav[FS_FORK].max_ns;
	for (f = 0; f < FS_NR_PATHS; f++)
		w->clears += counter_delta(cur->sock_clears[f], prev->sock_clears[f]);
	w->blocked = cur->scan_blocked;
	for (i = 0; i < cur->nprocs; i++) {
		const struct fs_proc *p = &cur->procs[i], *o = find_proc(prev, p->tgid);
		uint64_t ns = counter_delta(p->sum_ns, o ? o->sum_ns : 0);

		if (ns > w->busiest_ns) {
			w->busiest_ns = ns;
			w->busiest = p;
		}
	}
}

void render_watch_header(FILE *out)
{
	fprintf(out, "%-8s %6s %7s %6s %7s %7s %6s %7s %s\n", "TIME", "fork/s", "spawn/s",
		"thrd/s", "forkP50", "forkP99", "clears", "blocked",
		"busiest pid/comm %");
}

void render_watch_line(FILE *out, const struct watch_interval *w)
{
	char t[16], a[16], b[16], comm[64], busy[96], fit[32];
	int any = hist_total(w->fork_hist, FS_LAT_BUCKETS) != 0;

	fprintf(out, "%-8s %6.0f %7.0f %6.0f %7s %7s %6llu %7llu ",
		fmt_clock(w->now_ns, t, sizeof(t)), w->rate[FS_FORK],
		w->rate[FS_VFORK] + w->rate[FS_VM_CLONE], w->rate[FS_THREAD],
		any ? fmt_ns(hist_percentile_ns(w->fork_hist, 0.5, w->fork_max_ns), a, sizeof(a)) : "-",
		any ? fmt_ns(hist_percentile_ns(w->fork_hist, 0.99, w->fork_max_ns), b, sizeof(b)) : "-",
		(unsigned long long)w->clears, (unsigned long long)w->blocked);
	if (!w->busiest) {
		fprintf(out, "-\n");
		return;
	}
	snprintf(busy, sizeof(busy), "%lld/%s %.0f%%", (long long)w->busiest->tgid,
		 esc_term(w->busiest->comm, comm, sizeof(comm)),
		 100.0 * w->busiest_ns / (w->secs * 1e9));
	fprintf(out, "%s\n", fit_middle(busy, 17, fit, sizeof(fit)));
}

void render_watch_json(FILE *out, const struct watch_interval *w)
{
	struct jw j;
	int any = hist_total(w->fork_hist, FS_LAT_BUCKETS) != 0, f;

	jw_init(&j, out);
	jw_obj(&j, NULL);
	jw_u64(&j, "time_ns", w->now_ns);
	jw_double(&j, "interval_s", w->secs);
	jw_obj(&j, "calls_per_s");
	for (f = FS_FORK; f <= FS_THREAD; f++)
		jw_double(&j, fs_flavour_names[f], w->rate[f]);
	jw_end(&j);
	if (any) {
		jw_u64(&j, "fork_p50_ns", hist_percentile_ns(w->fork_hist, 0.5, w->fork_max_ns));
		jw_u64(&j, "fork_p99_ns", hist_percentile_ns(w->fork_hist, 0.99, w->fork_max_ns));
	} else {
		jw_null(&j, "fork_p50_ns");
		jw_null(&j, "fork_p99_ns");
	}
	jw_u64(&j, "new_clears", w->clears);
	jw_u64(&j, "blocked_readers", w->blocked);
	if (w->busiest) {
		jw_obj(&j, "busiest");
		jw_i64(&j, "tgid", w->busiest->tgid);
		jw_str(&j, "comm", w->busiest->comm);
		jw_double(&j, "wall_share", w->busiest_ns / (w->secs * 1e9));
		jw_end(&j);
	} else {
		jw_null(&j, "busiest");
	}
	jw_done(&j);
}
