// SPDX-License-Identifier: GPL-2.0
/*
 * C++ symbol names demangled by the C++ runtime's own demangler,
 * __cxa_demangle in libstdc++, found at run time: where it is not
 * installed, names stay mangled and nothing else changes. A symbol table
 * is anyone's to craft: names longer than DEMANGLE_IN_MAX are left as
 * they are (the demangler's recursion follows the name's structure and
 * is bounded by its own limit besides). A chain names functions, not
 * their overloads: the parameter list and what follows it (const, &)
 * are dropped; anything else (a clone suffix, "guard variable for")
 * stays whole.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"

#define DEMANGLE_IN_MAX	1024

typedef char *(*cxa_demangle_fn)(const char *name, char *buf, size_t *len, int *status);

static cxa_demangle_fn cxa_demangle(void)
{
	static int tried;
	static cxa_demangle_fn fn;
	void *lib;

	if (tried)
		return fn;
	tried = 1;
	lib = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
	if (lib)
		fn = (cxa_demangle_fn)dlsym(lib, "__cxa_demangle");
	return fn;
}

/* Only qualifiers after the parameter list: " const", " volatile", "&". */
static int only_qualifiers(const char *s)
{
	while (*s) {
		if (*s == ' ' || *s == '&')
			s++;
		else if (!strncmp(s, "const", 5))
			s += 5;
		else if (!strncmp(s, "volatile", 8))
			s += 8;
		else
			return 0;
	}
	return 1;
}

/* Cuts the outermost parameter list off a function's name. */
static void drop_parameters(char *s)
{
	char *close = strrchr(s, ')'), *p;
	int depth = 0;

	if (!close || !only_qualifiers(close + 1))
		return;
	for (p = close; p > s; p--) {
		if (*p == ')')
			depth++;
		else if (*p == '(' && --depth == 0)
			break;
	}
	if (p > s && *p == '(')
		*p = '\0';
}

int demangle(const char *name, char *out, size_t len)
{
	cxa_demangle_fn fn;
	char *d;
	int status = -1;

	if (strncmp(name, "_Z", 2) || strlen(name) > DEMANGLE_IN_MAX || !len)
		return 0;
	fn = cxa_demangle();
	if (!fn)
		return 0;
	d = fn(name, NULL, NULL, &status);
	if (!d || status) {
		free(d);
		return 0;
	}
	drop_parameters(d);
	strncpy(out, d, len - 1);
	out[len - 1] = '\0';
	free(d);
	return 1;
}
