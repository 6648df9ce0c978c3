/* SPDX-License-Identifier: GPL-2.0 */
/*
 * forkstatctl's command line: what the options chose, and their parsing
 * (options.c). Every number is checked for its range and for being a
 * number at all (no nan, inf, or trailing text).
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include "filter.h"
#include "render.h"

enum output_form { FORM_VIEW, FORM_JSON, FORM_PROMETHEUS };

/* The options a command line gave, one bit each (struct options.given). */
enum option_bit {
	OB_JSON, OB_PROM, OB_FORKS, OB_SOCKETS, OB_BLOCKED, OB_SORT, OB_TOPN, OB_BY,
	OB_TIMESTAMPS, OB_MS, OB_INTERVAL, OB_COUNT, OB_PER_PROCESS,
	OB_MAX_CGROUPS, OB_WEIGHT, OB_FOLLOW, OB_SYMBOLS, OB_NR,
};
#define OB(b)	(1U << (b))
/* How each is spelt, for messages. */
extern const char *const option_names[OB_NR];

struct options {
	const char *path;		/* -f; "-" is stdin */
	const char *out_path;		/* -o; NULL stdout */
	const char *cmd;
	enum output_form form;
	enum events_what what;		/* events --forks / --sockets / --blocked */
	enum top_key key;		/* top -s */
	int by_cgroup;			/* top --by cgroup */
	long topn;			/* top -n */
	double interval;		/* -i, or the first number after hist/watch */
	long count;			/* -c, or the second; 0 forever */
	int have_interval;
	int ms, timestamps;		/* -m, -T */
	const char *cgroup;		/* --cgroup */
	const char *symbols;		/* --symbols: a directory, or NULL */
	struct fs_filter filter;	/* -p, --comm (and --cgroup, resolved later) */
	struct prom_options prom;
	int by_time;			/* stacks --weight time */
	unsigned int given;		/* OB() bits */
};

/*
 * Fills o from argv. Returns -1 to go on, or the exit status to leave
 * with (0 after --help or --version, 2 after a usage error, said on
 * stderr). Options that cannot go together are refused here; whether
 * a command takes an option is the command table's (forkstatctl.c).
 */
int options_parse(int argc, char **argv, struct options *o);
void options_usage(FILE *out);

#endif /* OPTIONS_H */
