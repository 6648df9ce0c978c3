// SPDX-License-Identifier: GPL-2.0
/* The JSON writer (jsonw.h). */
#include <math.h>

#include "escape.h"
#include "jsonw.h"

void jw_init(struct jw *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->used[0] = 0;
}

static void key(struct jw *w, const char *k)
{
	if (w->used[w->depth])
		fputc(',', w->out);
	w->used[w->depth] = 1;
	if (k)
		fprintf(w->out, "\"%s\":", k);
}

static void open_container(struct jw *w, const char *k, char open, char close)
{
	key(w, k);
	fputc(open, w->out);
	if (w->depth < JW_MAX_DEPTH - 1) {
		w->depth++;
		w->used[w->depth] = 0;
		w->close[w->depth] = close;
	}
}

void jw_obj(struct jw *w, const char *k)
{
	open_container(w, k, '{', '}');
}

void jw_arr(struct jw *w, const char *k)
{
	open_container(w, k, '[', ']');
}

void jw_end(struct jw *w)
{
	if (w->depth > 0)
		fputc(w->close[w->depth--], w->out);
}

void jw_done(struct jw *w)
{
	while (w->depth > 0)
		jw_end(w);
	fputc('\n', w->out);
}

void jw_u64(struct jw *w, const char *k, uint64_t v)
{
	key(w, k);
	fprintf(w->out, "%llu", (unsigned long long)v);
}

void jw_i64(struct jw *w, const char *k, int64_t v)
{
	key(w, k);
	fprintf(w->out, "%lld", (long long)v);
}

void jw_double(struct jw *w, const char *k, double v)
{
	key(w, k);
	if (isfinite(v))
		fprintf(w->out, "%.6g", v);
	else
		fputs("null", w->out);
}

void jw_null(struct jw *w, const char *k)
{
	key(w, k);
	fputs("null", w->out);
}

void jw_u64s(struct jw *w, const char *k, const uint64_t *v, int n)
{
	int i;

	jw_arr(w, k);
	for (i = 0; i < n; i++)
		jw_u64(w, NULL, v[i]);
	jw_end(w);
}

void jw_str(struct jw *w, const char *k, const char *s)
{
	char hexkey[64];

	key(w, k);
	esc_json(w->out, s);
	if (!k || utf8_valid(s))
		return;
	snprintf(hexkey, sizeof(hexkey), "%s_hex", k);
	key(w, hexkey);
	fputc('"', w->out);
	for (; *s; s++)
		fprintf(w->out, "%02x", (unsigned char)*s);
	fputc('"', w->out);
}
