/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by forkstat's C selftests: read /proc/forkstat, pick a
 * field out of it, make forks.
 */
#ifndef FORKSTAT_PROC_UTIL_H
#define FORKSTAT_PROC_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
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

/* Big enough for a whole /proc/forkstat with a full slow ring. */
#define PROC_BUF_SIZE	(1 << 20)

/* Whether every space-separated field of sel is a field of line. */
static inline int has_fields(const char *line, const char *sel)
{
	char padded[8192 + 2], want[256];
	const char *p, *end;

	snprintf(padded, sizeof(padded), " %s ", line);
	for (p = sel; *p; p = end) {
		while (*p == ' ')
			p++;
		end = strchr(p, ' ');
		if (!end)
			end = p + strlen(p);
		if (end == p)
			break;
		snprintf(want, sizeof(want), " %.*s ", (int)(end - p), p);
		if (!strstr(padded, want))
			return 0;
	}
	return 1;
}

/*
 * Copies the value of KEY= from the first record of TYPE in buf that also
 * has all the fields in SEL (for example "flavour=fork errno=22", or ""
 * for any) into out; returns 0, or -1 when no such record or key exists.
 */
static inline int rec_str(const char *buf, const char *type, const char *sel,
			  const char *key, char *out, size_t outlen)
{
	size_t tlen = strlen(type), klen = strlen(key), len;
	char line[8192], *tok, *save;
	const char *p, *nl;

	for (p = buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		len = nl - p;
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		if (strncmp(line, type, tlen) == 0 && line[tlen] == ' ' &&
		    has_fields(line, sel)) {
			for (tok = strtok_r(line + tlen, " ", &save); tok;
			     tok = strtok_r(NULL, " ", &save)) {
				if (strncmp(tok, key, klen) == 0 && tok[klen] == '=') {
					snprintf(out, outlen, "%s", tok + klen + 1);
					return 0;
				}
			}
		}
		if (!*nl)
			break;
	}
	return -1;
}

/* The same as a number; -1 when missing. */
static inline long long rec_value(const char *buf, const char *type,
				  const char *sel, const char *key)
{
	char val[4096];

	if (rec_str(buf, type, sel, key, val, sizeof(val)))
		return -1;
	return strtoll(val, NULL, 10);
}

/* The smallest value of KEY= over every record of TYPE with SEL; -1 if none. */
static inline long long rec_min(const char *buf, const char *type,
				const char *sel, const char *key)
{
	long long best = -1, v;
	char line[8192];
	const char *p, *nl;
	size_t len;

	for (p = buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		len = nl - p < (long)sizeof(line) ? (size_t)(nl - p) : sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		v = rec_value(line, type, sel, key);
		if (v >= 0 && (best < 0 || v < best))
			best = v;
		if (!*nl)
			break;
	}
	return best;
}

/* The sum of a comma-separated counts= list. */
static inline long long counts_sum(const char *list)
{
	long long sum = 0;
	char *end;

	while (*list) {
		sum += strtoll(list, &end, 10);
		if (*end != ',')
			break;
		list = end + 1;
	}
	return sum;
}

/*
 * The value of KEY= on the "probe symbol=SYMBOL" line, or -1 when the line
 * or the key is missing.
 */
static inline long long probe_field(const char *symbol, const char *key)
{
	static char buf[PROC_BUF_SIZE];
	char sel[128];

	if (proc_read(buf, sizeof(buf)) < 0)
		return -1;
	snprintf(sel, sizeof(sel), "symbol=%s", symbol);
	return rec_value(buf, "probe", sel, key);
}

/* The value of KEY= of the per-process row of tgid, 0 when it has none. */
static inline long long proc_row(const char *buf, pid_t tgid, const char *key)
{
	char sel[32];
	long long v;

	snprintf(sel, sizeof(sel), "tgid=%d", tgid);
	v = rec_value(buf, "proc", sel, key);
	return v < 0 ? 0 : v;
}

/*
 * Is this make check-debug's kernel (KASAN, lockdep, kmemleak)? Its fixed
 * costs per call and per VMA are many times a stock kernel's, so a ratio of
 * times that holds on every stock kernel may not hold there.
 */
static inline int debug_kernel(void)
{
	static const char tag[] = "-forkstat-debug";
	struct utsname u;
	size_t n;

	if (uname(&u))
		return 0;
	n = strlen(u.release);
	return n >= sizeof(tag) - 1 && !strcmp(u.release + n - (sizeof(tag) - 1), tag);
}

/*
 * A long test of the module's own logic exits as skipped on the cloud
 * flavour (functions.sh: skip_on_cloud says why); called by a
 * constructor of the test's own, before the harness's main.
 */
static inline void skip_on_cloud(void)
{
	struct utsname u;

	if (!uname(&u) && strstr(u.release, "-cloud-")) {
		/* ksft_exit_skip(), without kselftest.h: not every test has it. */
		printf("1..0 # SKIP cloud flavour: runs on the generic and rt kernels of this series\n");
		exit(4);
	}
}

/*
 * Asks for 4 KiB pages (Debian's THP default is "always"); 0 when the
 * range will have them. A kernel without transparent huge pages
 * (PREEMPT_RT) refuses the advice with EINVAL: its pages are 4 KiB anyway.
 */
static inline int small_pages(void *p, size_t len)
{
	return madvise(p, len, MADV_NOHUGEPAGE) && errno != EINVAL ? -1 : 0;
}

/*
 * len bytes of private anonymous memory in 4 KiB pages, every page
 * written, as a big parent's heap; NULL when mmap fails.
 */
static inline char *map_touched(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || small_pages(p, len))
		return NULL;
	memset(p, 1, len);
	return p;
}

/* The first line of a /proc or /sys file, its newline cut, in val; 0 or -1. */
static inline int file_get(const char *path, char *val, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, val, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	val[n] = '\0';
	val[strcspn(val, "\n")] = '\0';
	return 0;
}

/* Writes val to a /proc or /sys file; 0, or an errno. */
static inline int file_set(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

#define PARAM_DIR	"/sys/module/forkstat/parameters/"

/* Writes val to the module parameter name; 0, or an errno. */
static inline int param_set(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	return file_set(path, val);
}

/* The module parameter name's value in val; 0 or -1. */
static inline int param_get(const char *name, char *val, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	return file_get(path, val, len);
}

static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Unloads forkstat, trying delete_module() every 10 ms for up to
 * max_ms while it answers "in use"; returns 0 and the time it took in
 * *took_ms, or the errno of the last try.
 */
static inline int module_unload(int max_ms, long long *took_ms)
{
	long long start = now_ns();
	struct timespec tick = { 0, 10000000 };

	for (;;) {
		if (!syscall(SYS_delete_module, "forkstat", O_NONBLOCK)) {
			*took_ms = (now_ns() - start) / 1000000;
			return 0;
		}
		if (errno != EWOULDBLOCK || now_ns() - start > max_ms * 1000000LL)
			return errno;
		nanosleep(&tick, NULL);
	}
}

/* Loads the module file vm-run names in FORKSTAT_KO; 0, or an errno. */
static inline int module_load(const char *params)
{
	const char *ko = getenv("FORKSTAT_KO");
	int fd, err = 0;

	if (!ko)
		return ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = errno;
	close(fd);
	return err;
}

/* For qsort of ints, ascending (medians of per-fork figures). */
static inline int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * fork() for a child that waits on its parent or runs until killed: it
 * gets SIGKILL when the forking thread dies. A failed assertion must not
 * leave it behind, holding the runner's output open: the runner waits
 * for that pipe's end, and the whole suite with it. A change of uid
 * clears the setting (commit_creds): set it again after one.
 */
static inline pid_t fork_tied(void)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent))
		_exit(127);
	return pid;
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
