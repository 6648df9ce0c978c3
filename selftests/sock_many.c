// SPDX-License-Identifier: GPL-2.0
/*
 * 10,000 clears in a row: every one counted, none missed or left
 * unchecked, and the ring holds the newest of them. Reads while another
 * process clears: each lists one run of the newest records, in order.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "proc_util.h"

#define CLEARS 10000

/*
 * Copies the next sockclear record from *p on into line, NUL-terminated,
 * and moves *p past it; 0 when there is none left.
 */
static int next_clear(const char **p, char line[8192])
{
	const char *nl;

	for (; **p; *p = nl + 1) {
		nl = strchr(*p, '\n');
		if (!nl)
			break;
		if (strncmp(*p, "sockclear ", 10) || nl - *p >= 8192)
			continue;
		memcpy(line, *p, nl - *p);
		line[nl - *p] = '\0';
		*p = nl + 1;
		return 1;
	}
	return 0;
}

/*
 * Counts the sockclear records, and those of them that have the fields
 * in sel; returns the newest one's time_ns (they are listed oldest first).
 */
static long long scan_ring(const char *buf, const char *sel,
			   long long *records, long long *matching)
{
	long long newest = -1;
	const char *p = buf;
	char line[8192];

	*records = *matching = 0;
	while (next_clear(&p, line)) {
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

/* Descriptors the clearer cycles through: prime, no divisor of a batch. */
#define CYCLE		7
/* Reads enough for a copy to be overtaken; make check-debug's are slow. */
#define READS		100
#define READS_DEBUG	10
/* 32 batches of ring.c's to copy; the sockset ring is as long. */
#define RING		"1024"
#define RING_BUF_SIZE	(4 << 20)

/*
 * Checks the clearer's records in one read: each names the descriptor
 * after the one before it in fds (a skipped or repeated record breaks
 * the cycle, unless CYCLE of them in a row) and is newer. Returns how
 * many there are, -1 on a break.
 */
static int check_run(const char *buf, pid_t pid, const int *fds)
{
	int n = 0, prev = -1, fd, k;
	long long ns, prev_ns = -1;
	char line[8192], sel[32];
	const char *p = buf;

	snprintf(sel, sizeof(sel), "pid=%d", pid);
	while (next_clear(&p, line)) {
		if (!has_fields(line, sel))
			continue;
		fd = rec_value(line, "sockclear", "", "fd");
		ns = rec_value(line, "sockclear", "", "time_ns");
		for (k = 0; k < CYCLE && fds[k] != fd; k++)
			;
		if (k == CYCLE || ns <= prev_ns ||
		    (prev >= 0 && k != (prev + 1) % CYCLE)) {
			fprintf(stderr, "# record %d: fd %d after fd %d, time_ns %lld after %lld\n",
				n, fd, prev >= 0 ? fds[prev] : -1, ns, prev_ns);
			return -1;
		}
		prev = k;
		prev_ns = ns;
		n++;
	}
	return n;
}

/* The module reloaded with sock_ring=RING, then with its defaults again. */
FIXTURE(big_ring) {
};

FIXTURE_SETUP(big_ring)
{
	long long ms;

	ASSERT_EQ(0, module_unload(60000, &ms));
	ASSERT_EQ(0, module_load("sock_ring=" RING));
}

FIXTURE_TEARDOWN(big_ring)
{
	long long ms;

	if (!module_unload(60000, &ms))
		module_load("");
}

/*
 * A read copies a ring a batch of records at a time, letting the lock
 * go in between (ring.c): records added meanwhile must neither show up
 * out of order nor leave a gap in what the read lists. The reader and
 * the clearer share one CPU, so that the clearer runs when the reader
 * lets the CPU go between batches, and overwrites records not yet
 * copied (on two CPUs under the VM's one emulating thread, a copy ends
 * before the other CPU runs).
 */
TEST_F_TIMEOUT(big_ring, reads_while_clearing, 1800)
{
	int reads = debug_kernel() ? READS_DEBUG : READS;
	char *buf = malloc(RING_BUF_SIZE);
	int sv[2], fds[CYCLE], ready[2], i, n, most = 0;
	long long ring;
	cpu_set_t cpu;
	pid_t pid;
	char c;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	for (i = 0; i < CYCLE; i++)
		ASSERT_LE(0, fds[i] = dup(sv[0]));
	ASSERT_EQ(0, pipe(ready));
	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu), &cpu));
	pid = fork_tied();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (i = 0;; i = (i + 1) % CYCLE) {
			if (fcntl(fds[i], F_SETFL, O_NONBLOCK) || fcntl(fds[i], F_SETFL, 0))
				_exit(1);
			if (i == CYCLE - 1 && ready[1] >= 0) {
				close(ready[1]);
				ready[1] = -1;
			}
		}
	}
	close(ready[1]);
	ASSERT_EQ(0, read(ready[0], &c, 1));
	for (i = 0; i < reads; i++) {
		ASSERT_LT(0, proc_read(buf, RING_BUF_SIZE));
		n = check_run(buf, pid, fds);
		ASSERT_LE(0, n);
		ring = rec_value(buf, "sockcfg", "", "ring");
		ASSERT_GE(ring, n);
		if (n > most)
			most = n;
	}
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_LE(2, most);
	TH_LOG("clears of the other process listed in a read: at most %d of %lld, in %d reads",
	       most, ring, reads);
	free(buf);
}

TEST_HARNESS_MAIN
