/* SPDX-License-Identifier: GPL-2.0 */
/*
 * events --follow: what is new in the rings between two reads of the
 * file (follow.c says how it knows).
 */
#ifndef FOLLOW_H
#define FOLLOW_H

#include <stdio.h>

#include "render.h"

struct follow_state {
	int started;				/* a first read was taken */
	int have[FS_NR_RECORDS];		/* key holds a record */
	uint64_t key[FS_NR_RECORDS][4];		/* the last record seen */
	uint64_t total[FS_NR_RECORDS];		/* the ring's total then */
};

/*
 * Prints the records of d new since the last call (none at the first:
 * it only marks where they stand), of the rings in kinds (a bit per
 * enum fs_record), as text or JSON Lines; sy, kept from call to call,
 * reads each mapped file of their chains once.
 */
void follow_step(struct follow_state *st, const struct fs_doc *d, unsigned int kinds,
		 struct symbolizer *sy, FILE *out, int json);

#endif /* FOLLOW_H */
