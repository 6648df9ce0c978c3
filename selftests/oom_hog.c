// SPDX-License-Identifier: GPL-2.0
/*
 * oom_hog [MIB [hold]]: a process whose memory is known, run into its
 * memory cgroup's limit by oom.sh. It fills a brk heap with HEAP_BLOCKS
 * small blocks, then prints the range of one large anonymous mapping of
 * MIB MiB (default 1024; "region START END", hexadecimal) and touches it
 * page by page, from touch(), until the OOM killer stops it. With hold
 * (oom_global.sh) it prints "held" once the whole mapping is touched, and
 * waits there to be killed. Frame pointers kept (the Makefile), so the
 * chain of the faulting thread reads touch <- fill <- main.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEAP_BLOCKS	4096
#define REGION_MB	1024

static volatile char sink;

__attribute__((noinline)) static void touch(volatile char *p)
{
	*p = 1;
	sink += *p;
}

__attribute__((noinline)) static void fill(char *region, size_t len)
{
	size_t off;
	long page = sysconf(_SC_PAGESIZE);

	for (off = 0; off < len; off += page)
		touch(region + off);
}

int main(int argc, char **argv)
{
	size_t len = (size_t)(argc > 1 ? atoi(argv[1]) : REGION_MB) << 20, n;
	char *region;

	/* Small blocks come from brk: the heap. */
	for (n = 0; n < HEAP_BLOCKS; n++) {
		char *b = malloc(1000);

		if (!b)
			return 1;
		memset(b, 1, 1000);
	}
	region = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* Never one huge page: the test counts base pages. */
	madvise(region, len, MADV_NOHUGEPAGE);
	printf("region %lx %lx\n", (unsigned long)region, (unsigned long)(region + len));
	fflush(stdout);
	fill(region, len);
	if (argc > 2 && !strcmp(argv[2], "hold")) {
		printf("held\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	return 0;	/* the limit is higher than the region: the test fails */
}
