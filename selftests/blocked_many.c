// SPDX-License-Identifier: GPL-2.0
/*
 * The blocked-reader scan of a process with a great many threads: one
 * process whose threads all wait in read() on blocking sockets, a
 * thousand to a socket, 100,000 of them on make check-debug's kernels
 * (which get the memory for it), 10,000 elsewhere. Reading
 * /proc/forkstat walks them all; it must count every one and never hold
 * an RCU read section (nor the CPU) for the whole walk: another thread
 * calls membarrier(GLOBAL), which waits for an RCU grace period, in a
 * loop during each read, and when every read is long, in one of them at
 * least none of those waits may last half as long as the read (one read
 * section across the walk makes a wait as long as the read in every
 * read; a host that stops the guest for a while makes one read long, and
 * a wait in it too, which make check met on a loaded host). The kernel
 * log must stay quiet: no soft lockup, no RCU stall.
 *
 * The waiting threads are SCHED_IDLE and are let go a thousand at a
 * time: 100,000 threads waking and exiting at once under emulation keep
 * the kernel's own threads (RCU's grace-period kthread) off the CPUs for
 * longer than RCU's stall timeout, whatever the module does. Each is let
 * go by a signal of its own, which its read returns from without the
 * socket's lock: a byte written to the socket wakes every reader to look
 * for it, each in turn under that lock, and on the PREEMPT_RT debugging
 * kernel threads queued for it past the hung-task timeout.
 *
 * Every reader takes its socket's lock (u->iolock) on its way into read()
 * and sleeps after letting it go. On PREEMPT_RT that lock is an rt_mutex
 * that a SCHED_IDLE holder is not boosted through by SCHED_IDLE waiters:
 * with 100,000 readers on one socket, entering read() one by one took
 * longer than the hung-task timeout on a loaded host. A thousand to a
 * socket keeps the walk of 100,000 threads and makes no such queue.
 */
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "harness.h"
#include "proc_util.h"

#define STACK		(16 << 10)
#define READS		3
/* Threads let go at a time at the end. */
#define BATCH		1000
/* Readers that share a socket. */
#define PER_SOCKET	1000

/* Room for the threads: raised for the test, never lowered. */
static const char *const knobs[] = {
	"/proc/sys/kernel/pid_max",
	"/proc/sys/kernel/threads-max",
};
static const char *const room[] = { "4194304", "400000" };
#define NKNOBS	(sizeof(knobs) / sizeof(knobs[0]))
/* Reads this long, all of them, show a long read section; shorter ones only log. */
#define LONG_READ_NS	200000000LL

/* socks[k][0] is read by threads [k * PER_SOCKET, (k + 1) * PER_SOCKET). */
static int (*socks)[2];
static int waiting;
static char *done;

static void *wait_read(void *arg)
{
	struct sched_param idle = { 0 };
	ssize_t n;
	char c;

	sched_setscheduler(0, SCHED_IDLE, &idle);	/* this thread only */
	__atomic_add_fetch(&waiting, 1, __ATOMIC_RELEASE);
	n = read(socks[(long)arg / PER_SOCKET][0], &c, 1);
	__atomic_store_n(&done[(long)arg], 1, __ATOMIC_RELEASE);
	return (void *)(long)n;
}

/* Only to end a read: no SA_RESTART. */
static void let_go(int sig __attribute__((unused)))
{
}

/*
 * Signals threads [from, to) until each has left its read (one signalled
 * just before it entered read() would wait there for ever).
 */
static void release_readers(pthread_t *threads, int from, int to)
{
	int i, left;

	do {
		left = 0;
		for (i = from; i < to; i++) {
			if (__atomic_load_n(&done[i], __ATOMIC_ACQUIRE))
				continue;
			pthread_kill(threads[i], SIGUSR1);
			left++;
		}
		if (left)
			usleep(100000);
	} while (left);
}

/* The longest grace-period wait begun while reading is set. */
static volatile int reading, stop_gp;
static long long longest_gp_ns;

static void *wait_grace_periods(void *unused __attribute__((unused)))
{
	while (!stop_gp) {
		int during = reading;
		long long t0 = now_ns(), ns;

		if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
			return (void *)1;
		ns = now_ns() - t0;
		if (during && ns > longest_gp_ns)
			longest_gp_ns = ns;
		if (!during)
			usleep(1000);
	}
	return NULL;
}

/* Whatever the kernel logged since mark (an open /dev/kmsg) that is a complaint. */
static int kernel_complained(int mark, char *what, size_t len)
{
	char rec[2048];
	ssize_t n;

	while ((n = read(mark, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, "soft lockup") || (strstr(rec, "rcu_") && strstr(rec, "stall")) ||
		    strstr(rec, "BUG:") || strstr(rec, "WARNING:")) {
			snprintf(what, len, "%s", rec);
			return 1;
		}
	}
	return 0;
}

FIXTURE(many) {
	char saved[NKNOBS][32];
	int set[NKNOBS];
};

FIXTURE_SETUP(many)
{
	size_t i;

	for (i = 0; i < NKNOBS; i++) {
		self->set[i] = !file_get(knobs[i], self->saved[i], sizeof(self->saved[i]));
		if (self->set[i] && atol(self->saved[i]) < atol(room[i]))
			self->set[i] = !file_set(knobs[i], room[i]);
		else
			self->set[i] = 0;
	}
}

FIXTURE_TEARDOWN(many)
{
	size_t i;

	for (i = 0; i < NKNOBS; i++)
		if (self->set[i])
			file_set(knobs[i], self->saved[i]);
}

TEST_F_TIMEOUT(many, scan_of_a_huge_thread_group, 3600)
{
	static char buf[PROC_BUF_SIZE];
	int n = debug_kernel() ? 100000 : 10000, i, r, mark, blocked = 0;
	int nsock = (n + PER_SOCKET - 1) / PER_SOCKET;
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct sigaction sa = { .sa_handler = let_go };
	long long start, read_ns, shortest_read = -1, best_read = 0, best_gp = 0;
	char sel[32], what[2048];
	pthread_attr_t attr;
	pthread_t *threads, gp;
	char *stacks;

	setrlimit(RLIMIT_NPROC, &unlimited);
	threads = calloc(n, sizeof(*threads));
	ASSERT_NE(NULL, threads);
	done = calloc(n, 1);
	ASSERT_NE(NULL, done);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	/* One mapping for every stack: a VMA each would pass max_map_count. */
	stacks = mmap(NULL, (size_t)n * STACK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, stacks);
	socks = calloc(nsock, sizeof(*socks));
	ASSERT_NE(NULL, socks);
	for (i = 0; i < nsock; i++)
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, socks[i]));
	ASSERT_EQ(0, pthread_attr_init(&attr));
	start = now_ns();
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, pthread_attr_setstack(&attr, stacks + (size_t)i * STACK, STACK));
		r = pthread_create(&threads[i], &attr, wait_read, (void *)(long)i);
		ASSERT_EQ(0, r) TH_LOG("thread %d: %s", i, strerror(r));
	}
	while (__atomic_load_n(&waiting, __ATOMIC_ACQUIRE) < n)
		usleep(10000);
	TH_LOG("%d threads waiting in read() after %lld s", n, (now_ns() - start) / 1000000000);

	mark = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, mark);
	lseek(mark, 0, SEEK_END);
	snprintf(sel, sizeof(sel), "tgid=%d", getpid());
	for (i = 0; i < 20 && blocked < n; i++) {
		ASSERT_LT(0, proc_read(buf, sizeof(buf)));
		blocked = rec_value(buf, "blocked", sel, "blocked");
	}
	ASSERT_EQ(0, pthread_create(&gp, NULL, wait_grace_periods, NULL));
	for (i = 0; i < READS; i++) {
		usleep(100000);
		longest_gp_ns = 0;
		reading = 1;
		start = now_ns();
		ASSERT_LT(0, proc_read(buf, sizeof(buf)));
		read_ns = now_ns() - start;
		reading = 0;
		usleep(100000);	/* the last wait begun while reading ends */
		TH_LOG("read %d: %lld blocked, scan_ns=%lld, the read took %lld ms, the longest grace period meanwhile %lld ms",
		       i, rec_value(buf, "blocked", sel, "blocked"),
		       rec_value(buf, "blockedscan", "", "scan_ns"),
		       read_ns / 1000000, longest_gp_ns / 1000000);
		if (shortest_read < 0 || read_ns < shortest_read)
			shortest_read = read_ns;
		/* The read whose longest wait is the smallest part of it. */
		if (!best_read ||
		    (double)longest_gp_ns / read_ns < (double)best_gp / best_read) {
			best_read = read_ns;
			best_gp = longest_gp_ns;
		}
	}
	stop_gp = 1;
	pthread_join(gp, NULL);
	EXPECT_EQ(n, blocked);
	if (shortest_read >= LONG_READ_NS)
		EXPECT_GT(best_read / 2, best_gp)
			TH_LOG("in every read a grace period waited half of it or more: %lld ms of %lld ms at best",
			       best_gp / 1000000, best_read / 1000000);
	EXPECT_EQ(0, kernel_complained(mark, what, sizeof(what))) TH_LOG("%s", what);
	close(mark);
	for (i = 0; i < n; i += BATCH)
		release_readers(threads, i, n - i < BATCH ? n : i + BATCH);
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < nsock; i++) {
		close(socks[i][0]);
		close(socks[i][1]);
	}
	free(socks);
	free(done);
}

TEST_HARNESS_MAIN
