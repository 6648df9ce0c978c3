// SPDX-License-Identifier: GPL-2.0
/*
 * 10,000 clears in a row: every one counted, none missed or left
 * unchecked, and the ring holds the newest of them.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <time.h>

#include "harness.h"
#include "proc_util.h"

#define CLEARS 10000

/*
 * Counts the sockclear records, and those of them that have the fields
 * in sel; returns the newest one's time_ns (they are listed oldest first).
 */
static long long scan_ring(const char *buf, const char *sel,
			   long long *records, long long *matching)
{
	long long newest = -1;
	char line[8192];
	const char *p, *nl;

	*records = *matching = 0;
	for (p = buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		if (strncmp(p, "sockclear ", 10) || (size_t)(nl - p) >= sizeof(line))
			continue;
		memcpy(line, p, nl - p);
		line[nl - p] = '\0';
		(*records)++;
		if (has_fields(line, sel))
			(*matching)++;
		newest = rec_value(line, "sockclear", "", "time_ns");
	}
	return newest;
}

FIXTURE(many) {
};

FIXTURE_SETUP(many)
{
}

FIXTURE_TEARDOWN(many)
{
}

/* Each clear takes a call chain: minutes on make check-debug's PREEMPT_RT kernel. */
TEST_F_TIMEOUT(many, ten_thousand_clears, 900)
{
	char *before = malloc(PROC_BUF_SIZE), *after = malloc(PROC_BUF_SIZE);
	long long ring, records, matching, newest_ns;
	struct timespec ts;
	char sel[96];
	int sv[2], i;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, after);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_LT(0, proc_read(before, PROC_BUF_SIZE));
	for (i = 0; i < CLEARS; i++) {
		if (i == CLEARS - 1)
			clock_gettime(CLOCK_REALTIME, &ts);
		ASSERT_EQ(0, fcntl(sv[0], F_SETFL, O_NONBLOCK));
		ASSERT_EQ(0, fcntl(sv[0], F_SETFL, 0));
	}
	ASSERT_LT(0, proc_read(after, PROC_BUF_SIZE));

	EXPECT_EQ(CLEARS, rec_value(after, "sockmode", "path=fcntl", "clears") -
			  rec_value(before, "sockmode", "path=fcntl", "clears"));
	EXPECT_EQ(CLEARS, rec_value(after, "sockmode", "path=fcntl", "sets") -
			  rec_value(before, "sockmode", "path=fcntl", "sets"));
	EXPECT_EQ(CLEARS, proc_row(after, getpid(), "sock_clears"));
	EXPECT_EQ(CLEARS, proc_row(after, getpid(), "sock_sets"));
	EXPECT_EQ(CLEARS, rec_value(after, "sockcfg", "", "total") -
			  rec_value(before, "sockcfg", "", "total"));
	EXPECT_EQ(rec_value(before, "probe", "symbol=do_fcntl", "nmissed"),
		  rec_value(after, "probe", "symbol=do_fcntl", "nmissed"));
	EXPECT_EQ(rec_value(before, "sockhealth", "", "untracked"),
		  rec_value(after, "sockhealth", "", "untracked"));
	/* Every call looked at: a clear and a set each time round. */
	EXPECT_LE(2 * CLEARS, rec_value(after, "probe", "symbol=do_fcntl", "hits") -
			      rec_value(before, "probe", "symbol=do_fcntl", "hits"));

	/* The ring is full of this loop's clears, the newest one last. */
	ring = rec_value(after, "sockcfg", "", "ring");
	ASSERT_LT(0, ring);
	snprintf(sel, sizeof(sel), "pid=%d fd=%d path=fcntl", getpid(), sv[0]);
	newest_ns = scan_ring(after, sel, &records, &matching);
	EXPECT_EQ(ring, records);
	EXPECT_EQ(ring, matching);
	EXPECT_LE((long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, newest_ns);
	close(sv[0]);
	close(sv[1]);
	free(before);
	free(after);
}

TEST_HARNESS_MAIN
