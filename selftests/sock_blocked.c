// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of blocking sockets: threads parked in a receive on a blocking
 * socket are counted per process while they wait, and no longer once data
 * arrives; threads waiting in poll() on non-blocking sockets are not.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "kselftest_harness.h"
#include "proc_util.h"

#define THREADS 8

struct reader {
	pthread_t t;
	int sv[2];
	int use_poll;
};

static void *read_one(void *arg)
{
	struct reader *r = arg;
	char c;

	if (r->use_poll) {
		struct pollfd p = { .fd = r->sv[0], .events = POLLIN };

		if (poll(&p, 1, -1) != 1)
			return (void *)1;
	}
	return (void *)(long)(read(r->sv[0], &c, 1) != 1);
}

/* This process's KEY= in its row, read afresh. */
static long long my_row(const char *key)
{
	static char buf[PROC_BUF_SIZE];

	if (proc_read(buf, sizeof(buf)) < 0)
		return -1;
	return proc_row(buf, getpid(), key);
}

/* Waits up to 20 s for blocked_now to equal want; returns the last value. */
static long long wait_blocked(long long want)
{
	long long now = -1;
	int i;

	for (i = 0; i < 200; i++) {
		now = my_row("blocked_now");
		if (now == want)
			break;
		usleep(100 * 1000);
	}
	return now;
}

static void run_readers(struct __test_metadata *_metadata, int nonblock)
{
	struct reader r[THREADS];
	void *ret;
	int i;

	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM |
					(nonblock ? SOCK_NONBLOCK : 0), 0, r[i].sv));
		r[i].use_poll = nonblock;
		ASSERT_EQ(0, pthread_create(&r[i].t, NULL, read_one, &r[i]));
	}
	if (nonblock) {
		/* Give them time to park in poll(); none may count. */
		sleep(2);
		EXPECT_EQ(0, my_row("blocked_now"));
	} else {
		EXPECT_EQ(THREADS, wait_blocked(THREADS));
	}
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(1, write(r[i].sv[1], "x", 1));
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_join(r[i].t, &ret));
		EXPECT_EQ(NULL, ret);
		close(r[i].sv[0]);
		close(r[i].sv[1]);
	}
	EXPECT_EQ(0, my_row("blocked_now"));
}

TEST(blocking_readers_counted)
{
	run_readers(_metadata, 0);
	EXPECT_EQ(THREADS, my_row("blocked_peak"));
}

TEST(polling_readers_not_counted)
{
	run_readers(_metadata, 1);
	EXPECT_EQ(0, my_row("blocked_peak"));
}

TEST_HARNESS_MAIN
