// SPDX-License-Identifier: GPL-2.0
/*
 * What each fork was for (spawn.c). A fork whose child execs is a
 * spawn, with the time until the exec and what the fork cost; one whose
 * child exits without exec is not; one whose child does neither within
 * spawn_window_s runs on, and is counted once. A vfork's parent is
 * frozen from the call until its child execs or exits: the module's
 * figure lies between the child's own sleep and the parent's clock.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <spawn.h>

#include "harness.h"
#include "proc_util.h"
#include "snap.h"

#define N		20
/* A child sleeps this long before it execs or exits. */
#define NAP_NS		10000000LL

extern char **environ;

static void nap(void)
{
	struct timespec ts = { 0, NAP_NS };

	nanosleep(&ts, NULL);
}

static void exec_true(void)
{
	execl("/bin/true", "true", (char *)NULL);
	_exit(127);
}

/* Whether pid was reaped and exited with status 0. */
static int reaped_ok(pid_t pid)
{
	int status;

	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && !WEXITSTATUS(status);
}

/* The sum of the histogram key of this process's row, 0 without a row. */
static long long row_hist(const char *buf, const char *key)
{
	char sel[32], list[1024];

	snprintf(sel, sizeof(sel), "tgid=%d", getpid());
	return rec_str(buf, "proc", sel, key, list, sizeof(list)) ? 0 : counts_sum(list);
}

TEST_F(snap, fork_then_exec_is_a_spawn)
{
	int i, ok = 0;

	for (i = 0; i < N; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			nap();
			exec_true();
		}
		ok += reaped_ok(pid);
	}
	ASSERT_EQ(N, ok);
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	EXPECT_EQ(N, snap_row_delta(self, "fork_exec"));
	EXPECT_EQ(0, snap_row_delta(self, "fork_exit"));
	EXPECT_EQ(0, snap_row_delta(self, "fork_run"));
	/* Every fork exec'd: the cost of the spawns is the cost of the forks. */
	EXPECT_EQ(snap_row_delta(self, "sum_ns"), snap_row_delta(self, "spawn_fork_ns"));
	EXPECT_EQ(snap_row_delta(self, "stall_ns"), snap_row_delta(self, "spawn_stall_ns"));
	EXPECT_LE(N * NAP_NS, snap_row_delta(self, "exec_lag_ns"));
	EXPECT_LE(NAP_NS, proc_row(self->after, getpid(), "exec_lag_max_ns"));
	EXPECT_LE(N, snap_delta(self, "spawnsum", "", "fork_exec"));
}

TEST_F(snap, fork_then_exit_is_no_spawn)
{
	ASSERT_EQ(N, fork_children(N));
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	EXPECT_EQ(N, snap_row_delta(self, "fork_exit"));
	EXPECT_EQ(0, snap_row_delta(self, "fork_exec"));
	EXPECT_EQ(0, snap_row_delta(self, "spawn_fork_ns"));
	EXPECT_EQ(0, snap_row_delta(self, "exec_lag_ns"));
	EXPECT_LE(N, snap_delta(self, "spawnsum", "", "fork_exit"));
}

static void *exec_thread(void *arg)
{
	(void)arg;
	exec_true();
	return NULL;
}

/*
 * The child's second thread execs: it becomes the leader with the
 * leader's pid, and the old leader goes. Still one spawn, no exit.
 */
TEST_F(snap, exec_from_a_second_thread_is_a_spawn)
{
	pid_t pid = fork();

	if (pid == 0) {
		pthread_t t;

		if (pthread_create(&t, NULL, exec_thread, NULL))
			_exit(126);
		pthread_join(t, NULL);
		_exit(125);
	}
	ASSERT_TRUE(reaped_ok(pid));
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	EXPECT_EQ(1, snap_row_delta(self, "fork_exec"));
	EXPECT_EQ(0, snap_row_delta(self, "fork_exit"));
}

/* A child that neither execs nor exits within the window runs on, once. */
TEST_F_TIMEOUT(snap, child_running_past_the_window, 120)
{
	struct timespec tick = { 0, 100000000 };
	long long run = 0;
	pid_t pid;
	int i;

	ASSERT_EQ(0, param_set("spawn_window_s", "1"));
	pid = fork_tied();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	ASSERT_LT(0, pid);
	/* The reaper looks every second: wait for it, up to a minute. */
	for (i = 0; i < 600 && run < 1; i++) {
		nanosleep(&tick, NULL);
		ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
		run = snap_row_delta(self, "fork_run");
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	param_set("spawn_window_s", "10");
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	EXPECT_EQ(1, snap_row_delta(self, "fork_run"));
	EXPECT_EQ(0, snap_row_delta(self, "fork_exit"));
	EXPECT_EQ(0, snap_row_delta(self, "fork_exec"));
}

/*
 * One vfork whose child sleeps, then exits; the time the call took by
 * the parent's clock, or -1. Apart, so that no variable of the caller
 * lives across the vfork.
 */
static __attribute__((noinline)) long long vfork_napping(void)
{
	long long t0 = now_ns();
	pid_t pid = vfork();

	if (pid == 0) {
		nap();
		_exit(0);
	}
	return reaped_ok(pid) ? now_ns() - t0 : -1;
}

/*
 * Each vfork child sleeps, then exits: the parent was frozen at least
 * that long, and at most as long as its own clock says the call took.
 */
TEST_F(snap, vfork_wait_by_the_parents_clock)
{
	long long clock = 0, frozen, took;
	int i;

	for (i = 0; i < N; i++) {
		took = vfork_napping();
		ASSERT_LT(0, took);
		clock += took;
	}
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	frozen = snap_row_delta(self, "vfork_wait_ns");
	TH_LOG("frozen %lld us by the module, %lld us by the parent's clock",
	       frozen / 1000, clock / 1000);
	EXPECT_EQ(N, snap_row_delta(self, "vfork_exit"));
	EXPECT_EQ(0, snap_row_delta(self, "vfork_exec"));
	EXPECT_EQ(N, snap_row_delta(self, "vfork_waits"));
	EXPECT_LE(N * NAP_NS, frozen);
	EXPECT_GE(clock, frozen);
	EXPECT_LE(NAP_NS, proc_row(self->after, getpid(), "vfork_wait_max_ns"));
	EXPECT_EQ(N, row_hist(self->after, "vfork_wait_hist") -
		     row_hist(self->before, "vfork_wait_hist"));
}

/* posix_spawn is a vfork that execs: each is waited for, none is a fork. */
TEST_F(snap, posix_spawn_is_a_vfork_spawn)
{
	char *argv[] = { "true", NULL };
	int i, ok = 0;

	for (i = 0; i < N; i++) {
		pid_t pid;

		if (!posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ))
			ok += reaped_ok(pid);
	}
	ASSERT_EQ(N, ok);
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	EXPECT_EQ(N, snap_row_delta(self, "vfork_exec"));
	EXPECT_EQ(N, snap_row_delta(self, "vfork_waits"));
	EXPECT_EQ(0, snap_row_delta(self, "fork_exec"));
	EXPECT_LT(0, snap_row_delta(self, "vfork_wait_ns"));
}

TEST_HARNESS_MAIN
