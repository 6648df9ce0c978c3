// SPDX-License-Identifier: GPL-2.0
/*
 * The views forkstatctl prints. One histogram printer, one way to write
 * durations and sizes, and plain-words hints where a figure looks like
 * one of the two pathologies forkstat exists for.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"

const char *const top_key_names[TOP_NR_KEYS] = {
	"time", "forks", "max", "rss", "clears", "blocked",
};

const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

const char *fmt_kb(uint64_t kb, char *buf, size_t len)
{
	if (kb < 1024)
		snprintf(buf, len, "%llu KiB", (unsigned long long)kb);
	else if (kb < 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", kb / 1024.0);
	else
		snprintf(buf, len, "%.1f GiB", kb / (1024.0 * 1024));
	return buf;
}

static uint64_t sum(const uint64_t *v, int n)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

uint64_t log2_percentile_us(const uint64_t *counts, int n, double p)
{
	uint64_t total = sum(counts, n), acc = 0;
	int i;

	if (!total)
		return 0;
	for (i = 0; i < n; i++) {
		acc += counts[i];
		if (acc >= p * total)
			break;
	}
	return 2ULL << (i < n ? i : n - 1);
}

/* bcc's print_log2_hist, in spirit: the rows from first to last in use. */
void render_log2_hist(FILE *out, const uint64_t *counts, int n, const char *unit)
{
	uint64_t max = 0;
	int i, first = -1, last = -1, w;
	char range[48];

	for (i = 0; i < n; i++) {
		if (counts[i]) {
			if (first < 0)
				first = i;
			last = i;
		}
		if (counts[i] > max)
			max = counts[i];
	}
	if (first < 0) {
		fprintf(out, "     (no calls)\n");
		return;
	}
	fprintf(out, "%24s : count     distribution\n", unit);
	for (i = first; i <= last; i++) {
		if (i == n - 1)
			snprintf(range, sizeof(range), "%llu -> ...",
				 i ? 1ULL << i : 0ULL);
		else
			snprintf(range, sizeof(range), "%llu -> %llu",
				 i ? 1ULL << i : 0ULL, (2ULL << i) - 1);
		w = (int)(counts[i] * 40 / max);
		fprintf(out, "%24s : %-9llu |%-40.*s|\n", range,
			(unsigned long long)counts[i], w,
			"****************************************");
	}
}

static uint64_t proc_calls(const struct fs_proc *p)
{
	return sum(p->n, FS_NR_FLAVOURS);
}

static void hints(FILE *out, const struct fs_doc *d)
{
	char a[32], b[32];
	int shown = 0;
	size_t i;

	for (i = 0; i < d->nprobes; i++) {
		const struct fs_probe *p = &d->probes[i];

		/* dup_mmap failing is expected where the uprobe pair stands in. */
		if (strcmp(p->state, "failed") == 0 &&
		    !(strcmp(p->symbol, "dup_mmap") == 0 && strcmp(d->mmdup_method, "none"))) {
			fprintf(out, "  ! probe %s did not attach (error %lld): the figures it feeds are empty\n",
				p->symbol, (long long)p->error);
			shown++;
		}
		if (p->nmissed) {
			fprintf(out, "  ! probe %s missed %llu calls: figures undercount\n",
				p->symbol, (unsigned long long)p->nmissed);
			shown++;
		}
	}
	for (i = 0; i < d->nprocs; i++) {
		const struct fs_proc *p = &d->procs[i];
		uint64_t calls = proc_calls(p);

		/* Forks of a big parent: page tables copied under its mmap lock. */
		if (p->n[FS_FORK] && calls && p->max_rss_kb >= 100 * 1024 &&
		    p->sum_ns / calls >= 1000000) {
			fprintf(out, "  ! pid %lld (%s) forked %llu times with %s RSS, %s each: switch to posix_spawn/vfork or shrink the parent\n",
				(long long)p->tgid, p->comm,
				(unsigned long long)p->n[FS_FORK],
				fmt_kb(p->max_rss_kb, a, sizeof(a)),
				fmt_ns(p->sum_ns / calls, b, sizeof(b)));
			shown++;
		}
		if (p->sock_clears) {
			fprintf(out, "  ! pid %lld (%s) cleared O_NONBLOCK on %llu sockets; %llu threads are blocked in socket reads (%llu on sockets with a recorded clear)\n",
				(long long)p->tgid, p->comm,
				(unsigned long long)p->sock_clears,
				(unsigned long long)p->blocked_now,
				(unsigned long long)p->blocked_on_cleared);
			shown++;
		}
	}
	if (!shown)
		fprintf(out, "  nothing looks pathological\n");
}

static int cmp_time(const void *a, const void *b)
{
	const struct fs_proc *x = a, *y = b;

	return x->sum_ns < y->sum_ns ? 1 : x->sum_ns > y->sum_ns ? -1 : 0;
}

void render_summary(FILE *out, const struct fs_doc *d)
{
	uint64_t missed = 0, attached = 0, failed = 0, off = 0, blocked = 0, clears = 0;
	struct fs_proc *sorted;
	char a[32], b[32], c[32], e[32];
	size_t i;
	int f;

	for (i = 0; i < d->nprobes; i++) {
		missed += d->probes[i].nmissed;
		attached += strcmp(d->probes[i].state, "attached") == 0;
		failed += strcmp(d->probes[i].state, "failed") == 0;
		off += strcmp(d->probes[i].state, "off") == 0;
	}
	fprintf(out, "forkstat %s on %s: %llu probes attached, %llu off, %llu failed (%llu not needed here), %llu calls missed, %llu forks untracked\n",
		d->module, d->kernel, (unsigned long long)attached,
		(unsigned long long)off, (unsigned long long)failed,
		(unsigned long long)(d->nprobes - attached - failed - off),
		(unsigned long long)missed, (unsigned long long)d->untracked);
	fprintf(out, "  latency via %s, page-table copy via %s, mm duplication via %s\n\n",
		d->latency_method, d->ptcopy_method, d->mmdup_method);

	fprintf(out, "%-9s %9s %7s %10s %10s %10s %10s %12s\n", "FLAVOUR", "CALLS",
		"ERRORS", "AVG", "P50<", "P99<", "MAX", "PTCOPY/CALL");
	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		const struct fs_flav *fl = &d->flav[f];

		fprintf(out, "%-9s %9llu %7llu %10s %10s %10s %10s %12s\n",
			fs_flavour_names[f], (unsigned long long)fl->count,
			(unsigned long long)fl->errors,
			fl->count ? fmt_ns(fl->sum_ns / fl->count, a, sizeof(a)) : "-",
			fl->count ? fmt_ns(log2_percentile_us(fl->hist, FS_LAT_BUCKETS, 0.5) * 1000, b, sizeof(b)) : "-",
			fl->count ? fmt_ns(log2_percentile_us(fl->hist, FS_LAT_BUCKETS, 0.99) * 1000, c, sizeof(c)) : "-",
			fl->count ? fmt_ns(fl->max_ns, e, sizeof(e)) : "-",
			fl->count && f == FS_FORK ?
				fmt_ns(fl->ptcopy_sum_ns / fl->count, a, sizeof(a)) : "-");
	}

	sorted = malloc(d->nprocs * sizeof(*sorted));
	if (sorted && d->nprocs) {
		memcpy(sorted, d->procs, d->nprocs * sizeof(*sorted));
		qsort(sorted, d->nprocs, sizeof(*sorted), cmp_time);
		fprintf(out, "\nprocesses by time spent creating tasks (%zu tracked, %llu dropped):\n",
			d->nprocs, (unsigned long long)d->procs_dropped);
		for (i = 0; i < d->nprocs && i < 5 && sorted[i].sum_ns; i++)
			fprintf(out, "  %7lld %-16s %6llu calls  %10s total  max %s  rss %s\n",
				(long long)sorted[i].tgid, sorted[i].comm,
				(unsigned long long)proc_calls(&sorted[i]),
				fmt_ns(sorted[i].sum_ns, a, sizeof(a)),
				fmt_ns(sorted[i].max_ns, b, sizeof(b)),
				fmt_kb(sorted[i].max_rss_kb, c, sizeof(c)));
	}
	free(sorted);

	blocked = d->scan_blocked;
	for (f = 0; f < FS_NR_PATHS; f++)
		clears += d->sock_clears[f];
	fprintf(out, "\nsockets: %llu O_NONBLOCK clears (fcntl %llu, ioctl %llu), %llu sets; %llu threads blocked in socket reads now\n",
		(unsigned long long)clears,
		(unsigned long long)d->sock_clears[FS_PATH_FCNTL],
		(unsigned long long)d->sock_clears[FS_PATH_IOCTL],
		(unsigned long long)(d->sock_sets[0] + d->sock_sets[1]),
		(unsigned long long)blocked);
	fprintf(out, "slow forks (>= %s): %llu\n\nhints:\n",
		fmt_ns(d->slow_us * 1000, a, sizeof(a)),
		(unsigned long long)d->slow_total);
	hints(out, d);
}

void render_hist(FILE *out, const struct fs_doc *d)
{
	int f;

	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		if (!d->flav[f].count)
			continue;
		fprintf(out, "\ncopy_process latency, flavour %s (%llu calls)\n",
			fs_flavour_names[f], (unsigned long long)d->flav[f].count);
		render_log2_hist(out, d->flav[f].hist, FS_LAT_BUCKETS, "usecs");
	}
}

/* ' ' none, then one more level per doubling: '.' 1, ':' 2-3, ... '@' 256+. */
static char heat_char(uint64_t n)
{
	static const char levels[] = " .:-=+*#%@";
	int l = 0;

	while (n && l < (int)sizeof(levels) - 2) {
		l++;
		n >>= 1;
	}
	return levels[l];
}

static void rss_label(int b, char *buf, size_t len)
{
	if (b == 0)
		snprintf(buf, len, "< 1 MiB");
	else if (b == FS_RSS_BUCKETS - 1)
		snprintf(buf, len, ">= 1 TiB");
	else if (b <= 10)
		snprintf(buf, len, "%d-%d MiB", 1 << (b - 1), 1 << b);
	else
		snprintf(buf, len, "%d-%d GiB", 1 << (b - 11), 1 << (b - 10));
}

static void heatmap(FILE *out, const char *title,
		    const uint64_t (*h)[FS_LAT_BUCKETS])
{
	int r, c, rmin = -1, rmax = -1, cmin = FS_LAT_BUCKETS, cmax = -1;
	char label[32];

	for (r = 0; r < FS_RSS_BUCKETS; r++)
		for (c = 0; c < FS_LAT_BUCKETS; c++)
			if (h[r][c]) {
				if (rmin < 0)
					rmin = r;
				rmax = r;
				cmin = c < cmin ? c : cmin;
				cmax = c > cmax ? c : cmax;
			}
	fprintf(out, "\n%s\n", title);
	if (rmin < 0) {
		fprintf(out, "  (no forks)\n");
		return;
	}
	/* Whole decades of the time axis, so the curve is readable. */
	cmin = 0;
	cmax = cmax < 20 ? 20 : cmax;
	fprintf(out, "%14s  ", "parent RSS");
	for (c = cmin; c <= cmax; c++)
		fprintf(out, "%-2s", c == 0 ? "1u" : c == 10 ? "1m" : c == 20 ? "1s" : "");
	fputc('\n', out);
	for (r = rmax; r >= rmin; r--) {
		rss_label(r, label, sizeof(label));
		fprintf(out, "%14s |", label);
		for (c = cmin; c <= cmax; c++)
			fprintf(out, "%c ", heat_char(h[r][c]));
		fprintf(out, "|\n");
	}
}

void render_heatmap(FILE *out, const struct fs_doc *d)
{
	char title[128];
	int f;

	for (f = 0; f < FS_SIZED_FLAVOURS; f++) {
		if (f != FS_FORK && !sum(&d->lat_by_rss[f][0][0], FS_RSS_BUCKETS * FS_LAT_BUCKETS))
			continue;
		snprintf(title, sizeof(title),
			 "%s latency (copy_process) by parent RSS, time axis log2 us:",
			 fs_flavour_names[f]);
		heatmap(out, title, (const uint64_t (*)[FS_LAT_BUCKETS])d->lat_by_rss[f]);
	}
	heatmap(out, "page-table copy time (copy_page_range) by parent RSS:",
		(const uint64_t (*)[FS_LAT_BUCKETS])d->ptcopy_by_rss);
	fprintf(out, "\nlegend: columns are log2 buckets of time (1u = 1 us, 1m = 1 ms, 1s = 1 s);\n"
		"        cell = calls: ' ' 0, '.' 1, ':' 2-3, '-' 4-7, '=' 8-15, '+' 16-31,\n"
		"        '*' 32-63, '#' 64-127, '%%' 128-255, '@' 256 or more\n");
}

static enum top_key sort_key;

static uint64_t top_value(const struct fs_proc *p)
{
	switch (sort_key) {
	case TOP_FORKS: return proc_calls(p);
	case TOP_MAX: return p->max_ns;
	case TOP_RSS: return p->max_rss_kb;
	case TOP_CLEARS: return p->sock_clears;
	case TOP_BLOCKED: return p->blocked_now;
	default: return p->sum_ns;
	}
}

static int cmp_top(const void *a, const void *b)
{
	uint64_t x = top_value(a), y = top_value(b);

	return x < y ? 1 : x > y ? -1 : 0;
}

void render_top(FILE *out, const struct fs_doc *d, int n, enum top_key key)
{
	struct fs_proc *s = malloc((d->nprocs ? d->nprocs : 1) * sizeof(*s));
	char a[32], b[32], c[32];
	size_t i;

	if (!s)
		return;
	memcpy(s, d->procs, d->nprocs * sizeof(*s));
	sort_key = key;
	qsort(s, d->nprocs, sizeof(*s), cmp_top);
	fprintf(out, "%7s %-16s %6s %6s %6s %6s %4s %10s %10s %7s %10s %6s %5s %5s %4s\n",
		"TGID", "COMM", "FORK", "VFORK", "CLONE", "THREAD", "ERR", "AVG", "MAX",
		"PTCOPY%", "MAXRSS", "CLEARS", "BLOCK", "ONCLR", "THR");
	for (i = 0; i < d->nprocs && (n <= 0 || (int)i < n); i++) {
		const struct fs_proc *p = &s[i];
		uint64_t calls = proc_calls(p);

		fprintf(out, "%7lld %-16.16s %6llu %6llu %6llu %6llu %4llu %10s %10s %6.1f%% %10s %6llu %5llu %5llu %4lld\n",
			(long long)p->tgid, p->comm,
			(unsigned long long)p->n[FS_FORK], (unsigned long long)p->n[FS_VFORK],
			(unsigned long long)p->n[FS_VM_CLONE], (unsigned long long)p->n[FS_THREAD],
			(unsigned long long)p->errors,
			calls ? fmt_ns(p->sum_ns / calls, a, sizeof(a)) : "-",
			calls ? fmt_ns(p->max_ns, b, sizeof(b)) : "-",
			p->sum_ns ? 100.0 * p->ptcopy_ns / p->sum_ns : 0.0,
			fmt_kb(p->max_rss_kb, c, sizeof(c)),
			(unsigned long long)p->sock_clears,
			(unsigned long long)p->blocked_now,
			(unsigned long long)p->blocked_on_cleared, (long long)p->threads);
	}
	if (d->procs_dropped)
		fprintf(out, "(%llu calls from processes the table had no room for)\n",
			(unsigned long long)d->procs_dropped);
	free(s);
}

static const char *clock_str(uint64_t ns, char *buf, size_t len)
{
	time_t t = ns / 1000000000;
	struct tm tm;

	if (!localtime_r(&t, &tm))
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%02d:%02d:%02d.%03llu", tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (unsigned long long)(ns / 1000000 % 1000));
	return buf;
}

static const char *sock_str(const struct fs_sock *c, char *buf, size_t len)
{
	const char *proto = c->type == 1 ? "tcp" : c->type == 2 ? "udp" : "sock";

	if (c->family == 2 || c->family == 10)
		snprintf(buf, len, "%s%s %s -> %s", proto, c->family == 10 ? "6" : "",
			 c->local, c->remote);
	else if (c->family == 1)
		snprintf(buf, len, "unix/%s %s", c->type == 1 ? "stream" :
			 c->type == 2 ? "dgram" : "seqpacket",
			 c->sun_path[0] ? c->sun_path : "(unbound)");
	else
		snprintf(buf, len, "family %llu type %llu",
			 (unsigned long long)c->family, (unsigned long long)c->type);
	return buf;
}

void render_events(FILE *out, const struct fs_doc *d, enum events_what what)
{
	char t[32], a[32], b[32], c[32], s[256];
	size_t i;

	if (what != EVENTS_SOCKETS) {
		fprintf(out, "slow forks (>= %s; %llu in all, last %zu shown):\n",
			fmt_ns(d->slow_us * 1000, a, sizeof(a)),
			(unsigned long long)d->slow_total, d->nslow);
		fprintf(out, "%-12s %7s %7s %-16s %-8s %10s %10s %5s %10s %10s\n", "TIME",
			"PID", "CHILD", "COMM", "FLAVOUR", "RSS", "PGTABLES", "VMAS",
			"TOTAL", "PTCOPY");
		for (i = 0; i < d->nslow; i++) {
			const struct fs_slow *e = &d->slow[i];

			fprintf(out, "%-12s %7lld %7lld %-16.16s %-8s %10s %10s %5llu %10s %10s\n",
				clock_str(e->time_ns, t, sizeof(t)), (long long)e->pid,
				(long long)e->child, e->comm, fs_flavour_names[e->flavour],
				fmt_kb(e->rss_kb, a, sizeof(a)), fmt_kb(e->pgtables_kb, b, sizeof(b)),
				(unsigned long long)e->vmas, fmt_ns(e->total_ns, c, sizeof(c)),
				fmt_ns(e->ptcopy_ns, s, sizeof(s)));
		}
	}
	if (what == EVENTS_ALL)
		fputc('\n', out);
	if (what != EVENTS_FORKS) {
		fprintf(out, "O_NONBLOCK clears on sockets (%llu in all, last %zu shown):\n",
			(unsigned long long)d->sock_total, d->nclears);
		fprintf(out, "%-12s %7s %7s %-16s %4s %-5s %s\n", "TIME", "PID", "TID",
			"COMM", "FD", "CALL", "SOCKET");
		for (i = 0; i < d->nclears; i++) {
			const struct fs_clear *e = &d->clears[i];

			fprintf(out, "%-12s %7lld %7lld %-16.16s %4lld %-5s %s\n",
				clock_str(e->time_ns, t, sizeof(t)), (long long)e->tgid,
				(long long)e->pid, e->comm, (long long)e->fd,
				fs_path_names[e->path], sock_str(&e->sock, s, sizeof(s)));
		}
	}
}

void render_watch_header(FILE *out)
{
	fprintf(out, "%-8s %7s %7s %7s %8s %9s %9s %6s %7s  %s\n", "TIME", "fork/s",
		"vfork/s", "clone/s", "thread/s", "fork p50<", "fork p99<", "clears",
		"blocked", "busiest forker (share of wall time inside copy_process)");
}

/* Counters only grow between resets: a smaller one means a reset. */
static uint64_t delta(uint64_t cur, uint64_t prev)
{
	return cur >= prev ? cur - prev : cur;
}

static const struct fs_proc *find_proc(const struct fs_doc *d, int64_t tgid)
{
	size_t i;

	for (i = 0; i < d->nprocs; i++)
		if (d->procs[i].tgid == tgid)
			return &d->procs[i];
	return NULL;
}

void watch_compute(const struct fs_doc *prev, const struct fs_doc *cur,
		   double secs, struct watch_interval *w)
{
	size_t i;
	int f;

	memset(w, 0, sizeof(*w));
	w->secs = secs;
	for (f = FS_FORK; f <= FS_THREAD; f++)
		w->rate[f] = delta(cur->flav[f].count, prev->flav[f].count) / secs;
	for (i = 0; i < FS_LAT_BUCKETS; i++)
		w->fork_hist[i] = delta(cur->flav[FS_FORK].hist[i], prev->flav[FS_FORK].hist[i]);
	for (f = 0; f < FS_NR_PATHS; f++)
		w->clears += delta(cur->sock_clears[f], prev->sock_clears[f]);
	w->blocked = cur->scan_blocked;
	for (i = 0; i < cur->nprocs; i++) {
		const struct fs_proc *p = &cur->procs[i], *o = find_proc(prev, p->tgid);
		uint64_t ns = delta(p->sum_ns, o ? o->sum_ns : 0);

		if (ns > w->busiest_ns) {
			w->busiest_ns = ns;
			w->busiest = p;
		}
	}
}

void render_watch_line(FILE *out, const struct watch_interval *w)
{
	char t[32], a[32], b[32];
	struct timespec now;
	int f, any = sum(w->fork_hist, FS_LAT_BUCKETS) != 0;

	clock_gettime(CLOCK_REALTIME, &now);
	clock_str((uint64_t)now.tv_sec * 1000000000, t, sizeof(t));
	t[8] = '\0';	/* HH:MM:SS */
	fprintf(out, "%-8s", t);
	for (f = FS_FORK; f <= FS_THREAD; f++)
		fprintf(out, " %*.0f", f == FS_THREAD ? 8 : 7, w->rate[f]);
	fprintf(out, " %9s %9s %6llu %7llu  ",
		any ? fmt_ns(log2_percentile_us(w->fork_hist, FS_LAT_BUCKETS, 0.5) * 1000, a, sizeof(a)) : "-",
		any ? fmt_ns(log2_percentile_us(w->fork_hist, FS_LAT_BUCKETS, 0.99) * 1000, b, sizeof(b)) : "-",
		(unsigned long long)w->clears, (unsigned long long)w->blocked);
	if (w->busiest)
		fprintf(out, "%lld %s %.1f%%\n", (long long)w->busiest->tgid,
			w->busiest->comm, 100.0 * w->busiest_ns / (w->secs * 1e9));
	else
		fprintf(out, "-\n");
}
