/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Narrowing a parsed document to what the user asked about (--cgroup,
 * -p, --comm): every view then shows the rest of it. Host-wide totals and
 * histograms stay as they are: they carry no identity to filter by, so
 * the views made of them alone (hist, heatmap, watch) refuse a filter,
 * and the summary marks its host-wide lines when one is given.
 */
#ifndef FILTER_H
#define FILTER_H

#include <stdint.h>

#include "cgroups.h"
#include "fsparse.h"

struct fs_filter {
	int by_cgroup;
	struct fs_cgroup_sel cgroup;	/* it and the cgroups below it */
	int64_t tgid;			/* -p: this process only; 0 any */
	const char *comm;		/* --comm: this exact name only; NULL any */
};

/* Whether any of -p, --comm, --cgroup was given. */
static inline int fs_filter_active(const struct fs_filter *f)
{
	return f->tgid || f->comm || f->by_cgroup;
}

/*
 * Drops the rows and records that do not match (and sets d->filtered);
 * returns how many stay.
 */
size_t fs_filter_apply(struct fs_doc *d, const struct fs_filter *f,
		       const struct fs_cgroups *cg);

#endif /* FILTER_H */
