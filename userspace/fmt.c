// SPDX-License-Identifier: GPL-2.0
/* Figures for a person (fmt.h): three significant digits at most. */
#include <stdio.h>
#include <time.h>

#include "fmt.h"

/* v in unit, with one decimal below 100 and none from 100 up. */
static const char *scaled(double v, const char *unit, char *buf, size_t len)
{
	snprintf(buf, len, v < 99.95 ? "%.1f %s" : "%.0f %s", v, unit);
	return buf;
}

const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 999500)
		scaled(ns / 1e3, "us", buf, len);
	else if (ns < 999500000)
		scaled(ns / 1e6, "ms", buf, len);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

const char *fmt_kb(uint64_t kb, char *buf, size_t len)
{
	if (kb < 1000)
		snprintf(buf, len, "%llu KiB", (unsigned long long)kb);
	else if (kb < 1000 * 1024)
		scaled(kb / 1024.0, "MiB", buf, len);
	else if (kb < 1000ULL * 1024 * 1024)
		scaled(kb / (1024.0 * 1024), "GiB", buf, len);
	else
		scaled(kb / (1024.0 * 1024 * 1024), "TiB", buf, len);
	return buf;
}

const char *fmt_count(uint64_t n, char *buf, size_t len)
{
	if (n < 100000)
		snprintf(buf, len, "%llu", (unsigned long long)n);
	else if (n < 999500)
		snprintf(buf, len, "%.0fk", n / 1e3);
	else if (n < 999500000)
		snprintf(buf, len, n < 9950000 ? "%.2fM" : "%.1fM", n / 1e6);
	else
		snprintf(buf, len, "%.1fG", n / 1e9);
	return buf;
}

const char *fmt_clock(uint64_t ns, char *buf, size_t len)
{
	time_t t = ns / 1000000000;
	struct tm tm;

	if (!localtime_r(&t, &tm))
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}
