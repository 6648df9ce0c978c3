// SPDX-License-Identifier: GPL-2.0
/* What the views share: cgroup names and sums over process rows. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"

/* Names for cgroup ids: paths where known (cgroups.c), set by main. */
static const struct fs_cgroups *cgroups;

void render_use_cgroups(const struct fs_cgroups *cg)
{
	cgroups = cg;
}

const char *render_cgroup(uint64_t id, char *buf, size_t len)
{
	return fs_cgroup_name(cgroups, id, buf, len);
}

const char *render_cgroup_col(uint64_t id, size_t width, char *buf, size_t len)
{
	char name[4096], fit[128];

	fit_middle(render_cgroup(id, name, sizeof(name)), width, fit, sizeof(fit));
	return esc_term(fit, buf, len);
}

const char *path_base(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

uint64_t proc_calls(const struct fs_proc *p)
{
	return hist_total(p->n, FS_NR_FLAVOURS);
}

/*
 * Rows and, per cgroup, what processes gone left (procgone: the rows of
 * exited processes evicted to make room, the OOM kills): so that a
 * cgroup's sums never go down.
 */
size_t cgroup_sums(const struct fs_doc *d, struct cgroup_sum **out)
{
	struct cgroup_sum *s = calloc(d->nprocs + d->ngone + 1, sizeof(*s));
	size_t i, j, n = 0;

	*out = s;
	if (!s)
		return 0;
	for (i = 0; i < d->nprocs + d->ngone; i++) {
		const struct fs_proc *p = i < d->nprocs ? &d->procs[i] : &d->gone[i - d->nprocs];

		for (j = 0; j < n && s[j].id != p->cgroup; j++)
			;
		if (j == n)
			s[n++].id = p->cgroup;
		s[j].procs += i < d->nprocs ? 1 : p->evicted_rows;
		s[j].calls += proc_calls(p);
		s[j].forks += p->n[FS_FORK];
		s[j].sum_ns += p->sum_ns;
		s[j].ptcopy_ns += p->ptcopy_ns;
		s[j].stall_ns += p->stall.ns;
		s[j].cow_pages += p->cow[FS_COW_PARENT].pages + p->cow[FS_COW_CHILD].pages;
		s[j].clears += p->sock_clears;
		s[j].blocked += p->blocked_now;
		s[j].oom_kills += p->oom_kills;
	}
	return n;
}

int probe_failed_unexpectedly(const struct fs_doc *d, const struct fs_probe *p)
{
	/* dup_mmap failing is expected where the uprobe pair stands in. */
	return strcmp(p->state, "failed") == 0 &&
	       !(strcmp(p->symbol, "dup_mmap") == 0 && strcmp(d->mmdup_method, "none"));
}
