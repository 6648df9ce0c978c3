// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a mapped ELF file (elf_file.h): every offset, length and
 * alignment a file gives is checked against the mapping before it is
 * used, since a file is anyone's to craft.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "elf_file.h"

const void *elf_at(const struct elf_file *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off ? e->map + off : NULL;
}

const void *elf_struct_at(const struct elf_file *e, uint64_t off, uint64_t len, size_t align)
{
	return off % align ? NULL : elf_at(e, off, len);
}

/* The PT_LOAD segment holding x, a vaddr or (by_offset) a file offset. */
static const Elf64_Phdr *elf_load(const struct elf_file *e, uint64_t x, int by_offset)
{
	const Elf64_Ehdr *eh = elf_at(e, 0, sizeof(*eh));
	const Elf64_Phdr *ph;
	int i;

	for (i = 0; eh && i < eh->e_phnum; i++) {
		uint64_t start;

		ph = elf_struct_at(e, eh->e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph),
				   _Alignof(Elf64_Phdr));
		start = !ph ? 0 : by_offset ? ph->p_offset : ph->p_vaddr;
		if (ph && ph->p_type == PT_LOAD && x >= start && x - start < ph->p_filesz)
			return ph;
	}
	return NULL;
}

int64_t elf_offset(const struct elf_file *e, uint64_t vaddr)
{
	const Elf64_Phdr *ph = elf_load(e, vaddr, 0);

	return ph ? (int64_t)(ph->p_offset + (vaddr - ph->p_vaddr)) : -1;
}

/* The vaddr of file offset off; 0 if no segment maps it. */
uint64_t elf_vaddr(const struct elf_file *e, uint64_t off)
{
	const Elf64_Phdr *ph = elf_load(e, off, 1);

	return ph ? ph->p_vaddr + (off - ph->p_offset) : 0;
}

/* A NUL-terminated string at off, within limit bytes; NULL if none. */
const char *elf_str(const struct elf_file *e, uint64_t off, uint64_t limit)
{
	const char *s = elf_at(e, off, 1);

	if (!s || !memchr(s, '\0', limit < e->size - off ? limit : e->size - off))
		return NULL;
	return s;
}

/* The GNU build ID, in hex, from the PT_NOTE segments; "" if none. */
void elf_build_id(const struct elf_file *e, char *hex, size_t len)
{
	const Elf64_Ehdr *eh = elf_at(e, 0, sizeof(*eh));
	int i;

	hex[0] = '\0';
	for (i = 0; eh && i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = elf_struct_at(e, eh->e_phoff + (uint64_t)i * sizeof(*ph),
						     sizeof(*ph), _Alignof(Elf64_Phdr));
		uint64_t off, end;

		if (!ph || ph->p_type != PT_NOTE || !elf_at(e, ph->p_offset, ph->p_filesz))
			continue;
		for (off = ph->p_offset, end = off + ph->p_filesz;
		     off + sizeof(Elf64_Nhdr) <= end;) {
			const Elf64_Nhdr *nh = elf_struct_at(e, off, sizeof(*nh), _Alignof(Elf64_Nhdr));
			uint64_t name = off + sizeof(*nh), desc;
			const uint8_t *d;
			size_t k;

			if (!nh)
				break;
			desc = name + ((nh->n_namesz + 3ULL) & ~3ULL);
			off = desc + ((nh->n_descsz + 3ULL) & ~3ULL);
			if (off > end)
				break;
			if (nh->n_type != NT_GNU_BUILD_ID || nh->n_namesz != 4 ||
			    memcmp(e->map + name, "GNU", 4) || nh->n_descsz * 2 >= len)
				continue;
			d = e->map + desc;
			for (k = 0; k < nh->n_descsz; k++)
				sprintf(hex + 2 * k, "%02x", d[k]);
			return;
		}
	}
}
