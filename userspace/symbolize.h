/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names for the frames of a user call chain (docs/format.md, "ustack"),
 * from the mapped files themselves, after their process is gone: the ELF
 * symbol tables (.symtab, else .dynsym) and, in Go binaries, the
 * runtime's own table (.gopclntab), which also names the calls the
 * compiler inlined and gives each its source file and line. A file is
 * used only if it is still the one mapped: its GNU build ID, or else its
 * device and inode, must match the module's record. Every read of a file
 * is bounds-checked: a file is anyone's to craft.
 */
#ifndef SYMBOLIZE_H
#define SYMBOLIZE_H

#include <stdint.h>

#include "fsparse.h"

#define SYM_NAMES	4	/* inlined calls and their function, per frame */
#define SYM_NAME_MAX	128

struct sym_frame {
	int n;			/* names, innermost first; 0: none found */
	char name[SYM_NAMES][SYM_NAME_MAX];
	/* Where each is in the source, when the file says (Go): "" else. */
	char src[SYM_NAMES][SYM_NAME_MAX];
	uint64_t fn_off;	/* the pc's offset in the last (real) function */
	const char *why;	/* when n is 0: a few words */
};

struct symbolizer;

/*
 * Where else to look for a file that is gone from its path, or is
 * another file now: the regular files of dir, by build ID (forkstatctl
 * --symbols). NULL: nowhere.
 */
void sym_use_dir(const char *dir);

struct symbolizer *sym_new(void);
void sym_free(struct symbolizer *s);

/* Names frame n of chain u; fills out, returns out->n. */
int sym_frame(struct symbolizer *s, const struct fs_ustack *u, size_t n,
	      struct sym_frame *out);

/*
 * The chain's culprit for a summary: the innermost name that is not the
 * runtime's or libc's (Go's syscall, internal/poll, os and runtime
 * packages; C's libc), and the name just inside it that led there
 * ("cleared by main.dialAll via os.(*File).Fd"). 0 when none.
 */
int sym_culprit(struct symbolizer *s, const struct fs_ustack *u,
		char *who, char *via, size_t len);
/* "file.go:63", the last two parts of the path: what a line shows. */
const char *sym_src_short(const char *src);

#endif /* SYMBOLIZE_H */
