/* SPDX-License-Identifier: GPL-2.0 */
/*
 * forkstat: what the module's files share.
 *
 * probes.c attaches kprobes and keeps their health counters; fork.c puts
 * probes on the fork path and turns each copy_process call into a
 * struct forkstat_fork; forkstats.c, procs.c and slow.c aggregate those
 * per flavour, per process and for slow forks; procfs.c publishes it all
 * in /proc/forkstat; main.c ties the pieces to the module's life.
 */
#ifndef FORKSTAT_H
#define FORKSTAT_H

#include <linux/kprobes.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/types.h>

#include "uapi/forkstat.h"

/* probes.c: one kprobe, or a kretprobe when rp.handler is set. */
enum forkstat_probe_state {
	FORKSTAT_PROBE_UNUSED,	/* not needed on this kernel, not registered */
	FORKSTAT_PROBE_ATTACHED,
	FORKSTAT_PROBE_FAILED,
};

struct forkstat_probe {
	struct kretprobe rp;	/* a plain kprobe uses rp.kp only */
	/* Calls seen, per CPU so that forks on other CPUs never share a line. */
	u64 __percpu *hits;
	enum forkstat_probe_state state;
	int err;		/* why the kernel refused it */
};

int forkstat_probe_register(struct forkstat_probe *p);
void forkstat_probe_unregister(struct forkstat_probe *p);
void forkstat_probe_show(struct seq_file *m, struct forkstat_probe *p);
void forkstat_probe_reset(struct forkstat_probe *p);
const char *forkstat_probe_used(struct forkstat_probe *p);

static inline void forkstat_probe_hit(struct forkstat_probe *p)
{
	this_cpu_inc(*p->hits);
}

/* A probe set: attached, shown, reset and detached together. */
void forkstat_probes_show(struct seq_file *m, struct forkstat_probe *const *probes,
			  size_t n);
void forkstat_probes_reset(struct forkstat_probe *const *probes, size_t n);
/* Detaches in reverse order: the last attached, often the outer probe, first. */
void forkstat_probes_unregister(struct forkstat_probe *const *probes, size_t n);

/*
 * current's name into dst (TASK_COMM_LEN bytes), NUL-terminated. Not
 * get_task_comm(): handlers must not take task_lock, and a racing
 * prctl(PR_SET_NAME) on our own thread only garbles the copy.
 */
static inline void forkstat_current_comm(char *dst)
{
	memcpy(dst, current->comm, TASK_COMM_LEN);
	dst[TASK_COMM_LEN - 1] = '\0';
}

/* How a copy_process call is classified, from its clone flags. */
enum forkstat_flavour {
	FORKSTAT_FORK,		/* no CLONE_VM: the parent's page tables are copied */
	FORKSTAT_VFORK,		/* CLONE_VM | CLONE_VFORK */
	FORKSTAT_VM_CLONE,	/* CLONE_VM, neither CLONE_VFORK nor CLONE_THREAD */
	FORKSTAT_THREAD,	/* CLONE_THREAD */
	FORKSTAT_KTHREAD,	/* any call made by a kernel thread, counted apart */
	FORKSTAT_NR_FLAVOURS
};

/* Flavours whose latency is also kept by parent size: the first three. */
#define FORKSTAT_SIZED_FLAVOURS	(FORKSTAT_VM_CLONE + 1)

extern const char *const forkstat_flavour_names[FORKSTAT_NR_FLAVOURS];

/* What one copy_process call cost, and what its parent looked like. */
struct forkstat_fork {
	u64 clone_flags;
	u64 start_ns;		/* ktime_get_ns() at copy_process entry */
	u64 total_ns;		/* copy_process, entry to return */
	u64 ptcopy_ns;		/* in copy_page_range, summed over VMAs */
	u64 mmdup_start_ns;
	u64 mmdup_ns;		/* the whole mm duplication */
	unsigned long rss_kb;	/* parent's anon + file + shmem */
	unsigned long pgtables_kb;
	unsigned int vmas;
	unsigned int ptcopy_vmas; /* copy_page_range calls */
	enum forkstat_flavour flavour;
	int err;		/* 0, or copy_process's -errno */
	pid_t child;
};

/* fork.c: the probes on the fork path. */
void forkstat_fork_init(void);
void forkstat_fork_exit(void);
void forkstat_fork_show(struct seq_file *m);
void forkstat_fork_reset(void);

/* forkstats.c: per-flavour totals and histograms. */
int forkstat_stats_init(void);
void forkstat_stats_exit(void);
void forkstat_stats_add(const struct forkstat_fork *f);
int forkstat_stats_show(struct seq_file *m);
void forkstat_stats_reset(void);

/* procs.c: the per-process table. */
int forkstat_procs_init(void);
void forkstat_procs_exit(void);
void forkstat_procs_add(const struct forkstat_fork *f);
void forkstat_procs_show(struct seq_file *m);
size_t forkstat_procs_show_size(void);
void forkstat_procs_reset(void);

/* A row, and which process it was for when taken. */
struct forkstat_proc_ref {
	struct forkstat_proc *row;
	u64 key;
};

void forkstat_procs_sock_mode(bool now_nonblock);
bool forkstat_procs_blocked_enter(struct forkstat_proc_ref *ref);
void forkstat_procs_blocked_exit(struct forkstat_proc_ref *ref);

/* sock.c: sockets switched between blocking and non-blocking mode. */
int forkstat_sock_init(void);
void forkstat_sock_exit(void);
int forkstat_sock_show(struct seq_file *m);
size_t forkstat_sock_show_size(void);
void forkstat_sock_reset(void);

/* slow.c: the ring of the last slow forks. */
int forkstat_slow_init(void);
void forkstat_slow_exit(void);
void forkstat_slow_add(const struct forkstat_fork *f);
int forkstat_slow_show(struct seq_file *m);
size_t forkstat_slow_show_size(void);
void forkstat_slow_reset(void);

/* procfs.c */
int forkstat_proc_init(void);
void forkstat_proc_exit(void);

/*
 * Latency histograms are log2 of microseconds, as bcc's tools print them:
 * bucket 0 holds [0, 2) us, bucket i holds [2^i, 2^(i+1)) us, the last
 * one everything from about 67 s up.
 */
#define FORKSTAT_LAT_BUCKETS	27

static inline unsigned int forkstat_lat_bucket(u64 ns)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);

	return us ? min_t(unsigned int, ilog2(us), FORKSTAT_LAT_BUCKETS - 1) : 0;
}

/*
 * Parent RSS buckets, log2 of MiB: bucket 0 is under 1 MiB, bucket i holds
 * [2^(i-1), 2^i) MiB, the last one 1 TiB and more.
 */
#define FORKSTAT_RSS_BUCKETS	22

static inline unsigned int forkstat_rss_bucket(unsigned long rss_kb)
{
	unsigned long mib = rss_kb >> 10;

	return mib ? min_t(unsigned int, ilog2(mib) + 1, FORKSTAT_RSS_BUCKETS - 1) : 0;
}

/* Prints counts as one comma-separated field. */
void forkstat_seq_counts(struct seq_file *m, const u64 *counts, unsigned int n);

/* Prints a comm as a value: no spaces, '=' or newlines, escaped as \ooo. */
void forkstat_seq_comm(struct seq_file *m, const char *comm);

#endif /* FORKSTAT_H */
