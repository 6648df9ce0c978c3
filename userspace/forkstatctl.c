// SPDX-License-Identifier: GPL-2.0
/*
 * forkstatctl: /proc/forkstat for a person (and for Prometheus).
 *
 * Loading and dispatch only: options.c reads the command line, fsparse.c
 * the file, filter.c narrows it, and the views print it (render.h) to
 * stdout or an atomically replaced file (output.c). See forkstatctl.8.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroups.h"
#include "escape.h"
#include "follow.h"
#include "forkstat.h"
#include "options.h"
#include "output.h"
#include "status.h"
#include "symbolize.h"

static struct options opt;
static struct fs_cgroups cgroups;
/* The filter as given, for messages: "-p 77 --comm 'x'". */
static char filter_words[1024];
/* SIGINT or SIGTERM: an interval command ends after its current step. */
static volatile sig_atomic_t stopping;
/* The output stands even though the command failed: forkstat_up 0. */
static int keep_failed_output;

static int live(void)
{
	return strcmp(opt.path, FORKSTAT_PROC_PATH) == 0;
}

/* Says why a path could not be used, in words a person can act on. */
static int file_error(const char *path, int err)
{
	if (err == ENOENT && live())
		esc_warn("%s not found: load the module with `sudo modprobe forkstat`",
			path);
	else if (err == EACCES || err == EPERM)
		esc_warn("%s: permission denied%s", path,
			live() ? " (run as root)" : "");
	else
		esc_warn("%s: %s", path, strerror(err));
	return EXIT_ERROR;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads, parses and filters; returns an exit code, EXIT_OK with doc filled. */
static int load(struct fs_doc *doc)
{
	char err[256];
	size_t len;
	char *text = fs_read_file(opt.path, &len);
	int ret;

	if (!text)
		return file_error(opt.path, errno);
	ret = fs_parse(text, len, doc, err, sizeof(err));
	free(text);
	if (ret) {
		esc_warn("%s: %s", opt.path, err);
		return EXIT_FORMAT;
	}
	if (!fs_filter_apply(doc, &opt.filter, &cgroups) && fs_filter_active(&opt.filter) &&
	    opt.form != FORM_PROMETHEUS) {
		esc_warn("no process matches %s", filter_words);
		fs_free(doc);
		return EXIT_ERROR;	/* as pgrep: nothing matched */
	}
	return EXIT_OK;
}

static int cmd_raw(FILE *out)
{
	size_t len;
	char *text = fs_read_file(opt.path, &len);

	if (!text)
		return file_error(opt.path, errno);
	fwrite(text, 1, len, out);
	free(text);
	return EXIT_OK;
}

static int cmd_reset(FILE *out)
{
	const char *path = FORKSTAT_PROC_PATH;
	int fd, err;

	(void)out;
	if (!live()) {
		esc_warn("reset zeroes the live module; -f %s is a saved copy",
			opt.path);
		return EXIT_USAGE;
	}
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return file_error(path, errno);
	if (write(fd, FORKSTAT_CMD_RESET, strlen(FORKSTAT_CMD_RESET)) < 0) {
		err = errno;
		close(fd);
		if (err == EPERM)
			return file_error(path, err);
		esc_warn("reset: %s", strerror(err));
		return EXIT_ERROR;
	}
	close(fd);
	return EXIT_OK;
}

/* One snapshot, in the form asked for. */
static int cmd_snapshot(FILE *out)
{
	struct fs_doc doc;
	int ret;

	if (opt.form == FORM_PROMETHEUS && live() && access(opt.path, F_OK)) {
		render_prometheus(out, NULL, &opt.prom);	/* forkstat_up 0 */
		return EXIT_OK;
	}
	ret = load(&doc);
	if (ret) {
		/* A textfile must not go on saying forkstat_up 1 with old figures. */
		if (opt.form == FORM_PROMETHEUS) {
			render_prometheus(out, NULL, &opt.prom);
			keep_failed_output = 1;
		}
		return ret;
	}
	if (opt.form == FORM_JSON)
		render_json(out, &doc, realtime_ns());
	else if (opt.form == FORM_PROMETHEUS)
		render_prometheus(out, &doc, &opt.prom);
	else if (strcmp(opt.cmd, "hist") == 0)
		render_hist(out, &doc, opt.ms);
	else if (strcmp(opt.cmd, "heatmap") == 0)
		render_heatmap(out, &doc);
	else if (strcmp(opt.cmd, "top") == 0 && opt.by_cgroup)
		render_top_cgroups(out, &doc, (int)opt.topn, opt.key);
	else if (strcmp(opt.cmd, "top") == 0)
		render_top(out, &doc, (int)opt.topn, opt.key);
	else if (strcmp(opt.cmd, "events") == 0)
		render_events(out, &doc, opt.what);
	else if (strcmp(opt.cmd, "stacks") == 0)
		render_stacks(out, &doc, opt.what, opt.by_time);
	else if (strcmp(opt.cmd, "oom") == 0)
		render_oom(out, &doc);
	else
		render_summary(out, &doc);
	fs_free(&doc);
	return EXIT_OK;
}

/* hist with an interval: each interval's calls, per flavour. */
static void hist_tick(FILE *out, const struct fs_doc *prev, const struct fs_doc *cur,
		      double secs, long tick)
{
	struct interval_hist h;

	interval_hist_compute(prev, cur, secs, realtime_ns(), &h);
	if (opt.form == FORM_JSON)
		render_interval_hist_json(out, &h);
	else
		render_interval_hist(out, &h, opt.timestamps, opt.ms);
	(void)tick;
}

static void watch_tick(FILE *out, const struct fs_doc *prev, const struct fs_doc *cur,
		       double secs, long tick)
{
	struct watch_interval w;

	watch_compute(prev, cur, secs, &w);
	w.now_ns = realtime_ns();
	if (opt.form == FORM_JSON) {
		render_watch_json(out, &w);
		return;
	}
	if (tick % 20 == 0)
		render_watch_header(out);
	render_watch_line(out, &w);
}

/* The commands that read again and again: an interval, watch, --follow. */
static int by_interval(void)
{
	return opt.have_interval || strcmp(opt.cmd, "watch") == 0 ||
	       (opt.given & OB(OB_FOLLOW));
}

static struct timespec interval_ts(void)
{
	return (struct timespec) {
		.tv_sec = (time_t)opt.interval,
		.tv_nsec = (long)((opt.interval - (time_t)opt.interval) * 1e9),
	};
}

/*
 * Reads every opt.interval seconds, opt.count times (0: until stopped or
 * a write fails), and hands each pair of reads to tick with the time
 * measured between them.
 */
static int every_interval(FILE *out, void (*tick)(FILE *, const struct fs_doc *,
						  const struct fs_doc *, double, long))
{
	struct timespec ts = interval_ts();
	struct fs_doc prev, cur;
	double then, now;
	long i;
	int ret = load(&prev);

	if (ret)
		return ret;
	then = monotonic_s();
	for (i = 0; !opt.count || i < opt.count; i++) {
		nanosleep(&ts, NULL);
		if (stopping)
			break;
		ret = load(&cur);
		if (ret)
			break;
		now = monotonic_s();
		tick(out, &prev, &cur, now - then, i);
		then = now;
		fs_free(&prev);
		prev = cur;
		if (fflush(out) || ferror(out)) {
			ret = errno == EPIPE ? EXIT_OK : EXIT_ERROR;
			break;
		}
	}
	fs_free(&prev);
	return ret;
}

/*
 * events --follow: reads every interval (1 s unless -i) until stopped or
 * a write fails (a closed pipe ends it quietly) and prints the records
 * each read adds (follow.c).
 */
static int cmd_follow(FILE *out)
{
	static const unsigned int kinds[] = {
		[EVENTS_ALL] = 1U << FS_REC_SLOW | 1U << FS_REC_COW | 1U << FS_REC_CLEAR |
			       1U << FS_REC_SET,
		[EVENTS_FORKS] = 1U << FS_REC_SLOW | 1U << FS_REC_COW,
		[EVENTS_SOCKETS] = 1U << FS_REC_CLEAR | 1U << FS_REC_SET,
	};
	struct timespec ts = interval_ts();
	struct symbolizer *sy = sym_new();
	struct follow_state st = { 0 };
	struct fs_doc doc;
	int ret = EXIT_OK;

	while (sy && !stopping) {
		ret = load(&doc);
		if (ret)
			break;
		follow_step(&st, &doc, kinds[opt.what], sy, out, opt.form == FORM_JSON);
		fs_free(&doc);
		if (fflush(out) || ferror(out)) {
			ret = errno == EPIPE ? EXIT_OK : EXIT_ERROR;
			break;
		}
		nanosleep(&ts, NULL);
	}
	sym_free(sy);
	return ret;
}

static int cmd_events(FILE *out)
{
	return opt.given & OB(OB_FOLLOW) ? cmd_follow(out) : cmd_snapshot(out);
}

static void stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static int cmd_hist(FILE *out)
{
	return opt.have_interval ? every_interval(out, hist_tick) : cmd_snapshot(out);
}

static int cmd_watch(FILE *out)
{
	return every_interval(out, watch_tick);
}

/* What an interval command takes; hist's -T and -m, and -m without one. */
#define OB_INTERVALS	(OB(OB_INTERVAL) | OB(OB_COUNT) | OB(OB_TIMESTAMPS))
#define OB_FORMS	(OB(OB_JSON) | OB(OB_PROM) | OB(OB_PER_PROCESS) | OB(OB_MAX_CGROUPS))

static const struct command {
	const char *name;
	int (*run)(FILE *out);
	int forms;		/* bit per enum output_form it has */
	int host_wide;		/* no filter: 1 host-wide records alone, 2 not a view */
	unsigned int takes;	/* OB() bits of the options it takes */
} commands[] = {
	{ "summary", cmd_snapshot, 7, 0, OB_FORMS | OB(OB_SYMBOLS) },
	{ "hist", cmd_hist, 3, 1, OB_FORMS | OB_INTERVALS | OB(OB_MS) },
	{ "heatmap", cmd_snapshot, 7, 1, OB_FORMS | OB(OB_SYMBOLS) },
	{ "top", cmd_snapshot, 7, 0, OB_FORMS | OB(OB_SORT) | OB(OB_TOPN) | OB(OB_BY) |
	  OB(OB_SYMBOLS) },
	{ "events", cmd_events, 7, 0, OB_FORMS | OB(OB_FORKS) | OB(OB_SOCKETS) |
	  OB(OB_BLOCKED) | OB(OB_FOLLOW) | OB(OB_INTERVAL) | OB(OB_SYMBOLS) },
	{ "stacks", cmd_snapshot, 1, 0, OB(OB_FORKS) | OB(OB_SOCKETS) | OB(OB_WEIGHT) |
	  OB(OB_SYMBOLS) },
	{ "oom", cmd_snapshot, 3, 0, OB(OB_JSON) | OB(OB_SYMBOLS) },
	{ "watch", cmd_watch, 3, 1, OB_FORMS | OB(OB_INTERVAL) | OB(OB_COUNT) },
	{ "raw", cmd_raw, 1, 2, 0 },
	{ "reset", cmd_reset, 1, 2, 0 },
};

/* An option the command does not take: said, and a usage error. */
static int takes_all(const struct command *c)
{
	unsigned int extra = opt.given & ~c->takes;
	int b;

	for (b = 0; b < OB_NR; b++) {
		if (!(extra & OB(b)))
			continue;
		esc_warn("%s takes no %s (see forkstatctl --help)", c->name, option_names[b]);
		return 0;
	}
	if ((opt.given & OB(OB_INTERVAL)) && !strcmp(c->name, "events") &&
	    !(opt.given & OB(OB_FOLLOW))) {
		esc_warn("events takes an interval with --follow only");
		return 0;
	}
	if ((opt.given & OB(OB_TIMESTAMPS)) && !opt.have_interval) {
		esc_warn("-T stamps each interval: %s without one prints one snapshot", c->name);
		return 0;
	}
	return 1;
}

/* filter_words from the options: what the user typed, escaped. */
static void describe_filter(void)
{
	char comm[256], *p = filter_words, *end = filter_words + sizeof(filter_words);

	if (opt.filter.tgid)
		p += snprintf(p, end - p, "-p %lld ", (long long)opt.filter.tgid);
	if (opt.filter.comm && p < end)
		p += snprintf(p, end - p, "--comm '%s' ",
			      esc_term(opt.filter.comm, comm, sizeof(comm)));
	if (opt.cgroup && p < end)
		p += snprintf(p, end - p, "--cgroup '%s' ", esc_term(opt.cgroup, comm, sizeof(comm)));
	if (p > filter_words && p <= end)
		p[-1] = '\0';
}

static const char *const form_names[] = { "plain", "--json", "--prometheus" };

/* The command's entry, or NULL after saying why not (usage error). */
static const struct command *find_command(void)
{
	int interval = by_interval();
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(opt.cmd, commands[i].name))
			continue;
		if (!(commands[i].forms & 1 << opt.form) ||
		    (interval && opt.form == FORM_PROMETHEUS)) {
			esc_warn("%s has no %s form", opt.cmd,
				form_names[opt.form]);
			return NULL;
		}
		if (!takes_all(&commands[i]))
			return NULL;
		if (commands[i].host_wide && filter_words[0]) {
			esc_warn("%s %s: %s narrows the summary, top, events, --json and --prometheus",
				opt.cmd, commands[i].host_wide == 1 ?
				"is host-wide (no process owns a histogram)" : "takes no filter",
				filter_words);
			return NULL;
		}
		if (interval && strcmp(opt.path, "-") == 0) {
			esc_warn("-f - is read once: %s by interval reads its file again each interval",
				opt.cmd);
			return NULL;
		}
		if (interval && opt.out_path) {
			esc_warn("-o writes one snapshot, not %s by interval",
				opt.cmd);
			return NULL;
		}
		return &commands[i];
	}
	esc_warn("unknown command '%s' (see forkstatctl --help)", opt.cmd);
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct output out;
	int ret = options_parse(argc, argv, &opt);

	if (ret >= 0)
		return ret;
	describe_filter();
	cmd = find_command();
	if (!cmd)
		return EXIT_USAGE;
	/* Paths for cgroup ids: this host's, so only for its live file. */
	if (live())
		fs_cgroups_load(&cgroups);
	render_use_cgroups(&cgroups);
	if (opt.cgroup) {
		if (fs_cgroup_lookup(&cgroups, opt.cgroup, &opt.filter.cgroup)) {
			esc_warn("--cgroup: no cgroup '%s' here (a path in the cgroup2 mount, or cgroup:ID)",
				opt.cgroup);
			return EXIT_USAGE;
		}
		opt.filter.by_cgroup = 1;
	}
	if (opt.symbols) {
		struct stat st;

		if (stat(opt.symbols, &st) || !S_ISDIR(st.st_mode)) {
			esc_warn("--symbols: '%s' is not a directory", opt.symbols);
			return EXIT_USAGE;
		}
		sym_use_dir(opt.symbols);
	}
	ret = output_open(&out, opt.out_path);
	if (ret)
		return ret;
	/* Interval commands end cleanly: at a signal, or a reader gone (EPIPE). */
	if (by_interval()) {
		signal(SIGINT, stop);
		signal(SIGTERM, stop);
		signal(SIGPIPE, SIG_IGN);
	}
	ret = cmd->run(out.f);
	if (output_close(&out, ret == EXIT_OK || keep_failed_output) && !ret)
		ret = EXIT_ERROR;
	fs_cgroups_free(&cgroups);
	return ret;
}
