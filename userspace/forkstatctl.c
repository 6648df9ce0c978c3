// SPDX-License-Identifier: GPL-2.0
/*
 * forkstatctl: /proc/forkstat for a person (and for Prometheus).
 *
 * Command-line handling only: fsparse.c reads the file into a model,
 * render.c and export.c print views of it. See forkstatctl.8.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "forkstat.h"
#include "fsparse.h"
#include "render.h"

/* Exit codes, as documented in --help and forkstatctl.8. */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* the file could not be read or written */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_FORMAT = 3,	/* the file is malformed or of an unknown format */
};

static const char *prog = "forkstatctl";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-f FILE] [--json | --prometheus] [COMMAND]\n"
		"  (none)                 one-screen summary with hints\n"
		"  hist                   latency histograms per flavour\n"
		"  heatmap                fork and page-table copy time against parent RSS\n"
		"  top [-n N] [-s KEY]    processes; KEY: time forks max rss clears blocked\n"
		"  events [--forks | --sockets]   the slow-fork and socket-clear rings\n"
		"  watch [-i SEC] [-c COUNT]      per-interval changes, like vmstat\n"
		"  raw                    the file as the module wrote it\n"
		"  reset                  zero the module's figures (needs CAP_SYS_ADMIN)\n"
		"options:\n"
		"  -f FILE        read a saved copy instead of %s\n"
		"  --json         one JSON document instead of the view (watch: one per interval)\n"
		"  --prometheus   node_exporter textfile-collector format\n"
		"exit status: 0 ok, 1 the file could not be read or written,\n"
		"             2 bad usage, 3 the file is malformed or of an unknown format\n",
		prog, FORKSTAT_PROC_PATH);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see %s --help)\n", prog);
	return EXIT_USAGE;
}

/* Says why a path could not be used, in words a person can act on. */
static int file_error(const char *path, int err)
{
	int live = strcmp(path, FORKSTAT_PROC_PATH) == 0;

	if (err == ENOENT && live)
		fprintf(stderr, "%s: %s not found: load the module with `sudo modprobe forkstat`\n",
			prog, path);
	else if (err == EACCES || err == EPERM)
		fprintf(stderr, "%s: %s: permission denied%s\n", prog, path,
			live ? " (run as root)" : "");
	else
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(err));
	return EXIT_ERROR;
}

/* Reads and parses path; returns an exit code, EXIT_OK with doc filled. */
static int load(const char *path, struct fs_doc *doc)
{
	char err[256];
	size_t len;
	char *text = fs_read_file(path, &len);
	int ret;

	if (!text)
		return file_error(path, errno);
	ret = fs_parse(text, len, doc, err, sizeof(err));
	free(text);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, err);
		return EXIT_FORMAT;
	}
	return EXIT_OK;
}

static int cmd_raw(const char *path)
{
	size_t len;
	char *text = fs_read_file(path, &len);

	if (!text)
		return file_error(path, errno);
	fwrite(text, 1, len, stdout);
	free(text);
	return EXIT_OK;
}

static int cmd_reset(void)
{
	const char *path = FORKSTAT_PROC_PATH;
	int fd = open(path, O_WRONLY), err;

	if (fd < 0)
		return file_error(path, errno);
	if (write(fd, FORKSTAT_CMD_RESET, strlen(FORKSTAT_CMD_RESET)) < 0) {
		err = errno;
		close(fd);
		if (err == EPERM)
			return file_error(path, err);
		fprintf(stderr, "%s: reset: %s\n", prog, strerror(err));
		return EXIT_ERROR;
	}
	close(fd);
	return EXIT_OK;
}

static int number(const char *arg, const char *what, double min, double *out)
{
	char *end;

	*out = strtod(arg, &end);
	if (end == arg || *end || *out < min)
		return bad_usage(what, arg);
	return 0;
}

static int cmd_watch(const char *path, double interval, long count, int json)
{
	struct watch_interval w;
	struct fs_doc prev, cur;
	struct timespec ts = {
		.tv_sec = (time_t)interval,
		.tv_nsec = (long)((interval - (time_t)interval) * 1e9),
	};
	long i;
	int ret;

	ret = load(path, &prev);
	if (ret)
		return ret;
	for (i = 0; count <= 0 || i < count; i++) {
		if (!json && i % 20 == 0)
			render_watch_header(stdout);
		nanosleep(&ts, NULL);
		ret = load(path, &cur);
		if (ret)
			break;
		watch_compute(&prev, &cur, interval, &w);
		if (json)
			render_watch_json(stdout, &w);
		else
			render_watch_line(stdout, &w);
		fflush(stdout);
		fs_free(&prev);
		prev = cur;
	}
	fs_free(&prev);
	return ret;
}

enum output { OUT_VIEW, OUT_JSON, OUT_PROMETHEUS };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "prometheus", no_argument, NULL, 'P' },
		{ "forks", no_argument, NULL, 'F' },
		{ "sockets", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = FORKSTAT_PROC_PATH, *cmd = NULL;
	enum events_what what = EVENTS_ALL;
	enum output output = OUT_VIEW;
	enum top_key key = TOP_TIME;
	double interval = 1, count = 0, topn = 20;
	struct fs_doc doc;
	int opt, ret, i;

	/* Options may come before or after the command. */
	while ((opt = getopt_long(argc, argv, "f:n:s:i:c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 'J':
			output = OUT_JSON;
			break;
		case 'P':
			output = OUT_PROMETHEUS;
			break;
		case 'F':
			what = EVENTS_FORKS;
			break;
		case 'S':
			what = EVENTS_SOCKETS;
			break;
		case 'n':
			if (number(optarg, "-n wants a count of 1 or more, not '%s'", 1, &topn))
				return EXIT_USAGE;
			break;
		case 'i':
			if (number(optarg, "-i wants seconds, 0.1 or more, not '%s'", 0.1, &interval))
				return EXIT_USAGE;
			break;
		case 'c':
			if (number(optarg, "-c wants a count of 1 or more, not '%s'", 1, &count))
				return EXIT_USAGE;
			break;
		case 's':
			for (i = 0; i < TOP_NR_KEYS && strcmp(optarg, top_key_names[i]); i++)
				;
			if (i == TOP_NR_KEYS)
				return bad_usage("-s: no sort key '%s' (time forks max rss clears blocked)",
						 optarg);
			key = i;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		cmd = argv[optind++];
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	if (!cmd)
		cmd = "summary";

	if (strcmp(cmd, "reset") == 0)
		return cmd_reset();
	if (strcmp(cmd, "raw") == 0)
		return cmd_raw(path);
	if (strcmp(cmd, "watch") == 0)
		return output == OUT_PROMETHEUS ?
			bad_usage("%s has no --prometheus form", cmd) :
			cmd_watch(path, interval, (long)count, output == OUT_JSON);
	if (strcmp(cmd, "summary") && strcmp(cmd, "hist") && strcmp(cmd, "heatmap") &&
	    strcmp(cmd, "top") && strcmp(cmd, "events"))
		return bad_usage("unknown command '%s'", cmd);

	ret = load(path, &doc);
	if (ret)
		return ret;
	if (output == OUT_JSON)
		render_json(stdout, &doc);
	else if (output == OUT_PROMETHEUS)
		render_prometheus(stdout, &doc);
	else if (strcmp(cmd, "hist") == 0)
		render_hist(stdout, &doc);
	else if (strcmp(cmd, "heatmap") == 0)
		render_heatmap(stdout, &doc);
	else if (strcmp(cmd, "top") == 0)
		render_top(stdout, &doc, (int)topn, key);
	else if (strcmp(cmd, "events") == 0)
		render_events(stdout, &doc, what);
	else
		render_summary(stdout, &doc);
	fs_free(&doc);
	return EXIT_OK;
}
