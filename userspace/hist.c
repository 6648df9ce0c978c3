// SPDX-License-Identifier: GPL-2.0
/* Latency histograms: percentiles and the printer (hist.h). */
#include "hist.h"

uint64_t hist_total(const uint64_t *counts, int n)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += counts[i];
	return s;
}

uint64_t hist_percentile_ns(const uint64_t *counts, double p, uint64_t max_ns)
{
	uint64_t total = hist_total(counts, FS_LAT_BUCKETS), acc = 0, ns;
	int i;

	if (!total)
		return 0;
	for (i = 0; i < FS_LAT_BUCKETS - 1; i++) {
		acc += counts[i];
		if (acc >= p * total)
			break;
	}
	ns = i < FS_LAT_BUCKETS - 1 ? FORKSTAT_LAT_END_US(i) * 1000 : max_ns;
	return max_ns && (ns > max_ns || !ns) ? max_ns : ns;
}

/*
 * A bucket's bound in the unit printed: us as they are; ms rounded to
 * the nearest (32768 us is 33 ms), the same rounding for every bound,
 * so that each row starts one above where the last one ended.
 */
static unsigned long long bound(unsigned long long us, int ms)
{
	return ms ? (us + 500) / 1000 : us;
}

/*
 * bcc's print_log2_hist: "%10lld -> %-10lld", the arrows in one column.
 * In ms the us buckets below 2.048 ms fold into the first row.
 */
void hist_print(FILE *out, const uint64_t *counts, int ms)
{
	int i, first = -1, last = -1, w, n = 0, shift = ms ? 10 : 0;
	uint64_t c[FS_LAT_BUCKETS] = { 0 }, max = 0;
	unsigned long long lo, hi;
	char high[24];

	for (i = 0; i < FS_LAT_BUCKETS; i++) {
		n = i > shift ? i - shift : 0;
		c[n] += counts[i];
	}
	n = FS_LAT_BUCKETS - shift;
	for (i = 0; i < n; i++) {
		if (c[i]) {
			if (first < 0)
				first = i;
			last = i;
		}
		if (c[i] > max)
			max = c[i];
	}
	if (first < 0) {
		fprintf(out, "     (no calls)\n");
		return;
	}
	fprintf(out, "%10s%-14s : count     distribution\n", "", ms ? "msecs" : "usecs");
	for (i = first; i <= last; i++) {
		lo = i ? bound(FORKSTAT_LAT_MIN_US(i + shift), ms) : 0;
		hi = bound(FORKSTAT_LAT_END_US(i + shift), ms) - 1;
		w = (int)(c[i] * 40 / max);
		snprintf(high, sizeof(high), i == n - 1 ? "..." : "%llu", hi);
		fprintf(out, "%10llu -> %-10s : %-9llu |%-40.*s|\n", lo, high,
			(unsigned long long)c[i], w, "****************************************");
	}
}
