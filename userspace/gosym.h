/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Go function names from a Go binary's own table (gosym.c), for the
 * symbolizer.
 */
#ifndef GOSYM_H
#define GOSYM_H

#include <stdint.h>

#include "elf_file.h"
#include "symbolize.h"

/* The Go names of vaddr pc in e, innermost first; 0 if not a Go binary. */
int gosym_names(const struct elf_file *e, uint64_t pc, struct sym_frame *out);

#endif /* GOSYM_H */
