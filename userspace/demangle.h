/* SPDX-License-Identifier: GPL-2.0 */
/* C++ names as their programmers write them (demangle.c). */
#ifndef DEMANGLE_H
#define DEMANGLE_H

#include <stddef.h>

/*
 * The function a mangled C++ symbol names, without its parameters
 * ("_Z8fill_rowPdPKdm": "fill_row"), in out; 0, out untouched, when name
 * is not one or cannot be demangled here.
 */
int demangle(const char *name, char *out, size_t len);

#endif /* DEMANGLE_H */
