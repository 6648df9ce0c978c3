// SPDX-License-Identifier: GPL-2.0
/*
 * Frame names from ELF symbol tables (symbolize.h). Each file is mapped
 * once per run and checked against the module's record of it; its
 * function symbols are sorted once and searched by address. A return
 * address (a frame found by scan or frame pointer) is looked up one byte
 * back, inside the call that made it: a call can be a function's last
 * instruction.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "demangle.h"
#include "elf_file.h"
#include "gosym.h"
#include "symbolize.h"

struct sym {
	uint64_t addr, size;
	const char *name;	/* in the mapping */
};

struct sym_file {
	struct fs_ufile key;
	struct elf_file e;
	struct sym *syms;
	size_t nsyms;
	const char *why;	/* NULL: usable */
};

struct symbolizer {
	struct sym_file *files;
	size_t nfiles;
};

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Function symbols of one symbol table section, appended to f->syms; and
 * go:func.* (go.func.* before Go 1.20), a data symbol, the base of Go's
 * inline trees.
 */
static void load_symtab(struct sym_file *f, const Elf64_Shdr *sh, const Elf64_Shdr *strsh)
{
	const struct elf_file *e = &f->e;
	uint64_t i, n = sh->sh_entsize == sizeof(Elf64_Sym) ? sh->sh_size / sizeof(Elf64_Sym) : 0;
	struct sym *more;

	/* n == 0 too: realloc(p, 0) frees p, and f->syms would dangle. */
	if (!n || !elf_struct_at(e, sh->sh_offset, n * sizeof(Elf64_Sym), _Alignof(Elf64_Sym)) ||
	    !elf_at(e, strsh->sh_offset, strsh->sh_size))
		return;
	more = realloc(f->syms, (f->nsyms + n) * sizeof(*more));
	if (!more)
		return;
	f->syms = more;
	for (i = 0; i < n; i++) {
		const Elf64_Sym *st = (const Elf64_Sym *)(e->map + sh->sh_offset) + i;
		const char *name;

		if (!st->st_value || st->st_name >= strsh->sh_size)
			continue;
		name = elf_str(e, strsh->sh_offset + st->st_name, strsh->sh_size - st->st_name);
		if (!name || !*name)
			continue;
		if (ELF64_ST_TYPE(st->st_info) == STT_FUNC)
			f->syms[f->nsyms++] = (struct sym){ st->st_value, st->st_size, name };
		else if (!f->e.gofunc && (!strcmp(name, "go:func.*") || !strcmp(name, "go.func.*")))
			f->e.gofunc = st->st_value;
	}
}

/* Symbol tables, the Go table and go:func.*, from the section headers. */
static void load_sections(struct sym_file *f)
{
	struct elf_file *e = &f->e;
	const Elf64_Ehdr *eh = elf_at(e, 0, sizeof(*eh));
	const Elf64_Shdr *sh, *shstr;
	size_t i;

	sh = elf_struct_at(e, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(*sh),
			   _Alignof(Elf64_Shdr));
	if (!sh || eh->e_shstrndx >= eh->e_shnum)
		return;
	shstr = &sh[eh->e_shstrndx];
	for (i = 0; i < eh->e_shnum; i++) {
		const char *name = sh[i].sh_name < shstr->sh_size ?
			elf_str(e, shstr->sh_offset + sh[i].sh_name,
				shstr->sh_size - sh[i].sh_name) : NULL;

		if ((sh[i].sh_type == SHT_SYMTAB || sh[i].sh_type == SHT_DYNSYM) &&
		    sh[i].sh_link < eh->e_shnum)
			load_symtab(f, &sh[i], &sh[sh[i].sh_link]);
		if (name && !strcmp(name, ".gopclntab") &&
		    elf_at(e, sh[i].sh_offset, sh[i].sh_size)) {
			e->gopclntab = sh[i].sh_offset;
			e->gopclntab_size = sh[i].sh_size;
		}
	}
	if (f->nsyms)	/* qsort(NULL, 0) is undefined */
		qsort(f->syms, f->nsyms, sizeof(*f->syms), cmp_sym);
}

/*
 * Opens path for reading without following any symbolic link in it: the
 * path is a record of where a file was, and whoever owns a directory on
 * it may since have made it a link to /dev. Opening a device can act
 * (a watchdog starts counting); a regular file is all this wants. Before
 * Linux 5.6 (no openat2) only the last component is kept from links.
 */
static int open_no_links(const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		fd = open(path, how.flags | O_NOFOLLOW);
	return (int)fd;
}

/*
 * Maps fd (closed here) and checks it against the module's record of
 * the file: its build ID, or without one its device and inode (only
 * for the file at the recorded path, by_inode). Sets f->why if unusable,
 * and leaves nothing mapped then.
 */
static void load_fd(struct sym_file *f, int fd, int by_inode)
{
	const Elf64_Ehdr *eh;
	char id[sizeof(f->key.build_id)];
	struct stat st;
	void *map;

	f->why = "file gone";
	if (fd < 0)
		return;
	f->why = "not the file mapped";
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size)
		goto out;
	if (!f->key.build_id[0] && (!by_inode || st.st_ino != f->key.ino ||
				    major(st.st_dev) != f->key.dev_major ||
				    minor(st.st_dev) != f->key.dev_minor))
		goto out;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		goto out;
	f->e.map = map;
	f->e.size = st.st_size;
	eh = elf_at(&f->e, 0, sizeof(*eh));
	f->why = "not a 64-bit ELF file";
	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		goto out;
	elf_build_id(&f->e, id, sizeof(id));
	f->why = "not the file mapped (build ID)";
	if (f->key.build_id[0] && strcmp(id, f->key.build_id))
		goto out;
	load_sections(f);
	f->why = f->nsyms || f->e.gopclntab ? NULL : "no symbols";
out:
	if (f->why && f->e.map) {
		munmap((void *)f->e.map, f->e.size);
		free(f->syms);
		memset(&f->e, 0, sizeof(f->e));
		f->syms = NULL;
		f->nsyms = 0;
	}
	close(fd);
}

/*
 * --symbols: a directory of copies of the files, indexed once by build
 * ID (a capture naming thousands of files costs one pass over DIR, not
 * one per file). Only regular files, checked before they are opened:
 * opening a device can act.
 */
static const char *sym_dir;
static struct sym_dir_file {
	char build_id[sizeof(((struct fs_ufile *)0)->build_id)];
	char name[256];
} *sym_dir_files;
static size_t sym_dir_nfiles;
static int sym_dir_indexed;

void sym_use_dir(const char *dir)
{
	sym_dir = dir;
}

/* A regular file of dir, opened for reading; -1 if it is anything else. */
static int open_regular_at(int dir, const char *name)
{
	struct stat st;
	int fd;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
		return -1;
	fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void index_dir(void)
{
	struct sym_dir_file *more;
	struct elf_file e;
	struct dirent *d;
	struct stat st;
	DIR *dir;
	void *map;
	int fd;

	sym_dir_indexed = 1;
	dir = opendir(sym_dir);
	while (dir && (d = readdir(dir))) {
		fd = open_regular_at(dirfd(dir), d->d_name);
		if (fd < 0)
			continue;
		map = fstat(fd, &st) || !st.st_size ? MAP_FAILED :
			mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (map == MAP_FAILED)
			continue;
		e = (struct elf_file){ .map = map, .size = st.st_size };
		more = strlen(d->d_name) < sizeof(more->name) ?
			realloc(sym_dir_files, (sym_dir_nfiles + 1) * sizeof(*more)) : NULL;
		if (more) {
			sym_dir_files = more;
			more += sym_dir_nfiles;
			elf_build_id(&e, more->build_id, sizeof(more->build_id));
			strcpy(more->name, d->d_name);
			sym_dir_nfiles += more->build_id[0] != '\0';
		}
		munmap(map, st.st_size);
	}
	if (dir)
		closedir(dir);
}

/*
 * The file the module saw, among the regular files of sym_dir: the
 * build ID decides, whatever the name (a capture read on another host,
 * or after a rebuild moved the file).
 */
static void load_from_dir(struct sym_file *f)
{
	const char *why = f->why;
	size_t i;
	int dir;

	if (!sym_dir || !f->key.build_id[0])
		return;
	if (!sym_dir_indexed)
		index_dir();
	dir = open(sym_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (i = 0; dir >= 0 && i < sym_dir_nfiles; i++) {
		if (strcmp(sym_dir_files[i].build_id, f->key.build_id))
			continue;
		load_fd(f, open_regular_at(dir, sym_dir_files[i].name), 0);
		if (!f->why)
			break;
	}
	if (dir >= 0)
		close(dir);
	if (f->why)
		f->why = why;
}

/* The file the module saw, at its path or else in sym_dir. */
static void load_file(struct sym_file *f)
{
	f->why = "file gone";
	if (f->key.path[0] == '/')
		load_fd(f, open_no_links(f->key.path), 1);
	if (f->why)
		load_from_dir(f);
}

static struct sym_file *file_of(struct symbolizer *s, const struct fs_ufile *key)
{
	struct sym_file *more, *f;
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		if (!memcmp(&s->files[i].key, key, sizeof(*key)))
			return &s->files[i];
	more = realloc(s->files, (s->nfiles + 1) * sizeof(*more));
	if (!more)
		return NULL;
	s->files = more;
	f = memset(&s->files[s->nfiles++], 0, sizeof(*f));
	f->key = *key;
	load_file(f);
	return f;
}

struct symbolizer *sym_new(void)
{
	return calloc(1, sizeof(struct symbolizer));
}

void sym_free(struct symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nfiles; i++) {
		if (s->files[i].e.map)
			munmap((void *)s->files[i].e.map, s->files[i].e.size);
		free(s->files[i].syms);
	}
	free(s->files);
	free(s);
}

/* The ELF symbol holding pc: the last one at or below it, if pc is within its size. */
static const struct sym *sym_at(const struct sym_file *f, uint64_t pc)
{
	size_t lo = 0, hi = f->nsyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->syms[mid].addr <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0) {
		const struct sym *y = &f->syms[--lo];

		if (pc - y->addr < y->size || (!y->size && lo + 1 == f->nsyms))
			return y;
		if (y->size)
			break;	/* sized and too short: pc is between functions */
	}
	return NULL;
}

int sym_frame(struct symbolizer *s, const struct fs_ustack *u, size_t n,
	      struct sym_frame *out)
{
	const struct fs_ufile *uf = fs_uframe_file(u, n);
	const struct fs_uframe *fr = &u->frames[n];
	const struct sym_file *f;
	const struct sym *y;
	int ret = strcmp(fr->how, "ip") != 0;
	uint64_t pc;

	memset(out, 0, sizeof(*out));
	out->why = "no file";
	if (!uf)
		return 0;
	f = file_of(s, uf);
	if (!f || f->why) {
		out->why = f ? f->why : "out of memory";
		return 0;
	}
	out->why = "outside the file's code";
	pc = elf_vaddr(&f->e, fr->off);
	if (!pc)
		return 0;
	/* A return address names the call before it. */
	pc -= ret;
	if (gosym_names(&f->e, pc, out)) {
		out->fn_off += ret;
		return out->n;
	}
	y = sym_at(f, pc);
	if (!y) {
		out->why = "no symbol";
		return 0;
	}
	if (!demangle(y->name, out->name[0], SYM_NAME_MAX))
		snprintf(out->name[0], SYM_NAME_MAX, "%s", y->name);
	out->fn_off = pc - y->addr + ret;
	out->n = 1;
	return 1;
}

const char *sym_src_short(const char *src)
{
	const char *p = src + strlen(src);
	int slashes = 0;

	while (p > src && !(p[-1] == '/' && ++slashes == 2))
		p--;
	return p;
}

/* Names of code that only carries a call for someone else. */
static int is_carrier(const char *name, const char *path)
{
	static const char *const go[] = {
		"syscall.", "internal/poll.", "os.", "runtime.", "runtime/internal/",
		"internal/runtime/", "internal/syscall/",
	};
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	if (!strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5) ||
	    !strncmp(base, "libpthread", 10) || !strncmp(base, "ld-linux", 8))
		return 1;
	for (i = 0; i < sizeof(go) / sizeof(go[0]); i++)
		if (!strncmp(name, go[i], strlen(go[i])))
			return 1;
	return 0;
}

int sym_culprit(struct symbolizer *s, const struct fs_ustack *u,
		char *who, char *via, size_t len)
{
	char last[SYM_NAME_MAX] = "";
	const char *src;
	struct sym_frame sf;
	size_t n;
	int k;

	for (n = 0; n < u->nframes; n++) {
		/* A named frame has its file. */
		if (!sym_frame(s, u, n, &sf))
			continue;
		for (k = 0; k < sf.n; k++) {
			if (is_carrier(sf.name[k], fs_uframe_file(u, n)->path)) {
				snprintf(last, sizeof(last), "%s", sf.name[k]);
				continue;
			}
			src = sym_src_short(sf.src[k]);
			snprintf(who, len, "%s%s%s%s", sf.name[k], *src ? " (" : "", src,
				 *src ? ")" : "");
			snprintf(via, len, "%s", last);
			return 1;
		}
	}
	return 0;
}
