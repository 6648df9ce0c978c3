/* SPDX-License-Identifier: GPL-2.0 */
/*
 * forkstat: what the module's files share.
 *
 * probes.c attaches the kprobes and keeps their counters, procfs.c
 * publishes them in /proc/forkstat, main.c ties both to the module's life.
 */
#ifndef FORKSTAT_H
#define FORKSTAT_H

#include <linux/seq_file.h>

#include "uapi/forkstat.h"

int forkstat_probes_init(void);
void forkstat_probes_exit(void);
void forkstat_probes_show(struct seq_file *m);
void forkstat_probes_reset(void);

int forkstat_proc_init(void);
void forkstat_proc_exit(void);

#endif /* FORKSTAT_H */
