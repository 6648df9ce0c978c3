// SPDX-License-Identifier: GPL-2.0
/*
 * forkstatctl: reads /proc/forkstat for a person.
 *
 * This first version prints the file as the module writes it and sends
 * "reset"; the summary, histogram and heatmap views come later.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forkstat.h"

/* Exit codes, as documented in --help. */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* the file could not be read or written */
	EXIT_USAGE = 2,		/* bad command line */
};

static const char *prog = "forkstatctl";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-f FILE]     print /proc/forkstat (or a saved copy)\n"
		"       %s reset         zero the module's counters (needs CAP_SYS_ADMIN)\n"
		"exit status: 0 ok, 1 the file could not be read or written, 2 bad usage\n",
		prog, prog);
}

/* Says why a path could not be opened, in words a person can act on. */
static int open_error(const char *path)
{
	int err = errno;

	if (err == ENOENT && strcmp(path, FORKSTAT_PROC_PATH) == 0)
		fprintf(stderr, "%s: %s not found: load the module with `sudo modprobe forkstat`\n",
			prog, path);
	else if (err == EACCES || err == EPERM)
		fprintf(stderr, "%s: %s: permission denied%s\n", prog, path,
			strcmp(path, FORKSTAT_PROC_PATH) == 0 ?
			" (run as root)" : "");
	else
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(err));
	return EXIT_ERROR;
}

static int cmd_print(const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return open_error(path);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (fwrite(buf, 1, n, stdout) != (size_t)n)
			break;
	}
	if (n < 0) {
		fprintf(stderr, "%s: reading %s: %s\n", prog, path, strerror(errno));
		close(fd);
		return EXIT_ERROR;
	}
	close(fd);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERROR;
}

static int cmd_reset(void)
{
	const char *path = FORKSTAT_PROC_PATH;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return open_error(path);
	if (write(fd, FORKSTAT_CMD_RESET, strlen(FORKSTAT_CMD_RESET)) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		if (err == EPERM)
			return open_error(path);
		fprintf(stderr, "%s: reset: %s\n", prog, strerror(err));
		return EXIT_ERROR;
	}
	close(fd);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *path = FORKSTAT_PROC_PATH;
	int opt;

	while ((opt = getopt(argc, argv, "f:h")) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc)
		return cmd_print(path);
	if (optind + 1 == argc && strcmp(argv[optind], "reset") == 0)
		return cmd_reset();
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
