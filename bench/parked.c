// SPDX-License-Identifier: GPL-2.0
/*
 * parked: many threads blocked in read() on blocking sockets, the way a
 * thread-per-connection server parks them, to measure what finding them
 * costs a reader of /proc/forkstat.
 *
 *   parked [--clear] N
 *
 * Makes N AF_UNIX socket pairs and N threads, each blocked in read() on
 * one pair, prints "parked N" once every thread has started its read,
 * and waits until stdin closes; then it exits (taking the threads with
 * it). With --clear each socket is made non-blocking and then switched to
 * blocking through a dup, as Go's conn.File()+Fd() does, so every blocked
 * thread joins a recorded clear. Stacks are 16 KiB slices of one mapping,
 * so that N threads add one VMA, not 2N. Needs RLIMIT_NOFILE above 2N,
 * and pid_max and threads-max above N (make bench raises them).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

#define STACK	(16 << 10)

static atomic_long reading;

static void *reader(void *arg)
{
	char c;

	atomic_fetch_add(&reading, 1);
	return (void *)(long)read((int)(long)arg, &c, 1);
}

int main(int argc, char **argv)
{
	int clear = argc > 1 && strcmp(argv[1], "--clear") == 0;
	long n = argc == 2 + clear ? atol(argv[1 + clear]) : 0, i;
	pthread_attr_t attr;
	char *stacks, c;
	pthread_t t;
	int sv[2];

	if (n < 1) {
		fprintf(stderr, "usage: parked [--clear] N\n");
		return 2;
	}
	stacks = mmap(NULL, n * STACK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (stacks == MAP_FAILED)
		die("mmap");
	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | (clear ? SOCK_NONBLOCK : 0),
			       0, sv))
			die("socketpair");
		if (clear) {
			int d = dup(sv[0]);

			if (d < 0 || fcntl(d, F_SETFL, 0) || close(d))
				die("clear through a dup");
		}
		if (pthread_attr_init(&attr) ||
		    pthread_attr_setstack(&attr, stacks + i * STACK, STACK) ||
		    pthread_create(&t, &attr, reader, (void *)(long)sv[0]))
			die("pthread_create");
		pthread_attr_destroy(&attr);
	}
	while (atomic_load(&reading) < n)
		usleep(10000);
	/* A thread counted is about to block; give the last ones time to. */
	sleep(1);
	printf("parked %ld\n", n);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
