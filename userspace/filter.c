// SPDX-License-Identifier: GPL-2.0
/*
 * Narrows a document in place to the processes, forks, fork bills,
 * clears, sets, blocked threads and OOMs a filter names (filter.h). Every
 * record the filter looks at has a tgid, a comm and a cgroup; an OOM
 * matches by its trigger or by any of its victims.
 */
#include <string.h>

#include "filter.h"

static int match(const struct fs_filter *f, const struct fs_cgroups *cg,
		 int64_t tgid, const char *comm, uint64_t cgroup)
{
	return (!f->tgid || tgid == f->tgid) &&
	       (!f->comm || strcmp(comm, f->comm) == 0) &&
	       (!f->by_cgroup || fs_cgroup_within(cg, cgroup, &f->cgroup));
}

/* Keeps the elements of arr (n of them) that match. */
#define KEEP(arr, n, f, cg) ({						\
	size_t __i, __o = 0;						\
	for (__i = 0; __i < (n); __i++)					\
		if (match(f, cg, (arr)[__i].tgid, (arr)[__i].comm,	\
			  (arr)[__i].cgroup))				\
			(arr)[__o++] = (arr)[__i];			\
	(n) = __o;							\
})

static int match_oom(const struct fs_filter *f, const struct fs_cgroups *cg,
		     const struct fs_oom *o)
{
	size_t i;

	if (match(f, cg, o->tgid, o->comm, o->cgroup))
		return 1;
	for (i = 0; i < o->nvictims; i++)
		if (match(f, cg, o->victim[i].tgid, o->victim[i].comm, o->victim[i].cgroup))
			return 1;
	return 0;
}

static size_t kept(const struct fs_doc *d)
{
	return d->nprocs + d->nslow + d->ncows + d->nclears + d->nsets + d->nblocked +
	       d->nooms;
}

size_t fs_filter_apply(struct fs_doc *d, const struct fs_filter *f,
		       const struct fs_cgroups *cg)
{
	size_t i, o = 0;

	if (!fs_filter_active(f))
		return kept(d);
	d->filtered = 1;
	KEEP(d->procs, d->nprocs, f, cg);
	KEEP(d->slow, d->nslow, f, cg);
	KEEP(d->cows, d->ncows, f, cg);
	KEEP(d->clears, d->nclears, f, cg);
	KEEP(d->sets, d->nsets, f, cg);
	KEEP(d->blocked, d->nblocked, f, cg);
	for (i = 0; i < d->nooms; i++)
		if (match_oom(f, cg, &d->ooms[i]))
			d->ooms[o++] = d->ooms[i];
	d->nooms = o;
	return kept(d);
}
