/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A JSON writer: objects and arrays nest, commas are its business, and
 * every string goes through esc_json. Keys are forkstatctl's own ASCII.
 */
#ifndef JSONW_H
#define JSONW_H

#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

struct jw {
	FILE *out;
	int depth;
	unsigned char used[JW_MAX_DEPTH];	/* a member already written */
	char close[JW_MAX_DEPTH];		/* '}' or ']' */
};

void jw_init(struct jw *w, FILE *out);
/* key is NULL inside arrays and at the top. */
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
void jw_end(struct jw *w);		/* closes the innermost object or array */
/* Ends the document with a newline (one document per line). */
void jw_done(struct jw *w);

void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
void jw_double(struct jw *w, const char *key, double v);	/* %.6g; null if not finite */
void jw_null(struct jw *w, const char *key);
void jw_u64s(struct jw *w, const char *key, const uint64_t *v, int n);
/*
 * A string from the outside world: valid UTF-8 in key; where s is not,
 * its bytes also go, as hex, in key_hex, so nothing is lost.
 */
void jw_str(struct jw *w, const char *key, const char *s);

#endif /* JSONW_H */
