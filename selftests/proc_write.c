// SPDX-License-Identifier: GPL-2.0
/*
 * Writes to /proc/forkstat: "reset" from CAP_SYS_ADMIN zeroes the
 * counters; anything else, or anyone else, is refused with the right
 * error and leaves the counters alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sched.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "harness.h"
#include "proc_util.h"

#define FORKS 20

/* Makes sure copy_process has counted at least FORKS calls; returns the count. */
static long long counted_forks(struct __test_metadata *_metadata)
{
	long long hits;

	ASSERT_EQ(FORKS, fork_children(FORKS));
	hits = probe_field("copy_process", "hits");
	ASSERT_LE(FORKS, hits);
	return hits;
}

/* Writes len bytes of cmd in one write(); returns 0 or the errno. */
static int write_cmd(const void *cmd, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(FORKSTAT_PROC_PATH, O_WRONLY);
	if (fd < 0)
		return errno;
	n = write(fd, cmd, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = -1;
	close(fd);
	return err;
}

/* A refused write must leave the counters as they were: no reset. */
static void expect_refused(struct __test_metadata *_metadata,
			   const void *cmd, size_t len, int err)
{
	long long before = counted_forks(_metadata);

	EXPECT_EQ(err, write_cmd(cmd, len));
	EXPECT_LE(before, probe_field("copy_process", "hits"));
}

TEST(reset_zeroes_counters)
{
	long long before = counted_forks(_metadata);

	ASSERT_EQ(0, write_cmd("reset\n", 6));
	/* Only the forks since the reset remain, far fewer than before. */
	EXPECT_GT(before, probe_field("copy_process", "hits"));

	before = counted_forks(_metadata);
	ASSERT_EQ(0, write_cmd("reset", 5));
	EXPECT_GT(before, probe_field("copy_process", "hits"));
}

/* Every kind of figure a user process can make, then a reset. */
static void *thread_fn(void *arg)
{
	return arg;
}

TEST(reset_zeroes_everything)
{
	static const char *const user_flavours[] = { "fork", "vfork", "vm_clone", "thread" };
	static char buf[PROC_BUF_SIZE];
	char sel[64], counts[4096];
	pthread_t t;
	int sv[2];
	size_t i;

	ASSERT_EQ(FORKS, fork_children(FORKS));
	ASSERT_EQ(0, pthread_create(&t, NULL, thread_fn, NULL));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(-1, syscall(SYS_clone, CLONE_SIGHAND, 0, NULL, NULL, 0));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	ASSERT_EQ(0, fcntl(sv[0], F_SETFL, 0));
	ASSERT_EQ(0, fcntl(sv[0], F_SETFL, O_NONBLOCK));
	close(sv[0]);
	close(sv[1]);
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	ASSERT_LE(1, rec_value(buf, "sockcfg", "", "total"));
	ASSERT_LE(FORKS, proc_row(buf, getpid(), "fork"));
	ASSERT_NE(NULL, strstr(buf, "\nfail "));

	ASSERT_EQ(0, write_cmd("reset", 5));
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));

	/* Kernel threads may fork at any time: their flavour is not checked. */
	for (i = 0; i < sizeof(user_flavours) / sizeof(user_flavours[0]); i++) {
		snprintf(sel, sizeof(sel), "name=%s", user_flavours[i]);
		EXPECT_EQ(0, rec_value(buf, "flavour", sel, "count")) TH_LOG("%s", sel);
		EXPECT_EQ(0, rec_value(buf, "flavour", sel, "errors")) TH_LOG("%s", sel);
		EXPECT_EQ(0, rec_value(buf, "flavour", sel, "sum_ns")) TH_LOG("%s", sel);
		EXPECT_EQ(0, rec_value(buf, "flavour", sel, "max_ns")) TH_LOG("%s", sel);
		EXPECT_EQ(0, rec_value(buf, "flavour", sel, "ptcopy_sum_ns")) TH_LOG("%s", sel);
		snprintf(sel, sizeof(sel), "flavour=%s", user_flavours[i]);
		ASSERT_EQ(0, rec_str(buf, "hist", sel, "counts", counts, sizeof(counts)));
		EXPECT_EQ(0, counts_sum(counts)) TH_LOG("%s", sel);
	}
	EXPECT_EQ(NULL, strstr(buf, "\nfail "));
	EXPECT_EQ(NULL, strstr(buf, "\nhist2d "));
	EXPECT_EQ(NULL, strstr(buf, "\nproc "));
	EXPECT_EQ(NULL, strstr(buf, "\nslow "));
	EXPECT_EQ(0, rec_value(buf, "slowcfg", "", "total"));
	EXPECT_EQ(0, rec_value(buf, "sockcfg", "", "total"));
	EXPECT_EQ(NULL, strstr(buf, "\nsockclear "));
	EXPECT_EQ(0, rec_value(buf, "sockmode", "path=fcntl", "clears"));
	EXPECT_EQ(0, rec_value(buf, "sockmode", "path=fcntl", "sets"));
	EXPECT_EQ(0, rec_value(buf, "probe", "symbol=do_fcntl", "hits"));
	EXPECT_EQ(0, rec_value(buf, "procs", "", "dropped"));
	EXPECT_EQ(0, rec_value(buf, "health", "", "untracked"));
	EXPECT_EQ(0, rec_value(buf, "health", "", "unmatched"));

	/* Counting starts again from zero. */
	ASSERT_EQ(1, fork_children(1));
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	EXPECT_EQ(1, proc_row(buf, getpid(), "fork"));
	EXPECT_EQ(0, proc_row(buf, getpid(), "thread"));
	EXPECT_EQ(0, proc_row(buf, getpid(), "errors"));
}

TEST(garbage_refused)
{
	expect_refused(_metadata, "bogus\n", 6, EINVAL);
	expect_refused(_metadata, "resets", 6, EINVAL);
	expect_refused(_metadata, " reset", 6, EINVAL);
	expect_refused(_metadata, "reset\0junk", 10, EINVAL);
}

TEST(empty_write_refused)
{
	expect_refused(_metadata, "", 0, EINVAL);
}

TEST(oversized_write_refused)
{
	char big[4096];

	/* Starts like a valid command: only its length is wrong. */
	memset(big, '\n', sizeof(big));
	memcpy(big, "reset", 5);
	expect_refused(_metadata, big, sizeof(big), EINVAL);
	expect_refused(_metadata, big, 16, EINVAL);
}

/* Runs fn in a child and returns its exit status. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int reset_as_nobody(void)
{
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 255;
	return write_cmd("reset", 5);
}

/* As expect_refused, for a reset attempted by fn in a child. */
static void expect_child_refused(struct __test_metadata *_metadata,
				 int (*fn)(void), int err)
{
	long long before = counted_forks(_metadata);

	EXPECT_EQ(err, in_child(fn));
	EXPECT_LE(before, probe_field("copy_process", "hits"));
}

TEST(unprivileged_user_refused)
{
	/* The file is 0644 root's: an ordinary user cannot open it to write. */
	expect_child_refused(_metadata, reset_as_nobody, EACCES);
}

static int reset_without_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return 255;
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &hdr, data))
		return 255;
	return write_cmd("reset", 5);
}

TEST(root_without_cap_sys_admin_refused)
{
	/* Root opens the file, but the write itself needs CAP_SYS_ADMIN. */
	expect_child_refused(_metadata, reset_without_cap_sys_admin, EPERM);
}

TEST_HARNESS_MAIN
