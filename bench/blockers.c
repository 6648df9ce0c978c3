// SPDX-License-Identifier: GPL-2.0
/*
 * blockers: the blocking-socket pathology in miniature.
 *
 *   blockers [--fixed] N SECONDS
 *
 * Accepts N loopback TCP connections as non-blocking sockets, then does
 * what Go's conn.File() + Fd() does: dup()s each and clears O_NONBLOCK on
 * the duplicate, which switches the original too. One thread per
 * connection then reads and parks in the kernel; after SECONDS the
 * clients send a byte each and the threads finish.
 *
 * --fixed is the same server done right: the sockets stay non-blocking
 * and each thread waits in poll(), as an event loop would; nothing is
 * cleared and no thread is parked in a socket read.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

static int fixed;

static void *reader(void *arg)
{
	int fd = (int)(long)arg;
	char c;

	if (fixed) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, -1) != 1)
			return (void *)1;
	}
	return (void *)(long)(read(fd, &c, 1) != 1);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int n, secs, l, i, *cli, fl;
	pthread_t *t;

	if (argc > 1 && strcmp(argv[1], "--fixed") == 0) {
		fixed = 1;
		argv++;
		argc--;
	}
	if (argc != 3 || (n = atoi(argv[1])) < 1 || n > 4096 ||
	    (secs = atoi(argv[2])) < 0) {
		fprintf(stderr, "usage: blockers [--fixed] N SECONDS (N from 1 to 4096)\n");
		return 2;
	}
	cli = calloc(n, sizeof(*cli));
	t = calloc(n, sizeof(*t));
	if (!cli || !t)
		die("calloc");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&sin, sizeof(sin)) || listen(l, n) ||
	    getsockname(l, (void *)&sin, &len))
		die("listen");

	for (i = 0; i < n; i++) {
		int srv, dupfd;

		cli[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (cli[i] < 0 || connect(cli[i], (void *)&sin, sizeof(sin)))
			die("connect");
		srv = accept4(l, NULL, NULL, SOCK_NONBLOCK);
		if (srv < 0)
			die("accept4");
		/* The library's copy: same open file, so the same flags. */
		dupfd = fixed ? -1 : dup(srv);
		fl = fixed ? 0 : fcntl(dupfd, F_GETFL);
		if (!fixed && (dupfd < 0 || fl < 0 ||
			       fcntl(dupfd, F_SETFL, fl & ~O_NONBLOCK)))
			die("fcntl");
		if (pthread_create(&t[i], NULL, reader, (void *)(long)srv))
			die("pthread_create");
	}
	if (fixed)
		printf("blockers: %d non-blocking connections, %d threads waiting in poll()\n",
		       n, n);
	else
		printf("blockers: %d connections switched to blocking through a dup, %d threads reading\n",
		       n, n);
	fflush(stdout);
	sleep(secs);
	for (i = 0; i < n; i++)
		if (write(cli[i], "x", 1) != 1)
			die("write");
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("blockers: all %d threads got their byte\n", n);
	return 0;
}
