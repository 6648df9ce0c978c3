/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Narrowing a parsed document to what the user asked about (--cgroup,
 * -p, --comm): every view then shows the rest of it. Host-wide totals and
 * histograms stay as they are: they carry no identity to filter by.
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

/* Drops the rows and records that do not match; returns how many stay. */
size_t fs_filter_apply(struct fs_doc *d, const struct fs_filter *f,
		       const struct fs_cgroups *cg);

#endif /* FILTER_H */
