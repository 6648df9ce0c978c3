// SPDX-License-Identifier: GPL-2.0
/*
 * callcost: what one kind of call costs, in ns per call.
 *
 *   callcost OP N
 *
 * Makes N calls of OP after a warm-up and prints "op=OP ns=X", X with
 * one decimal. Under QEMU's icount (make bench) a guest nanosecond is a
 * guest instruction, so X is instructions per call and repeats from run
 * to run. The ops are the calls forkstat's probes sit on, or pass by:
 *
 *   getppid         a system call no probe sees (the control)
 *   fcntl_getfl     fcntl(F_GETFL) on a socket: passes the do_fcntl probe
 *   ioctl_fionread  ioctl(FIONREAD) on a socket: passes do_vfs_ioctl
 *   recv_dontwait   recv(MSG_DONTWAIT) on an empty AF_UNIX socket
 *   read_nonblock   read() on an empty non-blocking socket
 *   setfl_toggle    fcntl(F_SETFL) clearing, then setting, O_NONBLOCK on
 *                   a socket: two real changes; ns per change
 *   fionbio_toggle  the same with ioctl(FIONBIO)
 *   thread          pthread_create() and pthread_join() of a thread
 *                   that returns at once
 *   mmap_munmap     mmap() and munmap() of one anonymous page: two
 *                   uncontended mmap write locks, which PREEMPT_RT's
 *                   stall probe (rwbase_write_lock) passes
 *   read_forkstat   open, read to the end and close /proc/forkstat; also
 *                   prints bytes=, the size of the last read
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

static int sv[2];

static void call_getppid(void)
{
	getppid();
}

static void call_fcntl_getfl(void)
{
	if (fcntl(sv[0], F_GETFL) < 0)
		die("fcntl");
}

static void call_ioctl_fionread(void)
{
	int n;

	if (ioctl(sv[0], FIONREAD, &n))
		die("ioctl");
}

static void call_recv_dontwait(void)
{
	char c;

	if (recv(sv[0], &c, 1, MSG_DONTWAIT) != -1 || errno != EAGAIN)
		die("recv");
}

static void call_read_nonblock(void)
{
	char c;

	if (read(sv[0], &c, 1) != -1 || errno != EAGAIN)
		die("read");
}

static void call_setfl_toggle(void)
{
	if (fcntl(sv[0], F_SETFL, 0) || fcntl(sv[0], F_SETFL, O_NONBLOCK))
		die("fcntl F_SETFL");
}

static void call_fionbio_toggle(void)
{
	int off = 0, on = 1;

	if (ioctl(sv[0], FIONBIO, &off) || ioctl(sv[0], FIONBIO, &on))
		die("ioctl FIONBIO");
}

static size_t page_size;	/* the system's, from main() */

static void call_mmap_munmap(void)
{
	void *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap(p, page_size))
		die("mmap");
}

static size_t forkstat_bytes;

static void call_read_forkstat(void)
{
	static char buf[1 << 16];
	ssize_t r;
	int fd = open("/proc/forkstat", O_RDONLY);

	if (fd < 0)
		die("/proc/forkstat");
	forkstat_bytes = 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		forkstat_bytes += r;
	if (r < 0)
		die("read /proc/forkstat");
	close(fd);
}

static void *nothing(void *arg)
{
	return arg;
}

static void call_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL))
		die("pthread");
}

static const struct op {
	const char *name;
	void (*call)(void);
	int per_call;		/* events one call() makes */
} ops[] = {
	{ "getppid", call_getppid, 1 },
	{ "fcntl_getfl", call_fcntl_getfl, 1 },
	{ "ioctl_fionread", call_ioctl_fionread, 1 },
	{ "recv_dontwait", call_recv_dontwait, 1 },
	{ "read_nonblock", call_read_nonblock, 1 },
	{ "setfl_toggle", call_setfl_toggle, 2 },
	{ "fionbio_toggle", call_fionbio_toggle, 2 },
	{ "thread", call_thread, 1 },
	{ "mmap_munmap", call_mmap_munmap, 1 },
	{ "read_forkstat", call_read_forkstat, 1 },
};

int main(int argc, char **argv)
{
	const struct op *op = NULL;
	long n, i;
	double t;
	size_t k;

	for (k = 0; argc == 3 && k < sizeof(ops) / sizeof(ops[0]); k++)
		if (strcmp(argv[1], ops[k].name) == 0)
			op = &ops[k];
	if (!op || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: callcost OP N; OP one of:");
		for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
			fprintf(stderr, " %s", ops[k].name);
		fprintf(stderr, "\n");
		return 2;
	}
	page_size = sysconf(_SC_PAGESIZE);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		die("socketpair");
	for (i = 0; i < n / 10 + 1; i++)
		op->call();
	t = now_ns();
	for (i = 0; i < n; i++)
		op->call();
	printf("op=%s ns=%.1f", op->name, (now_ns() - t) / n / op->per_call);
	if (op->call == call_read_forkstat)
		printf(" bytes=%zu", forkstat_bytes);
	printf("\n");
	return 0;
}
