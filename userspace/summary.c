// SPDX-License-Identifier: GPL-2.0
/*
 * The one-screen summary: health, latency per flavour, the processes
 * that spend most in copy_process, what forks cost after it (stalled
 * threads, copy-on-write), sockets, and plain-words hints where a
 * figure looks like one of the two pathologies forkstat exists for.
 * Hints are ranked and capped, so the summary stays one screen however
 * many processes misbehave.
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "symbolize.h"

#define HINTS_PER_KIND	5
#define TOP_PROCESSES	5

/* A fork hint: page tables of at least this much RSS, this slow a copy. */
#define HINT_RSS_KB	(100 * 1024)
#define HINT_PTCOPY_NS	1000000

/*
 * A fork-cost hint: its stalls and copy-on-write faults took this long,
 * and this many times its copy_process time.
 */
#define HINT_BILL_NS	1000000
#define HINT_BILL_RATIO	2

/* A space that hint_line does not break at: between a figure and its unit. */
#define NBSP '\x01'

static const char *unbreakable(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p == ' ')
			*p = NBSP;
	return s;
}

/* Writes text wrapped at 80 columns: "  ! " first, "    " after. */
static void hint_line(FILE *out, const char *text)
{
	const char *p = text, *brk, *sp, *c;
	const int width = 76;
	int first = 1;

	while (*p) {
		brk = p + strlen(p);
		if (brk - p > width) {
			for (sp = p + width; sp > p && *sp != ' '; sp--)
				;
			brk = sp > p ? sp : p + width;
		}
		fputs(first ? "  ! " : "    ", out);
		for (c = p; c < brk; c++)
			fputc(*c == NBSP ? ' ' : *c, out);
		fputc('\n', out);
		first = 0;
		p = *brk == ' ' ? brk + 1 : brk;
	}
}

static int probe_hints(FILE *out, const struct fs_doc *d)
{
	char text[256];
	int shown = 0;
	size_t i;

	for (i = 0; i < d->nprobes; i++) {
		const struct fs_probe *p = &d->probes[i];

		if (probe_failed_unexpectedly(d, p)) {
			snprintf(text, sizeof(text),
				 "probe %s did not attach (error %lld): the figures it feeds are empty",
				 p->symbol, (long long)p->error);
			hint_line(out, text);
			shown++;
		}
		if (p->nmissed) {
			snprintf(text, sizeof(text), "probe %s missed %llu calls: figures undercount",
				 p->symbol, (unsigned long long)p->nmissed);
			hint_line(out, text);
			shown++;
		}
	}
	return shown;
}

/* Forks of a big parent: its page tables copied under its mmap lock. */
static int fork_suspect(const struct fs_proc *p)
{
	return p->n[FS_FORK] && p->max_rss_kb >= HINT_RSS_KB &&
	       p->ptcopy_ns / p->n[FS_FORK] >= HINT_PTCOPY_NS;
}

/* What its forks cost the process beyond copy_process: stalls, parent COW. */
static uint64_t bill_ns(const struct fs_proc *p)
{
	return p->stall.ns + p->cow[FS_COW_PARENT].ns;
}

/* A fork whose aftermath dwarfs the call itself. */
static int bill_suspect(const struct fs_proc *p)
{
	return p->n[FS_FORK] && bill_ns(p) >= HINT_BILL_NS &&
	       bill_ns(p) >= HINT_BILL_RATIO * p->sum_ns;
}

static int sock_suspect(const struct fs_proc *p)
{
	return p->sock_clears != 0;
}

static int cmp_fork_suspect(const void *a, const void *b)
{
	const struct fs_proc *x = *(const struct fs_proc * const *)a;
	const struct fs_proc *y = *(const struct fs_proc * const *)b;

	return cmp_desc(x->ptcopy_ns, y->ptcopy_ns);
}

static int cmp_bill_suspect(const void *a, const void *b)
{
	const struct fs_proc *x = *(const struct fs_proc * const *)a;
	const struct fs_proc *y = *(const struct fs_proc * const *)b;

	return cmp_desc(bill_ns(x), bill_ns(y));
}

static int cmp_sock_suspect(const void *a, const void *b)
{
	const struct fs_proc *x = *(const struct fs_proc * const *)a;
	const struct fs_proc *y = *(const struct fs_proc * const *)b;

	return cmp_desc(x->blocked_now, y->blocked_now) ?:
	       cmp_desc(x->sock_clears, y->sock_clears);
}

/*
 * The code behind tgid's newest clear (or slow fork) whose chain names
 * it: "; cleared by main.dialAll via os.(*File).Fd" (symbolize.h,
 * sym_culprit), or "".
 */
static void culprit(const struct fs_doc *d, int64_t tgid, int forks,
		    char *text, size_t len)
{
	char who[SYM_NAME_MAX], via[SYM_NAME_MAX], w[SYM_NAME_MAX * 4], v[SYM_NAME_MAX * 4];
	struct symbolizer *sy = sym_new();
	size_t i, n = forks ? d->nslow : d->nclears;

	text[0] = '\0';
	for (i = n; sy && i-- > 0;) {
		const struct fs_ustack *u = fs_ustack(d, forks ? d->slow[i].stack :
						      d->clears[i].stack);

		if ((forks ? d->slow[i].tgid : d->clears[i].tgid) != tgid || !u ||
		    !sym_culprit(sy, u, who, via, sizeof(who)))
			continue;
		snprintf(text, len, "; %s by %s%s%s", forks ? "forked" : "cleared",
			 esc_term(who, w, sizeof(w)), via[0] ? " via " : "",
			 esc_term(via, v, sizeof(v)));
		break;
	}
	sym_free(sy);
}

static void fork_hint(FILE *out, const struct fs_doc *d, const struct fs_proc *p)
{
	char text[1024], comm[64], a[16], b[16], by[600];

	culprit(d, p->tgid, 1, by, sizeof(by));
	snprintf(text, sizeof(text),
		 "pid %lld (%s) forked %llu times with %s RSS; its page tables took %s to copy per fork%s: switch to posix_spawn/vfork or shrink the parent",
		 (long long)p->tgid, esc_term(p->comm, comm, sizeof(comm)),
		 (unsigned long long)p->n[FS_FORK],
		 unbreakable((char *)fmt_kb(p->max_rss_kb, a, sizeof(a))),
		 unbreakable((char *)fmt_ns(p->ptcopy_ns / p->n[FS_FORK], b, sizeof(b))), by);
	hint_line(out, text);
}

static void bill_hint(FILE *out, const struct fs_doc *d, const struct fs_proc *p)
{
	(void)d;
	char text[600], comm[64], a[16], b[16], c[16], e[16], g[16];
	uint64_t pages = p->cow[FS_COW_PARENT].pages + p->cow[FS_COW_CHILD].pages;

	/*
	 * Stalls are other threads waiting: a parent without them is not
	 * told to fork before its threads start, but that its writes while
	 * the child lives are what is copied.
	 */
	const char *advice = p->stall.ns >= p->cow[FS_COW_PARENT].ns && p->stall.waits ?
		"fork less, fork smaller, or fork before the threads start" :
		"fork less or smaller, or write less while the child lives (each page the parent writes then is copied)";

	snprintf(text, sizeof(text),
		 "pid %lld (%s): its forks cost %s in copy_process but %s more after it: %llu thread waits for %s while its mm was copied, and %s of copy-on-write faults in the parent (%s copied by both sides): %s",
		 (long long)p->tgid, esc_term(p->comm, comm, sizeof(comm)),
		 unbreakable((char *)fmt_ns(p->sum_ns, a, sizeof(a))),
		 unbreakable((char *)fmt_ns(bill_ns(p), b, sizeof(b))),
		 (unsigned long long)p->stall.waits,
		 unbreakable((char *)fmt_ns(p->stall.ns, c, sizeof(c))),
		 unbreakable((char *)fmt_ns(p->cow[FS_COW_PARENT].ns, e, sizeof(e))),
		 unbreakable((char *)fmt_kb(pages * 4, g, sizeof(g))), advice);
	hint_line(out, text);
}

static void sock_hint(FILE *out, const struct fs_doc *d, const struct fs_proc *p)
{
	char text[1024], comm[64], by[600];

	culprit(d, p->tgid, 0, by, sizeof(by));
	snprintf(text, sizeof(text),
		 "pid %lld (%s) cleared O_NONBLOCK on %llu sockets; %llu threads are blocked in socket reads (%llu on sockets with a recorded clear)%s",
		 (long long)p->tgid, esc_term(p->comm, comm, sizeof(comm)),
		 (unsigned long long)p->sock_clears, (unsigned long long)p->blocked_now,
		 (unsigned long long)p->blocked_on_cleared, by);
	hint_line(out, text);
}

/* The worst HINTS_PER_KIND processes of one kind, and how many more. */
static int process_hints(FILE *out, const struct fs_doc *d,
			 int (*suspect)(const struct fs_proc *),
			 int (*cmp)(const void *, const void *),
			 void (*hint)(FILE *, const struct fs_doc *, const struct fs_proc *),
			 const char *more)
{
	const struct fs_proc **s = malloc((d->nprocs + 1) * sizeof(*s));
	size_t i, n = 0;
	char text[160];

	if (!s)
		return 0;
	for (i = 0; i < d->nprocs; i++)
		if (suspect(&d->procs[i]))
			s[n++] = &d->procs[i];
	qsort(s, n, sizeof(*s), cmp);
	for (i = 0; i < n && i < HINTS_PER_KIND; i++)
		hint(out, d, s[i]);
	if (n > HINTS_PER_KIND) {
		snprintf(text, sizeof(text), "and %zu more processes like these (%s)",
			 n - HINTS_PER_KIND, more);
		hint_line(out, text);
	}
	free(s);
	return (int)n;
}

static void hints(FILE *out, const struct fs_doc *d)
{
	int shown = probe_hints(out, d);

	shown += process_hints(out, d, fork_suspect, cmp_fork_suspect, fork_hint,
			       "forkstatctl top -s time");
	shown += process_hints(out, d, bill_suspect, cmp_bill_suspect, bill_hint,
			       "forkstatctl top -s stall, top -s cow");
	shown += process_hints(out, d, sock_suspect, cmp_sock_suspect, sock_hint,
			       "forkstatctl top -s blocked");
	if (!shown)
		fprintf(out, "  nothing looks pathological\n");
}

static void header(FILE *out, const struct fs_doc *d)
{
	uint64_t missed = 0, attached = 0, failed = 0, off = 0;
	char mod[32], kernel[96];
	size_t i;

	for (i = 0; i < d->nprobes; i++) {
		missed += d->probes[i].nmissed;
		attached += strcmp(d->probes[i].state, "attached") == 0;
		failed += strcmp(d->probes[i].state, "failed") == 0;
		off += strcmp(d->probes[i].state, "off") == 0;
	}
	fprintf(out, "forkstat %s on %s\n", esc_term(d->module, mod, sizeof(mod)),
		esc_term(d->kernel, kernel, sizeof(kernel)));
	fprintf(out, "  probes: %llu attached, %llu off, %llu failed, %llu not needed here; %llu calls missed\n",
		(unsigned long long)attached, (unsigned long long)off,
		(unsigned long long)failed,
		(unsigned long long)(d->nprobes - attached - failed - off),
		(unsigned long long)missed);
	fprintf(out, "  latency via %.20s, page-table copy via %.20s,\n  mm duplication via %.20s; %llu forks untracked\n\n",
		d->latency_method, d->ptcopy_method, d->mmdup_method,
		(unsigned long long)d->untracked);
}

static void flavour_table(FILE *out, const struct fs_doc *d)
{
	char a[16], b[16], c[16], e[16], g[16], h[16];
	int f;

	if (d->filtered)
		fprintf(out, "host-wide (a filter narrows processes, events and hints):\n");
	fprintf(out, "%-8s %9s %7s %8s %8s %8s %8s %11s\n", "FLAVOUR", "CALLS",
		"ERRORS", "AVG", "P50", "P99", "MAX", "PTCOPY/FORK");
	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		const struct fs_flav *fl = &d->flav[f];
		int any = fl->count != 0;
		/* No bucket, no percentile (a count the histogram missed). */
		int pct = hist_total(fl->hist, FS_LAT_BUCKETS) != 0;

		fprintf(out, "%-8s %9s %7llu %8s %8s %8s %8s %11s\n",
			fs_flavour_names[f], fmt_count(fl->count, g, sizeof(g)),
			(unsigned long long)fl->errors,
			any ? fmt_ns(fl->sum_ns / fl->count, a, sizeof(a)) : "-",
			pct ? fmt_ns(hist_percentile_ns(fl->hist, 0.5, fl->max_ns), b, sizeof(b)) : "-",
			pct ? fmt_ns(hist_percentile_ns(fl->hist, 0.99, fl->max_ns), c, sizeof(c)) : "-",
			any ? fmt_ns(fl->max_ns, e, sizeof(e)) : "-",
			any && f == FS_FORK ?
				fmt_ns(fl->ptcopy_sum_ns / fl->count, h, sizeof(h)) : "-");
	}
	fprintf(out, "P50, P99: the end of the log2 bucket holding the percentile, at most MAX\n");
}

static void top_processes(FILE *out, const struct fs_doc *d)
{
	struct fs_proc *s = sorted_procs(d, TOP_TIME);
	char a[16], b[16], c[16], comm[64];
	size_t i;

	if (!s)
		return;
	fprintf(out, "\nprocesses by time in copy_process (%zu tracked, %llu dropped):\n",
		d->nprocs, (unsigned long long)d->procs_dropped);
	fprintf(out, "  %7s %-15s %7s %8s %8s %8s\n", "PID", "COMM", "CALLS", "TOTAL",
		"MAX", "MAXRSS");
	for (i = 0; i < d->nprocs && i < TOP_PROCESSES && s[i].sum_ns; i++)
		fprintf(out, "  %7lld %-15.15s %7llu %8s %8s %8s\n", (long long)s[i].tgid,
			esc_term(s[i].comm, comm, 16), (unsigned long long)proc_calls(&s[i]),
			fmt_ns(s[i].sum_ns, a, sizeof(a)), fmt_ns(s[i].max_ns, b, sizeof(b)),
			fmt_kb(s[i].max_rss_kb, c, sizeof(c)));
	free(s);
}

/* What forks cost their processes after copy_process returned. */
static void fork_costs(FILE *out, const struct fs_doc *d)
{
	const struct fs_cow_side *p = &d->cow_sum[FS_COW_PARENT];
	const struct fs_cow_side *c = &d->cow_sum[FS_COW_CHILD];
	char a[16], b[16], e[16], f[16], g[16];

	fprintf(out, "\nbeyond copy_process%s: other threads waited %llu times, %s in all,\n  while their mm was duplicated\n",
		d->filtered ? " (host-wide)" : "", (unsigned long long)d->stall_sum.waits,
		fmt_ns(d->stall_sum.ns, a, sizeof(a)));
	fprintf(out, "  copy-on-write after %llu forks (%llu followed now): parents copied %s in\n  %s of faults, children %s in %s\n",
		(unsigned long long)d->cow_forks, (unsigned long long)d->cow_open,
		fmt_kb(p->pages * 4, b, sizeof(b)), fmt_ns(p->ns, e, sizeof(e)),
		fmt_kb(c->pages * 4, f, sizeof(f)), fmt_ns(c->ns, g, sizeof(g)));
	if (d->stall_unwatched || d->cow_unwatched)
		fprintf(out, "  not followed: %llu forks' stalls, %llu forks' copy-on-write (no free slot)\n",
			(unsigned long long)d->stall_unwatched,
			(unsigned long long)d->cow_unwatched);
}

void render_summary(FILE *out, const struct fs_doc *d)
{
	uint64_t clears = d->sock_clears[FS_PATH_FCNTL] + d->sock_clears[FS_PATH_IOCTL];
	char a[16];

	header(out, d);
	flavour_table(out, d);
	top_processes(out, d);
	fork_costs(out, d);
	fprintf(out, "\nsockets%s: %llu O_NONBLOCK clears (fcntl %llu, ioctl %llu), %llu sets\n",
		d->filtered ? " (host-wide)" : "", (unsigned long long)clears,
		(unsigned long long)d->sock_clears[FS_PATH_FCNTL],
		(unsigned long long)d->sock_clears[FS_PATH_IOCTL],
		(unsigned long long)(d->sock_sets[0] + d->sock_sets[1]));
	fprintf(out, "  %llu threads blocked in socket reads now\n",
		(unsigned long long)d->scan_blocked);
	fprintf(out, "slow forks (>= %s)%s: %llu\n\nhints:\n",
		fmt_ns(d->slow_us * 1000, a, sizeof(a)), d->filtered ? " (host-wide)" : "",
		(unsigned long long)d->slow_total);
	hints(out, d);
}
