/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup v2 ids and their paths (cgroups.c). */
#ifndef CGROUPS_H
#define CGROUPS_H

#include <stddef.h>
#include <stdint.h>

struct fs_cgroup {
	uint64_t id;		/* the directory's inode number */
	char *path;		/* below the cgroup2 mount: "/", "/system.slice" */
};

struct fs_cgroups {
	char mount[256];	/* where cgroup2 is mounted; "" when not */
	struct fs_cgroup *e;
	size_t n;
};

/* A cgroup chosen on the command line; path NULL when not found here. */
struct fs_cgroup_sel {
	uint64_t id;
	const char *path;
};

int fs_cgroups_load(struct fs_cgroups *cg);
void fs_cgroups_free(struct fs_cgroups *cg);
/* The path of id, or NULL when unknown here. */
const char *fs_cgroup_path(const struct fs_cgroups *cg, uint64_t id);
/* The path of id, or "cgroup:ID" in buf. */
const char *fs_cgroup_name(const struct fs_cgroups *cg, uint64_t id,
			   char *buf, size_t len);
/* Resolves "cgroup:ID" or a path; -1 when no such cgroup. */
int fs_cgroup_lookup(const struct fs_cgroups *cg, const char *name,
		     struct fs_cgroup_sel *sel);
int fs_cgroup_within(const struct fs_cgroups *cg, uint64_t id,
		     const struct fs_cgroup_sel *sel);

#endif /* CGROUPS_H */
