// SPDX-License-Identifier: GPL-2.0
/*
 * Parses /proc/forkstat (docs/format.md) into a struct fs_doc.
 *
 * Every line is "type key=value ...". Unknown record types, unknown
 * keys and records naming a flavour or call this reader does not know
 * are skipped, as the format allows; a line that is not of that
 * shape, a value that should be a number and is not, a histogram of the
 * wrong length, or a file cut in the middle of a line is an error naming
 * the line. A header with end=1 promises a last line "end": a document
 * without it was cut short, whatever line it stops at.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsparse.h"
#include "forkstat.h"

const char *const fs_outcome_names[FS_NR_OUTCOMES] = { "exec", "exit", "run" };

uint64_t fs_spawn_cost_ns(const struct fs_spawn *s)
{
	return s->spawn_fork_ns + s->spawn_stall_ns + s->spawn_cow_ns;
}

double fs_ptcopy_ms_per_gib(const struct fs_proc *p)
{
	if (p->spawn.fork_rss_kb < 1024)
		return -1;
	return p->ptcopy_ns / 1e6 / (p->spawn.fork_rss_kb / 1048576.0);
}

const char *const fs_flavour_names[FS_NR_FLAVOURS] = {
	"fork", "vfork", "vm_clone", "thread", "kthread",
};

const char *const fs_path_names[FS_NR_PATHS] = { "fcntl", "ioctl" };

#define MAX_FIELDS 64

struct line {
	int no;
	int end_promised, end_seen;	/* header end=1; the "end" line read */
	char *type;
	int n;
	char *key[MAX_FIELDS], *val[MAX_FIELDS];
	char *err;
	size_t errlen;
};

static int fail(struct line *l, const char *fmt, ...)
{
	size_t off;
	va_list ap;

	off = snprintf(l->err, l->errlen, "line %d: ", l->no);
	if (off < l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err + off, l->errlen - off, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *get(struct line *l, const char *key)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->key[i], key) == 0)
			return l->val[i];
	return NULL;
}

/* A missing key reads as 0: older modules may not write it yet. */
static int u64(struct line *l, const char *key, uint64_t *out)
{
	const char *v = get(l, key);
	char *end;

	*out = 0;
	if (!v)
		return 0;
	errno = 0;
	/* strto* would take leading blanks and signs: only digits here. */
	if (strncmp(v, "0x", 2) == 0 && isxdigit((unsigned char)v[2]))
		*out = strtoull(v + 2, &end, 16);
	else
		*out = strtoull(v, &end, 10);
	if (errno || end == v || *end || !isdigit((unsigned char)*v))
		return fail(l, "%s %s=: expected a number, got '%s'", l->type, key, v);
	return 0;
}

static int s64(struct line *l, const char *key, int64_t *out)
{
	const char *v = get(l, key);
	char *end;

	*out = 0;
	if (!v)
		return 0;
	errno = 0;
	*out = strtoll(v, &end, 10);
	if (errno || end == v || *end || !(isdigit((unsigned char)*v) || *v == '-'))
		return fail(l, "%s %s=: expected a number, got '%s'", l->type, key, v);
	return 0;
}

/* Undoes the module's \ooo escapes. */
static void str(struct line *l, const char *key, char *out, size_t size)
{
	const char *v = get(l, key);
	size_t o = 0;

	if (!v)
		v = "";
	while (*v && o + 1 < size) {
		if (v[0] == '\\' && v[1] >= '0' && v[1] <= '3' &&
		    v[2] >= '0' && v[2] <= '7' && v[3] >= '0' && v[3] <= '7') {
			out[o++] = (v[1] - '0') << 6 | (v[2] - '0') << 3 | (v[3] - '0');
			v += 4;
		} else {
			out[o++] = *v++;
		}
	}
	out[o] = '\0';
}

/* A log2_us histogram under key: FS_LAT_BUCKETS comma-separated counts. */
static int hist_key(struct line *l, const char *key, uint64_t *out)
{
	const char *v = get(l, key);
	char *end;
	int i;

	if (!v)
		return fail(l, "%s without %s=", l->type, key);
	for (i = 0; i < FS_LAT_BUCKETS; i++) {
		errno = 0;
		out[i] = strtoull(v, &end, 10);
		if (errno || end == v || !isdigit((unsigned char)*v))
			return fail(l, "%s=: expected %d numbers", key, FS_LAT_BUCKETS);
		v = end;
		if (i < FS_LAT_BUCKETS - 1 && *v++ != ',')
			return fail(l, "%s=: expected %d numbers, got %d",
				    key, FS_LAT_BUCKETS, i + 1);
	}
	if (*v)
		return fail(l, "%s=: more than %d numbers", key, FS_LAT_BUCKETS);
	return 0;
}

static int counts(struct line *l, uint64_t *out)
{
	const char *unit = get(l, "unit");

	/* A histogram of other bounds would be misread: refused. */
	if (unit && strcmp(unit, "log2_us"))
		return fail(l, "%s unit=%.20s: expected log2_us", l->type, unit);
	return hist_key(l, "counts", out);
}

/*
 * Which of names v is: 0 with *out set, 1 for a value this reader does
 * not know (a newer module's flavour or path: the record is skipped, as
 * the format promises), -1 when the key is missing.
 */
static int lookup(struct line *l, const char *key, const char *const *names,
		  int n, int *out)
{
	const char *v = get(l, key);
	int i;

	if (!v)
		return fail(l, "%s without %s=", l->type, key);
	for (i = 0; i < n; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return 1;
}

/*
 * Appends one zeroed element to a growing array. Its room doubles when
 * *n reaches a power of two, so a file of many rows is not copied once
 * per row; a caller may take back its last element (*n--) and grow again.
 */
static void *grow(void **arr, size_t *n, size_t size)
{
	char *p = *arr;

	if (*n == 0 || (*n & (*n - 1)) == 0) {
		p = realloc(*arr, (*n ? *n * 2 : 1) * size);
		if (!p)
			return NULL;
	}
	*arr = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

#define GROW(l, arr, n) ({						\
	void *__e = grow((void **)&(arr), &(n), sizeof(*(arr)));	\
	if (!__e)							\
		return fail(l, "out of memory");			\
	(typeof(arr))__e;						\
})

static int parse_probe(struct line *l, struct fs_doc *d)
{
	struct fs_probe *p = GROW(l, d->probes, d->nprobes);

	str(l, "symbol", p->symbol, sizeof(p->symbol));
	str(l, "kind", p->kind, sizeof(p->kind));
	str(l, "state", p->state, sizeof(p->state));
	return s64(l, "error", &p->error) || u64(l, "hits", &p->hits) ||
	       u64(l, "nmissed", &p->nmissed) ? -1 : 0;
}

static int parse_flavour(struct line *l, struct fs_doc *d)
{
	struct fs_flav *f;
	int i = 0, r = lookup(l, "name", fs_flavour_names, FS_NR_FLAVOURS, &i);

	if (r)
		return r < 0 ? r : 0;
	f = &d->flav[i];
	return u64(l, "count", &f->count) || u64(l, "errors", &f->errors) ||
	       u64(l, "sum_ns", &f->sum_ns) || u64(l, "max_ns", &f->max_ns) ||
	       u64(l, "ptcopy_sum_ns", &f->ptcopy_sum_ns) ||
	       u64(l, "ptcopy_max_ns", &f->ptcopy_max_ns) ||
	       u64(l, "ptcopy_vmas", &f->ptcopy_vmas) ||
	       u64(l, "mmdup_sum_ns", &f->mmdup_sum_ns) ? -1 : 0;
}

static int parse_fail(struct line *l, struct fs_doc *d)
{
	struct fs_fail *f = GROW(l, d->fails, d->nfails);
	int r = lookup(l, "flavour", fs_flavour_names, FS_NR_FLAVOURS, &f->flavour);

	if (r) {
		d->nfails--;
		return r < 0 ? r : 0;
	}
	str(l, "errno", f->errno_str, sizeof(f->errno_str));
	return u64(l, "count", &f->count);
}

static int parse_hist(struct line *l, struct fs_doc *d)
{
	const char *name = get(l, "name");
	int f = 0, r;

	if (!name || strcmp(name, "latency"))
		return 0;	/* a histogram this reader does not know */
	r = lookup(l, "flavour", fs_flavour_names, FS_NR_FLAVOURS, &f);
	if (r)
		return r < 0 ? r : 0;
	return counts(l, d->flav[f].hist);
}

static int parse_hist2d(struct line *l, struct fs_doc *d)
{
	const char *name = get(l, "name");
	uint64_t (*h)[FS_LAT_BUCKETS];
	uint64_t b;
	int f = FS_FORK;

	if (get(l, "flavour") &&
	    lookup(l, "flavour", fs_flavour_names, FS_NR_FLAVOURS, &f))
		return 0;	/* a flavour this reader does not know */
	if (name && strcmp(name, "latency_by_rss") == 0 && f < FS_SIZED_FLAVOURS)
		h = d->lat_by_rss[f];
	else if (name && strcmp(name, "ptcopy_by_rss") == 0 && f == FS_FORK)
		h = d->ptcopy_by_rss;
	else
		return 0;	/* a map this reader does not know */
	if (u64(l, "rss_bucket", &b))
		return -1;
	if (!get(l, "rss_bucket") || b >= FS_RSS_BUCKETS)
		return fail(l, "hist2d rss_bucket=: expected 0 to %d", FS_RSS_BUCKETS - 1);
	return counts(l, h[b]);
}

static int parse_slow(struct line *l, struct fs_doc *d)
{
	struct fs_slow *s = GROW(l, d->slow, d->nslow);
	int r = lookup(l, "flavour", fs_flavour_names, FS_NR_FLAVOURS, &s->flavour);

	if (r) {
		d->nslow--;
		return r < 0 ? r : 0;
	}
	str(l, "comm", s->comm, sizeof(s->comm));
	return u64(l, "id", &s->id) || u64(l, "time_ns", &s->time_ns) ||
	       s64(l, "pid", &s->pid) ||
	       s64(l, "tgid", &s->tgid) || s64(l, "child", &s->child) ||
	       u64(l, "flags", &s->flags) || u64(l, "rss_kb", &s->rss_kb) ||
	       u64(l, "pgtables_kb", &s->pgtables_kb) || u64(l, "vmas", &s->vmas) ||
	       u64(l, "total_ns", &s->total_ns) || u64(l, "ptcopy_ns", &s->ptcopy_ns) ||
	       u64(l, "ptcopy_vmas", &s->ptcopy_vmas) ||
	       u64(l, "mmdup_ns", &s->mmdup_ns) || u64(l, "cgroup", &s->cgroup) ||
	       u64(l, "stall_waits", &s->stall.waits) ||
	       u64(l, "stall_ns", &s->stall.ns) ||
	       u64(l, "stall_max_ns", &s->stall.max_ns) ||
	       u64(l, "stack", &s->stack) ? -1 : 0;
}

static int parse_stallcfg(struct line *l, struct fs_doc *d)
{
	return u64(l, "slots", &d->stall_slots) ||
	       u64(l, "unwatched", &d->stall_unwatched) ||
	       u64(l, "waits", &d->stall_sum.waits) ||
	       u64(l, "ns", &d->stall_sum.ns) ? -1 : 0;
}

/* The keys of a side: "faults", or "child_faults" with prefix "child_". */
static int parse_cow_side(struct line *l, const char *prefix,
			  struct fs_cow_side *s)
{
	char faults[32], pages[32], ns[32];

	snprintf(faults, sizeof(faults), "%sfaults", prefix);
	snprintf(pages, sizeof(pages), "%spages", prefix);
	snprintf(ns, sizeof(ns), "%sns", prefix);
	return u64(l, faults, &s->faults) || u64(l, pages, &s->pages) ||
	       u64(l, ns, &s->ns) ? -1 : 0;
}

static int parse_cowsum(struct line *l, struct fs_doc *d)
{
	return u64(l, "forks", &d->cow_forks) ||
	       parse_cow_side(l, "", &d->cow_sum[FS_COW_PARENT]) ||
	       parse_cow_side(l, "child_", &d->cow_sum[FS_COW_CHILD]) ? -1 : 0;
}

static int parse_cowcfg(struct line *l, struct fs_doc *d)
{
	return u64(l, "window_s", &d->cow_window_s) ||
	       u64(l, "min_mb", &d->cow_min_mb) ||
	       u64(l, "watches", &d->cow_watches) || u64(l, "open", &d->cow_open) ||
	       u64(l, "unwatched", &d->cow_unwatched) ||
	       u64(l, "ring", &d->cow_ring) || u64(l, "total", &d->cow_total) ? -1 : 0;
}

static int parse_cow(struct line *l, struct fs_doc *d)
{
	struct fs_cow *c = GROW(l, d->cows, d->ncows);

	str(l, "end", c->end, sizeof(c->end));
	str(l, "comm", c->comm, sizeof(c->comm));
	return u64(l, "id", &c->id) || u64(l, "time_ns", &c->time_ns) ||
	       s64(l, "pid", &c->pid) || s64(l, "tgid", &c->tgid) ||
	       s64(l, "child", &c->child) || u64(l, "window_ns", &c->window_ns) ||
	       u64(l, "fork_ns", &c->fork_ns) || u64(l, "cgroup", &c->cgroup) ||
	       parse_cow_side(l, "", &c->side[FS_COW_PARENT]) ||
	       parse_cow_side(l, "child_", &c->side[FS_COW_CHILD]) ? -1 : 0;
}

static int parse_sockmode(struct line *l, struct fs_doc *d)
{
	int p = 0, r = lookup(l, "path", fs_path_names, FS_NR_PATHS, &p);

	if (r)
		return r < 0 ? r : 0;
	return u64(l, "clears", &d->sock_clears[p]) ||
	       u64(l, "sets", &d->sock_sets[p]) ? -1 : 0;
}

static int parse_sock(struct line *l, struct fs_sock *s)
{
	str(l, "local", s->local, sizeof(s->local));
	str(l, "remote", s->remote, sizeof(s->remote));
	str(l, "sun_path", s->sun_path, sizeof(s->sun_path));
	return u64(l, "ino", &s->ino) || u64(l, "family", &s->family) ||
	       u64(l, "type", &s->type) || u64(l, "protocol", &s->protocol) ? -1 : 0;
}

static int parse_change(struct line *l, struct fs_clear **arr, size_t *n)
{
	struct fs_clear *c = GROW(l, *arr, *n);
	int r = lookup(l, "path", fs_path_names, FS_NR_PATHS, &c->path);

	if (r) {
		(*n)--;
		return r < 0 ? r : 0;
	}
	str(l, "comm", c->comm, sizeof(c->comm));
	return u64(l, "time_ns", &c->time_ns) || s64(l, "pid", &c->pid) ||
	       s64(l, "tgid", &c->tgid) || s64(l, "fd", &c->fd) ||
	       u64(l, "cgroup", &c->cgroup) || u64(l, "stack", &c->stack) ||
	       parse_sock(l, &c->sock) ? -1 : 0;
}

static int parse_sockclear(struct line *l, struct fs_doc *d)
{
	return parse_change(l, &d->clears, &d->nclears);
}

static int parse_sockset(struct line *l, struct fs_doc *d)
{
	return parse_change(l, &d->sets, &d->nsets);
}

static int parse_socksetcfg(struct line *l, struct fs_doc *d)
{
	return u64(l, "total", &d->sockset_total);
}

static int parse_ustackcfg(struct line *l, struct fs_doc *d)
{
	d->has_ufiles = get(l, "files_named") != NULL;
	return u64(l, "ring", &d->ustack_ring) || u64(l, "taken", &d->ustack_taken) ||
	       u64(l, "lost", &d->ustack_lost) ||
	       (d->has_ufiles && (u64(l, "files_named", &d->ufiles_named) ||
				  u64(l, "files_read", &d->ufiles_read))) ? -1 : 0;
}

/*
 * The chain of that id, added if new: its ustack, ufile and uframe lines
 * may come in any order (the newest line is the likeliest).
 */
static struct fs_ustack *ustack_id(struct line *l, struct fs_doc *d, uint64_t id)
{
	struct fs_ustack *u;
	size_t i;

	for (i = d->nustacks; i-- > 0;)
		if (d->ustacks[i].id == id)
			return &d->ustacks[i];
	u = grow((void **)&d->ustacks, &d->nustacks, sizeof(*u));
	if (!u) {
		fail(l, "out of memory");
		return NULL;
	}
	u->id = id;
	return u;
}

static int parse_ustack(struct line *l, struct fs_doc *d)
{
	struct fs_ustack *u;
	uint64_t id;

	if (u64(l, "id", &id))
		return -1;
	u = ustack_id(l, d, id);
	if (!u)
		return -1;
	str(l, "end", u->end, sizeof(u->end));
	str(l, "mm", u->mm, sizeof(u->mm));
	return 0;
}

/* The chain a ufile or uframe line belongs to, and its n= below max. */
static struct fs_ustack *ustack_of(struct line *l, struct fs_doc *d, uint64_t *n,
				   size_t max)
{
	uint64_t id;

	if (u64(l, "stack", &id) || u64(l, "n", n))
		return NULL;
	if (*n >= max) {
		fail(l, "%s n=%llu: expected under %zu", l->type, (unsigned long long)*n, max);
		return NULL;
	}
	return ustack_id(l, d, id);
}

static int parse_ufile(struct line *l, struct fs_doc *d)
{
	struct fs_ustack *u;
	struct fs_ufile *f;
	const char *dev;
	uint64_t n;

	u = ustack_of(l, d, &n, FORKSTAT_USTACK_FILES);
	if (!u)
		return -1;
	f = &u->files[n];
	if (n >= u->nfiles)
		u->nfiles = n + 1;
	dev = get(l, "dev");
	if (!dev || sscanf(dev, "%u:%u", &f->dev_major, &f->dev_minor) != 2)
		return fail(l, "ufile dev=: expected major:minor");
	str(l, "build_id", f->build_id, sizeof(f->build_id));
	str(l, "path", f->path, sizeof(f->path));
	return u64(l, "ino", &f->ino);
}

static int parse_uframe(struct line *l, struct fs_doc *d)
{
	struct fs_ustack *u;
	struct fs_uframe *f;
	int64_t file;
	uint64_t n;

	u = ustack_of(l, d, &n, FORKSTAT_USTACK_FRAMES);
	if (!u)
		return -1;
	f = &u->frames[n];
	if (n >= u->nframes)
		u->nframes = n + 1;
	str(l, "how", f->how, sizeof(f->how));
	if (s64(l, "file", &file) || u64(l, "addr", &f->addr) || u64(l, "off", &f->off))
		return -1;
	if (file >= FORKSTAT_USTACK_FILES)
		return fail(l, "uframe file=%lld: expected under %d", (long long)file,
			    FORKSTAT_USTACK_FILES);
	f->file = file < 0 ? -1 : (int)file;
	return 0;
}

static int parse_blockedthread(struct line *l, struct fs_doc *d)
{
	struct fs_blocked_thread *b = GROW(l, d->blocked, d->nblocked);

	str(l, "comm", b->comm, sizeof(b->comm));
	return s64(l, "pid", &b->pid) || s64(l, "tgid", &b->tgid) ||
	       s64(l, "fd", &b->fd) || parse_sock(l, &b->sock) ||
	       u64(l, "waited_ns", &b->waited_ns) ||
	       u64(l, "cleared_ns", &b->cleared_ns) || u64(l, "cgroup", &b->cgroup) ||
	       s64(l, "cleared_by", &b->cleared_by) ? -1 : 0;
}

/*
 * A "blocked" record is kept as a process row's blocked figures; a
 * process without a row of its own (threads started before the module,
 * no fork or clear since) gets one with them alone.
 */
static int parse_blocked(struct line *l, struct fs_doc *d)
{
	struct fs_proc *p = GROW(l, d->procs, d->nprocs);

	if (!get(l, "tgid"))
		return fail(l, "blocked without tgid=");
	str(l, "comm", p->comm, sizeof(p->comm));
	return s64(l, "tgid", &p->tgid) || s64(l, "threads", &p->threads) ||
	       u64(l, "cgroup", &p->cgroup) || u64(l, "blocked", &p->blocked_now) ||
	       u64(l, "on_cleared", &p->blocked_on_cleared) ||
	       u64(l, "longest_ns", &p->blocked_longest_ns) ? -1 : 0;
}

/* What forks were for (proc, procgone, spawnsum); absent from older modules. */
static int parse_spawn(struct line *l, struct fs_spawn *s)
{
	char key[32];
	int o;

	for (o = 0; o < FS_NR_OUTCOMES; o++) {
		snprintf(key, sizeof(key), "fork_%s", fs_outcome_names[o]);
		if (u64(l, key, &s->forks[o]))
			return -1;
		snprintf(key, sizeof(key), "vfork_%s", fs_outcome_names[o]);
		if (u64(l, key, &s->vforks[o]))
			return -1;
	}
	if (get(l, "vfork_wait_hist") && hist_key(l, "vfork_wait_hist", s->vfork_wait_hist))
		return -1;
	return u64(l, "exec_lag_ns", &s->exec_lag_ns) ||
	       u64(l, "exec_lag_max_ns", &s->exec_lag_max_ns) ||
	       u64(l, "spawn_fork_ns", &s->spawn_fork_ns) ||
	       u64(l, "spawn_stall_ns", &s->spawn_stall_ns) ||
	       u64(l, "spawn_cow_ns", &s->spawn_cow_ns) ||
	       u64(l, "fork_rss_kb", &s->fork_rss_kb) ||
	       u64(l, "vfork_waits", &s->vfork_waits) ||
	       u64(l, "vfork_wait_ns", &s->vfork_wait_ns) ||
	       u64(l, "vfork_wait_max_ns", &s->vfork_wait_max_ns) ? -1 : 0;
}

static int parse_spawnsum(struct line *l, struct fs_doc *d)
{
	d->has_spawn = 1;
	return parse_spawn(l, &d->spawn_sum);
}

static int parse_spawncfg(struct line *l, struct fs_doc *d)
{
	return u64(l, "window_s", &d->spawn_window_s) ||
	       u64(l, "watches", &d->spawn_watches) ||
	       u64(l, "open", &d->spawn_open) ||
	       u64(l, "unfollowed", &d->spawn_unfollowed) ||
	       u64(l, "vfork_unfollowed", &d->vfork_unfollowed) ? -1 : 0;
}

/* What a proc row and a procgone record both count. */
static int parse_row_figures(struct line *l, struct fs_proc *p)
{
	int f;

	for (f = 0; f < FS_NR_FLAVOURS; f++)
		if (u64(l, fs_flavour_names[f], &p->n[f]))
			return -1;
	return u64(l, "errors", &p->errors) || u64(l, "sum_ns", &p->sum_ns) ||
	       u64(l, "max_ns", &p->max_ns) || u64(l, "ptcopy_ns", &p->ptcopy_ns) ||
	       u64(l, "max_rss_kb", &p->max_rss_kb) || u64(l, "cgroup", &p->cgroup) ||
	       u64(l, "stall_waits", &p->stall.waits) ||
	       u64(l, "stall_ns", &p->stall.ns) ||
	       u64(l, "stall_max_ns", &p->stall.max_ns) ||
	       parse_cow_side(l, "cow_", &p->cow[FS_COW_PARENT]) ||
	       parse_cow_side(l, "child_cow_", &p->cow[FS_COW_CHILD]) ||
	       u64(l, "sock_clears", &p->sock_clears) ||
	       u64(l, "sock_sets", &p->sock_sets) ||
	       u64(l, "last_clear_ns", &p->last_clear_ns) ||
	       parse_spawn(l, &p->spawn) ? -1 : 0;
}

/* A spawner's mean freeze, if every one of its vforks exec'd. */
static void note_spawner(struct fs_doc *d, const struct fs_spawn *s)
{
	uint64_t mean;

	if (!s->vfork_waits || !s->vforks[FS_OUT_EXEC] || s->vforks[FS_OUT_EXIT])
		return;
	mean = s->vfork_wait_ns / s->vfork_waits;
	if (mean && (!d->spawn_least_ns || mean < d->spawn_least_ns))
		d->spawn_least_ns = mean;
}

static int parse_proc(struct line *l, struct fs_doc *d)
{
	struct fs_proc *p = GROW(l, d->procs, d->nprocs);

	if (!get(l, "tgid"))
		return fail(l, "proc without tgid=");
	p->has_row = 1;
	str(l, "comm", p->comm, sizeof(p->comm));
	if (s64(l, "tgid", &p->tgid) || s64(l, "threads", &p->threads) ||
	    parse_row_figures(l, p))
		return -1;
	note_spawner(d, &p->spawn);
	return 0;
}

static int parse_procgone(struct line *l, struct fs_doc *d)
{
	struct fs_proc *p = GROW(l, d->gone, d->ngone);

	return u64(l, "rows", &p->evicted_rows) || u64(l, "oom_kills", &p->oom_kills) ||
	       parse_row_figures(l, p) ? -1 : 0;
}

static int cmp_tgid(const void *a, const void *b)
{
	const struct fs_proc *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return y->has_row - x->has_row;	/* the row first */
}

/*
 * Folds each process's "blocked" entry into its row: sorted by tgid, a
 * blocked entry follows its row. Rows end up in tgid order.
 */
static void join_blocked(struct fs_doc *d)
{
	size_t i, o = 0;

	if (d->nprocs)
		qsort(d->procs, d->nprocs, sizeof(*d->procs), cmp_tgid);
	for (i = 0; i < d->nprocs; i++) {
		struct fs_proc *p = &d->procs[i];

		if (o && !p->has_row && d->procs[o - 1].tgid == p->tgid &&
		    d->procs[o - 1].has_row) {
			struct fs_proc *row = &d->procs[o - 1];

			row->blocked_now = p->blocked_now;
			row->blocked_on_cleared = p->blocked_on_cleared;
			row->blocked_longest_ns = p->blocked_longest_ns;
			continue;
		}
		d->procs[o++] = *p;
	}
	d->nprocs = o;
}

static int parse_reader(struct line *l, struct fs_doc *d)
{
	str(l, "sees", d->sees, sizeof(d->sees));
	str(l, "totals", d->totals, sizeof(d->totals));
	return u64(l, "access", &d->access) || u64(l, "pidns_level", &d->pidns_level);
}

static int parse_method(struct line *l, struct fs_doc *d)
{
	str(l, "latency", d->latency_method, sizeof(d->latency_method));
	str(l, "ptcopy", d->ptcopy_method, sizeof(d->ptcopy_method));
	str(l, "mmdup", d->mmdup_method, sizeof(d->mmdup_method));
	return 0;
}

static int parse_sockmethod(struct line *l, struct fs_doc *d)
{
	str(l, "fcntl", d->sock_fcntl_method, sizeof(d->sock_fcntl_method));
	str(l, "ioctl", d->sock_ioctl_method, sizeof(d->sock_ioctl_method));
	str(l, "blocked", d->sock_blocked_method, sizeof(d->sock_blocked_method));
	return 0;
}

static int parse_health(struct line *l, struct fs_doc *d)
{
	return u64(l, "untracked", &d->untracked) || u64(l, "unmatched", &d->unmatched);
}

static int parse_slowcfg(struct line *l, struct fs_doc *d)
{
	return u64(l, "slow_us", &d->slow_us) || u64(l, "ring", &d->slow_ring) ||
	       u64(l, "total", &d->slow_total);
}

static int parse_sockhealth(struct line *l, struct fs_doc *d)
{
	return u64(l, "untracked", &d->sock_untracked);
}

static int parse_clearedcfg(struct line *l, struct fs_doc *d)
{
	return u64(l, "max", &d->cleared_max) || u64(l, "used", &d->cleared_used) ||
	       u64(l, "evicted", &d->cleared_evicted);
}

static int parse_sockcfg(struct line *l, struct fs_doc *d)
{
	return u64(l, "ring", &d->sock_ring) || u64(l, "total", &d->sock_total);
}

static int parse_blockedscan(struct line *l, struct fs_doc *d)
{
	return u64(l, "threads", &d->scan_threads) || u64(l, "blocked", &d->scan_blocked) ||
	       u64(l, "listed", &d->scan_listed) || u64(l, "list", &d->scan_list) ||
	       u64(l, "scan_ns", &d->scan_ns);
}

static int parse_procs(struct line *l, struct fs_doc *d)
{
	return u64(l, "max", &d->procs_max) || u64(l, "dropped", &d->procs_dropped) ||
	       u64(l, "evicted", &d->procs_evicted) || u64(l, "gone_cgroups", &d->gone_cgroups) ||
	       u64(l, "gone_cgroups_max", &d->gone_cgroups_max) ||
	       u64(l, "gone_cgroups_swept", &d->gone_cgroups_swept);
}

static int parse_oomcfg(struct line *l, struct fs_doc *d)
{
	return u64(l, "ring", &d->oom_ring) || u64(l, "calls", &d->oom_calls) ||
	       u64(l, "recorded", &d->oom_recorded) || u64(l, "kills", &d->oom_kills) ||
	       u64(l, "waited", &d->oom_waited) || u64(l, "settled", &d->oom_settled) ||
	       u64(l, "lost", &d->oom_lost);
}

static int parse_oom(struct line *l, struct fs_doc *d)
{
	struct fs_oom *o = GROW(l, d->ooms, d->nooms);

	str(l, "result", o->result, sizeof(o->result));
	str(l, "constraint", o->constraint, sizeof(o->constraint));
	str(l, "comm", o->comm, sizeof(o->comm));
	return u64(l, "id", &o->id) || u64(l, "time_ns", &o->time_ns) ||
	       u64(l, "memcg", &o->memcg) || u64(l, "limit_kb", &o->limit_kb) ||
	       u64(l, "usage_kb", &o->usage_kb) || u64(l, "gfp", &o->gfp) ||
	       s64(l, "order", &o->order) || u64(l, "domain_kb", &o->domain_kb) ||
	       s64(l, "pid", &o->pid) || s64(l, "tgid", &o->tgid) ||
	       u64(l, "cgroup", &o->cgroup) || u64(l, "kills", &o->kills) ||
	       u64(l, "victims", &o->victims) || u64(l, "repeats", &o->repeats) ||
	       u64(l, "last_ns", &o->last_ns) || u64(l, "stack", &o->stack) ? -1 : 0;
}

/* The record oom= names: the last one read, which its lines follow. */
static struct fs_oom *oom_of(struct line *l, struct fs_doc *d)
{
	uint64_t id;

	if (u64(l, "oom", &id))
		return NULL;
	if (!d->nooms || d->ooms[d->nooms - 1].id != id) {
		fail(l, "%s oom=%llu: not after its oom record", l->type, (unsigned long long)id);
		return NULL;
	}
	return &d->ooms[d->nooms - 1];
}

/* The victim of that record with the line's tgid=. */
static struct fs_oom_victim *oom_victim_of(struct line *l, struct fs_doc *d)
{
	struct fs_oom *o = oom_of(l, d);
	int64_t tgid;
	size_t i;

	if (!o || s64(l, "tgid", &tgid))
		return NULL;
	for (i = 0; i < o->nvictims; i++)
		if (o->victim[i].tgid == tgid)
			return &o->victim[i];
	fail(l, "%s tgid=%lld: not a victim of oom %llu", l->type, (long long)tgid,
	     (unsigned long long)o->id);
	return NULL;
}

static int parse_oomvictim(struct line *l, struct fs_doc *d)
{
	struct fs_oom *o = oom_of(l, d);
	struct fs_oom_victim *v;

	if (!o)
		return -1;
	if (o->nvictims == FORKSTAT_OOM_VICTIMS)
		return fail(l, "more than %d victims of oom %llu", FORKSTAT_OOM_VICTIMS,
			    (unsigned long long)o->id);
	v = &o->victim[o->nvictims++];
	str(l, "comm", v->comm, sizeof(v->comm));
	return s64(l, "pid", &v->pid) || s64(l, "tgid", &v->tgid) ||
	       u64(l, "killed", &v->killed) || u64(l, "chosen", &v->chosen) ||
	       s64(l, "points", &v->points) || s64(l, "oom_score_adj", &v->score_adj) ||
	       u64(l, "cgroup", &v->cgroup) || u64(l, "total_vm_kb", &v->total_vm_kb) ||
	       u64(l, "anon_kb", &v->anon_kb) || u64(l, "file_kb", &v->file_kb) ||
	       u64(l, "shmem_kb", &v->shmem_kb) || u64(l, "swap_kb", &v->swap_kb) ||
	       u64(l, "pgtables_kb", &v->pgtables_kb) ? -1 : 0;
}

static int parse_oomregions(struct line *l, struct fs_doc *d)
{
	struct fs_oom_victim *v = oom_victim_of(l, d);

	if (!v)
		return -1;
	v->has_regions = 1;
	str(l, "walk", v->walk, sizeof(v->walk));
	return u64(l, "vmas", &v->vmas) || u64(l, "walk_ns", &v->walk_ns) ||
	       u64(l, "heap_kb", &v->heap_kb) || u64(l, "stack_kb", &v->stack_kb) ||
	       u64(l, "stacks", &v->stacks) || u64(l, "anon_kb", &v->other_anon_kb) ||
	       u64(l, "anon_vmas", &v->anon_vmas) || u64(l, "file_kb", &v->mapped_kb) ||
	       u64(l, "file_vmas", &v->file_vmas) ? -1 : 0;
}

/* n= of an oomanon or oomfile line: the next of its victim's list. */
static int oom_slot(struct line *l, size_t *count, size_t *slot)
{
	uint64_t n;

	if (u64(l, "n", &n))
		return -1;
	if (n != *count || n >= FORKSTAT_OOM_TOP)
		return fail(l, "%s n=%llu: expected %zu", l->type, (unsigned long long)n, *count);
	*slot = (*count)++;
	return 0;
}

static int parse_oomanon(struct line *l, struct fs_doc *d)
{
	struct fs_oom_victim *v = oom_victim_of(l, d);
	struct fs_oom_anon *a;
	size_t i = 0;

	if (!v || oom_slot(l, &v->nanon, &i))
		return -1;
	a = &v->anon[i];
	return u64(l, "start", &a->start) || u64(l, "end", &a->end) ||
	       u64(l, "rss_kb", &a->rss_kb) ? -1 : 0;
}

static int parse_oomfile(struct line *l, struct fs_doc *d)
{
	struct fs_oom_victim *v = oom_victim_of(l, d);
	struct fs_oom_file *f;
	const char *dev;
	size_t i = 0;

	if (!v || oom_slot(l, &v->nfiles, &i))
		return -1;
	f = &v->files[i];
	dev = get(l, "dev");
	if (!dev || sscanf(dev, "%u:%u", &f->dev_major, &f->dev_minor) != 2)
		return fail(l, "oomfile dev=: expected major:minor");
	str(l, "path", f->path, sizeof(f->path));
	return u64(l, "size_kb", &f->size_kb) || u64(l, "ino", &f->ino);
}

static int parse_oomcgroup(struct line *l, struct fs_doc *d)
{
	struct fs_oom *o = oom_of(l, d);

	if (!o)
		return -1;
	str(l, "path", o->memcg_path, sizeof(o->memcg_path));
	return 0;
}

static int second_header(struct line *l, struct fs_doc *d)
{
	(void)d;
	return fail(l, "a second header line");
}

/* Every record type this reader knows (docs/format.md). */
static const struct {
	const char *type;
	int (*parse)(struct line *l, struct fs_doc *d);
} records[] = {
	{ "forkstat", second_header },
	{ "reader", parse_reader },
	{ "probe", parse_probe },
	{ "method", parse_method },
	{ "sockmethod", parse_sockmethod },
	{ "health", parse_health },
	{ "flavour", parse_flavour },
	{ "fail", parse_fail },
	{ "hist", parse_hist },
	{ "hist2d", parse_hist2d },
	{ "slowcfg", parse_slowcfg },
	{ "slow", parse_slow },
	{ "stallcfg", parse_stallcfg },
	{ "cowsum", parse_cowsum },
	{ "cowcfg", parse_cowcfg },
	{ "cow", parse_cow },
	{ "spawncfg", parse_spawncfg },
	{ "spawnsum", parse_spawnsum },
	{ "sockmode", parse_sockmode },
	{ "sockhealth", parse_sockhealth },
	{ "clearedcfg", parse_clearedcfg },
	{ "sockcfg", parse_sockcfg },
	{ "sockclear", parse_sockclear },
	{ "socksetcfg", parse_socksetcfg },
	{ "sockset", parse_sockset },
	{ "ustackcfg", parse_ustackcfg },
	{ "ustack", parse_ustack },
	{ "ufile", parse_ufile },
	{ "uframe", parse_uframe },
	{ "oomcfg", parse_oomcfg },
	{ "oom", parse_oom },
	{ "oomcgroup", parse_oomcgroup },
	{ "oomvictim", parse_oomvictim },
	{ "oomregions", parse_oomregions },
	{ "oomanon", parse_oomanon },
	{ "oomfile", parse_oomfile },
	{ "blockedthread", parse_blockedthread },
	{ "blocked", parse_blocked },
	{ "blockedscan", parse_blockedscan },
	{ "procs", parse_procs },
	{ "proc", parse_proc },
	{ "procgone", parse_procgone },
};

static int parse_line(struct line *l, struct fs_doc *d)
{
	size_t i;

	for (i = 0; i < sizeof(records) / sizeof(records[0]); i++)
		if (strcmp(l->type, records[i].type) == 0)
			return records[i].parse(l, d);
	return 0;	/* a record type from a newer module */
}

/* The first line: the format this reader must know, and who wrote it. */
static int parse_header(struct line *l, struct fs_doc *d)
{
	uint64_t format;

	if (strcmp(l->type, "forkstat"))
		return fail(l, "expected the header 'forkstat format=...', got '%.40s'", l->type);
	if (u64(l, "format", &format))
		return -1;
	if (format > FORKSTAT_FORMAT)
		return fail(l, "format %llu, but this forkstatctl reads format %d: update forkstatctl",
			    (unsigned long long)format, FORKSTAT_FORMAT);
	if (format < FORKSTAT_FORMAT)
		return fail(l, "format %llu, from an older module than this forkstatctl reads (format %d): load the module it came with",
			    (unsigned long long)format, FORKSTAT_FORMAT);
	d->format = format;
	l->end_promised = get(l, "end") && strcmp(get(l, "end"), "0");
	str(l, "module", d->module, sizeof(d->module));
	str(l, "kernel", d->kernel, sizeof(d->kernel));
	d->page_bytes = FS_PAGE_DEFAULT;
	if (get(l, "page_size")) {
		if (u64(l, "page_size", &d->page_bytes))
			return -1;
		/* Every Linux architecture's: 4 KiB (x86) to 64 KiB (arm64, ppc64). */
		if (d->page_bytes < 4096 || d->page_bytes > 65536 ||
		    (d->page_bytes & (d->page_bytes - 1)))
			return fail(l, "page_size=%llu: expected a power of two from 4096 to 65536",
				    (unsigned long long)d->page_bytes);
	}
	return 0;
}

/* Splits a line (modified in place) into its type and key=value fields. */
static int split(struct line *l, char *s)
{
	char *tok, *save, *eq;

	l->n = 0;
	l->type = strtok_r(s, " ", &save);
	if (!l->type)
		return fail(l, "empty line");
	while ((tok = strtok_r(NULL, " ", &save))) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok)
			return fail(l, "expected key=value, got '%.40s'", tok);
		if (l->n == MAX_FIELDS)
			return fail(l, "more than %d fields", MAX_FIELDS);
		*eq = '\0';
		l->key[l->n] = tok;
		l->val[l->n++] = eq + 1;
	}
	return 0;
}

int fs_parse(const char *text, size_t len, struct fs_doc *doc,
	     char *err, size_t errlen)
{
	struct line l = { .err = err, .errlen = errlen };
	char *copy, *s, *nl;
	int ret = -1;

	memset(doc, 0, sizeof(*doc));
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "not a text file (holds a NUL byte)");
		return -1;
	}
	if (len >= FORKSTAT_DOC_MAX) {
		snprintf(err, errlen, "larger than %lu MiB: the module writes no such document",
			 FORKSTAT_DOC_MAX >> 20);
		return -1;
	}
	copy = malloc(len + 1);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';

	for (s = copy; *s; s = nl + 1) {
		l.no++;
		nl = strchr(s, '\n');
		if (!nl) {
			fail(&l, "the file ends in the middle of this line (truncated?)");
			goto out;
		}
		*nl = '\0';
		if (nl > s && nl[-1] == '\r')
			nl[-1] = '\0';	/* a copy that passed through CRLF tools */
		if (split(&l, s))
			goto out;
		if (l.end_seen) {
			fail(&l, "a line after the end line");
			goto out;
		}
		if (l.no > 1 && !strcmp(l.type, "end")) {
			l.end_seen = 1;
			continue;
		}
		if (l.no == 1 ? parse_header(&l, doc) : parse_line(&l, doc))
			goto out;
	}
	if (l.no == 0) {
		snprintf(err, errlen, "empty file");
	} else if (l.end_promised && !l.end_seen) {
		snprintf(err, errlen, "line %d: the document was cut short (no end line after it)",
			 l.no);
	} else {
		join_blocked(doc);
		ret = 0;
	}
out:
	free(copy);
	if (ret)
		fs_free(doc);
	return ret;
}

void fs_free(struct fs_doc *doc)
{
	free(doc->probes);
	free(doc->fails);
	free(doc->slow);
	free(doc->cows);
	free(doc->clears);
	free(doc->sets);
	free(doc->blocked);
	free(doc->procs);
	free(doc->gone);
	free(doc->ustacks);
	free(doc->ooms);
	memset(doc, 0, sizeof(*doc));
}

const struct fs_ufile *fs_uframe_file(const struct fs_ustack *u, size_t n)
{
	int file = u->frames[n].file;

	return file >= 0 && (size_t)file < u->nfiles ? &u->files[file] : NULL;
}

const struct fs_ustack *fs_ustack(const struct fs_doc *d, uint64_t id)
{
	size_t i;

	for (i = 0; id && i < d->nustacks; i++)
		if (d->ustacks[i].id == id)
			return &d->ustacks[i];
	return NULL;
}

/*
 * Whether the bytes read so far already show that this is no document:
 * a NUL byte in the new ones, or a start other than the header's.
 */
static int not_a_document(const char *buf, size_t from, size_t n)
{
	static const char head[] = "forkstat ";
	size_t h = n < sizeof(head) - 1 ? n : sizeof(head) - 1;

	return memchr(buf + from, '\0', n - from) || memcmp(buf, head, h);
}

char *fs_read_file(const char *path, size_t *len)
{
	size_t size = 65536, n = 0;
	char *buf = malloc(size), *p;
	ssize_t r;
	int fd, err;

	if (!buf)
		return NULL;
	fd = strcmp(path, "-") ? open(path, O_RDONLY) : dup(STDIN_FILENO);
	if (fd < 0)
		goto fail;
	while (n < FORKSTAT_DOC_MAX) {
		if (n == size) {
			size = size * 2 < FORKSTAT_DOC_MAX ? size * 2 : FORKSTAT_DOC_MAX;
			p = realloc(buf, size);
			if (!p)
				goto fail;
			buf = p;
		}
		r = read(fd, buf + n, size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += r;
		if (not_a_document(buf, n - r, n))
			break;	/* fs_parse says why */
	}
	close(fd);
	*len = n;
	return buf;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = err;
	return NULL;
}
