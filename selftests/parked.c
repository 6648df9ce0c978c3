// SPDX-License-Identifier: GPL-2.0
/*
 * Threads that user space parks inside the kernel for as long as it
 * likes, and what they must not do to the module: keep a copy-on-write
 * watch open, pin the module, or use up what other processes' events
 * need.
 *
 * - A write fault on memory write-protected with userfaultfd waits in
 *   do_wp_page until user space resolves it (any user may do this with
 *   UFFD_USER_MODE_ONLY); meanwhile the range can be unmapped and its
 *   page table freed. The fork's watch must close when the child exits,
 *   and unloading must free every watch.
 * - A parent in vfork() waits until its child execs or exits; a child
 *   that pauses keeps it there. Each slow vfork wants a call chain.
 * - ioctl(FIONBIO) whose argument lies in a page userfaultfd has not
 *   filled yet (root only: a fault of kernel code) waits inside the call.
 *
 * In each case unloading must succeed within two seconds while the
 * threads are parked, and they must come back cleanly afterwards.
 * KASAN (make check-debug) sees any read of the page table freed under a
 * parked fault; leaks.sh, last, has kmemleak look for anything unloading
 * left behind.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include "harness.h"
#include "proc_util.h"
#include "uffd.h"

#define BIG		(32UL << 20)
/* More parked vforks than the module's pool of pending chain takes. */
#define PARKED		80
#define UNLOAD_MS	2000
/*
 * The cases that unload and load again: a load alone took 15 to 26 s on
 * make check-debug's PREEMPT_RT kernel with other guests beside it, and
 * 120 s did not hold unload_with_cow_fault_parked there.
 */
#define RELOAD_TIMEOUT	600

static void *write_first_byte(void *p)
{
	*(volatile char *)p = 2;
	return NULL;
}

/*
 * Lets a thread parked on a fault of r go: r is unmapped (its page table
 * freed under the waiting fault), mapped anew, and the descriptor closed,
 * so the fault is retried on fresh memory.
 */
static int release_parked(char *r, int uffd, pthread_t t)
{
	int ret = munmap(r, REGION);

	if (!ret && mmap(r, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			 MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != r)
		ret = -1;
	close(uffd);
	pthread_join(t, NULL);
	return ret;
}

FIXTURE(parked) {
	char *buf;
	char slow_us[32];
};

/* Every fork is slow: each has its record, and each wants its chain. */
FIXTURE_SETUP(parked)
{
	self->buf = malloc(PROC_BUF_SIZE);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, param_get("slow_us", self->slow_us, sizeof(self->slow_us)));
	ASSERT_EQ(0, param_set("slow_us", "1"));
}

FIXTURE_TEARDOWN(parked)
{
	if (access(PARAM_DIR, F_OK))
		module_load("");
	param_set("slow_us", self->slow_us);
	free(self->buf);
}

/* The parent forks with a parked fault pending. */
static pid_t fork_with_parked_fault(struct __test_metadata *_metadata,
				    char **r, int *uffd, pthread_t *t,
				    unsigned int child_s)
{
	char *big = map_touched(BIG);
	pid_t pid;

	ASSERT_NE(NULL, big);
	*r = region_touched();
	ASSERT_NE(NULL, *r);
	*uffd = uffd_register(*r, REGION, UFFDIO_REGISTER_MODE_WP, 1);
	if (*uffd < 0)
		SKIP(return 0, "no userfaultfd write-protect: %s", strerror(errno));
	ASSERT_EQ(0, uffd_write_protect(*uffd, *r, REGION));
	pid = fork_tied();
	if (pid == 0) {
		sleep(child_s);
		_exit(0);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, pthread_create(t, NULL, write_first_byte, *r));
	ASSERT_EQ(0, uffd_wait_fault(*uffd, 10000)) TH_LOG("the write did not park");
	return pid;
}

TEST_F_TIMEOUT(parked, cow_watch_closes_while_fault_parked, 120)
{
	long long open = -1, faults = -1;
	char *r, sel[64];
	pthread_t t;
	int uffd, i;
	pid_t pid;

	pid = fork_with_parked_fault(_metadata, &r, &uffd, &t, 1);
	if (!pid)
		return;
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	/* The child has exited: within a few reaper rounds the watch closes. */
	snprintf(sel, sizeof(sel), "tgid=%d child=%d end=exit", getpid(), pid);
	for (i = 0; i < 50 && (open || faults < 0); i++) {
		usleep(100000);
		ASSERT_LT(0, proc_read(self->buf, PROC_BUF_SIZE));
		open = rec_value(self->buf, "cowcfg", "", "open");
		faults = rec_value(self->buf, "cow", sel, "faults");
	}
	ASSERT_EQ(0, release_parked(r, uffd, t));
	TH_LOG("with the write still parked: cowcfg open=%lld, the fork's cow record %s (faults=%lld)",
	       open, faults < 0 ? "missing" : "there", faults);
	EXPECT_EQ(0, open);
	EXPECT_LE(0, faults);
}

TEST_F_TIMEOUT(parked, unload_with_cow_fault_parked, RELOAD_TIMEOUT)
{
	long long ms = -1;
	pthread_t t;
	char *r;
	int uffd;
	pid_t pid;

	pid = fork_with_parked_fault(_metadata, &r, &uffd, &t, 60);
	if (!pid)
		return;
	EXPECT_EQ(0, module_unload(UNLOAD_MS, &ms));
	TH_LOG("unloaded in %lld ms with a copy-on-write fault parked", ms);
	ASSERT_EQ(0, release_parked(r, uffd, t));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	EXPECT_EQ(0, module_load(""));
}

static pid_t vfork_children[PARKED];

/* vfork()s a child that pauses: this thread stays in vfork until it dies. */
static void *vfork_pause(void *slot)
{
	pid_t *child = slot;

	if (vfork() == 0) {
		/* Not left behind by a failed assertion: see fork_tied(). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		*child = getpid();	/* the parent's memory: vfork shares it */
		pause();
		_exit(0);
	}
	return NULL;
}

TEST_F_TIMEOUT(parked, vfork_parents, RELOAD_TIMEOUT)
{
	pthread_t threads[PARKED];
	long long stack = -1, ms = -1;
	char sel[64], line[64];
	int i, n, status;
	pid_t helper;

	for (i = 0; i < PARKED; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, vfork_pause,
					    &vfork_children[i]));
	for (n = 0, i = 0; i < 600 && n < PARKED; i++) {
		usleep(100000);
		for (n = 0; n < PARKED && __atomic_load_n(&vfork_children[n], __ATOMIC_ACQUIRE); n++)
			;
	}
	ASSERT_EQ(PARKED, n) TH_LOG("only %d vfork children started", n);

	/* Another process's slow fork still gets its chain. */
	helper = fork();
	if (helper == 0)
		_exit(fork_children(1) == 1 ? 0 : 1);
	ASSERT_LT(0, helper);
	ASSERT_EQ(helper, waitpid(helper, &status, 0));
	ASSERT_LT(0, proc_read(self->buf, PROC_BUF_SIZE));
	snprintf(sel, sizeof(sel), "tgid=%d flavour=fork", helper);
	stack = rec_value(self->buf, "slow", sel, "stack");
	snprintf(line, sizeof(line), "\nustack id=%lld ", stack);
	TH_LOG("%d parents parked in vfork; another process's slow fork: stack=%lld, %s",
	       PARKED, stack, strstr(self->buf, line) ? "its chain shown" : "no chain shown");
	EXPECT_LT(0, stack);
	EXPECT_NE(NULL, strstr(self->buf, line));

	EXPECT_EQ(0, module_unload(UNLOAD_MS, &ms));
	TH_LOG("unloaded in %lld ms with %d vfork parents parked", ms, PARKED);
	for (i = 0; i < PARKED; i++)
		kill(vfork_children[i], SIGKILL);
	for (i = 0; i < PARKED; i++)
		pthread_join(threads[i], NULL);
	while (waitpid(-1, NULL, 0) > 0)
		;
	EXPECT_EQ(0, module_load(""));
}

struct fionbio {
	int fd;
	int *arg;
	int ret;
};

static void *fionbio(void *p)
{
	struct fionbio *f = p;

	f->ret = ioctl(f->fd, FIONBIO, f->arg);
	return NULL;
}

/* A kernel fault on a userfaultfd range needs privilege: root only. */
TEST_F_TIMEOUT(parked, fionbio_argument_parked, RELOAD_TIMEOUT)
{
	struct fionbio f = { .ret = -2 };
	long long ms = -1;
	int sv[2], uffd;
	pthread_t t;

	if (geteuid())
		SKIP(return, "needs root: a kernel fault on a userfaultfd range");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	f.fd = sv[0];
	f.arg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f.arg);
	uffd = uffd_register(f.arg, 4096, UFFDIO_REGISTER_MODE_MISSING, 0);
	if (uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, pthread_create(&t, NULL, fionbio, &f));
	ASSERT_EQ(0, uffd_wait_fault(uffd, 10000)) TH_LOG("FIONBIO did not park");

	EXPECT_EQ(0, module_unload(UNLOAD_MS, &ms));
	TH_LOG("unloaded in %lld ms with FIONBIO parked on its argument", ms);
	close(uffd);		/* the argument reads as a fresh zero page */
	pthread_join(t, NULL);
	EXPECT_EQ(0, f.ret);
	EXPECT_EQ(0, module_load(""));
}

TEST_HARNESS_MAIN
