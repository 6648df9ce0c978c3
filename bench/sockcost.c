// SPDX-License-Identifier: GPL-2.0
/*
 * sockcost: the cost of the calls forkstat's probes sit on, in ns per
 * call, one line per call:
 *
 *   op=fcntl_getfl ns=812
 *
 * fcntl(F_GETFL) and ioctl(FIONREAD) on a socket pass through the probed
 * do_fcntl and do_vfs_ioctl without being what they look for; a 1-byte
 * recv on a non-blocking socket passes sock_recvmsg's entry test; a fork
 * of this small process passes every fork probe. scripts/bench runs it
 * with and without the module in one boot and prints the ratios.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define BATCH 1000

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 100000, i, j;
	char buf[BATCH] = { 0 };
	double t;
	int sv[2], n;

	if (iters < BATCH) {
		fprintf(stderr, "usage: sockcost [ITERATIONS >= %d]\n", BATCH);
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		die("socketpair");

	t = now_ns();
	for (i = 0; i < iters; i++)
		if (fcntl(sv[0], F_GETFL) < 0)
			die("fcntl");
	printf("op=fcntl_getfl ns=%.0f\n", (now_ns() - t) / iters);

	t = now_ns();
	for (i = 0; i < iters; i++)
		if (ioctl(sv[0], FIONREAD, &n))
			die("ioctl");
	printf("op=ioctl_fionread ns=%.0f\n", (now_ns() - t) / iters);

	/* One write feeds BATCH one-byte receives: the write is amortized. */
	t = now_ns();
	for (i = 0; i < iters / BATCH; i++) {
		if (write(sv[1], buf, BATCH) != BATCH)
			die("write");
		for (j = 0; j < BATCH; j++)
			if (recv(sv[0], buf, 1, 0) != 1)
				die("recv");
	}
	printf("op=recv_nonblock ns=%.0f\n", (now_ns() - t) / (iters / BATCH * BATCH));

	t = now_ns();
	for (i = 0; i < iters / 500; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			die("fork");
	}
	printf("op=fork ns=%.0f\n", (now_ns() - t) / (iters / 500));
	return 0;
}
