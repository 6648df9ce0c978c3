// SPDX-License-Identifier: GPL-2.0
/*
 * The histogram views: copy_process latency per flavour (hist) and
 * latency against parent size (heatmap).
 */
#include <string.h>

#include "render.h"

void render_hist(FILE *out, const struct fs_doc *d, int ms)
{
	int f;

	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		if (!d->flav[f].count)
			continue;
		fprintf(out, "\ncopy_process latency, flavour %s (%llu calls)\n",
			fs_flavour_names[f], (unsigned long long)d->flav[f].count);
		hist_print(out, d->flav[f].hist, ms);
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
	unsigned long long lo = FORKSTAT_RSS_MIN_MIB(b), end = FORKSTAT_RSS_END_MIB(b);

	if (b == 0)
		snprintf(buf, len, "< %llu MiB", end);
	else if (b == FS_RSS_BUCKETS - 1)
		snprintf(buf, len, ">= %llu TiB", lo >> 20);
	else if (end <= 1024)
		snprintf(buf, len, "%llu-%llu MiB", lo, end);
	else
		snprintf(buf, len, "%llu-%llu GiB", lo >> 10, end >> 10);
}

static void heatmap(FILE *out, const char *title,
		    const uint64_t (*h)[FS_LAT_BUCKETS])
{
	int r, c, rmin = -1, rmax = -1, cmin = FS_LAT_BUCKETS, cmax = -1;
	char label[48];

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
		if (f != FS_FORK && !hist_total(&d->lat_by_rss[f][0][0], FS_RSS_BUCKETS * FS_LAT_BUCKETS))
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


void interval_hist_compute(const struct fs_doc *prev, const struct fs_doc *cur,
			   double secs, uint64_t now_ns, struct interval_hist *h)
{
	int f, b;

	memset(h, 0, sizeof(*h));
	h->now_ns = now_ns;
	h->secs = secs;
	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		h->count[f] = counter_delta(cur->flav[f].count, prev->flav[f].count);
		h->max_ns[f] = cur->flav[f].max_ns;
		for (b = 0; b < FS_LAT_BUCKETS; b++)
			h->hist[f][b] = counter_delta(cur->flav[f].hist[b],
						      prev->flav[f].hist[b]);
	}
}

void render_interval_hist(FILE *out, const struct interval_hist *h, int timestamps, int ms)
{
	char t[16];
	int f, any = 0;

	if (timestamps)
		fprintf(out, "\n%s\n", fmt_clock(h->now_ns, t, sizeof(t)));
	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		if (!h->count[f])
			continue;
		any = 1;
		fprintf(out, "\ncopy_process latency, flavour %s (%llu calls in %.1f s)\n",
			fs_flavour_names[f], (unsigned long long)h->count[f], h->secs);
		hist_print(out, h->hist[f], ms);
	}
	if (!any)
		fprintf(out, "\n(no calls in %.1f s)\n", h->secs);
}
