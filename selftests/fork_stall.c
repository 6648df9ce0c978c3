// SPDX-License-Identifier: GPL-2.0
/*
 * The waits of a parent's other threads while a fork duplicates its mm.
 *
 * A 512 MiB parent (4 KiB pages) runs four threads, each writing to a
 * buffer of its own in a loop and timing every write with its own clocks,
 * while the main thread forks. A write that lands on a page the fork has
 * already write-protected faults and waits for the mmap lock until the
 * duplication ends. A thread's own stall for a write is the time it spent
 * asleep: its wall clock, minus its CPU clock, minus the time it waited
 * for a CPU once woken (run_delay in /proc/thread-self/schedstat), so time
 * spent handling the fault, queued behind the other threads or paused by
 * the emulator does not count. On PREEMPT_RT a waiter on the mmap lock
 * (an rt_mutex there) may spin while the forker runs on another CPU
 * instead of sleeping, and its CPU clock runs through that part of the
 * wait: there the module's total must lie between the threads' time
 * asleep and their time held up (wall clock less run_delay, which also
 * holds the faults' own work), 10% either side. Elsewhere the
 * module's stall_ns of those forks and the threads' own total agree
 * within 10%; with the threads only reading their clocks, the module
 * reports no wait at all.
 *
 * The threads sleep a little between writes, so that four of them and the
 * forker share two vCPUs without preempting each other inside a write.
 * Their buffers are the first pages of the parent's one big mapping, the
 * first the fork copies, so they wait for almost the whole copy (mapped
 * apart, they could land above it, in the gap its alignment leaves).
 * Everything else they write (their stacks, their thread-local storage,
 * their counters) is a shared mapping, which a fork does not
 * write-protect: their timed writes are the only ones that can wait, and
 * with those left out no thread touches memory a fork protects.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "kselftest_harness.h"
#include "proc_util.h"

/*
 * Forks until the module saw MIN_WAIT_NS of waits, at least 20 times, at
 * most 24. With two or three emulators on the host (make check runs VMs
 * side by side) the totals of five forks differed by up to 11% either way:
 * a host pause lands in one clock and not the other. Twenty forks average
 * that out.
 */
#define FORKS_MIN	20
#define FORKS		24
#define MIN_WAIT_NS	100000000LL
#define MAX_STALLS	1024
#define THREADS		4
#define BUF_PAGES	64
#define PAGE		4096
/* Off-CPU time in one write below this is noise, not a wait. */
#define NOISE_NS	20000
#define STACK		(256 << 10)
#define BIG		(512UL << 20)

static long long clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct writer {
	pthread_t thread;
	char *buf;
	void *stack;
	bool touch;		/* write, or only read the clocks */
	int stalls;		/* -1: no schedstat */
	struct { long long start, end, asleep, held; } stall[MAX_STALLS];
};

static atomic_bool stop;
/* PREEMPT_RT: a waiter may spin on a running owner, on its CPU clock. */
static bool spinning_waits;

/* The time this thread has waited on a run queue, ns; -1 on error. */
static long long run_delay_ns(int fd)
{
	char line[128];
	long long run, delay;
	ssize_t n = pread(fd, line, sizeof(line) - 1, 0);

	if (n <= 0)
		return -1;
	line[n] = '\0';
	if (sscanf(line, "%lld %lld", &run, &delay) != 2)
		return -1;
	return delay;
}

static void *writer_loop(void *arg)
{
	struct writer *w = arg;
	struct timespec pause = { 0, 200000 };
	unsigned int page = 0;
	int fd = open("/proc/thread-self/schedstat", O_RDONLY);

	if (fd < 0 || run_delay_ns(fd) < 0) {
		w->stalls = -1;
		return NULL;
	}
	while (!atomic_load(&stop)) {
		long long q0 = run_delay_ns(fd);
		long long t0 = clock_ns(CLOCK_MONOTONIC);
		long long c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		long long held, asleep;

		if (w->touch)
			w->buf[(size_t)page * PAGE]++;
		held = (clock_ns(CLOCK_MONOTONIC) - t0) - (run_delay_ns(fd) - q0);
		asleep = held - (clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0);
		if (held > NOISE_NS && w->stalls < MAX_STALLS) {
			w->stall[w->stalls].start = t0;
			w->stall[w->stalls].end = clock_ns(CLOCK_MONOTONIC);
			w->stall[w->stalls].asleep = asleep > NOISE_NS ? asleep : 0;
			w->stall[w->stalls].held = held;
			w->stalls++;
		}
		page = (page + 1) % BUF_PAGES;
		nanosleep(&pause, NULL);
	}
	close(fd);
	return NULL;
}

static void *map_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

FIXTURE(stall) {
	char *big;
	struct writer *w;	/* THREADS of them, shared */
};

FIXTURE_VARIANT(stall) {
	bool touch;
};

FIXTURE_VARIANT_ADD(stall, threads_write) { .touch = true };
FIXTURE_VARIANT_ADD(stall, threads_touch_no_protected_memory) { .touch = false };

FIXTURE_SETUP(stall)
{
	struct utsname u;
	pthread_attr_t attr;
	int i;

	spinning_waits = uname(&u) == 0 && strstr(u.version, "PREEMPT_RT");
	self->big = map_touched(BIG);
	ASSERT_NE(NULL, self->big);
	self->w = map_shared(THREADS * sizeof(*self->w));
	ASSERT_NE(NULL, self->w);
	atomic_store(&stop, false);
	for (i = 0; i < THREADS; i++) {
		self->w[i] = (struct writer){ .touch = variant->touch };
		self->w[i].buf = self->big + (size_t)i * BUF_PAGES * PAGE;
		self->w[i].stack = map_shared(STACK);
		ASSERT_NE(NULL, self->w[i].stack);
		ASSERT_EQ(0, pthread_attr_init(&attr));
		ASSERT_EQ(0, pthread_attr_setstack(&attr, self->w[i].stack, STACK));
		ASSERT_EQ(0, pthread_create(&self->w[i].thread, &attr,
					    writer_loop, &self->w[i]));
		pthread_attr_destroy(&attr);
	}
}

FIXTURE_TEARDOWN(stall)
{
	munmap(self->big, BIG);
}

/* The module's figures of the fork of child, added to *waits and *ns. */
static int module_stall(const char *buf, pid_t child, long long *waits,
			long long *ns)
{
	char sel[64];
	long long w, n;

	snprintf(sel, sizeof(sel), "tgid=%d child=%d", getpid(), child);
	w = rec_value(buf, "slow", sel, "stall_waits");
	n = rec_value(buf, "slow", sel, "stall_ns");
	if (w < 0 || n < 0)
		return -1;
	*waits += w;
	*ns += n;
	return 0;
}

/*
 * The threads' stalls that overlap a fork call: outside them a thread
 * that sleeps inside a write (an interrupt, the emulator) is noise.
 */
static long long threads_stall(const struct writer *w, long long (*win)[2],
			       int forks, long long *stalls, long long *held)
{
	long long ns = 0;
	int t, s, f;

	for (t = 0; t < THREADS; t++)
		for (s = 0; s < w[t].stalls; s++)
			for (f = 0; f < forks; f++)
				if (w[t].stall[s].start < win[f][1] &&
				    w[t].stall[s].end > win[f][0]) {
					ns += w[t].stall[s].asleep;
					*held += w[t].stall[s].held;
					*stalls += w[t].stall[s].asleep > 0;
					break;
				}
	return ns;
}

/* Twenty forks of a 512 MiB parent take minutes on make check-debug's kernel. */
TEST_F_TIMEOUT(stall, module_waits_agree_with_the_threads, 600)
{
	static char buf[PROC_BUF_SIZE];
	long long module_ns = 0, module_waits = 0, own_ns, own = 0, held = 0;
	struct timespec settle = { 0, 50000000 };
	long long win[FORKS][2];
	pid_t child;
	int i, forks;

	for (forks = 0; forks < FORKS; forks++) {
		if (forks >= FORKS_MIN && module_ns >= MIN_WAIT_NS)
			break;
		nanosleep(&settle, NULL);	/* the threads back in their loops */
		win[forks][0] = clock_ns(CLOCK_MONOTONIC);
		child = syscall(SYS_fork);
		if (child == 0)
			_exit(0);
		win[forks][1] = clock_ns(CLOCK_MONOTONIC);
		ASSERT_LT(0, child);
		ASSERT_EQ(child, waitpid(child, NULL, 0));
		ASSERT_LT(0, proc_read(buf, sizeof(buf)));
		ASSERT_EQ(0, module_stall(buf, child, &module_waits, &module_ns))
			TH_LOG("no slow record for child %d", child);
	}
	nanosleep(&settle, NULL);
	atomic_store(&stop, true);
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_join(self->w[i].thread, NULL));
		ASSERT_LE(0, self->w[i].stalls) TH_LOG("no /proc/thread-self/schedstat");
	}
	own_ns = threads_stall(self->w, win, forks, &own, &held);

	TH_LOG("%s, %d forks: module %lld waits, %lld us; threads %lld stalls, %lld us (held up %lld us)",
	       variant->touch ? "writing" : "not writing", forks, module_waits,
	       module_ns / 1000, own, own_ns / 1000, held / 1000);
	if (!variant->touch) {
		EXPECT_EQ(0, module_waits);
		EXPECT_EQ(0, module_ns);
		return;
	}
	EXPECT_LE(forks, module_waits);
	EXPECT_LT(0, own_ns);
	/*
	 * On make check-debug's kernel a fault's own work takes milliseconds
	 * (KASAN, lockdep) and the two totals were 1.4%, 95% and 123% apart in
	 * three runs: only the waits are checked there; the kernel's own checks are
	 * what that run is for.
	 */
	if (debug_kernel())
		return;
	if (spinning_waits) {
		EXPECT_LE(own_ns * 9, module_ns * 10);
		EXPECT_LE(module_ns * 10, held * 11);
	} else {
		EXPECT_LE(llabs(module_ns - own_ns) * 10, own_ns);
	}
}

TEST_HARNESS_MAIN
