/* SPDX-License-Identifier: GPL-2.0 */
/*
 * forkstat's log2 histograms on the user side: their bucket bounds come
 * from the module's UAPI header, and this is the one printer for them.
 */
#ifndef HIST_H
#define HIST_H

#include <stdint.h>
#include <stdio.h>

#include "fsparse.h"

/*
 * The p-th percentile of a latency histogram, in ns, as the upper bound
 * of the bucket it falls in, never above max_ns (the largest value
 * seen, when known; 0: unknown). Returns 0 for an empty histogram.
 */
uint64_t hist_percentile_ns(const uint64_t *counts, double p, uint64_t max_ns);

uint64_t hist_total(const uint64_t *counts, int n);

/*
 * bcc's print_log2_hist, in spirit: rows from the first to the last
 * bucket in use; ms prints the bounds in milliseconds (runqlat -m).
 */
void hist_print(FILE *out, const uint64_t *counts, int ms);

#endif /* HIST_H */
