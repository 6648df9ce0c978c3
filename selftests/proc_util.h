/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by forkstat's C selftests: read /proc/forkstat, pick a
 * field out of it, make forks.
 */
#ifndef FORKSTAT_PROC_UTIL_H
#define FORKSTAT_PROC_UTIL_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forkstat.h"

/* Reads the whole file into buf (NUL-terminated); returns its length or -1. */
static inline ssize_t proc_read(char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(FORKSTAT_PROC_PATH, O_RDONLY);
	if (fd < 0)
		return -1;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

/*
 * The value of KEY= on the "probe symbol=SYMBOL" line, or -1 when the line
 * or the key is missing.
 */
static inline long long probe_field(const char *symbol, const char *key)
{
	char buf[65536], head[128], pat[64];
	char *line, *save, *field;

	if (proc_read(buf, sizeof(buf)) < 0)
		return -1;
	snprintf(head, sizeof(head), "probe symbol=%s ", symbol);
	snprintf(pat, sizeof(pat), " %s=", key);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, head, strlen(head)) != 0)
			continue;
		field = strstr(line, pat);
		return field ? strtoll(field + strlen(pat), NULL, 10) : -1;
	}
	return -1;
}

/* Forks n children that exit at once; returns how many were reaped. */
static inline int fork_children(int n)
{
	int i, reaped = 0;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid > 0 && waitpid(pid, NULL, 0) == pid)
			reaped++;
	}
	return reaped;
}

#endif /* FORKSTAT_PROC_UTIL_H */
