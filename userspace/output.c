// SPDX-License-Identifier: GPL-2.0
/* stdout or an atomically replaced file (output.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"
#include "output.h"
#include "status.h"

static int refuse(const char *path, const char *why)
{
	esc_warn("-o %s: %s", path, why);
	return EXIT_USAGE;
}

/*
 * What -o path replaces, in o->target: path itself, or the file its
 * symbolic link (of any depth) ends at. The check and the rename are
 * not one step: a directory where others may swap entries between them
 * is not a place for -o.
 */
static int output_target(struct output *o, const char *path)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno != ENOENT) {
			esc_warn("-o %s: %s", path, strerror(errno));
			return EXIT_ERROR;
		}
	} else if (S_ISLNK(st.st_mode)) {
		if (!realpath(path, o->target))
			return refuse(path, errno == ENOENT ? "a symbolic link to nothing" :
				      strerror(errno));
		if (stat(o->target, &st) || !S_ISREG(st.st_mode))
			return refuse(path, "not a regular file (a link to one)");
		return 0;
	} else if (!S_ISREG(st.st_mode)) {
		return refuse(path, "not a regular file: -o replaces a file whole");
	}
	if (snprintf(o->target, sizeof(o->target), "%s", path) >= (int)sizeof(o->target))
		return refuse(path, "path too long");
	return 0;
}

int output_open(struct output *o, const char *path)
{
	int fd, r;

	o->path = NULL;
	o->f = stdout;
	if (!path)
		return 0;
	r = output_target(o, path);
	if (r)
		return r;
	o->path = o->target;
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.XXXXXX", o->target) >= (int)sizeof(o->tmp))
		return refuse(path, "path too long");
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		esc_warn("-o %s: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	/* Readable by a collector running as another user, as node_exporter does. */
	fchmod(fd, 0644);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		esc_warn("-o %s: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		return EXIT_ERROR;
	}
	return 0;
}

static int failed(struct output *o, int err)
{
	esc_warn("writing %s: %s", o->path ? o->path : "the output",
		strerror(err));
	if (o->path)
		unlink(o->tmp);
	return -1;
}

int output_close(struct output *o, int keep)
{
	int err = 0;

	if (o->path && !keep) {
		fclose(o->f);
		unlink(o->tmp);
		return 0;
	}
	errno = 0;
	if (fflush(o->f) || ferror(o->f))
		err = errno ? errno : EIO;
	if (!o->path) {
		/* A reader that left (| head) is not an error; SIGPIPE ends the rest. */
		if (err && err != EPIPE)
			return failed(o, err);
		return 0;
	}
	if (!err && fsync(fileno(o->f)))
		err = errno;
	if (fclose(o->f) && !err)
		err = errno;
	if (!err && rename(o->tmp, o->path))
		err = errno;
	return err ? failed(o, err) : 0;
}
