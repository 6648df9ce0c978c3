// SPDX-License-Identifier: GPL-2.0
/*
 * How values are written into /proc/forkstat (docs/format.md): every
 * record file uses these, so that a histogram or a name reads the same in
 * every record. A name is anyone's to choose (prctl(PR_SET_NAME), a unix
 * socket's path): whatever could end a field or a line, and every ASCII
 * control (an escape sequence must not reach the terminal of whoever
 * cats the file), is written as a \ooo octal escape. Other bytes pass:
 * a UTF-8 name stays readable, and forkstatctl escapes for terminals.
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
		if (c <= ' ' || c == 0x7f || c == '\\' || c == '=')
			seq_printf(m, "\\%03o", c);
		else
			seq_putc(m, c);
	}
}
