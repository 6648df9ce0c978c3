/* SPDX-License-Identifier: GPL-2.0 */
/* What the load generators in bench/ share: a clock and a way to give up. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline void die(const char *what)
{
	perror(what);
	exit(1);
}

#endif /* BENCH_UTIL_H */
