// SPDX-License-Identifier: GPL-2.0
/*
 * oom: the OOM killer's calls the module kept, oldest first, in 80
 * columns: what ran out (a memory cgroup's limit, or the host), who
 * triggered it and where (its user call chain), whom it killed, and what
 * the victim held at the kill: the kernel's counters, then its resident
 * memory by class (the brk heap, stacks, other anonymous mappings, the
 * largest with their ranges) and the files it mapped. A mapping of a Go
 * heap arena (0xc000000000 up, where the runtime puts it on amd64) is
 * named so: a cgo program's memory splits into Go's and C's.
 */
#include <string.h>

#include "escape.h"
#include "render.h"
#include "symbolize.h"

#define WIDTH 80
#define INDENT "        "

/* Where the Go runtime's heap arenas start on amd64 (runtime/malloc.go). */
#define GO_ARENA_START	0xc000000000ULL
#define GO_ARENA_END	0xd000000000ULL

/* What ran out, from the constraint: one line. */
static void what_ran_out(FILE *out, const struct fs_oom *o)
{
	char a[16], b[16], g[256];

	if (!strcmp(o->constraint, "memcg")) {
		fprintf(out, "%s memory cgroup %s: limit %s, usage %s\n", INDENT,
			o->memcg_path[0] ? esc_term(o->memcg_path, g, sizeof(g)) :
					   render_cgroup(o->memcg, g, sizeof(g)),
			o->limit_kb >= (1ULL << 50) ? "max" : fmt_kb(o->limit_kb, a, sizeof(a)),
			fmt_kb(o->usage_kb, b, sizeof(b)));
	} else {
		fprintf(out, "%s %s out of memory (%s to allocate from)\n", INDENT,
			!strcmp(o->constraint, "global") ? "the host" :
			!strcmp(o->constraint, "cpuset") ? "the cpuset's nodes" :
			"the memory policy's nodes", fmt_kb(o->domain_kb, a, sizeof(a)));
	}
}

static void victim_regions(FILE *out, const struct fs_oom_victim *v)
{
	char a[16], b[16], c[16], name[96], e[sizeof(name)];
	size_t i;

	if (strcmp(v->walk, "ok")) {
		fprintf(out, "%s   its mappings were not walked (%s)\n", INDENT, v->walk);
		return;
	}
	fprintf(out, "%s   resident: heap %s, stacks %s (%llu), other anonymous %s in %llu mappings\n",
		INDENT, fmt_kb(v->heap_kb, a, sizeof(a)), fmt_kb(v->stack_kb, b, sizeof(b)),
		(unsigned long long)v->stacks, fmt_kb(v->other_anon_kb, c, sizeof(c)),
		(unsigned long long)v->anon_vmas);
	for (i = 0; i < v->nanon; i++) {
		const struct fs_oom_anon *m = &v->anon[i];

		fprintf(out, "%s     %#llx-%#llx %9s of %s%s\n", INDENT,
			(unsigned long long)m->start, (unsigned long long)m->end,
			fmt_kb(m->rss_kb, a, sizeof(a)),
			fmt_kb((m->end - m->start) >> 10, b, sizeof(b)),
			m->start >= GO_ARENA_START && m->start < GO_ARENA_END ? " (Go heap)" : "");
	}
	if (!v->nfiles)
		return;
	fprintf(out, "%s   mapped files %s in %llu mappings:", INDENT,
		fmt_kb(v->mapped_kb, a, sizeof(a)), (unsigned long long)v->file_vmas);
	for (i = 0; i < v->nfiles; i++) {
		fit_middle(path_base(v->files[i].path), 30, name, sizeof(name));
		fprintf(out, "%s %s %s", i ? "," : "", esc_term(name, e, sizeof(e)),
			fmt_kb(v->files[i].size_kb, c, sizeof(c)));
	}
	fputc('\n', out);
}

static void victim(FILE *out, const struct fs_oom_victim *v)
{
	char a[16], b[16], c[16], e[16], f[16], comm[64];

	fprintf(out, "%s %s %s (pid %lld), oom_score_adj %lld%s\n", INDENT,
		v->killed ? "killed" : "found exiting:", esc_term(v->comm, comm, sizeof(comm)),
		(long long)v->tgid, (long long)v->score_adj, v->chosen ? ", the one chosen" : "");
	fprintf(out, "%s   anon %s, file %s, shmem %s, swap %s, page tables %s\n", INDENT,
		fmt_kb(v->anon_kb, a, sizeof(a)), fmt_kb(v->file_kb, b, sizeof(b)),
		fmt_kb(v->shmem_kb, c, sizeof(c)), fmt_kb(v->swap_kb, e, sizeof(e)),
		fmt_kb(v->pgtables_kb, f, sizeof(f)));
	if (v->has_regions)
		victim_regions(out, v);
}

static void one(FILE *out, const struct fs_doc *d, struct symbolizer *sy, const struct fs_oom *o)
{
	char t[16], u[16], comm[64];
	size_t i;

	fprintf(out, "%-8s %s", fmt_clock(o->time_ns, t, sizeof(t)),
		!strcmp(o->result, "killed") ? "killed" :
		!strcmp(o->result, "exiting") ? "found its victim exiting, killed none" :
		"found nothing it may kill");
	if (o->repeats)
		fprintf(out, ", %llu more times until %s", (unsigned long long)o->repeats,
			fmt_clock(o->last_ns, u, sizeof(u)));
	fputc('\n', out);
	what_ran_out(out, o);
	if (o->tgid)
		fprintf(out, "%s triggered by %s (pid %lld), an order-%lld allocation (gfp %#llx)\n",
			INDENT, esc_term(o->comm, comm, sizeof(comm)), (long long)o->tgid,
			(long long)o->order, (unsigned long long)o->gfp);
	else
		fprintf(out, "%s triggered by a process you may not see\n", INDENT);
	render_chain(out, sy, d, o->stack);
	for (i = 0; i < o->nvictims; i++)
		victim(out, &o->victim[i]);
	if (o->victims > o->nvictims)
		fprintf(out, "%s (%llu victims, %zu shown)\n", INDENT,
			(unsigned long long)o->victims, o->nvictims);
}

void render_oom(FILE *out, const struct fs_doc *d)
{
	struct symbolizer *sy = sym_new();
	size_t i;

	fprintf(out, "OOM killer calls: %llu killed, %llu waited for a victim, %llu settled without one; %zu kept\n",
		(unsigned long long)d->oom_kills, (unsigned long long)d->oom_waited,
		(unsigned long long)d->oom_settled, d->nooms);
	for (i = 0; i < d->nooms; i++) {
		fputc('\n', out);
		one(out, d, sy, &d->ooms[i]);
	}
	sym_free(sy);
}
