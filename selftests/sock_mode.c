// SPDX-License-Identifier: GPL-2.0
/*
 * O_NONBLOCK changes on sockets: a real clear is recorded once, with who
 * made it and on which socket; a no-op, a set, a failed call or a clear
 * on a pipe is not a clear; a clear through a dup()ed descriptor is seen
 * and switches the original too.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "harness.h"
#include "proc_util.h"
#include "snap.h"

/* How much KEY of the "sockmode path=PATH" record grew. */
static long long mode_delta(FIXTURE_DATA(snap) *self, const char *path,
			    const char *key)
{
	char sel[32];

	snprintf(sel, sizeof(sel), "path=%s", path);
	return snap_delta(self, "sockmode", sel, key);
}

static int set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

static int is_nonblock(int fd)
{
	return !!(fcntl(fd, F_GETFL) & O_NONBLOCK);
}

/* The clear record of this process on fd: its KEY=, copied into out. */
static int clear_field(FIXTURE_DATA(snap) *self, int fd, const char *key,
		       char *out, size_t len)
{
	char sel[64];

	snprintf(sel, sizeof(sel), "pid=%d tgid=%d fd=%d", getpid(), getpid(), fd);
	return rec_str(self->after, "sockclear", sel, key, out, len);
}

static void expect_clear(struct __test_metadata *_metadata,
			 FIXTURE_DATA(snap) *self, int fd, int family,
			 int type, int protocol, const char *path)
{
	char val[256], want[32];

	ASSERT_EQ(0, clear_field(self, fd, "path", val, sizeof(val)));
	EXPECT_STREQ(path, val);
	ASSERT_EQ(0, clear_field(self, fd, "family", val, sizeof(val)));
	EXPECT_EQ(family, atoi(val));
	ASSERT_EQ(0, clear_field(self, fd, "type", val, sizeof(val)));
	EXPECT_EQ(type, atoi(val));
	ASSERT_EQ(0, clear_field(self, fd, "protocol", val, sizeof(val)));
	EXPECT_EQ(protocol, atoi(val));
	snprintf(want, sizeof(want), "%d", fd);
	ASSERT_EQ(0, clear_field(self, fd, "fd", val, sizeof(val)));
	EXPECT_STREQ(want, val);
}

static const char *inet_name(const struct sockaddr_in *sin, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u", inet_ntoa(sin->sin_addr), ntohs(sin->sin_port));
	return buf;
}

/*
 * Clears O_NONBLOCK on a non-blocking fd (recorded once), again on the
 * now blocking fd (nothing), then sets it (a set, not a clear).
 */
static void clear_then_noop_then_set(struct __test_metadata *_metadata,
				     FIXTURE_DATA(snap) *self, int fd)
{
	ASSERT_EQ(0, set_nonblock(fd, 1));
	ASSERT_LT(0, proc_read(self->before, PROC_BUF_SIZE));
	ASSERT_EQ(0, set_nonblock(fd, 0));
	ASSERT_EQ(0, set_nonblock(fd, 0));
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	EXPECT_EQ(1, mode_delta(self, "fcntl", "clears"));
	EXPECT_EQ(0, mode_delta(self, "fcntl", "sets"));
	EXPECT_EQ(1, snap_row_delta(self, "sock_clears"));
	EXPECT_LT(0, proc_row(self->after, getpid(), "last_clear_ns"));

	ASSERT_EQ(0, set_nonblock(fd, 1));
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	EXPECT_EQ(1, mode_delta(self, "fcntl", "clears"));
	EXPECT_EQ(1, mode_delta(self, "fcntl", "sets"));
	EXPECT_EQ(1, snap_row_delta(self, "sock_sets"));
}

TEST_F(snap, tcp_clear_recorded_with_addresses)
{
	struct sockaddr_in srv = { .sin_family = AF_INET }, cli;
	socklen_t len = sizeof(srv);
	char want[64], val[256];
	int l, c, a;

	srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, bind(l, (void *)&srv, sizeof(srv)));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, getsockname(l, (void *)&srv, &len));
	c = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, connect(c, (void *)&srv, sizeof(srv)));
	a = accept(l, NULL, NULL);
	ASSERT_LE(0, a);
	len = sizeof(cli);
	ASSERT_EQ(0, getsockname(c, (void *)&cli, &len));

	clear_then_noop_then_set(_metadata, self, c);
	expect_clear(_metadata, self, c, AF_INET, SOCK_STREAM, IPPROTO_TCP, "fcntl");
	ASSERT_EQ(0, clear_field(self, c, "local", val, sizeof(val)));
	EXPECT_STREQ(inet_name(&cli, want, sizeof(want)), val);
	ASSERT_EQ(0, clear_field(self, c, "remote", val, sizeof(val)));
	EXPECT_STREQ(inet_name(&srv, want, sizeof(want)), val);
	close(a);
	close(c);
	close(l);
}

TEST_F(snap, udp_clear_recorded_with_addresses)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(9) }, me;
	socklen_t len = sizeof(me);
	char want[64], val[256];
	int s;

	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, connect(s, (void *)&peer, sizeof(peer)));
	ASSERT_EQ(0, getsockname(s, (void *)&me, &len));

	clear_then_noop_then_set(_metadata, self, s);
	expect_clear(_metadata, self, s, AF_INET, SOCK_DGRAM, IPPROTO_UDP, "fcntl");
	ASSERT_EQ(0, clear_field(self, s, "local", val, sizeof(val)));
	EXPECT_STREQ(inet_name(&me, want, sizeof(want)), val);
	ASSERT_EQ(0, clear_field(self, s, "remote", val, sizeof(val)));
	EXPECT_STREQ("127.0.0.1:9", val);
	close(s);
}

TEST_F(snap, unix_clear_recorded_with_path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char val[256];
	int s;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/forkstat-%d.sock", getpid());
	unlink(sun.sun_path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, bind(s, (void *)&sun, sizeof(sun)));
	ASSERT_EQ(0, listen(s, 1));

	clear_then_noop_then_set(_metadata, self, s);
	expect_clear(_metadata, self, s, AF_UNIX, SOCK_STREAM, 0, "fcntl");
	ASSERT_EQ(0, clear_field(self, s, "sun_path", val, sizeof(val)));
	EXPECT_STREQ(sun.sun_path, val);
	close(s);
	unlink(sun.sun_path);
}

/* The pathology: a library clears O_NONBLOCK on its dup of the socket. */
TEST_F(snap, clear_through_dup_switches_original)
{
	int sv[2], d;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	d = dup(sv[0]);
	ASSERT_LE(0, d);
	ASSERT_LT(0, proc_read(self->before, PROC_BUF_SIZE));
	ASSERT_EQ(1, is_nonblock(sv[0]));
	ASSERT_EQ(0, set_nonblock(d, 0));
	EXPECT_EQ(0, is_nonblock(sv[0]));	/* the same open file */
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	EXPECT_EQ(1, mode_delta(self, "fcntl", "clears"));
	expect_clear(_metadata, self, d, AF_UNIX, SOCK_STREAM, 0, "fcntl");
	close(d);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(snap, fionbio_counts_sockets_only)
{
	int sv[2], pfd[2], off = 0, on = 1;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_LT(0, proc_read(self->before, PROC_BUF_SIZE));

	ASSERT_EQ(0, ioctl(sv[0], FIONBIO, &on));
	ASSERT_EQ(0, ioctl(sv[0], FIONBIO, &off));
	ASSERT_EQ(0, ioctl(pfd[0], FIONBIO, &on));
	ASSERT_EQ(0, ioctl(pfd[0], FIONBIO, &off));
	ASSERT_EQ(0, is_nonblock(pfd[0]));
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));

	EXPECT_EQ(1, mode_delta(self, "ioctl", "clears"));
	EXPECT_EQ(1, mode_delta(self, "ioctl", "sets"));
	EXPECT_EQ(0, mode_delta(self, "fcntl", "clears"));
	EXPECT_EQ(1, snap_row_delta(self, "sock_clears"));
	expect_clear(_metadata, self, sv[0], AF_UNIX, SOCK_STREAM, 0, "ioctl");
	close(sv[0]);
	close(sv[1]);
	close(pfd[0]);
	close(pfd[1]);
}

TEST_F(snap, pipe_fcntl_not_counted)
{
	int pfd[2];

	ASSERT_EQ(0, pipe2(pfd, O_NONBLOCK));
	ASSERT_EQ(0, set_nonblock(pfd[0], 0));
	ASSERT_EQ(0, is_nonblock(pfd[0]));
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	EXPECT_EQ(0, mode_delta(self, "fcntl", "clears"));
	EXPECT_EQ(0, snap_row_delta(self, "sock_clears"));
	close(pfd[0]);
	close(pfd[1]);
}

TEST_F(snap, failed_calls_not_counted)
{
	int off = 0, fd = 1000, sv[2];

	/* Sockets take no O_DIRECT: the call fails and O_NONBLOCK stays. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	errno = 0;
	EXPECT_EQ(-1, fcntl(sv[0], F_SETFL, O_DIRECT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, is_nonblock(sv[0]));
	close(sv[0]);
	close(sv[1]);

	errno = 0;
	EXPECT_EQ(-1, fcntl(fd, F_SETFL, 0));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, FIONBIO, &off));
	EXPECT_EQ(EBADF, errno);
	ASSERT_LT(0, proc_read(self->after, PROC_BUF_SIZE));
	EXPECT_EQ(0, mode_delta(self, "fcntl", "clears"));
	EXPECT_EQ(0, mode_delta(self, "ioctl", "clears"));
	/* Nor as a set: the O_DIRECT call above left O_NONBLOCK as it was. */
	EXPECT_EQ(0, mode_delta(self, "fcntl", "sets"));
	EXPECT_EQ(0, snap_row_delta(self, "sock_clears"));
	EXPECT_EQ(0, snap_row_delta(self, "sock_sets"));
}

/*
 * Both kernels offer every probe; the method line says they are in use,
 * and blocked readers are found by the read-time scan, not a probe.
 */
TEST_F(snap, methods_attached)
{
	static const char *const symbols[] = { "do_fcntl", "do_vfs_ioctl" };
	char sel[64], val[64];
	size_t i;

	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		snprintf(sel, sizeof(sel), "symbol=%s state=attached", symbols[i]);
		EXPECT_EQ(0, rec_value(self->before, "probe", sel, "error")) TH_LOG("%s", sel);
	}
	ASSERT_EQ(0, rec_str(self->before, "sockmethod", "", "fcntl", val, sizeof(val)));
	EXPECT_STREQ("do_fcntl", val);
	ASSERT_EQ(0, rec_str(self->before, "sockmethod", "", "ioctl", val, sizeof(val)));
	EXPECT_STREQ("do_vfs_ioctl", val);
	ASSERT_EQ(0, rec_str(self->before, "sockmethod", "", "blocked", val, sizeof(val)));
	EXPECT_STREQ("scan", val);
	EXPECT_EQ(-1, rec_value(self->before, "probe", "symbol=sock_recvmsg", "hits"));
}

TEST_HARNESS_MAIN
