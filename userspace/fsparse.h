/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The /proc/forkstat parser: text in (docs/format.md), a model out.
 * Nothing here prints; render.c turns the model into views.
 */
#ifndef FSPARSE_H
#define FSPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "forkstat.h"

/* The module's bucket layout (module/uapi/forkstat.h). */
#define FS_LAT_BUCKETS	FORKSTAT_LAT_BUCKETS	/* log2 us */
#define FS_RSS_BUCKETS	FORKSTAT_RSS_BUCKETS	/* log2 MiB */

/*
 * The pages the module counts (cow records and rows) are the kernel's
 * base pages, whose size the header gives (page_size); a module that did
 * not say ran on x86_64, the one architecture it built for then.
 */
#define FS_PAGE_DEFAULT	4096ULL

enum fs_flavour { FS_FORK, FS_VFORK, FS_VM_CLONE, FS_THREAD, FS_KTHREAD, FS_NR_FLAVOURS };
#define FS_SIZED_FLAVOURS (FS_VM_CLONE + 1)	/* kept by parent RSS too */
extern const char *const fs_flavour_names[FS_NR_FLAVOURS];

enum fs_path { FS_PATH_FCNTL, FS_PATH_IOCTL, FS_NR_PATHS };
extern const char *const fs_path_names[FS_NR_PATHS];

struct fs_probe {
	char symbol[64], kind[16], state[16];
	int64_t error;
	uint64_t hits, nmissed;
};

struct fs_flav {
	uint64_t count, errors, sum_ns, max_ns;
	uint64_t ptcopy_sum_ns, ptcopy_max_ns, ptcopy_vmas, mmdup_sum_ns;
	uint64_t hist[FS_LAT_BUCKETS];
};

struct fs_fail {
	int flavour;
	char errno_str[16];	/* a number, or "other" */
	uint64_t count;
};

/* Waits of the parent's other threads while a fork duplicated its mm. */
struct fs_stall {
	uint64_t waits, ns, max_ns;
};

/* A mapped file of a call chain ("ufile"). */
struct fs_ufile {
	uint64_t ino;
	unsigned int dev_major, dev_minor;
	char build_id[48];	/* hex, "" when none */
	char path[256];
};

/* One frame ("uframe"): file < 0 when the module found no file. */
struct fs_uframe {
	uint64_t addr, off;	/* addr 0: not shown to this reader */
	int file;
	char how[8];		/* ip, scan or fp */
};

/* A user call chain ("ustack"), as the module took it. */
struct fs_ustack {
	uint64_t id;
	char end[16], mm[16];
	size_t nframes, nfiles;
	struct fs_uframe frames[FORKSTAT_USTACK_FRAMES];
	struct fs_ufile files[FORKSTAT_USTACK_FILES];
};

struct fs_slow {
	uint64_t stack;		/* its chain's id, 0: none */
	uint64_t id, time_ns, flags, rss_kb, pgtables_kb, vmas;
	uint64_t total_ns, ptcopy_ns, ptcopy_vmas, mmdup_ns, cgroup;
	struct fs_stall stall;
	int64_t pid, tgid, child;
	int flavour;
	char comm[64];
};

/* Copy-on-write faults one side of a fork took after it. */
struct fs_cow_side {
	uint64_t faults, pages, ns;
};

enum fs_cow_sides { FS_COW_PARENT, FS_COW_CHILD, FS_COW_SIDES };

/* A fork's copy-on-write bill, once its window closed ("cow" record). */
struct fs_cow {
	uint64_t id, time_ns, window_ns, fork_ns, cgroup;
	int64_t pid, tgid, child;
	char end[16];		/* exit, exec or window */
	struct fs_cow_side side[FS_COW_SIDES];
	char comm[64];
};

/* What names a socket: sockclear and blockedthread records. */
struct fs_sock {
	uint64_t ino, family, type, protocol;
	char local[64], remote[64], sun_path[128];
};

struct fs_clear {
	uint64_t stack;		/* its chain's id, 0: none */
	uint64_t time_ns, cgroup;
	int64_t pid, tgid, fd;
	int path;
	struct fs_sock sock;
	char comm[64];
};

/* A thread blocked now in a receive on a blocking socket. */
struct fs_blocked_thread {
	int64_t pid, tgid, fd, cleared_by;
	uint64_t waited_ns, cleared_ns;	/* cleared_ns 0: no clear recorded */
	uint64_t cgroup;
	struct fs_sock sock;
	char comm[64];
};

/* What forks were for ("proc", "procgone", "spawnsum"; docs/format.md). */
enum { FS_OUT_EXEC, FS_OUT_EXIT, FS_OUT_RUN, FS_NR_OUTCOMES };

extern const char *const fs_outcome_names[FS_NR_OUTCOMES];

struct fs_spawn {
	uint64_t forks[FS_NR_OUTCOMES];	/* plain forks, by what the child did */
	uint64_t exec_lag_ns, exec_lag_max_ns;
	/* What the forks that exec'd cost: copy_process, stalls, copy-on-write. */
	uint64_t spawn_fork_ns, spawn_stall_ns, spawn_cow_ns;
	uint64_t fork_rss_kb;		/* parent RSS summed over plain forks */
	uint64_t vforks[FS_NR_OUTCOMES];
	uint64_t vfork_waits, vfork_wait_ns, vfork_wait_max_ns;
	uint64_t vfork_wait_hist[FS_LAT_BUCKETS];
};

struct fs_proc {
	int64_t tgid, threads;
	uint64_t n[FS_NR_FLAVOURS];	/* kthread stays 0 */
	uint64_t errors, sum_ns, max_ns, ptcopy_ns, max_rss_kb, cgroup;
	struct fs_stall stall;			/* summed; max_ns the longest */
	struct fs_cow_side cow[FS_COW_SIDES];	/* its forks' bills */
	uint64_t sock_clears, sock_sets, last_clear_ns;
	struct fs_spawn spawn;
	/* From its "blocked" record, if any: threads blocked now. */
	uint64_t blocked_now, blocked_on_cleared, blocked_longest_ns;
	int has_row;		/* 0: only a "blocked" record named it */
	char comm[64];
	/* A procgone record: the rows of exited processes evicted, summed, */
	uint64_t evicted_rows;
	uint64_t oom_kills;	/* and the cgroup's processes OOM-killed */
};

/* The largest anonymous mappings of an OOM victim ("oomanon"). */
struct fs_oom_anon {
	uint64_t start, end, rss_kb;
};

/* A file it mapped ("oomfile"): mapped size, summed over its mappings. */
struct fs_oom_file {
	uint64_t size_kb, ino;
	unsigned int dev_major, dev_minor;
	char path[256];
};

/* A victim ("oomvictim") and, to a reader who may see them, its mappings. */
struct fs_oom_victim {
	int64_t pid, tgid, points, score_adj;
	uint64_t killed, chosen, cgroup;
	uint64_t total_vm_kb, anon_kb, file_kb, shmem_kb, swap_kb, pgtables_kb;
	char comm[64];
	/* From "oomregions": resident memory by class; has_regions 0: none. */
	int has_regions;
	char walk[16];
	uint64_t vmas, walk_ns, heap_kb, stack_kb, stacks;
	uint64_t other_anon_kb, anon_vmas, mapped_kb, file_vmas;
	size_t nanon, nfiles;
	struct fs_oom_anon anon[FORKSTAT_OOM_TOP];
	struct fs_oom_file files[FORKSTAT_OOM_TOP];
};

/* One out_of_memory() call that killed, found its victim exiting, or nothing. */
struct fs_oom {
	uint64_t id, time_ns, last_ns, repeats;
	char result[16], constraint[16];
	uint64_t memcg, limit_kb, usage_kb, gfp, domain_kb;
	char memcg_path[256];	/* "" when not shown */
	int64_t order, pid, tgid;	/* the trigger */
	uint64_t cgroup, kills, victims, stack;
	char comm[64];
	size_t nvictims;
	struct fs_oom_victim victim[FORKSTAT_OOM_VICTIMS];
};

/* Everything one read of /proc/forkstat holds. */
struct fs_doc {
	int format;
	char module[32], kernel[96];
	uint64_t page_bytes;	/* the kernel's base page: see fs_pages_kb() */
	/* What the reader was allowed to see (docs/format.md, "reader"). */
	uint64_t access, pidns_level;
	char sees[16], totals[16];
	struct fs_probe *probes;
	size_t nprobes;
	char latency_method[64], ptcopy_method[64], mmdup_method[64];
	char sock_fcntl_method[64], sock_ioctl_method[64], sock_blocked_method[64];
	uint64_t untracked, unmatched;
	struct fs_flav flav[FS_NR_FLAVOURS];
	struct fs_fail *fails;
	size_t nfails;
	/* fork, vfork and vm_clone latency, and fork page-table copy time. */
	uint64_t lat_by_rss[FS_SIZED_FLAVOURS][FS_RSS_BUCKETS][FS_LAT_BUCKETS];
	uint64_t ptcopy_by_rss[FS_RSS_BUCKETS][FS_LAT_BUCKETS];
	uint64_t slow_us, slow_ring, slow_total;
	struct fs_slow *slow;
	size_t nslow;
	uint64_t stall_slots, stall_unwatched;
	struct fs_stall stall_sum;	/* every fork's; max_ns unused */
	/* Copy-on-write: the closed watches' sums, the set-up, the records. */
	uint64_t cow_forks;
	struct fs_cow_side cow_sum[FS_COW_SIDES];
	uint64_t cow_window_s, cow_min_mb, cow_watches, cow_open, cow_unwatched;
	uint64_t cow_ring, cow_total;
	struct fs_cow *cows;
	size_t ncows;
	/* What forks were for: the host's sums (has_spawn) and the set-up. */
	int has_spawn;
	struct fs_spawn spawn_sum;
	/*
	 * The least mean vfork freeze of a process whose vforks all exec'd
	 * (0: none), taken as rows are parsed, before any filter.
	 */
	uint64_t spawn_least_ns;
	uint64_t spawn_window_s, spawn_watches, spawn_open, spawn_unfollowed;
	uint64_t vfork_unfollowed;
	uint64_t sock_clears[FS_NR_PATHS], sock_sets[FS_NR_PATHS];
	uint64_t sock_ring, sock_total, sock_untracked;
	uint64_t cleared_max, cleared_used, cleared_evicted;
	struct fs_clear *clears;
	size_t nclears;
	/* Sets that undid a recorded clear ("sockset"), as clears are kept. */
	uint64_t sockset_total;
	struct fs_clear *sets;
	size_t nsets;
	/* The read's scan for blocked readers (blockedscan). */
	uint64_t scan_threads, scan_blocked, scan_listed, scan_list, scan_ns;
	struct fs_blocked_thread *blocked;
	size_t nblocked;
	uint64_t ustack_ring, ustack_taken, ustack_lost;
	int has_ufiles;			/* files_named and files_read given */
	uint64_t ufiles_named, ufiles_read;
	struct fs_ustack *ustacks;
	size_t nustacks;
	/* OOM calls: the oomcfg counts, then the records kept. */
	uint64_t oom_ring, oom_calls, oom_recorded, oom_kills, oom_waited;
	uint64_t oom_settled, oom_lost;
	struct fs_oom *ooms;
	size_t nooms;
	uint64_t procs_max, procs_dropped, procs_evicted;
	/* procgone's table: lines in use, its size, lines swept into other. */
	uint64_t gone_cgroups, gone_cgroups_max, gone_cgroups_swept;
	/* Per cgroup, what evicted rows counted (procgone; tgid 0). */
	struct fs_proc *gone;
	size_t ngone;
	struct fs_proc *procs;
	size_t nprocs;
	/* Narrowed by a filter (filter.h): the host-wide records are not. */
	int filtered;
};

/*
 * Parses len bytes of text. Returns 0, or -1 with a sentence in err
 * naming the line and what was expected; doc is then empty.
 */
int fs_parse(const char *text, size_t len, struct fs_doc *doc,
	     char *err, size_t errlen);
void fs_free(struct fs_doc *doc);

/* What the forks that exec'd cost, summed: what posix_spawn would save. */
uint64_t fs_spawn_cost_ns(const struct fs_spawn *s);
/* Page-table copy per GiB of parent RSS over p's plain forks; -1: too little RSS to say. */
double fs_ptcopy_ms_per_gib(const struct fs_proc *p);

/* The chain of that id, if the document holds it. */
const struct fs_ustack *fs_ustack(const struct fs_doc *d, uint64_t id);
/* The file frame n of u is in, or NULL (none, or an index past nfiles). */
const struct fs_ufile *fs_uframe_file(const struct fs_ustack *u, size_t n);

/*
 * Reads a whole file (or /proc file; "-" is stdin); returns malloc'ed
 * text or NULL with errno.
 */
char *fs_read_file(const char *path, size_t *len);

/* Every conversion of the module's page counts goes through these. */
static inline uint64_t fs_pages_bytes(const struct fs_doc *d, uint64_t pages)
{
	return pages * d->page_bytes;
}

static inline uint64_t fs_pages_kb(const struct fs_doc *d, uint64_t pages)
{
	return pages * (d->page_bytes / 1024);
}

#endif /* FSPARSE_H */
