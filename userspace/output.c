// SPDX-License-Identifier: GPL-2.0
/* stdout or an atomically replaced file (output.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

int output_open(struct output *o, const char *path)
{
	int fd;

	o->path = path;
	o->f = stdout;
	if (!path)
		return 0;
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(o->tmp)) {
		fprintf(stderr, "forkstatctl: -o %s: path too long\n", path);
		return -1;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		fprintf(stderr, "forkstatctl: -o %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* Readable by a collector running as another user, as node_exporter does. */
	fchmod(fd, 0644);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		fprintf(stderr, "forkstatctl: -o %s: %s\n", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		return -1;
	}
	return 0;
}

static int failed(struct output *o, int err)
{
	fprintf(stderr, "forkstatctl: writing %s: %s\n", o->path ? o->path : "the output",
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
		if (err)
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
