// SPDX-License-Identifier: GPL-2.0
/* forkstatctl's command line (options.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "forkstat.h"
#include "options.h"
#include "status.h"

void options_usage(FILE *out)
{
	fprintf(out,
		"usage: forkstatctl [options] [COMMAND]\n"
		"  (none)              one-screen summary with hints\n"
		"  hist [INTERVAL [COUNT]]  latency histograms per flavour; with an\n"
		"                      interval, each interval's calls (-i, -c, -T, -m)\n"
		"  heatmap             fork and page-table copy time against parent RSS\n"
		"  top                 processes (-n N, -s KEY, --by cgroup)\n"
		"                      KEY: time forks max rss clears blocked stall cow\n"
		"  events              slow forks, fork bills, socket clears, blocked threads\n"
		"                      (one of --forks, --sockets, --blocked); --follow [-i SEC]\n"
		"                      prints new slow forks, bills, clears, sets as they come\n"
		"  stacks              call chains of slow forks and clears, folded for flame\n"
		"                      graphs (--forks, --sockets; --weight events|time)\n"
		"  oom                 OOM kills: what ran out, the trigger and its call\n"
		"                      chain, each victim's memory by class\n"
		"  watch [INTERVAL [COUNT]]  per-interval changes, like vmstat\n"
		"  raw                 the file as the module wrote it\n"
		"  reset               zero the live module's figures (CAP_SYS_ADMIN)\n"
		"options:\n"
		"  -f FILE             read a saved copy (- for stdin) instead of %s\n"
		"  -o FILE             write to FILE atomically (temp file, fsync, rename)\n"
		"  --json              one JSON document (hist/watch: one per interval)\n"
		"  --prometheus        node_exporter textfile format, with forkstat_up\n"
		"  --max-cgroups N     cgroups with series of their own (default 50)\n"
		"  --per-process       also per-process series\n"
		"  -p PID              only that process (as the reader's namespace numbers it)\n"
		"  --comm NAME         only processes of that name\n"
		"  --cgroup PATH       only that cgroup and those below it (or cgroup:ID)\n"
		"                      (these three: summary, top, events, stacks, oom,\n"
		"                      --json, --prometheus)\n"
		"  --symbols DIR       files gone from the paths the module saw, found by\n"
		"                      build ID among DIR's files (summary, heatmap, top,\n"
		"                      events, stacks, oom)\n"
		"  -i SEC, -c COUNT    interval (0.1 to 86400 s) and count for hist and watch\n"
		"  -T                  a timestamp on each interval; -m  milliseconds\n"
		"  --version, -h       version; this help\n"
		"exit status: 0 ok, 1 a file could not be read or written, or no process matched,\n"
		"             2 bad usage, 3 the file is malformed or of an unknown format\n",
		FORKSTAT_PROC_PATH);
}

const char *const option_names[OB_NR] = {
	[OB_JSON] = "--json", [OB_PROM] = "--prometheus", [OB_FORKS] = "--forks",
	[OB_SOCKETS] = "--sockets", [OB_BLOCKED] = "--blocked", [OB_SORT] = "-s", [OB_TOPN] = "-n", [OB_BY] = "--by",
	[OB_TIMESTAMPS] = "-T", [OB_MS] = "-m", [OB_INTERVAL] = "an interval",
	[OB_COUNT] = "a count", [OB_PER_PROCESS] = "--per-process",
	[OB_MAX_CGROUPS] = "--max-cgroups", [OB_WEIGHT] = "--weight", [OB_FOLLOW] = "--follow",
	[OB_SYMBOLS] = "--symbols",
};

static int __attribute__((format(printf, 1, 2))) bad(const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	esc_warn("%s (see forkstatctl --help)", text);
	return EXIT_USAGE;
}

/* A whole number in [min, max], in decimal. */
static int count_arg(const char *what, const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return bad("%s wants a whole number from %ld to %ld, not '%s'", what, min, max, arg);
	*out = v;
	return -1;
}

/* Seconds in [0.1, 86400]: a finite number, nothing after it. */
static int seconds_arg(const char *what, const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < 0.1 || v > 86400)
		return bad("%s wants seconds from 0.1 to 86400, not '%s'", what, arg);
	*out = v;
	return -1;
}

enum {
	OPT_JSON = 256, OPT_PROM, OPT_FORKS, OPT_SOCKETS, OPT_BLOCKED, OPT_CGROUP, OPT_BY,
	OPT_PER_PROCESS, OPT_MAX_CGROUPS, OPT_COMM, OPT_VERSION, OPT_WEIGHT, OPT_FOLLOW,
	OPT_SYMBOLS,
};

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "prometheus", no_argument, NULL, OPT_PROM },
	{ "forks", no_argument, NULL, OPT_FORKS },
	{ "sockets", no_argument, NULL, OPT_SOCKETS },
	{ "blocked", no_argument, NULL, OPT_BLOCKED },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "by", required_argument, NULL, OPT_BY },
	{ "per-process", no_argument, NULL, OPT_PER_PROCESS },
	{ "max-cgroups", required_argument, NULL, OPT_MAX_CGROUPS },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "weight", required_argument, NULL, OPT_WEIGHT },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "symbols", required_argument, NULL, OPT_SYMBOLS },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int sort_key(const char *arg, enum top_key *key)
{
	int i;

	for (i = 0; i < TOP_NR_KEYS; i++) {
		if (strcmp(arg, top_key_names[i]) == 0) {
			*key = i;
			return -1;
		}
	}
	return bad("-s: no sort key '%s' (time forks max rss clears blocked stall cow spawn)", arg);
}

/* One option; -1 to go on, else the exit status. */
static int option(int opt, const char *arg, struct options *o)
{
	long v = 0;
	int r;

	static const struct { int opt; enum option_bit bit; } bits[] = {
		{ OPT_JSON, OB_JSON }, { OPT_PROM, OB_PROM }, { OPT_FORKS, OB_FORKS },
		{ OPT_SOCKETS, OB_SOCKETS }, { OPT_BLOCKED, OB_BLOCKED }, { 's', OB_SORT }, { 'n', OB_TOPN },
		{ OPT_BY, OB_BY }, { 'T', OB_TIMESTAMPS }, { 'm', OB_MS },
		{ 'i', OB_INTERVAL }, { 'c', OB_COUNT },
		{ OPT_PER_PROCESS, OB_PER_PROCESS }, { OPT_MAX_CGROUPS, OB_MAX_CGROUPS },
		{ OPT_WEIGHT, OB_WEIGHT }, { OPT_FOLLOW, OB_FOLLOW }, { OPT_SYMBOLS, OB_SYMBOLS },
	};
	size_t i;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (bits[i].opt == opt)
			o->given |= OB(bits[i].bit);
	switch (opt) {
	case 'f': o->path = arg; return -1;
	case 'o': o->out_path = arg; return -1;
	case 'T': o->timestamps = 1; return -1;
	case 'm': o->ms = 1; return -1;
	case OPT_JSON: o->form = FORM_JSON; return -1;
	case OPT_PROM: o->form = FORM_PROMETHEUS; return -1;
	case OPT_FORKS: o->what = EVENTS_FORKS; return -1;
	case OPT_SOCKETS: o->what = EVENTS_SOCKETS; return -1;
	case OPT_BLOCKED: o->what = EVENTS_BLOCKED; return -1;
	case OPT_CGROUP: o->cgroup = arg; return -1;
	case OPT_SYMBOLS: o->symbols = arg; return -1;
	case OPT_COMM: o->filter.comm = arg; return -1;
	case OPT_PER_PROCESS: o->prom.per_process = 1; return -1;
	case 's': return sort_key(arg, &o->key);
	case 'n': return count_arg("-n", arg, 1, 1000000000, &o->topn);
	case 'c': return count_arg("-c", arg, 1, 1000000000, &o->count);
	case 'p':
		r = count_arg("-p", arg, 1, 4194304, &v);
		o->filter.tgid = v;
		return r;
	case OPT_MAX_CGROUPS:
		r = count_arg("--max-cgroups", arg, 0, 1000000, &v);
		o->prom.max_cgroups = v;
		return r;
	case 'i':
		o->have_interval = 1;
		return seconds_arg("-i", arg, &o->interval);
	case OPT_FOLLOW: return -1;	/* o->given says it */
	case OPT_WEIGHT:
		if (strcmp(arg, "events") && strcmp(arg, "time"))
			return bad("--weight: 'events' or 'time', not '%s'", arg);
		o->by_time = strcmp(arg, "time") == 0;
		return -1;
	case OPT_BY:
		if (strcmp(arg, "cgroup"))
			return bad("--by: only 'cgroup', not '%s'", arg);
		o->by_cgroup = 1;
		return -1;
	case OPT_VERSION:
		printf("forkstatctl %s (reads /proc/forkstat format %d)\n",
		       FORKSTATCTL_VERSION, FORKSTAT_FORMAT);
		return 0;
	case 'h':
		options_usage(stdout);
		return 0;
	default:
		options_usage(stderr);
		return EXIT_USAGE;
	}
}

/* After hist and watch: [INTERVAL [COUNT]], as bcc's tools take them. */
static int positional(int argc, char **argv, struct options *o)
{
	int interval_cmd = strcmp(o->cmd, "hist") == 0 || strcmp(o->cmd, "watch") == 0;
	int r;

	if (optind < argc && interval_cmd) {
		o->have_interval = 1;
		o->given |= OB(OB_INTERVAL);
		r = seconds_arg("the interval", argv[optind++], &o->interval);
		if (r >= 0)
			return r;
	}
	if (optind < argc && interval_cmd) {
		o->given |= OB(OB_COUNT);
		r = count_arg("the count", argv[optind++], 1, 1000000000, &o->count);
		if (r >= 0)
			return r;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	return -1;
}

/* Options that say opposite things, or need another that is missing. */
static int conflicts(const struct options *o)
{
	unsigned int g = o->given;

	if ((g & OB(OB_JSON)) && (g & OB(OB_PROM)))
		return bad("--json and --prometheus: one form at a time");
	if (__builtin_popcount(g & (OB(OB_FORKS) | OB(OB_SOCKETS) | OB(OB_BLOCKED))) > 1)
		return bad("--forks, --sockets, --blocked: one, or neither for all");
	if ((g & (OB(OB_PER_PROCESS) | OB(OB_MAX_CGROUPS))) && !(g & OB(OB_PROM)))
		return bad("--per-process and --max-cgroups shape --prometheus only");
	if ((g & OB(OB_COUNT)) && !(g & OB(OB_INTERVAL)) && strcmp(o->cmd, "watch"))
		return bad("a count (-c) needs an interval");
	if ((g & OB(OB_BLOCKED)) && (g & OB(OB_FOLLOW)))
		return bad("--blocked is the threads blocked now: nothing to follow");
	return -1;
}

int options_parse(int argc, char **argv, struct options *o)
{
	int opt, r;

	memset(o, 0, sizeof(*o));
	o->path = FORKSTAT_PROC_PATH;
	o->topn = 20;
	o->interval = 1;
	o->prom.max_cgroups = 50;
	/* Options may come before or after the command: getopt permutes. */
	while ((opt = getopt_long(argc, argv, "f:o:n:s:i:c:p:Tmh", long_opts, NULL)) != -1) {
		r = option(opt, optarg, o);
		if (r >= 0)
			return r;
	}
	o->cmd = optind < argc ? argv[optind++] : "summary";
	r = positional(argc, argv, o);
	if (r >= 0)
		return r;
	return conflicts(o);
}
