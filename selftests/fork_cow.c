// SPDX-License-Identifier: GPL-2.0
/*
 * The copy-on-write bill of a fork, counted page by page.
 *
 * A 128 MiB parent (4 KiB pages) forks; the child writes J pages of the
 * shared memory, then the parent writes K others, then the child exits.
 * The fork's "cow" record must show K pages copied by the parent and J by
 * the child, plus the few that the code between fork and exit touches
 * (its stack, mostly): at most SLACK, logged. The fork is the raw system
 * call so that no atfork handler writes in between.
 *
 * The window closes when the child execs: the parent's writes after that
 * copy nothing and count nothing, and it ends by exec even when the child
 * is gone by the time it closes. A vfork child has no watch at all.
 * Children of forks followed at once are each counted whole, whichever
 * ends first. Write faults that copy nothing by their nature, on a
 * shared mapping write-protected for soft-dirty tracking, are not
 * copy-on-write faults and count nothing.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "harness.h"
#include "proc_util.h"

#define MEM		(128UL << 20)
#define PAGE		4096
/* Pages a side may copy beyond those it was told to write. */
#define SLACK		8
/*
 * Each test touches 128 MiB and forks it: seconds on a stock kernel,
 * past the harness's 30 s on the PREEMPT_RT debugging kernel with
 * another guest beside it (parent_0_child_2000 and
 * shared_writes_are_not_copy_on_write were stopped there).
 */
#define COW_TIMEOUT	600

static void write_pages(char *mem, size_t first, size_t n)
{
	size_t i;

	for (i = first; i < first + n; i++)
		mem[i * PAGE]++;
}

/* The value KEY of this process's cow record for child, waiting for it. */
static long long cow_value(char *buf, pid_t child, const char *key)
{
	struct timespec tick = { 0, 100000000 };
	char sel[64];
	int i;

	snprintf(sel, sizeof(sel), "tgid=%d child=%d", getpid(), child);
	/* Closed watches are published within a tenth of a second. */
	for (i = 0; i < 50; i++) {
		if (proc_read(buf, PROC_BUF_SIZE) > 0 &&
		    rec_value(buf, "cow", sel, key) >= 0)
			return rec_value(buf, "cow", sel, key);
		nanosleep(&tick, NULL);
	}
	return -1;
}

FIXTURE(cow) {
	char *mem;
	char *buf;
};

FIXTURE_VARIANT(cow) {
	size_t parent;	/* K */
	size_t child;	/* J */
};

FIXTURE_VARIANT_ADD(cow, none) { .parent = 0, .child = 0 };
FIXTURE_VARIANT_ADD(cow, parent_1000_child_300) { .parent = 1000, .child = 300 };
FIXTURE_VARIANT_ADD(cow, parent_4000_child_0) { .parent = 4000, .child = 0 };
FIXTURE_VARIANT_ADD(cow, parent_0_child_2000) { .parent = 0, .child = 2000 };

/*
 * The window open until the child exits, however slow the kernel: the
 * PREEMPT_RT debugging kernel, beside other guests, took more than the
 * default 10 s to write 4,000 pages: its record ended before the
 * child's exit, 3,382 pages copied.
 */
FIXTURE_SETUP(cow)
{
	ASSERT_EQ(0, param_set("cow_window_s", "600"));
	self->mem = map_touched(MEM);
	ASSERT_NE(NULL, self->mem);
	self->buf = malloc(PROC_BUF_SIZE);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(cow)
{
	param_set("cow_window_s", "10");
	munmap(self->mem, MEM);
	free(self->buf);
}

TEST_F_TIMEOUT(cow, pages_copied_by_each_side, COW_TIMEOUT)
{
	int up[2], down[2];
	long long parent, child, faults;
	char sel[64], c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = syscall(SYS_fork);
	if (pid == 0) {
		/* The child's pages first, from the top: never the parent's. */
		write_pages(self->mem, MEM / PAGE - variant->child, variant->child);
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1)
			syscall(SYS_exit_group, 2);
		syscall(SYS_exit_group, 0);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, read(up[0], &c, 1));
	write_pages(self->mem, 0, variant->parent);
	ASSERT_EQ(1, write(down[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));

	parent = cow_value(self->buf, pid, "pages");
	ASSERT_LE(0, parent) TH_LOG("no cow record for child %d", pid);
	child = cow_value(self->buf, pid, "child_pages");
	faults = cow_value(self->buf, pid, "faults");
	TH_LOG("parent wrote %zu pages, copied %lld (%lld faults); child wrote %zu, copied %lld",
	       variant->parent, parent, faults, variant->child, child);
	EXPECT_LE((long long)variant->parent, parent);
	EXPECT_GE((long long)variant->parent + SLACK, parent);
	EXPECT_LE((long long)variant->child, child);
	EXPECT_GE((long long)variant->child + SLACK, child);
	EXPECT_LE(parent, faults);
	snprintf(sel, sizeof(sel), "tgid=%d child=%d end=exit", getpid(), pid);
	EXPECT_LE(0, rec_value(self->buf, "cow", sel, "pages"))
		TH_LOG("the record does not say end=exit");
	if (variant->parent)
		EXPECT_LT(0, cow_value(self->buf, pid, "ns"));
}

/* The same memory, for the tests of how a window ends. */
FIXTURE(cow_end) {
	char *mem;
	char *buf;
};

FIXTURE_SETUP(cow_end)
{
	self->mem = map_touched(MEM);
	ASSERT_NE(NULL, self->mem);
	self->buf = malloc(PROC_BUF_SIZE);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(cow_end)
{
	munmap(self->mem, MEM);
	free(self->buf);
}

/* Once the child has exec'ed, the parent's writes are its own business. */
TEST_F_TIMEOUT(cow_end, window_closes_at_exec, COW_TIMEOUT)
{
	int sync[2];
	char sel[64], c;
	long long parent;
	pid_t pid;

	ASSERT_EQ(0, pipe2(sync, O_CLOEXEC));
	pid = syscall(SYS_fork);
	if (pid == 0) {
		execl("/bin/sleep", "sleep", "5", (char *)NULL);
		syscall(SYS_exit_group, 127);
	}
	ASSERT_LT(0, pid);
	close(sync[1]);
	ASSERT_EQ(0, read(sync[0], &c, 1));	/* EOF: the child exec'ed */
	write_pages(self->mem, 0, 2000);

	parent = cow_value(self->buf, pid, "pages");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ASSERT_LE(0, parent) TH_LOG("no cow record for child %d", pid);
	snprintf(sel, sizeof(sel), "tgid=%d child=%d end=exec", getpid(), pid);
	EXPECT_LE(0, rec_value(self->buf, "cow", sel, "pages"))
		TH_LOG("the record does not say end=exec");
	TH_LOG("parent copied %lld pages before the exec, wrote 2000 after", parent);
	EXPECT_GE(SLACK, parent);
}

/*
 * Children that exec and exit at once: by the time a window is closed
 * its child is gone too (the reaper looks every tenth of a second), yet
 * each window ended by exec, and its faults (the child's, between fork
 * and exec) are a spawn's.
 */
#define EXEC_EXIT	10

TEST_F_TIMEOUT(cow_end, exec_then_exit_ends_at_exec, COW_TIMEOUT)
{
	long long faults, ns;
	pid_t pids[EXEC_EXIT];
	int i, status, byexec = 0;
	char sel[64];

	for (i = 0; i < EXEC_EXIT; i++) {
		pids[i] = syscall(SYS_fork);
		if (pids[i] == 0) {
			execl("/bin/true", "true", (char *)NULL);
			syscall(SYS_exit_group, 127);
		}
		ASSERT_LT(0, pids[i]);
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	for (i = 0; i < EXEC_EXIT; i++) {
		ASSERT_LE(0, cow_value(self->buf, pids[i], "pages"))
			TH_LOG("no cow record for child %d", pids[i]);
		snprintf(sel, sizeof(sel), "tgid=%d child=%d end=exec", getpid(), pids[i]);
		byexec += rec_value(self->buf, "cow", sel, "pages") >= 0;
	}
	faults = proc_row(self->buf, getpid(), "cow_faults") +
		 proc_row(self->buf, getpid(), "child_cow_faults");
	ns = proc_row(self->buf, getpid(), "cow_ns") +
	     proc_row(self->buf, getpid(), "child_cow_ns");
	TH_LOG("%d of %d windows ended by exec; %lld copy-on-write faults in %lld ns",
	       byexec, EXEC_EXIT, faults, ns);
	EXPECT_EQ(EXEC_EXIT, byexec);
	EXPECT_LE(EXEC_EXIT, faults);
	EXPECT_EQ(ns, proc_row(self->buf, getpid(), "spawn_cow_ns"));
}

/* A child that neither execs nor exits is followed for cow_window_s only. */
TEST_F_TIMEOUT(cow_end, window_closes_after_cow_window_s, COW_TIMEOUT)
{
	struct timespec past = { 1, 500000000 };
	char sel[64];
	long long parent;
	pid_t pid;

	ASSERT_EQ(0, param_set("cow_window_s", "1"));
	pid = syscall(SYS_fork);
	if (pid == 0) {
		pause();
		syscall(SYS_exit_group, 0);
	}
	param_set("cow_window_s", "10");
	ASSERT_LT(0, pid);
	nanosleep(&past, NULL);
	write_pages(self->mem, 0, 2000);

	parent = cow_value(self->buf, pid, "pages");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ASSERT_LE(0, parent) TH_LOG("no cow record for child %d", pid);
	snprintf(sel, sizeof(sel), "tgid=%d child=%d end=window", getpid(), pid);
	EXPECT_LE(0, rec_value(self->buf, "cow", sel, "pages"))
		TH_LOG("the record does not say end=window");
	TH_LOG("parent copied %lld pages in the 1 s window, wrote 2000 after", parent);
	EXPECT_GE(SLACK, parent);
}

/*
 * Forks followed at once, their children ending one by one from the
 * oldest: each child's copies are still counted after the watches made
 * before its own have closed and left their slots free (the fault handler
 * looks only at the slots up to the highest in use).
 */
#define OVERLAP		4
#define OVERLAP_PAGES	300

TEST_F_TIMEOUT(cow_end, overlapping_children_counted_one_by_one, COW_TIMEOUT)
{
	int go[OVERLAP][2], i;
	pid_t pids[OVERLAP];
	long long child;
	char c = 0;

	for (i = 0; i < OVERLAP; i++) {
		ASSERT_EQ(0, pipe(go[i]));
		pids[i] = syscall(SYS_fork);
		if (pids[i] == 0) {
			if (read(go[i][0], &c, 1) != 1)
				syscall(SYS_exit_group, 2);
			write_pages(self->mem, i * OVERLAP_PAGES, OVERLAP_PAGES);
			syscall(SYS_exit_group, 0);
		}
		ASSERT_LT(0, pids[i]);
	}
	for (i = 0; i < OVERLAP; i++) {
		ASSERT_EQ(1, write(go[i][1], &c, 1));
		ASSERT_EQ(pids[i], waitpid(pids[i], NULL, 0));
		child = cow_value(self->buf, pids[i], "child_pages");
		TH_LOG("child %d of %d wrote %d pages after %d windows closed, copied %lld",
		       i + 1, OVERLAP, OVERLAP_PAGES, i, child);
		EXPECT_LE(OVERLAP_PAGES, child);
		EXPECT_GE(OVERLAP_PAGES + SLACK, child);
	}
}

/* Whether the page at p is soft-dirty (/proc/self/pagemap bit 55). */
static int soft_dirty(void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned long long e = 0;

	if (fd < 0)
		return -1;
	if (pread(fd, &e, sizeof(e), (unsigned long)p / PAGE * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	return !!(e & (1ULL << 55));
}

static int clear_soft_dirty(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	int ret = fd >= 0 && write(fd, "4", 1) == 1 ? 0 : -1;

	if (fd >= 0)
		close(fd);
	return ret;
}

#define SHARED_PAGES	2000

/*
 * Clearing soft-dirty bits write-protects every page, shared ones too:
 * the parent's next write to each faults into do_wp_page, which for a
 * shared mapping makes the page writable again and copies nothing.
 */
TEST_F_TIMEOUT(cow_end, shared_writes_are_not_copy_on_write, COW_TIMEOUT)
{
	char *shared, sel[64];
	int sync[2];
	long long faults;
	pid_t pid;
	char c;

	shared = mmap(NULL, SHARED_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	write_pages(shared, 0, SHARED_PAGES);
	ASSERT_EQ(0, pipe(sync));
	pid = syscall(SYS_fork);
	if (pid == 0) {
		if (read(sync[0], &c, 1) != 1)
			syscall(SYS_exit_group, 2);
		syscall(SYS_exit_group, 0);
	}
	ASSERT_LT(0, pid);
	if (clear_soft_dirty() || soft_dirty(shared)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		SKIP(return, "no soft-dirty tracking here (CONFIG_MEM_SOFT_DIRTY)");
	}
	write_pages(shared, 0, SHARED_PAGES);
	EXPECT_EQ(1, soft_dirty(shared)) TH_LOG("the writes did not fault");
	ASSERT_EQ(1, write(sync[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));

	faults = cow_value(self->buf, pid, "faults");
	ASSERT_LE(0, faults) TH_LOG("no cow record for child %d", pid);
	snprintf(sel, sizeof(sel), "tgid=%d child=%d", getpid(), pid);
	TH_LOG("%d writes to shared pages after clearing soft-dirty: %lld copy-on-write faults, %lld pages",
	       SHARED_PAGES, faults, rec_value(self->buf, "cow", sel, "pages"));
	/*
	 * Clearing soft-dirty also write-protects the private pages, so the
	 * few the parent writes meanwhile (stack, libc's data) fault and
	 * copy: a handful, against one per shared write were those counted.
	 */
	EXPECT_GT(SHARED_PAGES / 20, faults);
	munmap(shared, SHARED_PAGES * PAGE);
}

/* vfork shares the mm: nothing to copy, no watch, no record. */
TEST(vfork_has_no_bill)
{
	static char buf[PROC_BUF_SIZE];
	struct timespec reap = { 2, 0 };
	char sel[64];
	pid_t pid = vfork();

	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	nanosleep(&reap, NULL);	/* longer than a reaper round */
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	snprintf(sel, sizeof(sel), "tgid=%d child=%d", getpid(), pid);
	EXPECT_EQ(-1, rec_value(buf, "cow", sel, "pages"));
}

TEST_HARNESS_MAIN
