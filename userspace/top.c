// SPDX-License-Identifier: GPL-2.0
/* top: processes (or cgroups) ranked by a key, in 80 columns. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"

const char *const top_key_names[TOP_NR_KEYS] = {
	"time", "forks", "max", "rss", "clears", "blocked", "stall", "cow", "spawn",
};

/* What spawning cost the process: its forks that exec'd, its vfork freezes. */
static uint64_t spawn_ns(const struct fs_proc *p)
{
	return fs_spawn_cost_ns(&p->spawn) + p->spawn.vfork_wait_ns;
}

static enum top_key sort_key;

static uint64_t top_value(const struct fs_proc *p)
{
	switch (sort_key) {
	case TOP_FORKS: return p->n[FS_FORK];	/* the FORK column */
	case TOP_MAX: return p->max_ns;
	case TOP_RSS: return p->max_rss_kb;
	case TOP_CLEARS: return p->sock_clears;
	case TOP_BLOCKED: return p->blocked_now;
	case TOP_STALL: return p->stall.ns;
	case TOP_COW: return p->cow[FS_COW_PARENT].pages + p->cow[FS_COW_CHILD].pages;
	case TOP_SPAWN: return spawn_ns(p);
	default: return p->sum_ns;
	}
}

static uint64_t top_value_cg(const struct cgroup_sum *c)
{
	switch (sort_key) {
	case TOP_FORKS: return c->calls;	/* its CALLS column */
	case TOP_CLEARS: return c->clears;
	case TOP_BLOCKED: return c->blocked;
	case TOP_STALL: return c->stall_ns;
	case TOP_COW: return c->cow_pages;
	default: return c->sum_ns;
	}
}

/* Equal keys: the more time in copy_process first, then the lower pid. */
static int cmp_top(const void *a, const void *b)
{
	const struct fs_proc *x = a, *y = b;

	return cmp_desc(top_value(x), top_value(y)) ?: cmp_desc(x->sum_ns, y->sum_ns) ?:
	       (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

struct fs_proc *sorted_procs(const struct fs_doc *d, enum top_key key)
{
	struct fs_proc *s = malloc((d->nprocs + 1) * sizeof(*s));

	if (!s)
		return NULL;
	memcpy(s, d->procs, d->nprocs * sizeof(*s));
	sort_key = key;
	qsort(s, d->nprocs, sizeof(*s), cmp_top);
	return s;
}

/*
 * What forks cost after copy_process: WAITS and STALLED the other
 * threads' waits while the mm was duplicated, LONGEST the longest;
 * COPIED the pages both sides copied on write, COWTIME the parent's time
 * in those faults.
 */
static void render_top_bill(FILE *out, const struct fs_doc *d, const struct fs_proc *s,
			    size_t k, int n)
{
	char a[16], b[16], c[16], e[16], f[16], f1[16], f2[16], comm[64];
	size_t i;

	fprintf(out, "%7s %-15s %5s %8s %5s %8s %8s %8s %8s\n", "PID", "COMM", "FORK",
		"TIME", "WAITS", "STALLED", "LONGEST", "COPIED", "COWTIME");
	for (i = 0; i < k && (n <= 0 || (int)i < n); i++) {
		const struct fs_proc *p = &s[i];

		fprintf(out, "%7lld %s %5s %8s %5s %8s %8s %8s %8s\n",
			(long long)p->tgid, esc_col(p->comm, 15, comm, sizeof(comm)),
			fmt_count(p->n[FS_FORK], f1, sizeof(f1)),
			fmt_ns(p->sum_ns, a, sizeof(a)),
			fmt_count(p->stall.waits, f2, sizeof(f2)),
			fmt_ns(p->stall.ns, b, sizeof(b)), fmt_ns(p->stall.max_ns, c, sizeof(c)),
			fmt_kb(fs_pages_kb(d, p->cow[FS_COW_PARENT].pages +
					   p->cow[FS_COW_CHILD].pages), e, sizeof(e)),
			fmt_ns(p->cow[FS_COW_PARENT].ns, f, sizeof(f)));
	}
}

/*
 * What its forks were for: EXEC, EXIT and RUN count its plain forks by
 * what the child did; LAG is the mean time to the exec, COST what each
 * fork that exec'd cost (copy_process, stalls, copy-on-write: what
 * posix_spawn saves); VFORK and FROZEN its CLONE_VFORK calls and the
 * parent's freeze in them, summed; MS/GB the page-table copy per GiB.
 */
static void render_top_spawn(FILE *out, const struct fs_proc *s, size_t k, int n)
{
	char a[16], b[16], c[16], f1[16], f2[16], f3[16], f4[16], rate[16], comm[64];
	size_t i;

	fprintf(out, "%7s %-15s %5s %5s %5s %8s %8s %5s %8s %5s\n", "PID", "COMM", "EXEC",
		"EXIT", "RUN", "LAG", "COST", "VFORK", "FROZEN", "MS/GB");
	for (i = 0; i < k && (n <= 0 || (int)i < n); i++) {
		const struct fs_spawn *p = &s[i].spawn;
		uint64_t execs = p->forks[FS_OUT_EXEC];

		snprintf(rate, sizeof(rate), "-");
		if (fs_ptcopy_ms_per_gib(&s[i]) >= 0)
			snprintf(rate, sizeof(rate), "%.0f", fs_ptcopy_ms_per_gib(&s[i]));
		fprintf(out, "%7lld %s %5s %5s %5s %8s %8s %5s %8s %5s\n",
			(long long)s[i].tgid, esc_col(s[i].comm, 15, comm, sizeof(comm)),
			fmt_count(execs, f1, sizeof(f1)),
			fmt_count(p->forks[FS_OUT_EXIT], f2, sizeof(f2)),
			fmt_count(p->forks[FS_OUT_RUN], f3, sizeof(f3)),
			execs ? fmt_ns(p->exec_lag_ns / execs, a, sizeof(a)) : "-",
			execs ? fmt_ns(fs_spawn_cost_ns(p) / execs, b, sizeof(b)) : "-",
			fmt_count(p->vfork_waits, f4, sizeof(f4)),
			fmt_ns(p->vfork_wait_ns, c, sizeof(c)), rate);
	}
}

/*
 * FORK copies page tables; SPAWN is vfork and CLONE_VM (nothing copied);
 * THRD is threads; TIME all of them in copy_process; PTCOPY the forks'
 * page-table copy.
 * The stall, copy-on-write and spawn keys have tables of their own.
 */
void render_top(FILE *out, const struct fs_doc *d, int n, enum top_key key)
{
	struct fs_proc *s = sorted_procs(d, key);
	char a[16], b[16], c[16], f1[16], f2[16], f3[16], f4[16], f5[16], comm[64];
	size_t i;

	if (!s)
		return;
	if (key == TOP_STALL || key == TOP_COW) {
		render_top_bill(out, d, s, d->nprocs, n);
		goto out;
	}
	if (key == TOP_SPAWN) {
		render_top_spawn(out, s, d->nprocs, n);
		goto out;
	}
	fprintf(out, "%7s %-15s %5s %5s %5s %8s %8s %8s %5s %5s\n", "PID", "COMM", "FORK",
		"SPAWN", "THRD", "TIME", "PTCOPY", "MAXRSS", "CLR", "BLK");
	for (i = 0; i < d->nprocs && (n <= 0 || (int)i < n); i++) {
		const struct fs_proc *p = &s[i];

		fprintf(out, "%7lld %s %5s %5s %5s %8s %8s %8s %5s %5s\n",
			(long long)p->tgid, esc_col(p->comm, 15, comm, sizeof(comm)),
			fmt_count(p->n[FS_FORK], f1, sizeof(f1)),
			fmt_count(p->n[FS_VFORK] + p->n[FS_VM_CLONE], f2, sizeof(f2)),
			fmt_count(p->n[FS_THREAD], f3, sizeof(f3)),
			fmt_ns(p->sum_ns, a, sizeof(a)), fmt_ns(p->ptcopy_ns, b, sizeof(b)),
			fmt_kb(p->max_rss_kb, c, sizeof(c)),
			fmt_count(p->sock_clears, f4, sizeof(f4)),
			fmt_count(p->blocked_now, f5, sizeof(f5)));
	}
out:
	if (d->procs_dropped)
		fprintf(out, "(%llu calls from processes the table had no room for)\n",
			(unsigned long long)d->procs_dropped);
	free(s);
}

static int cmp_cgroup_sum(const void *a, const void *b)
{
	const struct cgroup_sum *x = a, *y = b;

	return cmp_desc(top_value_cg(x), top_value_cg(y)) ?: cmp_desc(x->sum_ns, y->sum_ns) ?:
	       (x->id > y->id) - (x->id < y->id);
}

void render_top_cgroups(FILE *out, const struct fs_doc *d, int n, enum top_key key)
{
	char a[16], b[16], c1[16], c2[16], c3[16], c4[16], c5[16], g[128];
	struct cgroup_sum *s;
	size_t i, k = cgroup_sums(d, &s);

	sort_key = key;
	qsort(s, k, sizeof(*s), cmp_cgroup_sum);
	fprintf(out, "%-26s %5s %5s %5s %8s %8s %5s %5s %5s\n", "CGROUP", "PROCS", "CALLS",
		"FORKS", "TIME", "PTCOPY", "CLR", "BLK", "OOMS");
	for (i = 0; i < k && (n <= 0 || (int)i < n); i++) {
		render_cgroup_col(s[i].id, 26, g, sizeof(g));
		/* Padded in columns: printf's %-26s counts bytes. */
		fprintf(out, "%s%*s %5llu %5s %5s %8s %8s %5s %5s %5s\n",
			g, (int)(26 - term_cols(g)), "", (unsigned long long)s[i].procs,
			fmt_count(s[i].calls, c1, sizeof(c1)),
			fmt_count(s[i].forks, c2, sizeof(c2)), fmt_ns(s[i].sum_ns, a, sizeof(a)),
			fmt_ns(s[i].ptcopy_ns, b, sizeof(b)),
			fmt_count(s[i].clears, c3, sizeof(c3)),
			fmt_count(s[i].blocked, c4, sizeof(c4)),
			fmt_count(s[i].oom_kills, c5, sizeof(c5)));
	}
	free(s);
}
