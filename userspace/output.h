/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a view goes: stdout, or with -o FILE a file replaced atomically
 * (written to a temporary file next to it, fsync'ed, renamed over it), so
 * a collector reading FILE never sees half of it. A write error is an
 * error: nothing is renamed, and the caller exits non-zero.
 *
 * FILE must be a regular file or a path where nothing is yet: a device,
 * FIFO, socket or directory there is refused untouched (as root, -o
 * /dev/null would replace the device). A symbolic link is written
 * through: its target, which must be a regular file or missing in an
 * existing directory, is replaced and the link stays.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <limits.h>
#include <stdio.h>

struct output {
	FILE *f;
	const char *path;	/* NULL: stdout; else target */
	char target[PATH_MAX];	/* what is replaced: path, or its link's target */
	char tmp[PATH_MAX];
};

/*
 * 0, or with a message on stderr the exit status: 2 when path names
 * something other than a regular file, 1 when it cannot be created.
 */
int output_open(struct output *o, const char *path);
/*
 * Flushes and checks; puts the file in place if keep (the command
 * succeeded), else leaves FILE as it was. 0, or -1 with a message.
 */
int output_close(struct output *o, int keep);

#endif /* OUTPUT_H */
