// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table copy time grows with the parent's memory: a parent with
 * 512 MiB of 4 KiB pages copies page tables at least ten times longer per
 * fork than one touching under 1 MiB, its forks land in its RSS bucket
 * and in the slow ring with its sizes, and a vfork from it copies none.
 * Every fork goes into the slow ring (slow_us=1) so that the fastest fork
 * of each is compared: an emulator's host pausing a guest only adds time.
 * On make check-debug's kernel the copy of each of the small parent's
 * VMAs costs twenty times more (KASAN, lockdep): three times longer there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>

#include "harness.h"
#include "proc_util.h"

#define BIG_MIB		512
#define BIG_FORKS	3
#define SMALL_FORKS	5

/* What the big parent tells the test about itself. */
struct big_report {
	long rss_kb;		/* just before its forks */
	pid_t children[BIG_FORKS];
	long long ptcopy_before_vfork, ptcopy_after_vfork;
	long long vforks_before, vforks_after;
	int err;		/* line of the step that failed, or 0 */
};

static long self_rss_kb(void)
{
	long pages = -1, rss = -1;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The bucket the module files an RSS under (docs/format.md). */
static int rss_bucket(long rss_kb)
{
	long mib = rss_kb >> 10;
	int b = 0;

	while (mib) {
		b++;
		mib >>= 1;
	}
	return b > 21 ? 21 : b;
}

#define FAIL_AT(r) do { (r)->err = __LINE__; goto out; } while (0)

/* Runs in the big parent: touch, fork, vfork, report, exit. */
static void big_parent(int fd)
{
	static char buf[PROC_BUF_SIZE];
	struct big_report r = { 0 };
	size_t len = (size_t)BIG_MIB << 20;
	char *mem;
	pid_t pid;
	int i;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		FAIL_AT(&r);
	if (small_pages(mem, len))
		FAIL_AT(&r);
	memset(mem, 1, len);
	r.rss_kb = self_rss_kb();

	for (i = 0; i < BIG_FORKS; i++) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			FAIL_AT(&r);
		r.children[i] = pid;
	}

	if (proc_read(buf, sizeof(buf)) < 0)
		FAIL_AT(&r);
	r.ptcopy_before_vfork = proc_row(buf, getpid(), "ptcopy_ns");
	r.vforks_before = proc_row(buf, getpid(), "vfork");
	pid = vfork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		FAIL_AT(&r);
	if (proc_read(buf, sizeof(buf)) < 0)
		FAIL_AT(&r);
	r.ptcopy_after_vfork = proc_row(buf, getpid(), "ptcopy_ns");
	r.vforks_after = proc_row(buf, getpid(), "vfork");
out:
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(2);
	_exit(0);
}

static long long hist2d_sum(const char *buf, const char *name,
			    const char *flavour, int bucket)
{
	char sel[96], counts[4096];

	snprintf(sel, sizeof(sel), "name=%s flavour=%s rss_bucket=%d", name, flavour, bucket);
	if (rec_str(buf, "hist2d", sel, "counts", counts, sizeof(counts)))
		return 0;
	return counts_sum(counts);
}

static int write_param(const char *val)
{
	return param_set("slow_us", val);
}

static long read_param(void)
{
	char val[32];

	return param_get("slow_us", val, sizeof(val)) ? -1 : strtol(val, NULL, 10);
}

/* Every fork in the slow ring while the test runs, the default after. */
FIXTURE(every_fork)
{
};

FIXTURE_SETUP(every_fork)
{
	ASSERT_EQ(0, write_param("1"));
}

FIXTURE_TEARDOWN(every_fork)
{
	write_param("1000");
}

/* Minutes on make check-debug's PREEMPT_RT kernel. */
TEST_F_TIMEOUT(every_fork, big_parent_pays_for_page_tables, 900)
{
	char *before = malloc(PROC_BUF_SIZE), *after = malloc(PROC_BUF_SIZE);
	long long small_fast, big_fast;
	struct big_report r;
	char sel[96];
	int fds[2], bucket, i;
	pid_t big;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, after);

	/* The small parent: this process, which touches next to nothing. */
	ASSERT_GT(8 * 1024, self_rss_kb());
	ASSERT_EQ(SMALL_FORKS, fork_children(SMALL_FORKS));

	ASSERT_LT(0, proc_read(before, PROC_BUF_SIZE));
	ASSERT_EQ(0, pipe(fds));
	big = fork();
	ASSERT_LE(0, big);
	if (big == 0) {
		close(fds[0]);
		big_parent(fds[1]);
	}
	close(fds[1]);
	ASSERT_EQ(sizeof(r), read(fds[0], &r, sizeof(r)));
	ASSERT_EQ(big, waitpid(big, NULL, 0));
	ASSERT_EQ(0, r.err) TH_LOG("big parent failed at line %d", r.err);
	ASSERT_LT(0, proc_read(after, PROC_BUF_SIZE));

	/* The big parent's forks copied at least ten times longer. */
	snprintf(sel, sizeof(sel), "tgid=%d flavour=fork", getpid());
	small_fast = rec_min(after, "slow", sel, "ptcopy_ns");
	snprintf(sel, sizeof(sel), "tgid=%d flavour=fork", big);
	big_fast = rec_min(after, "slow", sel, "ptcopy_ns");
	ASSERT_LE(SMALL_FORKS, proc_row(after, getpid(), "fork"));
	EXPECT_EQ(BIG_FORKS, proc_row(after, big, "fork"));
	ASSERT_LT(0, small_fast);
	EXPECT_LE((debug_kernel() ? 3 : 10) * small_fast, big_fast)
		TH_LOG("fastest page-table copy: small parent %lld ns, big parent %lld ns",
		       small_fast, big_fast);
	EXPECT_LE((long long)BIG_MIB * 1024, proc_row(after, big, "max_rss_kb"));

	/* Its vfork copied nothing. */
	EXPECT_EQ(r.vforks_before + 1, r.vforks_after);
	EXPECT_EQ(r.ptcopy_before_vfork, r.ptcopy_after_vfork);

	/* Its forks, and only they, landed in its RSS bucket. */
	bucket = rss_bucket(r.rss_kb);
	EXPECT_EQ(10, bucket);
	EXPECT_EQ(BIG_FORKS, hist2d_sum(after, "latency_by_rss", "fork", bucket) -
			     hist2d_sum(before, "latency_by_rss", "fork", bucket));
	EXPECT_EQ(BIG_FORKS, hist2d_sum(after, "ptcopy_by_rss", "fork", bucket) -
			     hist2d_sum(before, "ptcopy_by_rss", "fork", bucket));
	/* Its vfork is filed under its size too, in the vfork map. */
	EXPECT_EQ(1, hist2d_sum(after, "latency_by_rss", "vfork", bucket) -
		     hist2d_sum(before, "latency_by_rss", "vfork", bucket));

	/* Each fork is in the ring, with the parent's sizes. */
	for (i = 0; i < BIG_FORKS; i++) {
		long long rss, pgt;

		snprintf(sel, sizeof(sel), "pid=%d tgid=%d child=%d flavour=fork",
			 big, big, r.children[i]);
		rss = rec_value(after, "slow", sel, "rss_kb");
		pgt = rec_value(after, "slow", sel, "pgtables_kb");
		EXPECT_LE(r.rss_kb - 1024, rss) TH_LOG("%s", sel);
		EXPECT_GE(r.rss_kb + 1024, rss) TH_LOG("%s", sel);
		/* 512 MiB of 4 KiB pages need 1 MiB of PTEs. */
		EXPECT_LE(BIG_MIB * 2, pgt) TH_LOG("%s", sel);
		EXPECT_LT(0, rec_value(after, "slow", sel, "vmas"));
		EXPECT_LT(0, rec_value(after, "slow", sel, "ptcopy_ns"));
		EXPECT_LE(rec_value(after, "slow", sel, "ptcopy_ns"),
			  rec_value(after, "slow", sel, "total_ns"));
	}
	free(before);
	free(after);
}

/* Forks under the threshold stay out of the ring; bad thresholds are refused. */
TEST(slow_threshold)
{
	static char buf[PROC_BUF_SIZE];
	long long total;

	ASSERT_EQ(1000, read_param());
	ASSERT_EQ(0, write_param("60000000"));
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	total = rec_value(buf, "slowcfg", "", "total");
	EXPECT_EQ(60000000, rec_value(buf, "slowcfg", "", "slow_us"));
	ASSERT_EQ(20, fork_children(20));
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	EXPECT_EQ(total, rec_value(buf, "slowcfg", "", "total"));

	EXPECT_EQ(EINVAL, write_param("0"));
	EXPECT_EQ(EINVAL, write_param("60000001"));
	EXPECT_EQ(EINVAL, write_param("1ms"));
	EXPECT_EQ(60000000, read_param());

	/* Every fork in this VM takes over 1 us. */
	ASSERT_EQ(0, write_param("1"));
	ASSERT_EQ(5, fork_children(5));
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	EXPECT_LE(total + 5, rec_value(buf, "slowcfg", "", "total"));
	EXPECT_EQ(0, write_param("1000"));
}

TEST_HARNESS_MAIN
