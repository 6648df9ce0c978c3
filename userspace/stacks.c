// SPDX-License-Identifier: GPL-2.0
/*
 * stacks: the call chains of slow forks, O_NONBLOCK clears and the sets
 * that undid one, in the folded format flamegraph.pl, inferno and
 * speedscope read: one line per distinct chain, its frames root first
 * and separated by ';', then a space and its weight. The first frame
 * says what the chain led to ("fork", "clear", "set"), the second the
 * process's name; an event without a chain still counts, under
 * "[no call chain]". Weights are events, or with --weight time each
 * slow fork's time in copy_process in microseconds (clears have none
 * and are left out). Frames are named as events names them (symbolize.h);
 * every name is made safe for the format and for a terminal: no control
 * byte, no ';' (written ':').
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "symbolize.h"

#define FOLDED_MAX	4096

struct folded {
	char *line;		/* frames, without the weight */
	uint64_t weight;
};

struct stack_set {
	struct folded *v;
	size_t n, size;
	struct symbolizer *sy;
};

/* Appends one frame name to buf (at *o), ';' first unless it is the first. */
static void frame(char *buf, size_t *o, const char *name)
{
	char safe[SYM_NAME_MAX * 4], *p;

	esc_term(name, safe, sizeof(safe));
	for (p = safe; *p; p++)
		if (*p == ';')
			*p = ':';
	if (*o && *o + 1 < FOLDED_MAX)
		buf[(*o)++] = ';';
	*o += snprintf(buf + *o, FOLDED_MAX - *o, "%s", safe);
	if (*o >= FOLDED_MAX)
		*o = FOLDED_MAX - 1;
}

/* The frames of chain id, outermost first; inlined calls after their function. */
static void chain_frames(struct stack_set *set, const struct fs_doc *d, uint64_t id,
			 char *buf, size_t *o)
{
	const struct fs_ustack *u = fs_ustack(d, id);
	char name[sizeof(((struct fs_ufile *)0)->path) + 24];
	struct sym_frame sf;
	size_t n;
	int k;

	if (!u || !u->nframes) {
		frame(buf, o, "[no call chain]");
		return;
	}
	for (n = u->nframes; n-- > 0;) {
		const struct fs_uframe *f = &u->frames[n];
		const struct fs_ufile *uf = fs_uframe_file(u, n);

		if (sym_frame(set->sy, u, n, &sf)) {
			for (k = sf.n; k-- > 0;)
				frame(buf, o, sf.name[k]);
			continue;
		}
		if (uf) {
			snprintf(name, sizeof(name), "%s+0x%llx", path_base(uf->path),
				 (unsigned long long)f->off);
		} else {
			snprintf(name, sizeof(name), "0x%llx", (unsigned long long)f->addr);
		}
		frame(buf, o, name);
	}
}

static void add(struct stack_set *set, const struct fs_doc *d, const char *kind,
		const char *comm, uint64_t stack, uint64_t weight)
{
	char buf[FOLDED_MAX];
	struct folded *v;
	size_t o = 0;

	frame(buf, &o, kind);
	frame(buf, &o, comm);
	chain_frames(set, d, stack, buf, &o);
	buf[o] = '\0';
	if (set->n == set->size) {
		v = realloc(set->v, (set->size ? set->size * 2 : 64) * sizeof(*v));
		if (!v)
			return;
		set->v = v;
		set->size = set->size ? set->size * 2 : 64;
	}
	set->v[set->n].line = strdup(buf);
	set->v[set->n].weight = weight;
	if (set->v[set->n].line)
		set->n++;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct folded *)a)->line, ((const struct folded *)b)->line);
}

void render_stacks(FILE *out, const struct fs_doc *d, enum events_what what, int by_time)
{
	struct stack_set set = { .sy = sym_new() };
	size_t i, j;

	if (!set.sy)
		return;
	for (i = 0; what != EVENTS_SOCKETS && i < d->nslow; i++)
		add(&set, d, "fork", d->slow[i].comm, d->slow[i].stack,
		    by_time ? d->slow[i].total_ns / 1000 : 1);
	for (i = 0; what != EVENTS_FORKS && !by_time && i < d->nclears; i++)
		add(&set, d, "clear", d->clears[i].comm, d->clears[i].stack, 1);
	for (i = 0; what != EVENTS_FORKS && !by_time && i < d->nsets; i++)
		add(&set, d, "set", d->sets[i].comm, d->sets[i].stack, 1);
	if (set.n)
		qsort(set.v, set.n, sizeof(*set.v), cmp_line);
	for (i = 0; i < set.n; i = j) {
		uint64_t w = 0;

		for (j = i; j < set.n && !strcmp(set.v[j].line, set.v[i].line); j++)
			w += set.v[j].weight;
		if (w)
			fprintf(out, "%s %llu\n", set.v[i].line, (unsigned long long)w);
	}
	for (i = 0; i < set.n; i++)
		free(set.v[i].line);
	free(set.v);
	sym_free(set.sy);
}
