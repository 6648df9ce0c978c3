// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the symbolizer reads files anyone can craft (a
 * process may map any ELF file); given any bytes as the mapped file, it
 * must never crash, leak or overrun. The input is written to a file of
 * its own and named at eight offsets, as ip and as return addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "symbolize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/fuzz_sym.XXXXXX";
	static int fd = -1;
	struct fs_ustack u = { .id = 1, .nfiles = 1 };
	char who[SYM_NAME_MAX], via[SYM_NAME_MAX];
	struct symbolizer *sy;
	struct sym_frame sf;
	struct stat st;
	size_t n;

	if (fd < 0 && (fd = mkstemp(path)) < 0)
		abort();
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size) ||
	    fstat(fd, &st))
		abort();
	snprintf(u.files[0].path, sizeof(u.files[0].path), "%s", path);
	u.files[0].ino = st.st_ino;
	u.files[0].dev_major = major(st.st_dev);
	u.files[0].dev_minor = minor(st.st_dev);
	for (n = 0; n < 8; n++) {
		u.frames[n].off = size * n / 8 + (n & 1);
		u.frames[n].file = 0;
		strcpy(u.frames[n].how, n ? "fp" : "ip");
	}
	u.nframes = 8;
	sy = sym_new();
	for (n = 0; n < u.nframes; n++)
		sym_frame(sy, &u, n, &sf);
	sym_culprit(sy, &u, who, via, sizeof(who));
	sym_free(sy);
	return 0;
}
