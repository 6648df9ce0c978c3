/* SPDX-License-Identifier: GPL-2.0 */
/*
 * forkstat: what the module's files share.
 *
 * Data flows one way. probes.c attaches probes (probes.h) and keeps their
 * health counters. fork.c turns each copy_process call into a struct
 * forkstat_fork, which forkstats.c (per flavour), rows.c (per process)
 * and slow.c (slow forks) aggregate; stall.c adds the waits of the
 * parent's other threads to a fork, cow.c the copy-on-write faults after
 * it; spawn.c follows the child to its exec or exit. sockmode.c
 * records O_NONBLOCK changes on sockets into its ring, rows.c and
 * cleared.c; ustack.c keeps the user call chains of clears
 * and slow forks, which uwalk.c takes. oom.c records OOM kills, with
 * the trigger's chain and the victims' memory. blocked.c finds
 * the threads parked in blocking receives when the file is read. file.c
 * publishes it all in /proc/forkstat, with the text helpers of seqfmt.c
 * and sockdesc.c; main.c ties the pieces to the module's life.
 *
 * What a probe handler may not do itself is done later: later.c runs
 * work in the thread that made the event as it returns to user space,
 * release.c drops references in process context.
 */
#ifndef FORKSTAT_H
#define FORKSTAT_H

#include <linux/in6.h>
#include <linux/kprobes.h>
#include <linux/llist.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/un.h>

#include "probes.h"
#include "who.h"
#include "uapi/forkstat.h"

/* reader.c: who reads, and what the access policy lets them see. */
enum forkstat_access {
	FORKSTAT_ACCESS_OPEN,
	FORKSTAT_ACCESS_NAMESPACED,
	FORKSTAT_ACCESS_PRIVATE,
};

enum forkstat_sees {
	FORKSTAT_SEES_ALL,	/* everything, initial-namespace numbers */
	FORKSTAT_SEES_NAMESPACE, /* its PID and network namespaces */
	FORKSTAT_SEES_OWN,	/* those, its own user only, nothing host-wide */
};

/* What a reader sees; forkstat_reader_same_view() compares every field. */
struct forkstat_reader {
	unsigned int access;	/* the policy when the file was opened */
	enum forkstat_sees sees;
	struct pid_namespace *pid_ns;	/* held while the file is open */
	u64 net_cookie;
	kuid_t uid;
	bool admin;		/* CAP_SYS_ADMIN in the initial user namespace */
	/* What /proc/PID's ptrace rule asks of a reader: its fs ids, */
	kuid_t fsuid;
	kgid_t fsgid;
	bool ptrace;		/* CAP_SYS_PTRACE in the initial user namespace */
	/* and of its proc mount: whether hidepid= hides what it may not ptrace. */
	bool hidepid;
	bool cgroup_init;	/* in the initial cgroup namespace */
};

struct forkstat_reader *forkstat_reader_new(struct file *file);
void forkstat_reader_free(struct forkstat_reader *r);
pid_t forkstat_reader_pid(const struct forkstat_reader *r, struct pid *pid,
			  const struct forkstat_cred *cred);
pid_t forkstat_reader_nr(const struct forkstat_reader *r, struct pid *pid);
bool forkstat_reader_sees_net(const struct forkstat_reader *r, u64 net_cookie);
bool forkstat_reader_sees_host(const struct forkstat_reader *r);
/* Cgroup paths as the initial cgroup namespace names them (/proc/PID/cgroup's). */
bool forkstat_reader_sees_cgroup_paths(const struct forkstat_reader *r);
bool forkstat_reader_sees_every_row(const struct forkstat_reader *r);
bool forkstat_reader_sees_details(const struct forkstat_reader *r,
				  const struct forkstat_cred *cred);
void forkstat_reader_show(struct seq_file *m, const struct forkstat_reader *r);
bool forkstat_reader_same_view(const struct forkstat_reader *a,
			       const struct forkstat_reader *b);

/* snapshot.c: what a read of /proc/forkstat returns. */
struct forkstat_snap;
/* A snapshot for r rendered by show (or, at r's user's limit, shared). */
struct forkstat_snap *forkstat_snap_get(struct forkstat_reader *r, size_t size,
					int (*show)(struct seq_file *m));
void forkstat_snap_put(struct forkstat_snap *s);
const char *forkstat_snap_text(const struct forkstat_snap *s, size_t *len);
void forkstat_snap_opened(void);
void forkstat_snap_closed(void);
void forkstat_snap_show(struct seq_file *m);

/*
 * t's name into dst (TASK_COMM_LEN bytes), NUL-terminated. Not
 * get_task_comm(): handlers must not take task_lock, and a racing
 * prctl(PR_SET_NAME) only garbles the copy.
 */
static inline void forkstat_task_comm(char *dst, struct task_struct *t)
{
	memcpy(dst, t->comm, TASK_COMM_LEN);
	dst[TASK_COMM_LEN - 1] = '\0';
}

static inline void forkstat_current_comm(char *dst)
{
	forkstat_task_comm(dst, current);
}

/*
 * For loops over a whole table or ring in process context (reset, unload,
 * a read), whose size a module parameter sets: each step is at most a
 * record's copy and its pid references dropped, and FORKSTAT_RESCHED_EVERY
 * of them run between chances to reschedule, however large the table.
 */
#define FORKSTAT_RESCHED_EVERY	1024

static inline void forkstat_resched_every(unsigned int i)
{
	if (!(i % FORKSTAT_RESCHED_EVERY))
		cond_resched();
}

#ifdef PF_USER_WORKER
#define FORKSTAT_PF_USER_WORKER	PF_USER_WORKER	/* vhost's workers, 6.4 on */
#else
#define FORKSTAT_PF_USER_WORKER	0
#endif
/*
 * Threads that never return to user space and have no user stack of
 * their own: kernel threads, io_uring's and vhost's workers (which run
 * task work in their loops, or as they exit, with user registers that
 * are not theirs).
 */
#define FORKSTAT_NOT_USER	(PF_KTHREAD | PF_IO_WORKER | FORKSTAT_PF_USER_WORKER)

/* later.c: work left to the thread that made an event. */
struct forkstat_later {
	struct callback_head work;	/* first: an orphan is freed through it */
	struct list_head node;	/* in the pool, or pending */
	struct llist_node stray;	/* orphaned, reached by its thread */
	bool pending;		/* queued on a thread, not started */
	void (*run)(struct forkstat_later *l);
	struct file *filp;	/* a reference the work holds, or NULL */
	union {
		struct {	/* sockmode.c's check of a mode change */
			int fd;
			u8 path;
			bool was_nonblock;
		} check;
		u64 stack;	/* ustack.c's chain to take */
		struct {	/* oom.c's walk of a victim's mappings */
			u64 seq;
			u8 slot, victim;
		} oom;
	};
};

int forkstat_later_init(void);
void forkstat_later_exit(void);
/* From a probe handler: a free work, or NULL (counted as lost). */
struct forkstat_later *forkstat_later_get(void);
/*
 * Queues l to run run(l) in current as it returns to user space (or
 * exits). False when current is past running its task work: l, and its
 * file, are let go (counted as lost).
 */
bool forkstat_later_queue(struct forkstat_later *l,
			  void (*run)(struct forkstat_later *l));
/*
 * The same in task, which the caller keeps from being freed meanwhile;
 * run(l) may start before this returns.
 */
bool forkstat_later_queue_on(struct task_struct *task, struct forkstat_later *l,
			     void (*run)(struct forkstat_later *l));
void forkstat_later_show(struct seq_file *m);
void forkstat_later_reset(void);

/* release.c: references a probe handler lets go of. */
/*
 * Lets go of n pids (NULLs skipped): those that are not the last at once,
 * the others handed to a work item; all or none: false if none.
 */
bool forkstat_release_pids_later(struct pid *const *pids, unsigned int n);
void forkstat_release_exit(void);
void forkstat_release_show(struct seq_file *m);
void forkstat_release_reset(void);

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
	u64 id;			/* numbers forks since load, for cow records */
	u64 clone_flags;
	u64 start_ns;		/* ktime_get_ns() at copy_process entry */
	u64 total_ns;		/* copy_process, entry to return */
	/*
	 * Page-table copy: summed over copy_page_range calls when the
	 * per-VMA probe is on (ptcopy_exact), else the mm duplication.
	 */
	u64 ptcopy_ns;
	u64 mmdup_start_ns;
	u64 mmdup_ns;		/* the whole mm duplication */
	unsigned long rss_kb;	/* parent's anon + file + shmem */
	unsigned long pgtables_kb;
	unsigned int vmas;
	unsigned int ptcopy_vmas; /* copy_page_range calls, when timed */
	/* Waits of other threads on the parent's mm while it was duplicated. */
	unsigned int stall_waits;
	u64 stall_ns;
	u64 stall_max_ns;
	int stall_slot;		/* stall.c's slot while duplicating, else -1 */
	bool ptcopy_exact;	/* the per-VMA probe was on at entry */
	enum forkstat_flavour flavour;
	int err;		/* 0, or copy_process's -errno */
	struct task_struct *child;	/* not running yet, for the return handler */
};

/*
 * Each part that probes the kernel attaches its probes after every part
 * has its memory (init) and /proc/forkstat exists, and detaches them
 * before any of it goes (exit): main.c.
 */
/* fork.c: the probes on the fork path. */
void forkstat_fork_attach(void);
void forkstat_fork_detach(void);
void forkstat_fork_show(struct seq_file *m);
void forkstat_fork_reset(void);

/* stall.c: threads that waited on an mm while it was duplicated. */
void forkstat_stall_init(void);
void forkstat_stall_attach(void);
void forkstat_stall_detach(void);
/* At the start of the duplication of current's mm, for f. */
void forkstat_stall_begin(struct forkstat_fork *f);
/* At the end of the duplication (or of f's call): f's figures, slot freed. */
void forkstat_stall_end(struct forkstat_fork *f);
void forkstat_stall_show(struct seq_file *m);
void forkstat_stall_reset(void);

/* cow.c: copy-on-write faults after a fork, in both mms. */
struct forkstat_cow_side {
	u64 faults;		/* write-protect faults */
	u64 pages;		/* of which copied a page */
	u64 ns;			/* time in those faults */
};

int forkstat_cow_init(void);
void forkstat_cow_exit(void);
void forkstat_cow_attach(void);
/* Also closes every watch, whatever faults are in progress. */
void forkstat_cow_detach(void);
/* The child of fork id exec'd: its window, if open, ends by exec. */
void forkstat_cow_exec(u64 id);
/* From copy_process's return: follows a fork's two mms for cow_window_s. */
void forkstat_cow_watch(const struct forkstat_fork *f, struct task_struct *child);
int forkstat_cow_show(struct seq_file *m, const struct forkstat_reader *r);
size_t forkstat_cow_show_size(void);
void forkstat_cow_reset(void);

/* forkstats.c: per-flavour totals and histograms. */
int forkstat_stats_init(void);
void forkstat_stats_exit(void);
void forkstat_stats_add(const struct forkstat_fork *f);
int forkstat_stats_show(struct seq_file *m);
void forkstat_stats_reset(void);

/* spawn.c: what each fork was for, and how long a vfork's parent waited. */
enum forkstat_outcome {
	FORKSTAT_OUT_EXEC,	/* the child exec'd: a spawn */
	FORKSTAT_OUT_EXIT,	/* it exited without exec: a snapshot, a worker */
	FORKSTAT_OUT_RUN,	/* it ran on past spawn_window_s without either */
	FORKSTAT_NR_OUTCOMES
};

/* What a process's forks came to, in its row and summed host-wide. */
struct forkstat_spawn_stats {
	u64 forks[FORKSTAT_NR_OUTCOMES];	/* plain forks, by outcome */
	u64 exec_lag_ns;	/* a fork's return to its child's exec, summed */
	u64 exec_lag_max_ns;
	/* What the forks that exec'd cost: what posix_spawn would save. */
	u64 spawn_fork_ns;	/* their copy_process calls */
	u64 spawn_stall_ns;	/* the waits of the parent's other threads */
	u64 spawn_cow_ns;	/* copy-on-write faults, both sides, until the exec */
	u64 fork_rss_kb;	/* parent RSS summed over plain forks */
	u64 vforks[FORKSTAT_NR_OUTCOMES];	/* CLONE_VFORK calls, by outcome */
	/* The parent's freeze: copy_process's entry until it runs again. */
	u64 vfork_waits;
	u64 vfork_wait_ns;
	u64 vfork_wait_max_ns;
	u64 vfork_wait_hist[FORKSTAT_LAT_BUCKETS];
};

/* A followed fork's end, as its parent's row and the host sums take it. */
struct forkstat_spawn_end {
	enum forkstat_outcome outcome;
	bool fork, vfork;
	u64 lag_ns;		/* copy_process's return to the end */
	u64 fork_ns, stall_ns;	/* the call's */
};

int forkstat_spawn_init(void);
void forkstat_spawn_exit(void);
void forkstat_spawn_attach(void);
void forkstat_spawn_detach(void);
/* From copy_process's return: follows the child until it execs or exits. */
void forkstat_spawn_watch(const struct forkstat_fork *f, struct task_struct *child);
/* The copy-on-write time of a window that ended at the child's exec. */
void forkstat_spawn_add_cow(u64 ns);
void forkstat_spawn_stats_add(struct forkstat_spawn_stats *st,
			      const struct forkstat_spawn_end *e);
void forkstat_spawn_stats_add_wait(struct forkstat_spawn_stats *st, u64 ns);
void forkstat_spawn_stats_sum(struct forkstat_spawn_stats *sum,
			      const struct forkstat_spawn_stats *st);
/* " fork_exec=... vfork_wait_hist=..." */
void forkstat_spawn_stats_show(struct seq_file *m, const struct forkstat_spawn_stats *st);
void forkstat_spawn_show(struct seq_file *m, const struct forkstat_reader *r);
void forkstat_spawn_reset(void);

/* What a process's row counts (rows.c), and what evicted rows leave (evicted.c). */
struct forkstat_row_stats {
	u64 count[FORKSTAT_NR_FLAVOURS];
	u64 errors;
	u64 sum_ns;
	u64 max_ns;
	u64 ptcopy_ns;
	unsigned long max_rss_kb;
	u64 sock_clears;
	u64 sock_sets;
	u64 last_clear_ns;	/* CLOCK_REALTIME */
	u64 stall_waits;
	u64 stall_ns;
	u64 stall_max_ns;
	struct forkstat_cow_side cow[2];	/* parent, children */
	struct forkstat_spawn_stats spawn;
};

/* rows.c: the per-process table, shown as "proc" records. */
int forkstat_rows_init(void);
void forkstat_rows_exit(void);
void forkstat_rows_add_fork(const struct forkstat_fork *f);
void forkstat_rows_add_sock_mode(bool now_nonblock, u64 time_ns);
/*
 * A closed copy-on-write window, to the row of the process that forked
 * (tgid as the initial namespace numbers it); exec: the child exec'd.
 */
void forkstat_rows_add_cow(pid_t tgid, u64 start_time,
			   const struct forkstat_cow_side *parent,
			   const struct forkstat_cow_side *child, bool exec);
/* A followed fork's end (spawn.c), to the row of the process that forked. */
void forkstat_rows_add_spawn(pid_t tgid, u64 start_time,
			     const struct forkstat_spawn_end *e);
/* current's freeze in a vfork, ns (spawn.c). */
void forkstat_rows_add_vfork_wait(u64 ns);
void forkstat_rows_show(struct seq_file *m, const struct forkstat_reader *r);
size_t forkstat_rows_show_size(void);
void forkstat_rows_reset(void);

/* evicted.c: the figures of evicted rows and the OOM kills, per cgroup. */
void forkstat_evicted_add(u64 cgroup, const struct forkstat_row_stats *st, u32 shown_in);
u32 forkstat_evicted_read_begin(void);
void forkstat_evicted_read_end(void);
void forkstat_evicted_add_oom_kill(u64 cgroup);
void forkstat_evicted_show(struct seq_file *m);
void forkstat_evicted_show_use(struct seq_file *m, bool host);
size_t forkstat_evicted_show_size(void);
void forkstat_evicted_reset(void);
void forkstat_evicted_init(void);
void forkstat_evicted_exit(void);

/* slow.c: the ring of the last slow forks. */
int forkstat_slow_init(void);
void forkstat_slow_exit(void);
void forkstat_slow_add(const struct forkstat_fork *f);
/* A span this long is worth a record: slow_us or longer. */
bool forkstat_slow_enough(u64 ns);
int forkstat_slow_show(struct seq_file *m, const struct forkstat_reader *r);
size_t forkstat_slow_show_size(void);
void forkstat_slow_reset(void);

/* sockdesc.c: what identifies a socket in a record. */
struct forkstat_sockdesc {
	unsigned long ino;	/* the socket's inode number, as in /proc/PID/fd */
	u64 net_cookie;		/* its network namespace, never reused */
	u16 family, type, protocol;
	__be16 lport, rport;
	union {
		struct in6_addr in6[2];	/* local, remote */
		__be32 in4[2];
		char sun_path[UNIX_PATH_MAX + 1];
	} addr;
};

/* Fills sd from a socket file the caller keeps open; false if no socket. */
bool forkstat_sockdesc_fill(struct forkstat_sockdesc *sd, struct file *filp);
/* " ino=... family=... local=... remote=..." */
void forkstat_sockdesc_show(struct seq_file *m, const struct forkstat_sockdesc *sd);

/* sockmode.c: O_NONBLOCK changes on sockets. */
int forkstat_sockmode_init(void);
void forkstat_sockmode_exit(void);
void forkstat_sockmode_attach(void);
void forkstat_sockmode_detach(void);
int forkstat_sockmode_show(struct seq_file *m, const struct forkstat_reader *r);
size_t forkstat_sockmode_show_size(void);
void forkstat_sockmode_reset(void);

/* cleared.c: the sockets whose last recorded change was a clear. */
struct forkstat_cleared {
	unsigned long ino;	/* 0: free */
	u64 time_ns;		/* CLOCK_REALTIME of the clear */
	struct pid *tgid;	/* who cleared it (a reference) */
	struct forkstat_cred cred;	/* and with what credentials */
};

int forkstat_cleared_init(void);
void forkstat_cleared_exit(void);
bool forkstat_cleared_note(unsigned long ino, bool now_nonblock, u64 time_ns);
/* The clear of ino, if any: its time and its maker as r numbers it. */
bool forkstat_cleared_find(unsigned long ino, const struct forkstat_reader *r,
			   u64 *time_ns, pid_t *by);
void forkstat_cleared_show(struct seq_file *m);
void forkstat_cleared_reset(void);

/* blocked.c: threads parked in blocking receives, found at read time. */
void forkstat_blocked_show(struct seq_file *m, const struct forkstat_reader *r);
size_t forkstat_blocked_show_size(void);

/* ustack.c: user-space call chains of clears and slow forks. */
#define FORKSTAT_USTACK_PATH	128
#define FORKSTAT_BUILD_ID_MAX	20

/* How a frame was found. */
enum forkstat_uframe_how {
	FORKSTAT_UFRAME_IP,	/* the saved user instruction pointer */
	FORKSTAT_UFRAME_SCAN,	/* the first return address above sp */
	FORKSTAT_UFRAME_FP,	/* the frame-pointer chain */
};

/* Why the walk stopped. */
enum forkstat_ustack_end {
	FORKSTAT_UEND_TOP,	/* a zero frame pointer or return address */
	FORKSTAT_UEND_MAX,	/* FORKSTAT_USTACK_FRAMES taken */
	FORKSTAT_UEND_FAULT,	/* a link could not be read */
	FORKSTAT_UEND_KERNEL,	/* a link or return pointed past user space */
	FORKSTAT_UEND_LOOP,	/* a link not above the last, or misaligned */
	FORKSTAT_UEND_STACK,	/* a link off the stack's mapping */
	FORKSTAT_UEND_TEXT,	/* a return address not into executable code */
	FORKSTAT_UEND_COMPAT,	/* a 32-bit task: its ip only */
};

enum forkstat_ustack_mm {
	FORKSTAT_UMM_OK,	/* files and offsets looked up */
	FORKSTAT_UMM_BUSY,	/* the mmap lock not had: raw addresses */
};

struct forkstat_uframe {
	u64 addr;
	u64 off;		/* in files[file], when file >= 0 */
	s8 file;		/* -1: anonymous memory, or not looked up */
	u8 how;
};

struct forkstat_ufile {
	u64 ino;
	u32 dev;		/* the kernel's dev_t */
	u8 build_id_len;	/* 0: none found */
	u8 from_memory;		/* named as before (uwalk.c), not read */
	u8 build_id[FORKSTAT_BUILD_ID_MAX];
	char path[FORKSTAT_USTACK_PATH];	/* in the thread's mount namespace */
};

struct forkstat_ustack {
	u64 id;			/* 0: an empty slot */
	u8 nframes, nfiles, end, mm;
	struct forkstat_uframe frames[FORKSTAT_USTACK_FRAMES];
	struct forkstat_ufile files[FORKSTAT_USTACK_FILES];
};

/*
 * uwalk.c: current's chain (all but its id), process context; an
 * ERR_PTR, or a chain to give back with forkstat_uwalk_free().
 */
struct forkstat_ustack *forkstat_uwalk_current(void);
void forkstat_uwalk_free(struct forkstat_ustack *s);
/* Files named in chains, and of those, read (not named before). */
void forkstat_uwalk_files(u64 *named, u64 *read);
void forkstat_uwalk_reset(void);

int forkstat_ustack_init(void);
void forkstat_ustack_exit(void);
/* Process context, current returning to user space: its chain's id, 0: none. */
u64 forkstat_ustack_take(void);
/* From a probe handler: the id its chain will have once current returns. */
u64 forkstat_ustack_take_later(void);
void forkstat_ustack_show_cfg(struct seq_file *m, const struct forkstat_reader *r);
/* Chain id after its event's line; 0 (none, or not the reader's): nothing. */
void forkstat_ustack_show(struct seq_file *m, u64 id);
size_t forkstat_ustack_show_size(void);
void forkstat_ustack_reset(void);

/* oom.c: OOM kills, who triggered them, what the victims held. */
int forkstat_oom_init(void);
void forkstat_oom_exit(void);
void forkstat_oom_attach(void);
/* Also finishes, without storing, a record its probes left half made. */
void forkstat_oom_detach(void);
void forkstat_oom_probes_show(struct seq_file *m);
void forkstat_oom_show(struct seq_file *m, const struct forkstat_reader *r);
size_t forkstat_oom_show_size(void);
void forkstat_oom_reset(void);

/* file.c: /proc/forkstat */
int forkstat_file_init(void);
void forkstat_file_exit(void);

/* seqfmt.c: how values are written. */
/* Prints counts as one comma-separated field. */
void forkstat_seq_counts(struct seq_file *m, const u64 *counts, unsigned int n);
/* Prints a name as a value: no spaces, '=' or newlines, escaped as \ooo. */
void forkstat_seq_comm(struct seq_file *m, const char *comm);

static inline unsigned int forkstat_lat_bucket(u64 ns)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);

	return us ? min_t(unsigned int, ilog2(us), FORKSTAT_LAT_BUCKETS - 1) : 0;
}

static inline unsigned int forkstat_rss_bucket(unsigned long rss_kb)
{
	unsigned long mib = rss_kb >> 10;

	return mib ? min_t(unsigned int, ilog2(mib) + 1, FORKSTAT_RSS_BUCKETS - 1) : 0;
}

#endif /* FORKSTAT_H */
