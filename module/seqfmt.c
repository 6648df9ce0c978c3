// SPDX-License-Identifier: GPL-2.0
/*
 * How values are written into /proc/forkstat (docs/format.md): every
 * record file uses these, so that a histogram or a name reads the same in
 * every record. A name is anyone's to choose (prctl(PR_SET_NAME), a unix
 * socket's path): the file is printable ASCII, so every other byte of a
 * name, and a space, a backslash or '=' (which would end a field), is
 * written as a \ooo octal escape. An escape sequence must not reach the
 * terminal of whoever cats the file, and in UTF-8 one can hide in a
 * multibyte character (U+009B is CSI to the Linux console and xterm);
 * forkstatctl decodes the escapes and shows a name as UTF-8, made safe
 * for terminals.
 */
#include "forkstat.h"

void forkstat_seq_counts(struct seq_file *m, const u64 *counts, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		seq_printf(m, i ? ",%llu" : "%llu", counts[i]);
}

void forkstat_seq_comm(struct seq_file *m, const char *comm)
{
	unsigned char c;

	while ((c = *comm++)) {
		if (c <= ' ' || c >= 0x7f || c == '\\' || c == '=')
			seq_printf(m, "\\%03o", c);
		else
			seq_putc(m, c);
	}
}
