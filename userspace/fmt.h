/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Figures for a person, each in at most 8 columns so that every view
 * fits a terminal of 80: durations, sizes, counts and clock times.
 */
#ifndef FMT_H
#define FMT_H

#include <stddef.h>
#include <stdint.h>

/* "812 ns", "3.4 us", "123 us", "12.1 ms", "2.03 s": 8 columns at most. */
const char *fmt_ns(uint64_t ns, char *buf, size_t len);
/* From KiB: "512 KiB", "99.5 MiB", "123 MiB", "2.1 GiB". */
const char *fmt_kb(uint64_t kb, char *buf, size_t len);
/* "12345", "123k", "12.3M". */
const char *fmt_count(uint64_t n, char *buf, size_t len);
/* Local wall-clock time of a CLOCK_REALTIME ns value: "HH:MM:SS". */
const char *fmt_clock(uint64_t ns, char *buf, size_t len);

#endif /* FMT_H */
