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

struct options {
	const char *path;		/* -f; "-" is stdin */
	const char *out_path;		/* -o; NULL stdout */
	const char *cmd;
	enum output_form form;
	enum events_what what;		/* events --forks / --sockets */
	enum top_key key;		/* top -s */
	int by_cgroup;			/* top --by cgroup */
	long topn;			/* top -n */
	double interval;		/* -i, or the first number after hist/watch */
	long count;			/* -c, or the second; 0 forever */
	int have_interval;
	int ms, timestamps;		/* -m, -T */
	const char *cgroup;		/* --cgroup */
	struct fs_filter filter;	/* -p, --comm (and --cgroup, resolved later) */
	struct prom_options prom;
};

/*
 * Fills o from argv. Returns -1 to go on, or the exit status to leave
 * with (0 after --help or --version, 2 after a usage error, said on
 * stderr).
 */
int options_parse(int argc, char **argv, struct options *o);
void options_usage(FILE *out);

#endif /* OPTIONS_H */
