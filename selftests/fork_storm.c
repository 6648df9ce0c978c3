// SPDX-License-Identifier: GPL-2.0
/*
 * Many processes fork as fast as they can on every CPU for a few seconds
 * (and at least MIN_FORKS times each, however slow the kernel: a debugging
 * one forks fifty times slower) while another reads /proc/forkstat in a
 * loop. Every fork is counted,
 * no probe misses one, and every read is a whole, well-formed document
 * whose histograms add up to their counts.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <signal.h>
#include <time.h>

#include "harness.h"
#include "proc_util.h"

#define WORKERS		6
#define SECONDS		4
#define MIN_FORKS	20

static const char *const flavours[] = { "fork", "vfork", "vm_clone", "thread", "kthread" };

/* Forks until the deadline, MIN_FORKS at least; reports how many it made. */
static void worker(int fd, time_t deadline)
{
	long long n = 0;

	while (time(NULL) < deadline || n < MIN_FORKS)
		n += fork_children(1);
	if (write(fd, &n, sizeof(n)) != sizeof(n))
		_exit(2);
	_exit(0);
}

/* Returns NULL when buf is a well-formed document, else what is wrong. */
static const char *malformed(const char *buf, size_t len)
{
	static char why[256];
	const char *p = buf, *nl;
	char counts[4096], sel[64];
	size_t i;

	if (!len || buf[len - 1] != '\n')
		return "does not end with a newline";
	if (strncmp(buf, "forkstat format=" , 16))
		return "first line is not the header";
	for (; *p; p = nl + 1) {
		const char *c = p;

		nl = strchr(p, '\n');
		while (c < nl && (islower(*c) || isdigit(*c)))
			c++;
		if (c == p || (*c != ' ' && c != nl))
			return "line without a record type";
		while (c < nl) {
			const char *f = ++c;

			while (c < nl && (islower(*c) || isdigit(*c) || *c == '_'))
				c++;
			if (c == f || *c != '=') {
				snprintf(why, sizeof(why), "bad field in: %.*s",
					 (int)(nl - p), p);
				return why;
			}
			/* The value: anything but a space or another '='. */
			for (c++; c < nl && *c != ' '; c++)
				if (*c == '=')
					return "a value holds '='";
		}
	}
	for (i = 0; i < sizeof(flavours) / sizeof(flavours[0]); i++) {
		snprintf(sel, sizeof(sel), "name=latency flavour=%s", flavours[i]);
		if (rec_str(buf, "hist", sel, "counts", counts, sizeof(counts)))
			return "a latency histogram is missing";
		snprintf(sel, sizeof(sel), "name=%s", flavours[i]);
		if (counts_sum(counts) != rec_value(buf, "flavour", sel, "count")) {
			snprintf(why, sizeof(why), "%s histogram does not add up to its count",
				 flavours[i]);
			return why;
		}
	}
	return NULL;
}

/* Reads until killed; exits 1 with the reason on the first bad read. */
static void reader(void)
{
	static char buf[PROC_BUF_SIZE];
	const char *why;
	ssize_t len;

	for (;;) {
		len = proc_read(buf, sizeof(buf));
		why = len < 0 ? "read failed" : malformed(buf, len);
		if (why) {
			fprintf(stderr, "# bad read: %s\n", why);
			_exit(1);
		}
	}
}

static long long probes_missed(const char *buf)
{
	static const char *const symbols[] = {
		"copy_process", "copy_page_range", "dup_mmap",
		"uprobe_start_dup_mmap", "uprobe_end_dup_mmap",
	};
	long long sum = 0;
	char sel[64];
	size_t i;

	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		snprintf(sel, sizeof(sel), "symbol=%s", symbols[i]);
		sum += rec_value(buf, "probe", sel, "nmissed");
	}
	return sum;
}

/* Only for its timeout: six workers' forks on a debugging kernel take minutes. */
FIXTURE(storm) {
};

FIXTURE_SETUP(storm)
{
}

FIXTURE_TEARDOWN(storm)
{
}

TEST_F_TIMEOUT(storm, counted_whole, 900)
{
	char *before = malloc(PROC_BUF_SIZE), *after = malloc(PROC_BUF_SIZE);
	long long made = 0, counted = 0, n;
	pid_t workers[WORKERS], rd;
	int fds[2], i, status;
	time_t deadline;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, after);
	ASSERT_LT(0, proc_read(before, PROC_BUF_SIZE));
	ASSERT_EQ(NULL, malformed(before, strlen(before)))
		TH_LOG("%s", malformed(before, strlen(before)));

	rd = fork_tied();
	ASSERT_LE(0, rd);
	if (rd == 0)
		reader();

	ASSERT_EQ(0, pipe(fds));
	deadline = time(NULL) + SECONDS;
	for (i = 0; i < WORKERS; i++) {
		workers[i] = fork_tied();
		ASSERT_LE(0, workers[i]);
		if (workers[i] == 0)
			worker(fds[1], deadline);
	}
	close(fds[1]);
	for (i = 0; i < WORKERS; i++) {
		ASSERT_EQ(sizeof(n), read(fds[0], &n, sizeof(n)));
		made += n;
		ASSERT_EQ(workers[i], waitpid(workers[i], &status, 0));
		ASSERT_EQ(0, status);
	}
	/* The reader must still be going: it exits only on a bad read. */
	ASSERT_EQ(0, waitpid(rd, &status, WNOHANG));
	kill(rd, SIGKILL);
	ASSERT_EQ(rd, waitpid(rd, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));

	ASSERT_LT(0, proc_read(after, PROC_BUF_SIZE));
	for (i = 0; i < WORKERS; i++)
		counted += proc_row(after, workers[i], "fork");
	TH_LOG("%d processes made %lld forks", WORKERS, made);
	EXPECT_EQ(made, counted);
	EXPECT_LE(made, rec_value(after, "flavour", "name=fork", "count") -
			rec_value(before, "flavour", "name=fork", "count"));
	EXPECT_EQ(probes_missed(before), probes_missed(after));
	EXPECT_EQ(rec_value(before, "health", "", "untracked"),
		  rec_value(after, "health", "", "untracked"));
	EXPECT_EQ(rec_value(before, "health", "", "unmatched"),
		  rec_value(after, "health", "", "unmatched"));
	free(before);
	free(after);
}

TEST_HARNESS_MAIN
