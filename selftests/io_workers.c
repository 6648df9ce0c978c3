// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring's workers: user threads of the process (PF_IO_WORKER) that
 * never return to user space. Writes to one regular file are "hashed":
 * a worker runs them one after the other. One that finishes such a write
 * with another queued behind it, and a request linked to the one done,
 * queues the linked request and, with no idle worker, starts a new one
 * itself: a copy_process call made by an io worker. Idle workers leave
 * through do_exit(), where task work queued on them runs after their mm
 * is gone.
 *
 * With every fork slow, 1,000 rounds of: a ring, eight empty pipes, and
 * for each a write to one file linked to a read of the pipe, all forced
 * to the workers (IOSQE_ASYNC); then the ring and the pipes are closed,
 * which cancels the reads and lets the workers go. The kernel must stay
 * quiet (vm-run checks its log), some slow forks must be an io worker's
 * ("iou-wrk-N"), and none of those may carry a user call chain: an io
 * worker has no user stack.
 *
 * A worker's saved user registers are a copy of its creator's, taken
 * when it was created: one started by task work that interrupted a
 * blocking read(2) on a socket (a linked request queued when a timeout
 * fires) looks, to /proc/PID/syscall, like a thread in that read. It
 * waits for work, not for the socket: it is no blocked receiver.
 */
#define _GNU_SOURCE
#include <linux/io_uring.h>
#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "harness.h"
#include "proc_util.h"

#define ROUNDS		1000
#define PAIRS		8
/* Rounds between reads of the slow ring (64 records by default). */
#define CHECK_EVERY	20

struct ring {
	int fd;
	void *sq;
	size_t sq_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	unsigned int *tail, *mask, *array;
};

static int ring_setup(struct ring *r)
{
	struct io_uring_params p = { 0 };

	r->fd = syscall(__NR_io_uring_setup, 2 * PAIRS, &p);
	if (r->fd < 0)
		return -1;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	if (p.features & IORING_FEAT_SINGLE_MMAP &&
	    p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe) > r->sq_len)
		r->sq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sq = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sq == MAP_FAILED || r->sqes == MAP_FAILED) {
		close(r->fd);
		return -1;
	}
	r->tail = (unsigned int *)((char *)r->sq + p.sq_off.tail);
	r->mask = (unsigned int *)((char *)r->sq + p.sq_off.ring_mask);
	r->array = (unsigned int *)((char *)r->sq + p.sq_off.array);
	return 0;
}

static void ring_push(struct ring *r, const struct io_uring_sqe *sqe)
{
	unsigned int tail = *r->tail, i = tail & *r->mask;

	r->sqes[i] = *sqe;
	r->array[i] = i;
	__atomic_store_n(r->tail, tail + 1, __ATOMIC_RELEASE);
}

static void ring_close(struct ring *r)
{
	munmap(r->sqes, r->sqes_len);
	munmap(r->sq, r->sq_len);
	close(r->fd);
}

static int threads_now(void)
{
	char buf[4096];
	ssize_t n;
	char *t;
	int fd = open("/proc/self/status", O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	t = strstr(buf, "\nThreads:");
	return t ? atoi(t + 9) : -1;
}

/* One round, writing to file; 1 if workers were up before the teardown. */
static int round_trip(int file)
{
	static char buf[1];
	struct io_uring_sqe sqe;
	int pipes[PAIRS][2], i, started = 0;
	struct ring r;

	if (ring_setup(&r))
		return -1;
	for (i = 0; i < PAIRS; i++) {
		if (pipe(pipes[i]))
			return -1;
		memset(&sqe, 0, sizeof(sqe));
		sqe.opcode = IORING_OP_WRITE;
		sqe.flags = IOSQE_ASYNC | IOSQE_IO_LINK;
		sqe.fd = file;
		sqe.addr = (unsigned long)buf;
		sqe.len = sizeof(buf);
		ring_push(&r, &sqe);
		memset(&sqe, 0, sizeof(sqe));
		sqe.opcode = IORING_OP_READ;
		sqe.flags = IOSQE_ASYNC;
		sqe.fd = pipes[i][0];
		sqe.addr = (unsigned long)buf;
		sqe.len = sizeof(buf);
		ring_push(&r, &sqe);
	}
	if (syscall(__NR_io_uring_enter, r.fd, 2 * PAIRS, 0, 0, NULL, 0) != 2 * PAIRS)
		return -1;
	/* Until workers are up (they park on the empty pipes), 20 ms at most. */
	for (i = 0; i < 20 && !started; i++) {
		started = threads_now() > PAIRS / 2;
		if (!started)
			usleep(1000);
	}
	ring_close(&r);
	for (i = 0; i < PAIRS; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
	return started;
}

FIXTURE(io_workers) {
	char slow_us[32];
};

FIXTURE_SETUP(io_workers)
{
	ASSERT_EQ(0, param_get("slow_us", self->slow_us, sizeof(self->slow_us)));
	ASSERT_EQ(0, param_set("slow_us", "1"));
}

FIXTURE_TEARDOWN(io_workers)
{
	param_set("slow_us", self->slow_us);
}

/*
 * The io workers' slow forks newer than *last (their time_ns: a thread's
 * creation has no fork id), and those with a chain.
 */
static void count_worker_forks(char *buf, long long *last, int *by_workers,
			       int *with_chain)
{
	long long newest = *last, t;
	char *line, *save, *at;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "slow ", 5) || !strstr(line, " comm=iou-wrk-"))
			continue;
		at = strstr(line, " time_ns=");
		t = at ? atoll(at + 9) : 0;
		if (t <= *last)
			continue;
		newest = t > newest ? t : newest;
		(*by_workers)++;
		if (!strstr(line, " stack=0 "))
			(*with_chain)++;
	}
	*last = newest;
}

TEST_F_TIMEOUT(io_workers, no_chain_for_io_workers, 1800)
{
	static char buf[PROC_BUF_SIZE];
	int i, file, started = 0, by_workers = 0, with_chain = 0;
	char path[] = "/tmp/io_workers.XXXXXX";
	long long last = 0;
	struct ring probe;

	if (ring_setup(&probe))
		SKIP(return, "no io_uring here: %s", strerror(errno));
	ring_close(&probe);
	file = mkstemp(path);
	ASSERT_LE(0, file);
	unlink(path);
	for (i = 0; i < ROUNDS; i++) {
		int ret = round_trip(file);

		ASSERT_LE(0, ret) TH_LOG("round %d: io_uring failed: %s", i, strerror(errno));
		started += ret;
		if (i % CHECK_EVERY == CHECK_EVERY - 1) {
			ASSERT_LT(0, proc_read(buf, sizeof(buf)));
			count_worker_forks(buf, &last, &by_workers, &with_chain);
		}
	}
	close(file);
	/* Workers exit a little after their ring is gone. */
	sleep(2);
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	count_worker_forks(buf, &last, &by_workers, &with_chain);
	TH_LOG("%d rounds (%d with workers up in time): %d slow forks by io workers seen, %d with a call chain",
	       ROUNDS, started, by_workers, with_chain);
	EXPECT_LT(0, by_workers) TH_LOG("no io worker forked: the test proves nothing");
	EXPECT_EQ(0, with_chain);
}

/*
 * In a child: a ring with a timeout of ms hard-linked to an fsync of file
 * (which only a worker runs: 6.1 ignores IOSQE_ASYNC on a linked
 * request), then a read on a blocking socket that nothing writes. The
 * timeout's task work interrupts the read and queues the fsync, with no
 * worker yet: the worker is started there, under the read's registers.
 */
static void worker_under_a_read(int sock, int file, int ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };
	struct io_uring_sqe sqe;
	struct ring r;
	char c;

	if (ring_setup(&r))
		_exit(2);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_TIMEOUT;
	sqe.flags = IOSQE_IO_HARDLINK;
	sqe.addr = (unsigned long)&ts;
	sqe.len = 1;
	ring_push(&r, &sqe);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_FSYNC;
	sqe.flags = IOSQE_ASYNC;
	sqe.fd = file;
	ring_push(&r, &sqe);
	if (syscall(__NR_io_uring_enter, r.fd, 2, 0, 0, NULL, 0) != 2)
		_exit(3);
	while (read(sock, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* The tid of pid's io worker, 0 while it has none. */
static pid_t io_worker_of(pid_t pid)
{
	char path[320], comm[32];
	struct dirent *d;
	pid_t tid = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	while (dir && !tid && (d = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", pid, d->d_name);
		if (!file_get(path, comm, sizeof(comm)) && !strncmp(comm, "iou-wrk-", 8))
			tid = atoi(d->d_name);
	}
	if (dir)
		closedir(dir);
	return tid;
}

/*
 * Forks worker_under_a_read() with a timeout of ms on sv[0]; 0 with its
 * pid and its worker's tid once the worker's registers say read(2) on
 * sv[0]. 1 when they do not: the timeout fired before the child was in
 * its read (a loaded host delays it), and the child is gone.
 */
static int start_worker_in_a_read(struct __test_metadata *_metadata, int sv[2],
				  int file, int ms, pid_t *child, pid_t *worker)
{
	char path[64], sc[128] = "", want[32];
	int i;

	*worker = 0;
	*child = fork_tied();
	if (*child == 0) {
		close(sv[1]);	/* the parent's end: its death ends the read */
		worker_under_a_read(sv[0], file, ms);
	}
	if (*child < 0)
		return -1;
	for (i = 0; i < 200 + ms / 50 && !*worker; i++) {
		usleep(50 * 1000);
		*worker = io_worker_of(*child);
		if (!*worker && waitpid(*child, NULL, WNOHANG) == *child) {
			TH_LOG("the child ended before its io worker started");
			return -1;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", *child, *worker);
	snprintf(want, sizeof(want), "0 0x%x ", sv[0]);
	if (*worker && !file_get(path, sc, sizeof(sc)) && !strncmp(sc, want, strlen(want)))
		return 0;
	TH_LOG("%d ms timeout: %s%s (expected read on fd %d); again", ms,
	       *worker ? "the worker's syscall: " : "no io worker", *worker ? sc : "", sv[0]);
	kill(*child, SIGKILL);
	waitpid(*child, NULL, 0);
	return 1;
}

TEST_F_TIMEOUT(io_workers, a_worker_started_in_a_read_is_not_blocked_in_it, 300)
{
	static char buf[PROC_BUF_SIZE];
	char sel[64], val[64];
	char file_path[] = "/tmp/io_workers.XXXXXX";
	int sv[2], ms, ret = 1, status, file;
	pid_t child, worker;
	struct ring probe;

	if (ring_setup(&probe))
		SKIP(return, "no io_uring here: %s", strerror(errno));
	ring_close(&probe);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	file = mkstemp(file_path);
	ASSERT_LE(0, file);
	unlink(file_path);
	/* The setup this test needs, with more time for the child each try. */
	for (ms = 200; ret == 1 && ms <= 3200; ms *= 4)
		ret = start_worker_in_a_read(_metadata, sv, file, ms, &child, &worker);
	ASSERT_EQ(0, ret) TH_LOG("no io worker started under the child's read");
	/* The child is in the read again by now; the worker waits for work. */
	usleep(100 * 1000);
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	snprintf(sel, sizeof(sel), "pid=%d tgid=%d", worker, child);
	EXPECT_NE(0, rec_str(buf, "blockedthread", sel, "fd", val, sizeof(val)))
		TH_LOG("io worker %d listed as blocked on fd %s", worker, val);
	snprintf(sel, sizeof(sel), "pid=%d tgid=%d", child, child);
	EXPECT_EQ(0, rec_str(buf, "blockedthread", sel, "fd", val, sizeof(val)))
		TH_LOG("the child's own read is not listed");
	ASSERT_EQ(1, write(sv[1], "x", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, status);
	close(sv[0]);
	close(sv[1]);
	close(file);
}

TEST_HARNESS_MAIN
