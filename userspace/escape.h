/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text that comes from the watched processes (a process name is set by
 * the process itself, with prctl(PR_SET_NAME)) escaped for each place it
 * goes. Nothing else in forkstatctl writes such text raw.
 */
#ifndef ESCAPE_H
#define ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * For a terminal, as ps(1) does: every control character, C1 control,
 * bidirectional override and byte that is not valid UTF-8 becomes '?'.
 * Returns buf, cut to fit len.
 */
const char *esc_term(const char *s, char *buf, size_t len);

/*
 * s escaped as esc_term does, then cut and padded with spaces to exactly
 * width terminal columns (an East Asian wide character takes two, a
 * combining mark none): printf's %-15.15s counts bytes, so an "é" or a
 * CJK name shifted every column after it. Returns buf.
 */
const char *esc_col(const char *s, int width, char *buf, size_t len);

/*
 * s escaped as esc_term does, then cut to width terminal columns: whole
 * when it fits, else its head and tail around "...", so both ends of a
 * long path show. Columns as esc_col counts them, never half a
 * character. Returns buf.
 */
const char *fit_middle(const char *s, size_t width, char *buf, size_t len);

/* The terminal columns of s, a string esc_term made safe. */
size_t term_cols(const char *s);

/* Whether s is valid UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
int utf8_valid(const char *s);

/*
 * Writes s as a Prometheus label value: valid UTF-8 (each byte that is
 * not becomes U+FFFD), with backslash, double quote and newline escaped.
 */
void esc_prom_label(FILE *out, const char *s);

/*
 * Writes s as a JSON string: valid UTF-8 passes, control characters are
 * \u escapes, each byte that is not valid UTF-8 becomes U+FFFD (the raw
 * bytes go in a _hex key next to it: json_str_lossless in jsonw.h).
 */
void esc_json(FILE *out, const char *s);

/*
 * Every message forkstatctl writes to stderr: "forkstatctl: " and the
 * formatted text, escaped as esc_term does (a path, a command-line
 * argument or a line quoted from a file may hold any byte), and a
 * newline.
 */
void esc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* ESCAPE_H */
