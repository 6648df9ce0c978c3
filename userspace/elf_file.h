/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One ELF file mapped whole, and the bounds-checked reads the symbolizer
 * (symbolize.c) and the Go table reader (gosym.c) make of it. Nothing
 * here names a frame: the dependency runs symbolize -> gosym -> elf_file.
 */
#ifndef ELF_FILE_H
#define ELF_FILE_H

#include <stddef.h>
#include <stdint.h>

struct elf_file {
	const uint8_t *map;
	size_t size;
	uint64_t gopclntab, gopclntab_size;	/* file offset; 0: not Go */
	uint64_t gofunc;			/* vaddr of go:func.*, 0: unknown */
};

/* len bytes at file offset off, or NULL if past the end. */
const void *elf_at(const struct elf_file *e, uint64_t off, uint64_t len);
/*
 * The same for structs read in place (headers, notes, symbols): NULL
 * also when off is not aligned as the struct, as every toolchain writes
 * them (a crafted file's misaligned table is refused, not read).
 */
const void *elf_struct_at(const struct elf_file *e, uint64_t off, uint64_t len, size_t align);
/* The file offset of vaddr, through the PT_LOAD headers; -1 if none. */
int64_t elf_offset(const struct elf_file *e, uint64_t vaddr);
/* The vaddr of file offset off; 0 if no segment maps it. */
uint64_t elf_vaddr(const struct elf_file *e, uint64_t off);
/* A NUL-terminated string at off, within limit bytes; NULL if none. */
const char *elf_str(const struct elf_file *e, uint64_t off, uint64_t limit);
/* The GNU build ID, in hex, from the PT_NOTE segments; "" if none. */
void elf_build_id(const struct elf_file *e, char *hex, size_t len);

#endif /* ELF_FILE_H */
