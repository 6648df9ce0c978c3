/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * forkstat's contract with userspace: where the module publishes and which
 * version of the text format (docs/format.md) it writes. Shared by the
 * module, forkstatctl and the selftests; nothing else of the kernel's
 * headers is needed to read /proc/forkstat.
 */
#ifndef _UAPI_FORKSTAT_H
#define _UAPI_FORKSTAT_H

#define FORKSTAT_PROC_PATH	"/proc/forkstat"

/*
 * Bumped on any change a parser could trip on; adding a key to a line or
 * a new kind of line is not one.
 */
#define FORKSTAT_FORMAT		1

/* The one command a write accepts (with or without a trailing newline). */
#define FORKSTAT_CMD_RESET	"reset"

#endif /* _UAPI_FORKSTAT_H */
