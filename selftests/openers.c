// SPDX-License-Identifier: GPL-2.0
/*
 * What an opener of /proc/forkstat costs the kernel and what it reads:
 * an unprivileged user holding a thousand half-read descriptors pins a
 * few documents' worth of memory, not a thousand; a read from offset 0
 * is a new snapshot; a snapshot someone else still holds is never what a
 * new read of another view or a later read gets.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/resource.h>

#include "harness.h"
#include "proc_util.h"

#define OPENERS		1000
#define NOBODY		65534
/*
 * What the 1,000 may pin beyond the snapshots of one user (four, of
 * nobody's size: docs/format.md, "readers"): a file, a view and an
 * opener each, and room for what else the kernel does meanwhile.
 */
#define OPENERS_SLACK_KB	(4 * 1024)

/* Slab + VmallocUsed of /proc/meminfo, in KiB. */
static long long kernel_kb(void)
{
	char line[256];
	long long kb, sum = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1 ||
		    sscanf(line, "VmallocUsed: %lld kB", &kb) == 1)
			sum += kb;
	fclose(f);
	return sum;
}

static int drop_to_nobody(void)
{
	return setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY);
}

/*
 * The child: as nobody, opens the file OPENERS times and reads one byte
 * of each, says so on ready (the length of a whole read of its own
 * view, or -errno), then waits on go until the parent has measured.
 */
static void hold_openers(int ready, int go)
{
	static char buf[PROC_BUF_SIZE];
	long long len;
	char c;
	int i, fd;

	if (drop_to_nobody()) {
		len = -errno;
		goto out;
	}
	len = proc_read(buf, sizeof(buf));
	for (i = 0; len > 0 && i < OPENERS; i++) {
		fd = open(FORKSTAT_PROC_PATH, O_RDONLY);
		/* Beyond the user's snapshots, a read may be refused. */
		if (fd < 0 || (read(fd, &c, 1) != 1 && errno != EBUSY))
			len = -errno;
	}
out:
	if (write(ready, &len, sizeof(len)) != sizeof(len) ||
	    read(go, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

FIXTURE(openers) {
};

FIXTURE_SETUP(openers)
{
}

FIXTURE_TEARDOWN(openers)
{
}

/* A thousand opens and reads: minutes on make check-debug's kernels. */
TEST_F_TIMEOUT(openers, a_thousand_half_read_openers_pin_little, 600)
{
	static char buf[PROC_BUF_SIZE];
	struct rlimit nofile = { OPENERS + 64, OPENERS + 64 };
	long long before, after, len = 0;
	int ready[2], go[2], status;
	pid_t child;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &nofile));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	before = kernel_kb();
	ASSERT_LT(0, before);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		/* The parent's ends: its death must end the child's wait. */
		close(ready[0]);
		close(go[1]);
		hold_openers(ready[1], go[0]);
	}
	close(ready[1]);
	close(go[0]);
	/* Short when the child died (the OOM killer took it before the fix). */
	ASSERT_EQ(sizeof(len), read(ready[0], &len, sizeof(len)));
	after = kernel_kb();
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	ASSERT_EQ(1, write(go[1], "", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));

	TH_LOG("a read of nobody's view: %lld bytes; %d opened, one byte read of each: kernel memory +%lld KiB",
	       len, OPENERS, after - before);
	ASSERT_LT(0, len) TH_LOG("nobody's opens or reads failed: %s", strerror(-len));
	EXPECT_GT(4 * len / 1024 + OPENERS_SLACK_KB, after - before);
	/* Counted as the module holds them, nobody's openers among them. */
	EXPECT_LE(OPENERS, rec_value(buf, "readers", "", "open"));
	EXPECT_GE(rec_value(buf, "readers", "", "per_user"),
		  rec_value(buf, "readers", "", "snapshots"));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* The flavour's count of calls in a document. */
static long long forks_in(const char *doc)
{
	return rec_value(doc, "flavour", "name=fork", "count");
}

/* Reads what is left of fd into buf from its offset; returns the length. */
static ssize_t read_rest(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	return len;
}

TEST(a_read_from_offset_zero_is_a_new_snapshot)
{
	static char first[PROC_BUF_SIZE], again[PROC_BUF_SIZE];
	int fd = open(FORKSTAT_PROC_PATH, O_RDONLY);

	ASSERT_LE(0, fd);
	ASSERT_LT(0, read_rest(fd, first, sizeof(first)));
	ASSERT_EQ(3, fork_children(3));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ASSERT_LT(0, read_rest(fd, again, sizeof(again)));
	EXPECT_LE(forks_in(first) + 3, forks_in(again));
	close(fd);
}

/*
 * nobody holds a half-read descriptor, forks, and opens again: the new
 * read is of now, not the snapshot the first descriptor holds.
 */
static int read_after_fork_as_nobody(void)
{
	static char held[PROC_BUF_SIZE], fresh[PROC_BUF_SIZE];
	long long old;
	char c;
	int fd;

	if (drop_to_nobody())
		return 2;
	fd = open(FORKSTAT_PROC_PATH, O_RDONLY);
	if (fd < 0 || read(fd, &c, 1) != 1 || proc_read(held, sizeof(held)) <= 0)
		return 3;
	old = forks_in(held);
	if (fork_children(3) != 3 || proc_read(fresh, sizeof(fresh)) <= 0)
		return 4;
	close(fd);
	return forks_in(fresh) >= old + 3 ? 0 : 1;
}

TEST(a_held_snapshot_is_not_what_a_later_read_gets)
{
	int status;
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (!child)
		_exit(read_after_fork_as_nobody());
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * At its limit of snapshots a user's read gets its newest one again, if
 * of the same view: not in another cgroup namespace, which shows no
 * memory cgroup's path (oomcgroup). nobody holds as many half-read
 * descriptors as it may; a read of its own view then gets the newest of
 * them again (the control: its fork count is the held one's), and it
 * forks; then nobody in a cgroup namespace of its own (made by root: an
 * unprivileged user namespace is refused in the VM's chroot) reads:
 * refused (-EBUSY), never the held snapshot. A snapshot is shared for a
 * second: a control refused (a kernel too slow for that) skips.
 */
static void hold_the_limit(int ready, int go)
{
	static char doc[PROC_BUF_SIZE];
	long long held = -1, limit, i;
	char c;
	int fd;

	if (drop_to_nobody() || proc_read(doc, sizeof(doc)) <= 0)
		goto out;
	limit = rec_value(doc, "readers", "", "per_user");
	for (i = 0; i < limit; i++) {
		fd = open(FORKSTAT_PROC_PATH, O_RDONLY);
		if (fd < 0 || read(fd, &c, 1) != 1)
			goto out;
	}
	if (limit <= 0)
		goto out;
	held = proc_read(doc, sizeof(doc)) > 0 ? forks_in(doc) : -2;
	if (held >= 0 && fork_children(3) != 3)
		held = -1;
out:
	if (write(ready, &held, sizeof(held)) != sizeof(held) || read(go, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

static int read_in_a_cgroup_namespace(long long held)
{
	static char doc[PROC_BUF_SIZE];

	if (unshare(CLONE_NEWCGROUP) || drop_to_nobody())
		return 2;
	if (proc_read(doc, sizeof(doc)) <= 0)
		return errno == EBUSY ? 0 : 3;
	return forks_in(doc) >= held + 3 ? 0 : 1;
}

TEST(a_snapshot_shared_at_the_limit_only_with_its_own_view)
{
	int ready[2], go[2], status;
	pid_t holder, reader;
	long long held;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	holder = fork_tied();
	ASSERT_LE(0, holder);
	if (!holder)
		hold_the_limit(ready[1], go[0]);
	close(ready[1]);
	ASSERT_EQ(sizeof(held), read(ready[0], &held, sizeof(held)));
	if (held == -2) {
		ASSERT_EQ(1, write(go[1], "", 1));
		SKIP(return, "nobody's own view was not shared within its second");
	}
	ASSERT_LE(0, held) TH_LOG("nobody could not hold its snapshots");
	reader = fork_tied();
	ASSERT_LE(0, reader);
	if (!reader)
		_exit(read_in_a_cgroup_namespace(held));
	ASSERT_EQ(reader, waitpid(reader, &status, 0));
	ASSERT_EQ(1, write(go[1], "", 1));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("1: nobody read its held snapshot from another cgroup namespace");
	ASSERT_EQ(holder, waitpid(holder, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
