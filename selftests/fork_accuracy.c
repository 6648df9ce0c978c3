// SPDX-License-Identifier: GPL-2.0
/*
 * The module's copy_process time agrees with what the forking process
 * itself measures around fork(): for the same forks of a 192 MiB parent
 * (4 KiB pages), the sum of the slow-ring total_ns lies within 10% of the
 * sum of the parent's own clock readings, and never above them (the
 * syscall entry and exit are the only things in between: the fork is
 * the raw system call, without glibc's atfork work around it).
 *
 * The parent runs SCHED_FIFO on one CPU with SCHED_RESET_ON_FORK, so that
 * its children (ordinary tasks on the same CPU) cannot run, and exit,
 * inside the parent's clock readings; under TCG the other vCPU's work
 * would land there too.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <time.h>

#include "kselftest_harness.h"
#include "proc_util.h"

#define MIB	192
#define FORKS	6

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

TEST(module_agrees_with_the_parents_clock)
{
	static char buf[PROC_BUF_SIZE];
	size_t len = (size_t)MIB << 20;
	long long own = 0, module = 0;
	pid_t child[FORKS];
	char sel[96];
	struct sched_param rt = { .sched_priority = 10 };
	cpu_set_t one;
	char *mem;
	int i;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, madvise(mem, len, MADV_NOHUGEPAGE));
	memset(mem, 1, len);
	/* Only now: a long real-time run would be throttled mid-measurement. */
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &rt));

	for (i = 0; i < FORKS; i++) {
		long long t0 = now_ns();

		child[i] = syscall(SYS_fork);
		if (child[i] == 0)
			_exit(0);
		own += now_ns() - t0;
		ASSERT_LT(0, child[i]);
		ASSERT_EQ(child[i], waitpid(child[i], NULL, 0));
	}
	/* Each took milliseconds here, far over the 1 ms default threshold. */
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	for (i = 0; i < FORKS; i++) {
		long long ns;

		snprintf(sel, sizeof(sel), "tgid=%d child=%d", getpid(), child[i]);
		ns = rec_value(buf, "slow", sel, "total_ns");
		ASSERT_LT(0, ns) TH_LOG("no slow record for child %d", child[i]);
		module += ns;
	}
	TH_LOG("%d forks of a %d MiB parent: parent's clock %lld us, module %lld us",
	       FORKS, MIB, own / 1000, module / 1000);
	EXPECT_LE(module, own);
	EXPECT_LE(own * 9 / 10, module);
}

TEST_HARNESS_MAIN
