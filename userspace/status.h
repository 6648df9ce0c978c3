/* SPDX-License-Identifier: GPL-2.0 */
/* forkstatctl's exit statuses, as --help and forkstatctl.8 document them. */
#ifndef STATUS_H
#define STATUS_H

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* a file could not be read or written; no process matched */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_FORMAT = 3,	/* the file is malformed or of an unknown format */
};

#endif /* STATUS_H */
