// SPDX-License-Identifier: GPL-2.0
/*
 * bigfork: become a parent of a given size, then fork (or vfork) from it
 * and print how long each call took as the parent saw it.
 *
 *   bigfork [-v] [-h] MIB [COUNT]
 *
 * MIB MiB of anonymous memory are touched first, in 4 KiB pages
 * (MADV_NOHUGEPAGE; -h asks for huge pages instead), so that a fork has
 * that many page-table entries to copy. -v uses vfork, which copies none.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: bigfork [-v] [-h] MIB [COUNT]\n");
	exit(2);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long number(const char *arg, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || *end || end == arg || n < min || n > max) {
		fprintf(stderr, "bigfork: '%s' is not a number from %ld to %ld\n",
			arg, min, max);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	/* Static: a vfork child shares this frame, where registers may not survive. */
	static int use_vfork;
	static long count = 1;
	int huge = 0, opt, i;
	long mib;
	size_t len;
	char *mem;

	while ((opt = getopt(argc, argv, "vh")) != -1) {
		if (opt == 'v')
			use_vfork = 1;
		else if (opt == 'h')
			huge = 1;
		else
			usage();
	}
	if (optind >= argc || argc - optind > 2)
		usage();
	mib = number(argv[optind], 0, 1 << 20);
	if (argc - optind == 2)
		count = number(argv[optind + 1], 1, 1000000);

	len = (size_t)mib << 20;
	if (len) {
		mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED) {
			perror("bigfork: mmap");
			return 1;
		}
		if (madvise(mem, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
			perror("bigfork: madvise");
			return 1;
		}
		memset(mem, 1, len);
	}

	for (i = 0; i < count; i++) {
		double t0 = now_us();
		pid_t pid = use_vfork ? vfork() : fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			perror("bigfork: fork");
			return 1;
		}
		/* vfork returns once the child has exited; fork at once. */
		printf("pid=%d %s=%.0f us\n", getpid(), use_vfork ? "vfork" : "fork",
		       now_us() - t0);
		if (waitpid(pid, NULL, 0) != pid) {
			perror("bigfork: waitpid");
			return 1;
		}
	}
	return 0;
}
