// SPDX-License-Identifier: GPL-2.0
/*
 * faultcost: what a page fault costs, in ns per fault.
 *
 *   faultcost OP PAGES
 *
 * Prints "op=OP ns=X", X with one decimal: the mean over PAGES faults of
 * one run, after a warm-up run. Under QEMU's icount (make bench) X is
 * guest instructions per fault. The ops:
 *
 *   touch   the first write to each page of a fresh anonymous mapping
 *           (4 KiB pages), no fork anywhere: a fault forkstat never sees
 *   cow     the first write to each page after a fork, the child alive
 *           and sharing them: a copy-on-write fault, which forkstat
 *           counts while the fork's window is open
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define PAGE 4096

static char *map(long pages)
{
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* EINVAL: no transparent huge pages (PREEMPT_RT), 4 KiB anyway */
	if (p == MAP_FAILED ||
	    (madvise(p, pages * PAGE, MADV_NOHUGEPAGE) && errno != EINVAL))
		die("mmap");
	return p;
}

static double write_pages(char *p, long pages)
{
	double t = now_ns();
	long i;

	for (i = 0; i < pages; i++)
		p[i * PAGE] = 2;
	return (now_ns() - t) / pages;
}

static double touch(long pages)
{
	char *p = map(pages);
	double ns = write_pages(p, pages);

	munmap(p, pages * PAGE);
	return ns;
}

/* The child holds the pages until the parent has written them all. */
static double cow(long pages)
{
	char *p = map(pages);
	int hold[2];
	double ns;
	pid_t pid;
	char c;

	memset(p, 1, pages * PAGE);
	if (pipe(hold))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(hold[1]);
		if (read(hold[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(hold[0]);
	ns = write_pages(p, pages);
	close(hold[1]);
	if (waitpid(pid, NULL, 0) != pid)
		die("waitpid");
	munmap(p, pages * PAGE);
	return ns;
}

int main(int argc, char **argv)
{
	double (*op)(long);
	long pages;

	if (argc != 3 || (pages = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: faultcost touch|cow PAGES\n");
		return 2;
	}
	if (strcmp(argv[1], "touch") == 0)
		op = touch;
	else if (strcmp(argv[1], "cow") == 0)
		op = cow;
	else {
		fprintf(stderr, "faultcost: no op '%s' (touch cow)\n", argv[1]);
		return 2;
	}
	op(pages);
	printf("op=%s ns=%.1f\n", argv[1], op(pages));
	return 0;
}
