// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup v2 ids and paths. The module names a cgroup by its id, which is
 * the inode number of the cgroup's directory in the cgroup2 filesystem; a
 * person wants its path (/system.slice/docker-<id>.scope). Reading the
 * live file, forkstatctl walks the cgroup2 mount once and maps ids to
 * paths as this process's cgroup namespace shows them; a cgroup removed
 * since, one outside the namespace, or any cgroup of a saved file (-f)
 * keeps its number ("cgroup:1234").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroups.h"

/* nftw passes no context: the walk in progress. */
static struct fs_cgroups *walking;
static size_t walk_root_len;

static int add_dir(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct fs_cgroup *e;
	const char *rel = path + walk_root_len;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	e = realloc(walking->e, (walking->n + 1) * sizeof(*e));
	if (!e)
		return -1;
	walking->e = e;
	e += walking->n;
	e->id = st->st_ino;
	e->path = strdup(*rel ? rel : "/");
	if (!e->path)
		return -1;
	walking->n++;
	return 0;
}

/* The first cgroup2 mount of this mount namespace, or "" when none. */
static void find_mount(char *out, size_t len)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;

	out[0] = '\0';
	while (f && (m = getmntent(f))) {
		if (strcmp(m->mnt_type, "cgroup2") == 0) {
			snprintf(out, len, "%s", m->mnt_dir);
			break;
		}
	}
	if (f)
		endmntent(f);
}

int fs_cgroups_load(struct fs_cgroups *cg)
{
	memset(cg, 0, sizeof(*cg));
	find_mount(cg->mount, sizeof(cg->mount));
	if (!cg->mount[0])
		return 0;
	walking = cg;
	walk_root_len = strlen(cg->mount);
	if (walk_root_len == 1)
		walk_root_len = 0;	/* mounted on "/": paths are whole */
	/* A directory vanishing mid-walk is not an error worth stopping for. */
	nftw(cg->mount, add_dir, 32, FTW_PHYS | FTW_MOUNT);
	walking = NULL;
	return 0;
}

void fs_cgroups_free(struct fs_cgroups *cg)
{
	size_t i;

	for (i = 0; i < cg->n; i++)
		free(cg->e[i].path);
	free(cg->e);
	memset(cg, 0, sizeof(*cg));
}

const char *fs_cgroup_path(const struct fs_cgroups *cg, uint64_t id)
{
	size_t i;

	for (i = 0; cg && i < cg->n; i++)
		if (cg->e[i].id == id)
			return cg->e[i].path;
	return NULL;
}

const char *fs_cgroup_name(const struct fs_cgroups *cg, uint64_t id,
			   char *buf, size_t len)
{
	const char *path = fs_cgroup_path(cg, id);

	if (path)
		return path;
	snprintf(buf, len, "cgroup:%llu", (unsigned long long)id);
	return buf;
}

/*
 * "cgroup:N" names the id N; anything else is a path in the cgroup2
 * mount, with or without the mount's prefix.
 */
int fs_cgroup_lookup(const struct fs_cgroups *cg, const char *name,
		     struct fs_cgroup_sel *sel)
{
	char *end;
	size_t i, len;

	memset(sel, 0, sizeof(*sel));
	if (strncmp(name, "cgroup:", 7) == 0) {
		errno = 0;
		sel->id = strtoull(name + 7, &end, 10);
		if (errno || end == name + 7 || *end)
			return -1;
		sel->path = fs_cgroup_path(cg, sel->id);
		return 0;
	}
	len = strlen(cg->mount);
	if (len > 1 && strncmp(name, cg->mount, len) == 0 && name[len] == '/')
		name += len;
	for (i = 0; i < cg->n; i++) {
		if (strcmp(cg->e[i].path, name) == 0) {
			sel->id = cg->e[i].id;
			sel->path = cg->e[i].path;
			return 0;
		}
	}
	return -1;
}

/* Whether id is the selected cgroup or lies below it. */
int fs_cgroup_within(const struct fs_cgroups *cg, uint64_t id,
		     const struct fs_cgroup_sel *sel)
{
	const char *path;
	size_t len;

	if (id == sel->id)
		return 1;
	path = fs_cgroup_path(cg, id);
	if (!path || !sel->path)
		return 0;
	if (strcmp(sel->path, "/") == 0)
		return 1;
	len = strlen(sel->path);
	return strncmp(path, sel->path, len) == 0 && path[len] == '/';
}
