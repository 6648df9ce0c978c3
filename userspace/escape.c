// SPDX-License-Identifier: GPL-2.0
/*
 * Escaping attacker-controlled text (process names, socket paths) for
 * terminals, Prometheus and JSON. One UTF-8 decoder under all three, so
 * they agree on what a valid character is.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include <stdio.h>

#include "escape.h"

/*
 * The length of the valid UTF-8 sequence at s and its code point in
 * *cp, or 0 when s does not start one (RFC 3629: shortest form only, no
 * surrogates, nothing past U+10FFFF).
 */
static int utf8_char(const unsigned char *s, uint32_t *cp)
{
	int n, i;
	uint32_t c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n;

	while (*p) {
		n = utf8_char(p, &cp);
		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

/* What a terminal would act on rather than show. */
static int term_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

const char *esc_term(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	uint32_t cp;
	int n;

	while (*p && o + 1 < len) {
		n = utf8_char(p, &cp);
		if (!n || term_unsafe(cp)) {
			buf[o++] = '?';
			p += n ? n : 1;
			continue;
		}
		if (o + n >= len)
			break;
		memcpy(buf + o, p, n);
		o += n;
		p += n;
	}
	buf[o] = '\0';
	return buf;
}

/* Columns a printable code point takes (Markus Kuhn's wcwidth, in short). */
static int cp_width(uint32_t cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	    (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
	    (cp >= 0xfe20 && cp <= 0xfe2f) || cp == 0x200b || cp == 0x200c || cp == 0x200d)
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe6f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

const char *esc_col(const char *s, int width, char *buf, size_t len)
{
	char safe[1024];
	const unsigned char *p = (const unsigned char *)esc_term(s, safe, sizeof(safe));
	size_t o = 0;
	uint32_t cp;
	int n, w, cols = 0;

	while (*p) {
		n = utf8_char(p, &cp);	/* valid: esc_term made it so */
		w = cp_width(cp);
		if (!n || cols + w > width || o + n + (width - cols) >= len)
			break;
		memcpy(buf + o, p, n);
		o += n;
		p += n;
		cols += w;
	}
	while (cols < width && o + 1 < len) {
		buf[o++] = ' ';
		cols++;
	}
	buf[o] = '\0';
	return buf;
}

/*
 * The bytes of safe's first characters that take at most cols columns
 * and max bytes (safe: esc_term's output); *used: their columns.
 */
static size_t head_bytes(const char *safe, size_t cols, size_t max, size_t *used)
{
	const unsigned char *p = (const unsigned char *)safe;
	uint32_t cp;
	int n;

	*used = 0;
	while (*p && (n = utf8_char(p, &cp)) && *used + cp_width(cp) <= cols &&
	       (size_t)(p + n - (const unsigned char *)safe) <= max) {
		*used += cp_width(cp);
		p += n;
	}
	return p - (const unsigned char *)safe;
}

size_t term_cols(const char *s)
{
	size_t cols;

	head_bytes(s, SIZE_MAX, SIZE_MAX, &cols);
	return cols;
}

const char *fit_middle(const char *s, size_t width, char *buf, size_t len)
{
	char safe[4096];
	const unsigned char *tail = (const unsigned char *)safe;
	size_t total, head, cols, left, skipped = 0;
	uint32_t cp;
	int n;

	esc_term(s, safe, sizeof(safe));
	total = term_cols(safe);
	if (len < 4 || total <= width || width < 8) {
		head = head_bytes(safe, width, len ? len - 1 : 0, &cols);
		snprintf(buf, len, "%.*s", (int)head, safe);
		return buf;
	}
	/* The head's half of the columns, then the tail all that is left. */
	head = head_bytes(safe, (width - 3) / 2, (len - 4) / 2, &cols);
	left = strlen(safe);
	while (*tail && (total - skipped > width - 3 - cols || left > len - 4 - head) &&
	       (n = utf8_char(tail, &cp))) {
		skipped += cp_width(cp);
		tail += n;
		left -= n;
	}
	snprintf(buf, len, "%.*s...%s", (int)head, safe, (const char *)tail);
	return buf;
}

void esc_prom_label(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n;

	while (*p) {
		n = utf8_char(p, &cp);
		if (!n) {
			fputs("\xef\xbf\xbd", out);	/* U+FFFD */
			p++;
		} else if (cp == '\\' || cp == '"') {
			fprintf(out, "\\%c", (int)cp);
			p++;
		} else if (cp == '\n') {
			fputs("\\n", out);
			p++;
		} else if (term_unsafe(cp)) {
			/* Visible, as \x1b, for whoever reads the series on a terminal. */
			fprintf(out, cp < 0x100 ? "\\\\x%02x" : "\\\\u%04x", (unsigned int)cp);
			p += n;
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
	}
}

void esc_warn(const char *fmt, ...)
{
	char text[2048], safe[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "forkstatctl: %s\n", esc_term(text, safe, sizeof(safe)));
}

void esc_json(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n;

	fputc('"', out);
	while (*p) {
		n = utf8_char(p, &cp);
		if (!n) {
			fputs("\\ufffd", out);
			p++;
		} else if (cp == '"' || cp == '\\') {
			fprintf(out, "\\%c", (int)cp);
			p++;
		} else if (cp < 0x20 || cp == 0x7f) {
			fprintf(out, "\\u%04x", (unsigned int)cp);
			p++;
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
	}
	fputc('"', out);
}
