// SPDX-License-Identifier: GPL-2.0
/*
 * bigfork: become a parent of a given size, then fork (or vfork) from it
 * and print how long each call took as the parent saw it.
 *
 *   bigfork [-v] [-e | -s] [-h] [-g] MIB [COUNT]
 *
 * MIB MiB of anonymous memory are touched first, in 4 KiB pages
 * (MADV_NOHUGEPAGE; -h asks for huge pages instead), so that a fork has
 * that many page-table entries to copy. -v uses vfork, which copies none.
 * Each child exits at once, or with -e execs /bin/true (a spawn by
 * fork+exec); -s spawns /bin/true with posix_spawn instead of forking.
 * -g grows the heap instead: 16 MiB, then doubling up to MIB, COUNT
 * calls at each size, one line per size with the fastest call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum call { CALL_FORK, CALL_VFORK, CALL_SPAWN };
static const char *const call_names[] = { "fork", "vfork", "spawn" };

static void usage(void)
{
	fprintf(stderr, "usage: bigfork [-v] [-e | -s] [-h] [-g] MIB [COUNT]\n");
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

/*
 * One call whose child exits at once (or execs /bin/true); returns the
 * parent's view in us: a fork returns at once, a vfork and posix_spawn
 * once the child has exec'd or exited.
 */
static double one_call(enum call call, int exec_child)
{
	char *argv[] = { "true", NULL };
	double t0 = now_us(), us;
	pid_t pid;

	if (call == CALL_SPAWN) {
		errno = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
		if (errno)
			pid = -1;
	} else {
		pid = call == CALL_VFORK ? vfork() : fork();
		if (pid == 0) {
			if (exec_child)
				execve("/bin/true", argv, environ);
			_exit(0);
		}
	}
	if (pid < 0) {
		perror("bigfork: fork");
		exit(1);
	}
	us = now_us() - t0;
	if (waitpid(pid, NULL, 0) != pid) {
		perror("bigfork: waitpid");
		exit(1);
	}
	return us;
}

int main(int argc, char **argv)
{
	int huge = 0, grow = 0, exec_child = 0, opt, i;
	enum call call = CALL_FORK;
	size_t len, size, touched = 0;
	long mib, count = 1;
	char *mem = NULL;

	while ((opt = getopt(argc, argv, "veshg")) != -1) {
		if (opt == 'v')
			call = CALL_VFORK;
		else if (opt == 's')
			call = CALL_SPAWN;
		else if (opt == 'e')
			exec_child = 1;
		else if (opt == 'h')
			huge = 1;
		else if (opt == 'g')
			grow = 1;
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
		/*
		 * EINVAL: a kernel without transparent huge pages (PREEMPT_RT):
		 * its pages are 4 KiB anyway; a huge-page run has nothing to show.
		 */
		if (madvise(mem, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
			if (errno == EINVAL && huge) {
				fprintf(stderr, "bigfork: this kernel has no transparent huge pages: no huge-page run\n");
				return 0;
			}
			if (errno != EINVAL) {
				perror("bigfork: madvise");
				return 1;
			}
		}
	}

	for (size = grow && len > (16 << 20) ? 16 << 20 : len;; size *= 2) {
		double best = 0;

		if (size > len)
			size = len;
		if (size > touched)
			memset(mem + touched, 1, size - touched);
		touched = size;
		for (i = 0; i < count; i++) {
			double us = one_call(call, exec_child);

			if (!grow)
				printf("pid=%d %s=%.0f us\n", getpid(), call_names[call], us);
			best = i && best < us ? best : us;
		}
		if (grow)
			printf("heap %4zu MiB (%s pages): %-5s %6.0f us\n", size >> 20,
			       huge ? "huge" : "4 KiB", call_names[call], best);
		fflush(stdout);
		if (size == len)
			break;
	}
	return 0;
}
