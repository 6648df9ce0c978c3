// SPDX-License-Identifier: GPL-2.0
/*
 * forkcost: a parent of a chosen shape that forks on request, so that a
 * benchmark can time the same parent with and without instrumentation
 * without building it again.
 *
 *   forkcost MIB VMAS [THREADS]
 *
 * Touches MIB MiB of anonymous memory in 4 KiB pages and VMAS separate
 * one-page mappings (alternately read-only and writable, so that none
 * merge), starts THREADS threads that each write to a page of their own
 * every 100 us (a service's other threads, which a fork stalls), prints
 * "ready", then for every number N read from stdin forks N times (each
 * child exits at once, the parent waits) and prints the mean ns per
 * fork+exit+wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void *writer(void *arg)
{
	volatile char *page = arg;
	struct timespec pause = { 0, 100000 };

	for (;;) {
		page[0]++;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long mib, vmas, threads = 0, n, i;
	size_t len;
	char *mem;

	if ((argc != 3 && argc != 4) || (mib = atol(argv[1])) < 0 ||
	    (vmas = atol(argv[2])) < 0 || (argc == 4 && (threads = atol(argv[3])) < 0)) {
		fprintf(stderr, "usage: forkcost MIB VMAS [THREADS]\n");
		return 2;
	}
	len = (size_t)mib << 20;
	if (len) {
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		/* EINVAL: no transparent huge pages (PREEMPT_RT) */
		if (mem == MAP_FAILED ||
		    (madvise(mem, len, MADV_NOHUGEPAGE) && errno != EINVAL))
			die("mmap");
		memset(mem, 1, len);
	}
	for (i = 0; i < vmas; i++) {
		int writable = i % 2;
		char *p = mmap(NULL, 4096, PROT_READ | (writable ? PROT_WRITE : 0),
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap vma");
		if (writable)
			p[0] = 1;
	}
	for (i = 0; i < threads; i++) {
		char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pthread_t t;

		if (page == MAP_FAILED || pthread_create(&t, NULL, writer, page))
			die("thread");
	}
	printf("ready\n");
	fflush(stdout);

	while (scanf("%ld", &n) == 1 && n > 0) {
		double t = now_ns();

		for (i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			if (pid < 0 || waitpid(pid, NULL, 0) != pid)
				die("fork");
		}
		printf("%.0f\n", (now_ns() - t) / n);
		fflush(stdout);
	}
	return 0;
}
