// SPDX-License-Identifier: GPL-2.0
/*
 * Go function names from the runtime's own table, .gopclntab (Go 1.18
 * and later: magic 0xfffffff0, 0xfffffff1 from 1.20), which every Go
 * binary has, stripped or not. Go inlines small functions such as
 * os.(*File).Fd into their callers, leaving no frame of their own; the
 * table's inline tree (FUNCDATA_InlTree, indexed by PCDATA_InlTreeIndex)
 * still names them, as runtime.CallersFrames does; the pcfile and pcln
 * tables give each name its source file and line. Layouts are those of
 * the runtime's pcHeader, _func and inlinedCall (runtime/symtab.go); the
 * inline tree lives in go:func.*, whose address comes from .symtab, so a
 * stripped binary gets its functions but not its inlined calls.
 */
#include <stdio.h>
#include <string.h>

#include "gosym.h"

#define GO_MAGIC_118	0xfffffff0u	/* Go 1.18, 1.19 */
#define GO_MAGIC_120	0xfffffff1u	/* Go 1.20 and later */
#define PCDATA_INLTREE	2
#define FUNCDATA_INLTREE 3

struct gotab {
	const struct elf_file *e;
	uint64_t base, size;		/* .gopclntab */
	uint64_t nfunc, text;
	/* Offsets into .gopclntab. */
	uint64_t funcnames, cutab, filetab, pctab, functab;
	int v120;
};

static int u32_at(const struct gotab *t, uint64_t off, uint32_t *v)
{
	const void *p = t->size >= 4 && off <= t->size - 4 ?
		elf_at(t->e, t->base + off, 4) : NULL;

	if (!p)
		return -1;
	memcpy(v, p, 4);
	return 0;
}

static int u64_at(const struct gotab *t, uint64_t off, uint64_t *v)
{
	const void *p = t->size >= 8 && off <= t->size - 8 ? elf_at(t->e, t->base + off, 8) : NULL;

	if (!p)
		return -1;
	memcpy(v, p, 8);
	return 0;
}

static int gotab_open(struct gotab *t, const struct elf_file *e)
{
	uint64_t names, cutab, filetab, pctab, functab;
	uint32_t magic;
	const uint8_t *h;

	memset(t, 0, sizeof(*t));
	t->e = e;
	t->base = e->gopclntab;
	t->size = e->gopclntab_size;
	h = elf_at(e, t->base, 72);
	if (!e->gopclntab || !h || u32_at(t, 0, &magic) ||
	    (magic != GO_MAGIC_118 && magic != GO_MAGIC_120) || h[7] != 8)
		return -1;
	t->v120 = magic == GO_MAGIC_120;
	if (u64_at(t, 8, &t->nfunc) || u64_at(t, 24, &t->text) || u64_at(t, 32, &names) ||
	    u64_at(t, 40, &cutab) || u64_at(t, 48, &filetab) ||
	    u64_at(t, 56, &pctab) || u64_at(t, 64, &functab))
		return -1;
	t->funcnames = names;
	t->cutab = cutab;
	t->filetab = filetab;
	t->pctab = pctab;
	t->functab = functab;
	return t->nfunc && t->nfunc < (1u << 24) ? 0 : -1;
}

/* The string at off into .gopclntab, cut to SYM_NAME_MAX. */
static void str_at(const struct gotab *t, uint64_t off, char *out)
{
	size_t i;

	for (i = 0; i + 1 < SYM_NAME_MAX && off + i < t->size; i++) {
		const char *c = elf_at(t->e, t->base + off + i, 1);

		if (!c || !*c)
			break;
		out[i] = *c;
	}
	out[i] = '\0';
	if (!i)
		snprintf(out, SYM_NAME_MAX, "?");
}

static void name_at(const struct gotab *t, uint32_t nameoff, char *out)
{
	str_at(t, t->funcnames + nameoff, out);
}

static int varint(const struct gotab *t, uint64_t *off, uint32_t *v)
{
	int shift;

	*v = 0;
	for (shift = 0; shift < 35; shift += 7) {
		const uint8_t *b = *off < t->size ? elf_at(t->e, t->base + *off, 1) : NULL;

		if (!b)
			return -1;
		(*off)++;
		*v |= (uint32_t)(*b & 0x7f) << shift;
		if (!(*b & 0x80))
			return 0;
	}
	return -1;
}

/* The runtime's pcvalue(): the table's value at pc, -1 if none. */
static int32_t pcvalue(const struct gotab *t, uint32_t tab, uint64_t entry, uint64_t pc)
{
	uint64_t off = t->pctab + tab, at = entry;
	int32_t val = -1;
	uint32_t dv, dpc;
	int first = 1, steps;

	if (!tab)
		return -1;
	for (steps = 0; steps < 1 << 20; steps++, first = 0) {
		if (varint(t, &off, &dv) || (!dv && !first))
			return -1;
		val += (int32_t)(-(dv & 1) ^ (dv >> 1));
		if (varint(t, &off, &dpc))
			return -1;
		at += dpc;	/* the pc quantum is 1 on amd64 */
		if (pc < at)
			return val;
	}
	return -1;
}

/* The _func of pc, by binary search of the function table; its entry in *entry. */
static int func_of(const struct gotab *t, uint64_t pc, uint64_t *func, uint64_t *entry)
{
	uint64_t lo = 0, hi = t->nfunc, rel = pc - t->text;
	uint32_t e, next, funcoff;

	if (pc < t->text)
		return -1;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (u32_at(t, t->functab + mid * 8, &e))
			return -1;
		if (e <= rel)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || u32_at(t, t->functab + (lo - 1) * 8, &e) ||
	    u32_at(t, t->functab + lo * 8, &next) || rel >= next ||
	    u32_at(t, t->functab + (lo - 1) * 8 + 4, &funcoff))
		return -1;
	*func = t->functab + funcoff;
	*entry = t->text + e;
	return 0;
}

/* "path:line" of pc in func (entry at entry), or "" when the table has none. */
static void src_at(const struct gotab *t, uint64_t func, uint64_t entry, uint64_t pc,
		   char *out)
{
	uint32_t pcfile, pcln, cu, fileoff;
	char path[SYM_NAME_MAX];
	int32_t file, line;

	out[0] = '\0';
	if (u32_at(t, func + 20, &pcfile) || u32_at(t, func + 24, &pcln) ||
	    u32_at(t, func + 32, &cu))
		return;
	file = pcvalue(t, pcfile, entry, pc);
	line = pcvalue(t, pcln, entry, pc);
	if (file < 0 || line < 0 ||
	    u32_at(t, t->cutab + ((uint64_t)cu + (uint32_t)file) * 4, &fileoff) ||
	    fileoff == 0xffffffffu)
		return;
	str_at(t, t->filetab + fileoff, path);
	snprintf(out, SYM_NAME_MAX, "%.100s:%d", path, line);
}

int gosym_names(const struct elf_file *e, uint64_t pc, struct sym_frame *out)
{
	uint64_t func, entry, fixed, inl = 0, p = pc;
	uint32_t nameoff, npcdata, inltab = 0, fdoff;
	const uint8_t *nfuncdata;
	struct gotab t;
	int64_t inloff;

	if (gotab_open(&t, e) || func_of(&t, pc, &func, &entry) ||
	    u32_at(&t, func + 4, &nameoff) || u32_at(&t, func + 28, &npcdata))
		return 0;
	fixed = func + (t.v120 ? 44 : 40);
	nfuncdata = elf_at(e, t.base + fixed - 1, 1);
	if (npcdata > PCDATA_INLTREE && nfuncdata && *nfuncdata > FUNCDATA_INLTREE &&
	    e->gofunc && !u32_at(&t, fixed + PCDATA_INLTREE * 4, &inltab) &&
	    !u32_at(&t, fixed + npcdata * 4 + FUNCDATA_INLTREE * 4, &fdoff) &&
	    fdoff != 0xffffffffu && (inloff = elf_offset(e, e->gofunc + fdoff)) >= 0)
		inl = inloff;
	out->n = 0;
	while (inl && out->n < SYM_NAMES - 1) {
		int32_t ix = pcvalue(&t, inltab, entry, p);
		/* Go 1.20: funcID, 3 bytes, nameOff, parentPc; 1.19: parent, funcID,
		 * byte, file, line, func_, parentPc.
		 */
		uint64_t size = t.v120 ? 16 : 20, at = inl + (uint64_t)ix * size;
		const uint8_t *c = ix >= 0 && ix < 1 << 20 ? elf_at(e, at, size) : NULL;
		int32_t name, parent;

		if (!c)
			break;
		memcpy(&name, c + (t.v120 ? 4 : 12), 4);
		memcpy(&parent, c + (t.v120 ? 8 : 16), 4);
		src_at(&t, func, entry, p, out->src[out->n]);
		name_at(&t, name, out->name[out->n++]);
		p = entry + parent;
	}
	src_at(&t, func, entry, p, out->src[out->n]);
	name_at(&t, nameoff, out->name[out->n++]);
	out->fn_off = pc - entry;
	return out->n;
}
