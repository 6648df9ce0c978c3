// SPDX-License-Identifier: GPL-2.0
/*
 * The one-screen summary: health, latency per flavour, the processes
 * that spend most in copy_process, what forks cost after it (stalled
 * threads, copy-on-write), sockets, and plain-words hints where a
 * figure looks like one of the two pathologies forkstat exists for.
 * The whole fits one screen (SUMMARY_LINES): hints are ranked, and those
 * that do not fit in the lines left are counted on one last line, with
 * where to look (-p PID shows one process's).
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "symbolize.h"

#define HINTS_PER_KIND	5
#define TOP_PROCESSES	3
#define SUMMARY_LINES	24

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

/*
 * Writes text wrapped at 80 columns: "  ! " first, "    " after, or with
 * out NULL only counts. Returns the lines.
 */
static int wrap_hint(FILE *out, const char *text)
{
	const char *p = text, *brk, *sp, *c;
	const int width = 76;
	int lines = 0;

	while (*p) {
		brk = p + strlen(p);
		if (brk - p > width) {
			for (sp = p + width; sp > p && *sp != ' '; sp--)
				;
			brk = sp > p ? sp : p + width;
		}
		if (out) {
			fputs(lines ? "    " : "  ! ", out);
			for (c = p; c < brk; c++)
				fputc(*c == NBSP ? ' ' : *c, out);
			fputc('\n', out);
		}
		lines++;
		p = *brk == ' ' ? brk + 1 : brk;
	}
	return lines;
}

/* The hints, in rank order, and the lines they may take. */
struct hints {
	FILE *out;
	int lines;		/* left */
	int shown, folded;
};

/*
 * A hint if it fits in the lines left (keeping one for the count of
 * those that do not), else counted.
 */
static void hint_line(struct hints *h, const char *text)
{
	int n = wrap_hint(NULL, text);

	if (h->folded || n > h->lines - 1) {
		h->folded++;
		return;
	}
	h->lines -= wrap_hint(h->out, text);
	h->shown++;
}

static int probe_hints(struct hints *out, const struct fs_doc *d)
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

/*
 * What a spawn costs a parent here: the least of the host's mean vfork
 * freeze (the parent's wait from the call to its child's exec), the
 * bound of the bucket that holds its median, and the mean freeze of the
 * quickest process whose vforks all exec'd; else the host's mean vfork
 * copy_process time; 0 when the host made none. A freeze also holds
 * whatever kept the child from running to its exec: one vfork whose
 * child paused for minutes (a shell's, a test's) or a spawner queued
 * behind its own busy threads must not make posix_spawn look dearer
 * than a big fork. The bound alone may be twice the freeze of evenly
 * quick spawns.
 */
static uint64_t host_spawn_ns(const struct fs_doc *d)
{
	const struct fs_spawn *h = &d->spawn_sum;
	uint64_t least, median;

	if (!h->vfork_waits)
		return d->flav[FS_VFORK].count ? d->flav[FS_VFORK].sum_ns / d->flav[FS_VFORK].count : 0;
	least = h->vfork_wait_ns / h->vfork_waits;
	median = hist_percentile_ns(h->vfork_wait_hist, 0.5, h->vfork_wait_max_ns);
	if (median && median < least)
		least = median;
	if (d->spawn_least_ns && d->spawn_least_ns < least)
		least = d->spawn_least_ns;
	return least;
}

/* Its forks' children exec'd more often than not: fork+exec spawns. */
static void spawn_advice(const struct fs_doc *d, const struct fs_proc *p,
			 char *text, size_t len)
{
	const struct fs_spawn *s = &p->spawn;
	uint64_t n = s->forks[FS_OUT_EXEC], decided = n + s->forks[FS_OUT_EXIT] + s->forks[FS_OUT_RUN];
	uint64_t each = fs_spawn_cost_ns(s) / n;
	uint64_t alt = host_spawn_ns(d);
	char a[16], b[16], c[16], e[16], f[16], g[16], save[200];

	save[0] = '\0';
	if (alt && alt < each)
		snprintf(save, sizeof(save), "; posix_spawn costs a parent %s here: it would save about %s per spawn (in Go, os/exec does since 1.9)",
			 unbreakable((char *)fmt_ns(alt, f, sizeof(f))),
			 unbreakable((char *)fmt_ns(each - alt, g, sizeof(g))));
	snprintf(text, len, "; %llu%% of its children exec'd, after %s on average: spawns, each costing %s (copy_process %s, stalls %s, copy-on-write %s)%s",
		 (unsigned long long)(n * 100 / decided),
		 unbreakable((char *)fmt_ns(s->exec_lag_ns / n, a, sizeof(a))),
		 unbreakable((char *)fmt_ns(each, b, sizeof(b))),
		 unbreakable((char *)fmt_ns(s->spawn_fork_ns / n, c, sizeof(c))),
		 unbreakable((char *)fmt_ns(s->spawn_stall_ns / n, e, sizeof(e))),
		 unbreakable((char *)fmt_ns(s->spawn_cow_ns / n, g, sizeof(g))),
		 save[0] ? save : ": switch to posix_spawn/vfork");
}

/*
 * Its children ran its code: snapshots or workers, which posix_spawn
 * cannot replace. A huge page (a PMD's worth: page_bytes / 8 entries of
 * page_bytes each, 2 MiB of 4 KiB pages) would copy that many times
 * fewer entries, but a page written while a child lives would then copy
 * the huge page: the most that could come to is told, bounded by the
 * parent's size.
 */
static void snapshot_advice(const struct fs_doc *d, const struct fs_proc *p, char *text,
			    size_t len)
{
	const struct fs_spawn *s = &p->spawn;
	uint64_t pages = p->cow[FS_COW_PARENT].pages + p->cow[FS_COW_CHILD].pages;
	uint64_t entries = d->page_bytes / 8, huge_kb = fs_pages_kb(d, entries);
	uint64_t most_kb = pages * huge_kb, cap = p->max_rss_kb * p->n[FS_FORK];
	char a[16], b[16], h[16], pg[16];

	snprintf(text, len, "; its children ran its code (%llu exited without exec, %llu still ran after the window): snapshots or workers, which posix_spawn cannot replace; they copied %s on write: transparent huge pages would copy about %llu times fewer page-table entries, but each page written while a child lives would copy %s instead of %s: up to %s here",
		 (unsigned long long)s->forks[FS_OUT_EXIT],
		 (unsigned long long)s->forks[FS_OUT_RUN],
		 unbreakable((char *)fmt_kb(fs_pages_kb(d, pages), a, sizeof(a))),
		 (unsigned long long)entries,
		 unbreakable((char *)fmt_kb(huge_kb, h, sizeof(h))),
		 unbreakable((char *)fmt_kb(fs_pages_kb(d, 1), pg, sizeof(pg))),
		 unbreakable((char *)fmt_kb(most_kb < cap || !cap ? most_kb : cap, b, sizeof(b))));
}

static void fork_hint(struct hints *out, const struct fs_doc *d, const struct fs_proc *p)
{
	char text[1600], comm[64], a[16], b[16], by[600], what[800], rate[64];
	const struct fs_spawn *s = &p->spawn;
	uint64_t execs = s->forks[FS_OUT_EXEC], others = s->forks[FS_OUT_EXIT] + s->forks[FS_OUT_RUN];

	culprit(d, p->tgid, 1, by, sizeof(by));
	rate[0] = '\0';
	/* ms per GiB: about 10-20 on bare metal, hundreds emulated, a few with huge pages. */
	if (fs_ptcopy_ms_per_gib(p) >= 0)
		snprintf(rate, sizeof(rate), " (%.0f\x01ms/GiB)", fs_ptcopy_ms_per_gib(p));
	if (execs && execs > others)
		spawn_advice(d, p, what, sizeof(what));
	else if (others)
		snapshot_advice(d, p, what, sizeof(what));
	else
		snprintf(what, sizeof(what), ": if its children exec, switch to posix_spawn/vfork; if they run its code, shrink the parent");
	snprintf(text, sizeof(text),
		 "pid %lld (%s) forked %llu times with %s RSS; its page tables took %s to copy per fork%s%s%s",
		 (long long)p->tgid, esc_term(p->comm, comm, sizeof(comm)),
		 (unsigned long long)p->n[FS_FORK],
		 unbreakable((char *)fmt_kb(p->max_rss_kb, a, sizeof(a))),
		 unbreakable((char *)fmt_ns(p->ptcopy_ns / p->n[FS_FORK], b, sizeof(b))),
		 rate, by, what);
	hint_line(out, text);
}

static void bill_hint(struct hints *out, const struct fs_doc *d, const struct fs_proc *p)
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
		 unbreakable((char *)fmt_kb(fs_pages_kb(d, pages), g, sizeof(g))), advice);
	hint_line(out, text);
}

static void sock_hint(struct hints *out, const struct fs_doc *d, const struct fs_proc *p)
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
static int process_hints(struct hints *out, const struct fs_doc *d,
			 int (*suspect)(const struct fs_proc *),
			 int (*cmp)(const void *, const void *),
			 void (*hint)(struct hints *, const struct fs_doc *, const struct fs_proc *),
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
	if (n > HINTS_PER_KIND && out->folded) {
		out->folded += n - HINTS_PER_KIND;
	} else if (n > HINTS_PER_KIND) {
		snprintf(text, sizeof(text), "and %zu more processes like these (%s)",
			 n - HINTS_PER_KIND, more);
		hint_line(out, text);
		if (out->folded)	/* that line did not fit: the processes count */
			out->folded += n - HINTS_PER_KIND - 1;
	}
	free(s);
	return (int)n;
}

/*
 * The hints in the lines left; "nothing" when there are none. With out
 * NULL nothing is written: returns the lines they would take.
 */
static int hints(FILE *out, const struct fs_doc *d, int lines)
{
	struct hints h = { .out = out, .lines = lines };
	int shown = probe_hints(&h, d);

	shown += process_hints(&h, d, fork_suspect, cmp_fork_suspect, fork_hint,
			       "forkstatctl top -s time");
	shown += process_hints(&h, d, bill_suspect, cmp_bill_suspect, bill_hint,
			       "forkstatctl top -s stall, top -s cow");
	shown += process_hints(&h, d, sock_suspect, cmp_sock_suspect, sock_hint,
			       "forkstatctl top -s blocked");
	if (out && !shown)
		fprintf(out, "  nothing looks pathological\n");
	else if (out && h.folded)
		fprintf(out, "  ! %d more hints than fit here: forkstatctl -p PID for one process's\n",
			h.folded);
	return lines - h.lines + 1;
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
	fprintf(out, "  probes: %llu attached, %llu off, %llu failed, %llu not needed; %llu missed",
		(unsigned long long)attached, (unsigned long long)off,
		(unsigned long long)failed,
		(unsigned long long)(d->nprobes - attached - failed - off),
		(unsigned long long)missed);
	if (d->untracked)
		fprintf(out, ", %llu forks untracked", (unsigned long long)d->untracked);
	fputc('\n', out);
}

/* Flavours that saw calls, fork always; P50/P99 as docs/cli.md says. */
static void flavour_table(FILE *out, const struct fs_doc *d)
{
	char a[16], b[16], c[16], e[16], g[16], h[16];
	int f;

	fprintf(out, "\ncopy_process by flavour%s, %llu slow forks (>= %s):\n",
		d->filtered ? " (host-wide)" : "", (unsigned long long)d->slow_total,
		fmt_ns(d->slow_us * 1000, a, sizeof(a)));
	fprintf(out, "%-8s %9s %7s %8s %8s %8s %8s %11s\n", "FLAVOUR", "CALLS",
		"ERRORS", "AVG", "P50", "P99", "MAX", "PTCOPY/FORK");
	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		const struct fs_flav *fl = &d->flav[f];
		int any = fl->count != 0;
		/* No bucket, no percentile (a count the histogram missed). */
		int pct = hist_total(fl->hist, FS_LAT_BUCKETS) != 0;

		if (!any && !fl->errors && f != FS_FORK)
			continue;
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
}

/* The rows processes take the most time in copy_process, at most rows. */
static void top_processes(FILE *out, const struct fs_doc *d, int rows)
{
	char a[16], b[16], c[16], comm[64];
	struct fs_proc *s;
	size_t i;

	if (rows < 1) {
		fprintf(out, "processes: %zu tracked, %llu dropped (forkstatctl top)\n",
			d->nprocs, (unsigned long long)d->procs_dropped);
		return;
	}
	s = sorted_procs(d, TOP_TIME);
	if (!s)
		return;
	fprintf(out, "processes by time in copy_process (%zu tracked, %llu dropped):\n",
		d->nprocs, (unsigned long long)d->procs_dropped);
	fprintf(out, "  %7s %-15s %7s %8s %8s %8s\n", "PID", "COMM", "CALLS", "TOTAL",
		"MAX", "MAXRSS");
	for (i = 0; i < d->nprocs && (int)i < rows && s[i].sum_ns; i++)
		fprintf(out, "  %7lld %s %7llu %8s %8s %8s\n", (long long)s[i].tgid,
			esc_col(s[i].comm, 15, comm, sizeof(comm)), (unsigned long long)proc_calls(&s[i]),
			fmt_ns(s[i].sum_ns, a, sizeof(a)), fmt_ns(s[i].max_ns, b, sizeof(b)),
			fmt_kb(s[i].max_rss_kb, c, sizeof(c)));
	free(s);
}

/* What forks cost their processes after copy_process returned. */
static void fork_costs(FILE *out, const struct fs_doc *d)
{
	const struct fs_cow_side *p = &d->cow_sum[FS_COW_PARENT];
	const struct fs_cow_side *c = &d->cow_sum[FS_COW_CHILD];
	char a[16], b[16], e[16], f[16], g[16], n[16], w[16];

	fprintf(out, "stalls%s: %s thread waits for %s while their mm was copied\n",
		d->filtered ? " (host-wide)" : "", fmt_count(d->stall_sum.waits, w, sizeof(w)),
		fmt_ns(d->stall_sum.ns, a, sizeof(a)));
	fprintf(out, "  copy-on-write after %s forks (%llu followed now): parents copied %s\n",
		fmt_count(d->cow_forks, n, sizeof(n)), (unsigned long long)d->cow_open,
		fmt_kb(fs_pages_kb(d, p->pages), b, sizeof(b)));
	fprintf(out, "  in %s of faults, children %s in %s\n", fmt_ns(p->ns, e, sizeof(e)),
		fmt_kb(fs_pages_kb(d, c->pages), f, sizeof(f)), fmt_ns(c->ns, g, sizeof(g)));
	if (d->stall_unwatched || d->cow_unwatched)
		fprintf(out, "  not followed (no free slot): %s forks' stalls, %s forks' copy-on-write\n",
			fmt_count(d->stall_unwatched, a, sizeof(a)),
			fmt_count(d->cow_unwatched, b, sizeof(b)));
}

/* The OOM killer's last call kept, when there was one: one line. */
static void last_oom(FILE *out, const struct fs_doc *d)
{
	const struct fs_oom *o;
	char t[16], comm[64], g[128];

	if (!d->nooms)
		return;
	o = &d->ooms[d->nooms - 1];
	fprintf(out, "OOM: %llu killed%s; last at %s: %s %s (forkstatctl oom)\n",
		(unsigned long long)d->oom_kills, d->filtered ? " (host-wide)" : "",
		fmt_clock(o->time_ns, t, sizeof(t)),
		strcmp(o->result, "killed") ? "nothing killed in" : "killed",
		!strcmp(o->result, "killed") && o->nvictims ?
			esc_term(o->victim[0].comm, comm, sizeof(comm)) :
			o->memcg ? render_cgroup_col(o->memcg, 30, g, sizeof(g)) : "the host");
}

/* Lines of text in a memstream's buffer. */
static int count_lines(const char *s, size_t len)
{
	int n = 0;

	while (len--)
		n += *s++ == '\n';
	return n;
}

/*
 * The figures, then the hints in what is left of SUMMARY_LINES: the
 * process table gives up its rows (for one line pointing at top) when
 * the hints need them.
 */
void render_summary(FILE *out, const struct fs_doc *d)
{
	uint64_t clears = d->sock_clears[FS_PATH_FCNTL] + d->sock_clears[FS_PATH_IOCTL];
	char a[16], b[16], c[16], *head = NULL, *tail = NULL;
	size_t hlen = 0, tlen = 0, rows;
	FILE *h = open_memstream(&head, &hlen), *t = open_memstream(&tail, &tlen);
	int left, want;

	if (!h || !t) {
		if (h)
			fclose(h);
		if (t)
			fclose(t);
		free(head);
		free(tail);
		return;
	}
	header(h, d);
	flavour_table(h, d);
	fputc('\n', h);
	fork_costs(t, d);
	fprintf(t, "sockets%s: %s O_NONBLOCK clears, %s sets, %s threads blocked now\n",
		d->filtered ? " (host-wide)" : "", fmt_count(clears, a, sizeof(a)),
		fmt_count(d->sock_sets[0] + d->sock_sets[1], b, sizeof(b)),
		fmt_count(d->scan_blocked, c, sizeof(c)));
	last_oom(t, d);
	fprintf(t, "\nhints:\n");
	fclose(h);
	fclose(t);
	left = SUMMARY_LINES - count_lines(head, hlen) - count_lines(tail, tlen);
	want = hints(NULL, d, SUMMARY_LINES);
	rows = 0;
	while (rows < TOP_PROCESSES && rows < d->nprocs && left - (int)rows - 3 >= want)
		rows++;
	fputs(head, out);
	top_processes(out, d, (int)rows);
	fputs(tail, out);
	hints(out, d, left - (rows ? (int)rows + 2 : 1));
	free(head);
	free(tail);
}
