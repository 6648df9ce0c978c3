/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a view goes: stdout, or with -o FILE a file replaced atomically
 * (written to a temporary file next to it, fsync'ed, renamed over it), so
 * a collector reading FILE never sees half of it. A write error is an
 * error: nothing is renamed, and the caller exits non-zero.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <limits.h>
#include <stdio.h>

struct output {
	FILE *f;
	const char *path;	/* NULL: stdout */
	char tmp[PATH_MAX];
};

/* 0, or -1 with a message on stderr. */
int output_open(struct output *o, const char *path);
/*
 * Flushes and checks; puts the file in place if keep (the command
 * succeeded), else leaves FILE as it was. 0, or -1 with a message.
 */
int output_close(struct output *o, int keep);

#endif /* OUTPUT_H */
