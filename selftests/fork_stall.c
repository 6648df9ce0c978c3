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
 * wait: there, for the median fork, the module's stall_ns must lie
 * between the threads' time asleep (less 15%) and their time held up
 * (wall clock less run_delay, which also holds the faults' own work;
 * plus 10%). Elsewhere the module's stall_ns of the median fork and the
 * threads' own time asleep in it agree within 10%; with the threads only
 * reading their clocks, the module reports no wait at all.
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
 *
 * Only the forking process's own threads stall for its fork: another
 * process reading its /proc/PID/maps in a loop meanwhile (which takes
 * the same lock) must add nothing.
 *
 * Threads that mmap() and munmap() a page instead of writing take the
 * mmap lock for writing: they wait for the fork too. A writer of an rwsem
 * spins while the lock's owner runs, so for them the module's figure is
 * held between the threads' time asleep and their time held up, as on
 * PREEMPT_RT (on make check-debug's kernels, below the time held up
 * only: see the end).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "harness.h"
#include "proc_util.h"

/* The module's own logic: generic and rt run it (skip_on_cloud). */
static void __attribute__((constructor)) cloud_first(void)
{
	skip_on_cloud();
}

/*
 * Forks until the module saw MIN_WAIT_NS of waits, at least 20 times, at
 * most 24. The median fork, not the totals: with two emulators on the
 * host (make check runs VMs side by side) a host pause lands in one clock
 * and not the other. Single forks' ratios ranged from 45% to 129%, and
 * the totals of twenty forks were 12% apart in one CI run; the median
 * fork stayed at 94.7-98.4% in sixteen runs (on PREEMPT_RT, eight runs:
 * 91.7-134% of the time asleep, 83-87% of the time held up).
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

/* What the threads do, timed, between their pauses. */
enum op {
	OP_CLOCKS,	/* only read the clocks */
	OP_WRITE,	/* write to a page the fork write-protects */
	OP_MAP,		/* mmap() and munmap() a page: the lock for writing */
};

struct writer {
	pthread_t thread;
	char *buf;
	void *stack;
	enum op op;
	int stalls;		/* -1: no schedstat */
	struct { long long start, end, asleep, held; } stall[MAX_STALLS];
};

/* One fork's waits as the module saw them, and the threads' own. */
struct fork_stall {
	long long waits, ns;		/* the module's */
	long long own, own_ns, held_ns;	/* the threads' */
};

static atomic_bool stop;
/*
 * Odd while the main thread forks: a write is kept as a stall only if a
 * fork was under way at some point of it. Every write of a loop that
 * reads clocks through system calls takes longer than NOISE_NS on make
 * check-debug's kernels, and keeping them all filled the stall arrays
 * within a second, so the later forks' stalls were lost (the totals then
 * differed by 2 to 6 times).
 */
static atomic_uint forking;
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
		unsigned int f0 = atomic_load(&forking), f1;
		long long q0 = run_delay_ns(fd);
		long long t0 = clock_ns(CLOCK_MONOTONIC);
		long long c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		long long held, asleep;

		if (w->op == OP_WRITE) {
			w->buf[(size_t)page * PAGE]++;
		} else if (w->op == OP_MAP) {
			void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p != MAP_FAILED)
				munmap(p, PAGE);
		}
		held = (clock_ns(CLOCK_MONOTONIC) - t0) - (run_delay_ns(fd) - q0);
		asleep = held - (clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0);
		f1 = atomic_load(&forking);
		if (held > NOISE_NS && ((f0 & 1) || f0 != f1) && w->stalls < MAX_STALLS) {
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
	int started;		/* threads not joined yet */
	pid_t reader;		/* of /proc/PID/maps, or 0 */
};

FIXTURE_VARIANT(stall) {
	enum op op;
	bool maps_reader;
};

FIXTURE_VARIANT_ADD(stall, threads_write) { .op = OP_WRITE };
FIXTURE_VARIANT_ADD(stall, threads_map) { .op = OP_MAP };
FIXTURE_VARIANT_ADD(stall, threads_touch_no_protected_memory) { .op = OP_CLOCKS };
FIXTURE_VARIANT_ADD(stall, another_process_reads_maps) {
	.op = OP_CLOCKS, .maps_reader = true,
};

/* Reads /proc/PID/maps of pid in a loop: its mmap lock, from outside. */
static pid_t start_maps_reader(pid_t pid)
{
	char path[64], buf[65536];
	pid_t reader = fork_tied();
	int fd;

	if (reader)
		return reader;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	for (;;) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(1);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
}

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
		self->w[i] = (struct writer){ .op = variant->op };
		self->w[i].buf = self->big + (size_t)i * BUF_PAGES * PAGE;
		self->w[i].stack = map_shared(STACK);
		ASSERT_NE(NULL, self->w[i].stack);
		ASSERT_EQ(0, pthread_attr_init(&attr));
		ASSERT_EQ(0, pthread_attr_setstack(&attr, self->w[i].stack, STACK));
		ASSERT_EQ(0, pthread_create(&self->w[i].thread, &attr,
					    writer_loop, &self->w[i]));
		self->started++;
		pthread_attr_destroy(&attr);
	}
	if (variant->maps_reader) {
		self->reader = start_maps_reader(getpid());
		ASSERT_LT(0, self->reader);
	}
}

/* Stops the threads, joined once: after a failed ASSERT they still run. */
static void stop_writers(FIXTURE_DATA(stall) *self)
{
	atomic_store(&stop, true);
	for (; self->started > 0; self->started--)
		pthread_join(self->w[self->started - 1].thread, NULL);
}

FIXTURE_TEARDOWN(stall)
{
	stop_writers(self);
	if (self->reader > 0) {
		kill(self->reader, SIGKILL);
		waitpid(self->reader, NULL, 0);
	}
	munmap(self->big, BIG);
}

/* The module's figures of the fork of child. */
static int module_stall(const char *buf, pid_t child, struct fork_stall *fs)
{
	char sel[64];

	snprintf(sel, sizeof(sel), "tgid=%d child=%d", getpid(), child);
	fs->waits = rec_value(buf, "slow", sel, "stall_waits");
	fs->ns = rec_value(buf, "slow", sel, "stall_ns");
	return fs->waits < 0 || fs->ns < 0 ? -1 : 0;
}

/*
 * The threads' stalls that overlap a fork call, added to that fork's
 * figures: outside them a thread that sleeps inside a write (an
 * interrupt, the emulator) is noise.
 */
static void threads_stall(const struct writer *w, long long (*win)[2], int forks,
			  struct fork_stall *fs)
{
	int t, s, f;

	for (t = 0; t < THREADS; t++)
		for (s = 0; s < w[t].stalls; s++)
			for (f = 0; f < forks; f++)
				if (w[t].stall[s].start < win[f][1] &&
				    w[t].stall[s].end > win[f][0]) {
					fs[f].own_ns += w[t].stall[s].asleep;
					fs[f].held_ns += w[t].stall[s].held;
					fs[f].own += w[t].stall[s].asleep > 0;
					break;
				}
}

/*
 * The module's time against the threads' own (their time asleep, or with
 * held their time held up), fork by fork, in permille: the median fork's,
 * and the lowest and highest in *lo and *hi. -1 if no fork stalled them.
 */
static int median_permille(const struct fork_stall *fs, int forks, bool held,
			   int *lo, int *hi)
{
	int permille[FORKS], i, n = 0;

	for (i = 0; i < forks; i++) {
		long long own = held ? fs[i].held_ns : fs[i].own_ns;

		if (own)
			permille[n++] = fs[i].ns * 1000 / own;
	}
	if (!n)
		return -1;
	qsort(permille, n, sizeof(permille[0]), cmp_int);
	*lo = permille[0];
	*hi = permille[n - 1];
	return permille[n / 2];
}

/*
 * Twenty forks of a 512 MiB parent take minutes on make check-debug's
 * kernels: with a process reading maps beside them, more than ten on the
 * PREEMPT_RT one with four guests on two cores (2026-12-05).
 */
TEST_F_TIMEOUT(stall, module_waits_agree_with_the_threads, 1800)
{
	static char buf[PROC_BUF_SIZE];
	struct fork_stall fs[FORKS] = {}, sum = {};
	struct timespec settle = { 0, 50000000 };
	long long win[FORKS][2], seen_ns = 0;
	int i, forks, median, lo, hi;
	pid_t child;

	for (forks = 0; forks < FORKS; forks++) {
		if (forks >= FORKS_MIN && seen_ns >= MIN_WAIT_NS)
			break;
		nanosleep(&settle, NULL);	/* the threads back in their loops */
		atomic_fetch_add(&forking, 1);
		win[forks][0] = clock_ns(CLOCK_MONOTONIC);
		child = syscall(SYS_fork);
		if (child == 0)
			_exit(0);
		win[forks][1] = clock_ns(CLOCK_MONOTONIC);
		atomic_fetch_add(&forking, 1);
		ASSERT_LT(0, child);
		ASSERT_EQ(child, waitpid(child, NULL, 0));
		ASSERT_LT(0, proc_read(buf, sizeof(buf)));
		ASSERT_EQ(0, module_stall(buf, child, &fs[forks]))
			TH_LOG("no slow record for child %d", child);
		seen_ns += fs[forks].ns;
	}
	nanosleep(&settle, NULL);
	stop_writers(self);
	for (i = 0; i < THREADS; i++)
		ASSERT_LE(0, self->w[i].stalls) TH_LOG("no /proc/thread-self/schedstat");
	threads_stall(self->w, win, forks, fs);
	for (i = 0; i < forks; i++) {
		sum.waits += fs[i].waits;
		sum.ns += fs[i].ns;
		sum.own += fs[i].own;
		sum.own_ns += fs[i].own_ns;
		sum.held_ns += fs[i].held_ns;
	}

	TH_LOG("%s%s, %d forks: module %lld waits, %lld us; threads %lld stalls, %lld us (held up %lld us)",
	       variant->op == OP_WRITE ? "writing" :
	       variant->op == OP_MAP ? "mapping" : "not writing",
	       variant->maps_reader ? ", another process reading maps" : "", forks, sum.waits,
	       sum.ns / 1000, sum.own, sum.own_ns / 1000, sum.held_ns / 1000);
	if (variant->op == OP_CLOCKS) {
		EXPECT_EQ(0, sum.waits);
		EXPECT_EQ(0, sum.ns);
		return;
	}
	EXPECT_LE(forks, sum.waits);
	median = median_permille(fs, forks, false, &lo, &hi);
	ASSERT_LE(0, median) TH_LOG("no fork stalled the threads");
	TH_LOG("the module saw %d.%d%% of the threads' time asleep (median fork; range %d.%d-%d.%d%%)",
	       median / 10, median % 10, lo / 10, lo % 10, hi / 10, hi % 10);
	if (!spinning_waits && variant->op != OP_MAP) {
		EXPECT_LE(900, median);
		EXPECT_GE(1100, median);
		return;
	}
	/*
	 * How much of a wait a thread spends spinning changes fork by fork
	 * (single forks 58% to 752% of its time asleep), which moves the
	 * median more than elsewhere: 91.7% to 134% in eight runs, so 85%
	 * below. The time held up bounds it above, at 83-87% measured.
	 * Threads that map sleep after the fork too, on PREEMPT_RT: their
	 * spinlocks are rt_mutexes there, which the other threads' mmap and
	 * munmap hold (86.9% and 90.9% of their time asleep on 6.1 and
	 * 6.12 rt), so 70% below; 93.8% and 98.9% on the generic kernels.
	 * On make check-debug's kernels an mmap is several times dearer,
	 * so after the fork the threads queue behind each other's for
	 * longer, and by how much depends on the host's load: 84.9% on the
	 * RT one, 81.5% and 68.4% in two runs on the generic one. There
	 * the mappers' figure is held only from above (no wait the
	 * threads did not have) and by its count of waits.
	 */
	if (variant->op != OP_MAP || !debug_kernel())
		EXPECT_LE(variant->op == OP_MAP && spinning_waits ? 700 : 850,
			  median);
	median = median_permille(fs, forks, true, &lo, &hi);
	TH_LOG("and %d.%d%% of their time held up (median fork; range %d.%d-%d.%d%%)",
	       median / 10, median % 10, lo / 10, lo % 10, hi / 10, hi % 10);
	EXPECT_GE(1100, median);
}

TEST_HARNESS_MAIN
