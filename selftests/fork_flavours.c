// SPDX-License-Identifier: GPL-2.0
/*
 * Each way of creating a task lands in its flavour, in the flavour
 * totals and in the calling process's row, exactly once per call; a
 * copy_process that fails is counted as an error with its errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>

#include "harness.h"
#include "proc_util.h"
#include "snap.h"

static const char *const flavours[] = { "fork", "vfork", "vm_clone", "thread" };
#define NR_FLAVOURS (sizeof(flavours) / sizeof(flavours[0]))

extern char **environ;

static long long flavour_delta(FIXTURE_DATA(snap) *self, const char *name,
			       const char *key)
{
	char sel[64];

	snprintf(sel, sizeof(sel), "name=%s", name);
	return snap_delta(self, "flavour", sel, key);
}

/*
 * This process's row grew by want calls of flavour name and by none of
 * any other; the flavour total grew by at least want.
 */
static void expect_landed(struct __test_metadata *_metadata,
			  FIXTURE_DATA(snap) *self, const char *name,
			  long long want)
{
	size_t i;

	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	for (i = 0; i < NR_FLAVOURS; i++) {
		long long d = snap_row_delta(self, flavours[i]);

		EXPECT_EQ(strcmp(flavours[i], name) ? 0 : want, d)
			TH_LOG("row of pid %d, flavour %s", getpid(), flavours[i]);
	}
	EXPECT_LE(want, flavour_delta(self, name, "count"));
	EXPECT_EQ(0, proc_row(self->after, getpid(), "errors"));
}

TEST_F(snap, fork_counted_exactly)
{
	ASSERT_EQ(64, fork_children(64));
	expect_landed(_metadata, self, "fork", 64);
}

TEST_F(snap, vfork_is_vfork)
{
	pid_t pid = vfork();

	if (pid == 0)
		_exit(0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	expect_landed(_metadata, self, "vfork", 1);
}

static int child_fn(void *arg __attribute__((unused)))
{
	return 0;
}

TEST_F(snap, clone_vm_is_vm_clone)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	pid_t pid = clone(child_fn, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);

	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	expect_landed(_metadata, self, "vm_clone", 1);
}

static void *thread_fn(void *arg)
{
	return arg;
}

TEST_F(snap, pthread_is_thread)
{
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, thread_fn, NULL));
	ASSERT_EQ(0, pthread_join(t, NULL));
	expect_landed(_metadata, self, "thread", 1);
}

/*
 * glibc's posix_spawn clones with CLONE_VM | CLONE_VFORK (as Go's os/exec
 * does since 1.9): by its flags it is a vfork, and copies no page tables.
 */
TEST_F(snap, posix_spawn_is_vfork)
{
	char *argv[] = { "true", NULL };
	pid_t pid;

	ASSERT_EQ(0, posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	expect_landed(_metadata, self, "vfork", 1);
}

/* copy_process refuses these flag combinations itself, with EINVAL. */
static void expect_failed(struct __test_metadata *_metadata,
			  FIXTURE_DATA(snap) *self, unsigned long flags,
			  const char *name)
{
	char sel[64];

	errno = 0;
	ASSERT_EQ(-1, syscall(SYS_clone, flags, 0, NULL, NULL, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));

	snprintf(sel, sizeof(sel), "flavour=%s errno=%d", name, EINVAL);
	EXPECT_EQ(1, rec_value(self->after, "fail", sel, "count") -
		     (rec_value(self->before, "fail", sel, "count") > 0 ?
		      rec_value(self->before, "fail", sel, "count") : 0));
	EXPECT_LE(1, flavour_delta(self, name, "errors"));
	EXPECT_EQ(1, snap_row_delta(self, "errors"));
	EXPECT_EQ(0, snap_row_delta(self, name));
}

TEST_F(snap, failed_fork_counted_with_errno)
{
	/* CLONE_SIGHAND needs CLONE_VM. */
	expect_failed(_metadata, self, CLONE_SIGHAND, "fork");
}

TEST_F(snap, failed_thread_counted_with_errno)
{
	/* CLONE_THREAD needs CLONE_SIGHAND. */
	expect_failed(_metadata, self, CLONE_THREAD, "thread");
}

TEST_HARNESS_MAIN
