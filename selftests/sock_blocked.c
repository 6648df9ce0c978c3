// SPDX-License-Identifier: GPL-2.0
/*
 * Threads blocked in a receive on a blocking socket, found by the scan a
 * read of /proc/forkstat makes: each receive call that can wait is seen
 * (read, readv, recvfrom, recvmsg, recvmmsg), each thread with its
 * descriptor and socket, and the process's "blocked" line counts them;
 * threads waiting in poll(), in accept() or on a pipe are not counted; a
 * socket switched to blocking through a dup is joined to its clear; and
 * once data arrives they are gone. A wait is never longer than its thread
 * has lived. A reader sees the blocked threads whose /proc/PID/task/TID
 * it may read, each by its own credentials.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "harness.h"
#include "proc_util.h"

enum how { READ, READV, RECV, RECVMSG, RECVMMSG, POLL_THEN_READ, ACCEPT, PIPE };

struct waiter {
	pthread_t t;
	pid_t tid;
	enum how how;
	int fd, peer;
};

static void *wait_one(void *arg)
{
	struct waiter *w = arg;
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct mmsghdr mm = { .msg_hdr = mh };

	__atomic_store_n(&w->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	switch (w->how) {
	case READ:
	case PIPE:
		return (void *)(long)(read(w->fd, &c, 1) != 1);
	case READV:
		return (void *)(long)(readv(w->fd, &iov, 1) != 1);
	case RECV:
		return (void *)(long)(recv(w->fd, &c, 1, 0) != 1);
	case RECVMSG:
		return (void *)(long)(recvmsg(w->fd, &mh, 0) != 1);
	case RECVMMSG:
		return (void *)(long)(recvmmsg(w->fd, &mm, 1, 0, NULL) != 1);
	case POLL_THEN_READ: {
		struct pollfd p = { .fd = w->fd, .events = POLLIN };

		if (poll(&p, 1, -1) != 1)
			return (void *)1;
		return (void *)(long)(read(w->fd, &c, 1) != 1);
	}
	case ACCEPT: {
		int a = accept(w->fd, NULL, NULL);

		if (a >= 0)
			close(a);
		return (void *)(long)(a < 0);
	}
	}
	return (void *)1;
}

/* Process tgid's "blocked" KEY= in buf; 0 when it has no such line. */
static long long blocked_in(const char *buf, pid_t tgid, const char *key)
{
	char sel[32];
	long long v;

	snprintf(sel, sizeof(sel), "tgid=%d", tgid);
	v = rec_value(buf, "blocked", sel, key);
	return v < 0 ? 0 : v;
}

/* Process tgid's "blocked" KEY=, read afresh. */
static long long blocked_of(pid_t tgid, const char *key)
{
	static char buf[PROC_BUF_SIZE];

	if (proc_read(buf, sizeof(buf)) < 0)
		return -1;
	return blocked_in(buf, tgid, key);
}

static long long my_blocked(const char *key)
{
	return blocked_of(getpid(), key);
}

/*
 * Waits for tgid's "blocked" to be want, 1,200 reads 0.1 s apart at most
 * (a bound for an eventual state, not a measurement: minutes where the
 * guest shares the host with debugging kernels); returns the last value.
 */
static long long wait_blocked_of(pid_t tgid, long long want)
{
	long long now = -1;
	int i;

	for (i = 0; i < 1200; i++) {
		now = blocked_of(tgid, "blocked");
		if (now == want)
			break;
		usleep(100 * 1000);
	}
	return now;
}

static long long wait_blocked(long long want)
{
	return wait_blocked_of(getpid(), want);
}

static void start(struct __test_metadata *_metadata, struct waiter *w,
		  enum how how, int fd, int peer)
{
	w->how = how;
	w->fd = fd;
	w->peer = peer;
	ASSERT_EQ(0, pthread_create(&w->t, NULL, wait_one, w));
}

/* Wakes every waiter (a byte, or a connection) and joins it. */
static void finish(struct __test_metadata *_metadata, struct waiter *w, int n,
		   const struct sockaddr_in *srv)
{
	void *ret;
	int i, c;

	for (i = 0; i < n; i++) {
		if (w[i].how == ACCEPT) {
			c = socket(AF_INET, SOCK_STREAM, 0);
			ASSERT_EQ(0, connect(c, (void *)srv, sizeof(*srv)));
			close(c);
		} else {
			ASSERT_EQ(1, write(w[i].peer, "x", 1));
		}
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, pthread_join(w[i].t, &ret));
		EXPECT_EQ(NULL, ret);
	}
}

static int listener(struct sockaddr_in *srv)
{
	socklen_t len = sizeof(*srv);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	memset(srv, 0, sizeof(*srv));
	srv->sin_family = AF_INET;
	srv->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (void *)srv, sizeof(*srv)) || listen(l, 16) ||
	    getsockname(l, (void *)srv, &len))
		return -1;
	return l;
}

/* The blockedthread line of thread tid of process tgid, copied into out. */
static int thread_line_of(const char *buf, pid_t tgid, pid_t tid, const char *key,
			  char *out, size_t len)
{
	char sel[64];

	snprintf(sel, sizeof(sel), "pid=%d tgid=%d", tid, tgid);
	return rec_str(buf, "blockedthread", sel, key, out, len);
}

static int thread_line(const char *buf, pid_t tid, const char *key, char *out,
		       size_t len)
{
	return thread_line_of(buf, getpid(), tid, key, out, len);
}

TEST(each_receive_call_counted_nothing_else)
{
	static const enum how hows[] = { READ, READV, RECV, RECVMSG, RECVMMSG };
	struct waiter w[8];
	struct sockaddr_in srv;
	int sv[5][2], pfd[2], l, i;
	char val[64];

	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]));
		start(_metadata, &w[i], hows[i], sv[i][0], sv[i][1]);
	}
	/* Waiting, but not in a receive on a blocking socket. */
	ASSERT_EQ(0, pipe(pfd));
	start(_metadata, &w[5], PIPE, pfd[0], pfd[1]);
	l = listener(&srv);
	ASSERT_LE(0, l);
	start(_metadata, &w[6], ACCEPT, l, -1);

	EXPECT_EQ(5, wait_blocked(5));
	usleep(500 * 1000);	/* time for a wrong count to show */
	EXPECT_EQ(5, my_blocked("blocked"));
	EXPECT_EQ(0, my_blocked("on_cleared"));
	{
		static char buf[PROC_BUF_SIZE];
		struct stat st;
		char want[32];

		ASSERT_LT(0, proc_read(buf, sizeof(buf)));
		for (i = 0; i < 5; i++) {
			ASSERT_EQ(0, thread_line(buf, w[i].tid, "fd", val, sizeof(val)))
				TH_LOG("no blockedthread line for receive %d", i);
			snprintf(want, sizeof(want), "%d", w[i].fd);
			EXPECT_STREQ(want, val);
			ASSERT_EQ(0, fstat(w[i].fd, &st));
			ASSERT_EQ(0, thread_line(buf, w[i].tid, "ino", val, sizeof(val)));
			EXPECT_EQ((long long)st.st_ino, atoll(val));
			ASSERT_EQ(0, thread_line(buf, w[i].tid, "cleared_ns", val, sizeof(val)));
			EXPECT_STREQ("0", val);
		}
		for (i = 5; i < 7; i++)
			EXPECT_NE(0, thread_line(buf, w[i].tid, "fd", val, sizeof(val)));
	}
	finish(_metadata, w, 7, &srv);
	EXPECT_EQ(0, my_blocked("blocked"));
	for (i = 0; i < 5; i++) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
	close(pfd[0]);
	close(pfd[1]);
	close(l);
}

/* Pollers on non-blocking sockets are not counted; a blocking reader is. */
TEST(pollers_not_counted)
{
	struct waiter w[9];
	int sv[9][2], i;

	for (i = 0; i < 9; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | (i ? SOCK_NONBLOCK : 0),
					0, sv[i]));
		start(_metadata, &w[i], i ? POLL_THEN_READ : READ, sv[i][0], sv[i][1]);
	}
	EXPECT_EQ(1, wait_blocked(1));
	sleep(1);
	EXPECT_EQ(1, my_blocked("blocked"));
	finish(_metadata, w, 9, NULL);
	for (i = 0; i < 9; i++) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
}

/* How long: a thread's wait grows while it waits. */
TEST(wait_time_grows)
{
	struct waiter w;
	long long first, later;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	start(_metadata, &w, READ, sv[0], sv[1]);
	ASSERT_EQ(1, wait_blocked(1));
	first = my_blocked("longest_ns");
	usleep(300 * 1000);
	later = my_blocked("longest_ns");
	EXPECT_LT(0, first);
	EXPECT_LE(first + 300 * 1000 * 1000LL, later) TH_LOG("%lld then %lld", first, later);
	finish(_metadata, &w, 1, NULL);
	close(sv[0]);
	close(sv[1]);
}

/*
 * How long a thread has waited never exceeds its life. A wait taken
 * from the scheduler's se.exec_start reads as the time since boot once
 * that field is 0, which the kernel makes it while the thread sleeps:
 * 6.12 keeps a thread that blocks with negative lag queued ("delayed
 * dequeue"), and a load balancer moving it then zeroes the field (a
 * capture showed 77 s for a 7 s wait); SysRq-n (normalize RT tasks)
 * zeroes it for every user thread, which is how this test gets there
 * at once.
 */
static long long mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

TEST(wait_never_longer_than_the_thread_lived)
{
	static char buf[PROC_BUF_SIZE];
	char waited[32];
	struct waiter w;
	long long born = mono_ns(), age;
	int sv[2], sysrq;

	sysrq = open("/proc/sysrq-trigger", O_WRONLY);
	if (sysrq < 0)
		SKIP(return, "no /proc/sysrq-trigger to write");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	start(_metadata, &w, READ, sv[0], sv[1]);
	ASSERT_EQ(1, wait_blocked(1));
	ASSERT_EQ(1, write(sysrq, "n", 1));
	close(sysrq);
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	age = mono_ns() - born;
	ASSERT_EQ(0, thread_line(buf, w.tid, "waited_ns", waited, sizeof(waited)));
	EXPECT_GE(age, atoll(waited))
		TH_LOG("the thread waited %lld ms by the module, it is %lld ms old",
		       atoll(waited) / 1000000, age / 1000000);
	finish(_metadata, &w, 1, NULL);
	close(sv[0]);
	close(sv[1]);
}

/*
 * The pathology: O_NONBLOCK cleared through a dup; the thread that then
 * blocks on the socket is joined to that clear, and the clear's record
 * names the same socket.
 */
TEST(clear_joined_to_its_victims)
{
	static char buf[PROC_BUF_SIZE];
	struct waiter w[2];
	int sv[2][2], d, i;
	char val[64], cleared[64], when[64], sel[160];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv[0]));
	d = dup(sv[0][0]);
	ASSERT_LE(0, d);
	ASSERT_EQ(0, fcntl(d, F_SETFL, 0));
	/* The other one is blocking from birth: no clear recorded. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv[1]));
	start(_metadata, &w[0], READ, sv[0][0], sv[0][1]);
	start(_metadata, &w[1], READ, sv[1][0], sv[1][1]);
	ASSERT_EQ(2, wait_blocked(2));
	EXPECT_EQ(1, my_blocked("on_cleared"));

	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	ASSERT_EQ(0, thread_line(buf, w[0].tid, "cleared_by", val, sizeof(val)));
	EXPECT_EQ(getpid(), atoi(val));
	ASSERT_EQ(0, thread_line(buf, w[0].tid, "cleared_ns", cleared, sizeof(cleared)));
	ASSERT_EQ(0, thread_line(buf, w[0].tid, "ino", val, sizeof(val)));
	/* The clear's own record: the same socket, the same moment. */
	snprintf(sel, sizeof(sel), "tgid=%d fd=%d ino=%s", getpid(), d, val);
	ASSERT_EQ(0, rec_str(buf, "sockclear", sel, "time_ns", when, sizeof(when)))
		TH_LOG("no sockclear with %s", sel);
	EXPECT_STREQ(when, cleared);
	EXPECT_EQ(atoll(cleared), proc_row(buf, getpid(), "last_clear_ns"));
	ASSERT_EQ(0, thread_line(buf, w[1].tid, "cleared_ns", val, sizeof(val)));
	EXPECT_STREQ("0", val);

	finish(_metadata, w, 2, NULL);
	close(d);
	for (i = 0; i < 2; i++) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
}

/*
 * A thread-per-connection TCP server, blocking by design: accepted
 * sockets are blocking from the start. Its readers are blocked, with the
 * connections' addresses, and no clear is joined to them.
 */
TEST(blocking_by_design_server)
{
	static char buf[PROC_BUF_SIZE];
	struct sockaddr_in srv, peer;
	struct waiter w[4];
	int l, c[4], a[4], i;
	char val[64], want[64];
	socklen_t len;

	l = listener(&srv);
	ASSERT_LE(0, l);
	for (i = 0; i < 4; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_EQ(0, connect(c[i], (void *)&srv, sizeof(srv)));
		a[i] = accept(l, NULL, NULL);
		ASSERT_LE(0, a[i]);
		start(_metadata, &w[i], RECV, a[i], c[i]);
	}
	ASSERT_EQ(4, wait_blocked(4));
	EXPECT_EQ(0, my_blocked("on_cleared"));
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	for (i = 0; i < 4; i++) {
		len = sizeof(peer);
		ASSERT_EQ(0, getpeername(a[i], (void *)&peer, &len));
		ASSERT_EQ(0, thread_line(buf, w[i].tid, "remote", val, sizeof(val)));
		snprintf(want, sizeof(want), "127.0.0.1:%u", ntohs(peer.sin_port));
		EXPECT_STREQ(want, val);
		ASSERT_EQ(0, thread_line(buf, w[i].tid, "local", val, sizeof(val)));
		snprintf(want, sizeof(want), "127.0.0.1:%u", ntohs(srv.sin_port));
		EXPECT_STREQ(want, val);
	}
	finish(_metadata, w, 4, NULL);
	for (i = 0; i < 4; i++) {
		close(a[i]);
		close(c[i]);
	}
	close(l);
}

#define OTHER_ID	60001

/* Thread w's id, once it has started: wait_one stores it. */
static pid_t tid_of(struct waiter *w)
{
	while (!__atomic_load_n(&w->tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	return w->tid;
}

/*
 * A process of mixed credentials (a raw setresuid changes the calling
 * thread's only, as glibc's, which changes every thread's, does not): a
 * thread left as root, then the leader made OTHER_ID (and dumpable
 * again) and a thread started after that, OTHER_ID too, each blocked in
 * a read. Writes their ids to report and waits to be killed.
 */
static void mixed_credentials(int report)
{
	struct waiter w[2] = { { .how = READ }, { .how = READ } };
	int sv[2][2];
	pid_t tids[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv[0]) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv[1]))
		_exit(1);
	w[0].fd = sv[0][0];
	w[1].fd = sv[1][0];
	if (pthread_create(&w[0].t, NULL, wait_one, &w[0]))
		_exit(1);
	tids[0] = tid_of(&w[0]);
	/* A change of uid clears the death signal fork_tied set: again. */
	if (syscall(SYS_setresgid, OTHER_ID, OTHER_ID, OTHER_ID) ||
	    syscall(SYS_setresuid, OTHER_ID, OTHER_ID, OTHER_ID) ||
	    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL) ||
	    pthread_create(&w[1].t, NULL, wait_one, &w[1]))
		_exit(1);
	tids[1] = tid_of(&w[1]);
	if (write(report, tids, sizeof(tids)) != sizeof(tids))
		_exit(1);
	pause();
	_exit(0);
}

/* What a reader of OTHER_ID sees of process tgid and its threads tids. */
struct other_view {
	long long blocked;
	int line[2];	/* a blockedthread line for tids[i] */
	int maps[2];	/* /proc/tgid/task/tids[i]/maps read */
};

static int maps_readable(pid_t tgid, pid_t tid)
{
	char path[64], c;
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/maps", tgid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ok = read(fd, &c, 1) == 1;
	close(fd);
	return ok;
}

static void read_as_other(pid_t tgid, const pid_t tids[2], int report)
{
	static char buf[PROC_BUF_SIZE];
	struct other_view v = { 0 };
	char val[32];
	int i;

	if (setgroups(0, NULL) || setresgid(OTHER_ID, OTHER_ID, OTHER_ID) ||
	    setresuid(OTHER_ID, OTHER_ID, OTHER_ID) || proc_read(buf, sizeof(buf)) < 0)
		_exit(1);
	v.blocked = blocked_in(buf, tgid, "blocked");
	for (i = 0; i < 2; i++) {
		v.line[i] = !thread_line_of(buf, tgid, tids[i], "fd", val, sizeof(val));
		v.maps[i] = maps_readable(tgid, tids[i]);
	}
	if (write(report, &v, sizeof(v)) != sizeof(v))
		_exit(1);
	_exit(0);
}

/*
 * Credentials are a thread's own: of a process whose leader another user
 * may look into, that user sees the blocked threads of its credentials,
 * not one left as root (which /proc/PID/task/TID refuses it).
 */
TEST(each_thread_by_its_own_credentials)
{
	struct other_view v;
	int tp[2], rp[2], status;
	pid_t target, reader, tids[2];
	ssize_t got;

	/* A pipe each, its write end only the child's: a child that dies says so. */
	ASSERT_EQ(0, pipe(tp));
	ASSERT_EQ(0, pipe(rp));
	target = fork_tied();
	ASSERT_LE(0, target);
	if (!target)
		mixed_credentials(tp[1]);
	close(tp[1]);
	got = read(tp[0], tids, sizeof(tids));
	close(tp[0]);
	ASSERT_EQ(sizeof(tids), got);
	ASSERT_EQ(2, wait_blocked_of(target, 2));
	reader = fork_tied();
	ASSERT_LE(0, reader);
	if (!reader)
		read_as_other(target, tids, rp[1]);
	close(rp[1]);
	got = read(rp[0], &v, sizeof(v));
	close(rp[0]);
	kill(target, SIGKILL);
	ASSERT_EQ(target, waitpid(target, &status, 0));
	ASSERT_EQ(reader, waitpid(reader, &status, 0));
	ASSERT_EQ(sizeof(v), got);
	/* What /proc shows that user, first: the ground truth. */
	ASSERT_EQ(0, v.maps[0]) TH_LOG("uid %d reads the root thread's maps", OTHER_ID);
	ASSERT_EQ(1, v.maps[1]) TH_LOG("uid %d cannot read its own thread's maps", OTHER_ID);
	EXPECT_EQ(0, v.line[0]) TH_LOG("uid %d sees the root thread blocked", OTHER_ID);
	EXPECT_EQ(1, v.line[1]) TH_LOG("uid %d does not see its own thread blocked", OTHER_ID);
	EXPECT_EQ(1, v.blocked);
}

TEST_HARNESS_MAIN
