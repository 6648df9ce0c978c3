// SPDX-License-Identifier: GPL-2.0
/*
 * --json: the snapshot as one JSON document (docs/cli.md lists its
 * keys). Integers are integers, a percentile of nothing is null, every
 * histogram carries its bucket bounds, and text from processes is valid
 * UTF-8 with its raw bytes kept (jw_str).
 */
#include "jsonw.h"
#include "symbolize.h"
#include "render.h"

/* bpftrace's form: the buckets in use, each {"min","max","count"} in us. */
static void latency_buckets(struct jw *j, const char *key, const uint64_t *counts)
{
	int i;

	jw_arr(j, key);
	for (i = 0; i < FS_LAT_BUCKETS; i++) {
		if (!counts[i])
			continue;
		jw_obj(j, NULL);
		jw_u64(j, "min_us", FORKSTAT_LAT_MIN_US(i));
		if (i == FS_LAT_BUCKETS - 1)
			jw_null(j, "max_us");
		else
			jw_u64(j, "max_us", FORKSTAT_LAT_END_US(i) - 1);
		jw_u64(j, "count", counts[i]);
		jw_end(j);
	}
	jw_end(j);
}

static void percentile(struct jw *j, const char *key, const uint64_t *h, double p,
		       uint64_t max_ns)
{
	if (hist_total(h, FS_LAT_BUCKETS))
		jw_u64(j, key, hist_percentile_ns(h, p, max_ns));
	else
		jw_null(j, key);
}

static void cgroup(struct jw *j, uint64_t id)
{
	char buf[32];
	const char *path = render_cgroup(id, buf, sizeof(buf));

	jw_u64(j, "cgroup", id);
	if (path == buf)
		jw_null(j, "cgroup_path");
	else
		jw_str(j, "cgroup_path", path);
}

static void sock(struct jw *j, const struct fs_sock *s)
{
	jw_u64(j, "ino", s->ino);
	jw_u64(j, "family", s->family);
	jw_u64(j, "type", s->type);
	jw_u64(j, "protocol", s->protocol);
	jw_str(j, "local", s->local);
	jw_str(j, "remote", s->remote);
	jw_str(j, "sun_path", s->sun_path);
}

static void head(struct jw *j, const struct fs_doc *d, uint64_t now_ns)
{
	size_t i;

	jw_i64(j, "format", d->format);
	jw_u64(j, "time_ns", now_ns);
	jw_str(j, "module", d->module);
	jw_str(j, "kernel", d->kernel);
	jw_obj(j, "reader");
	jw_u64(j, "access", d->access);
	jw_str(j, "sees", d->sees);
	jw_u64(j, "pidns_level", d->pidns_level);
	jw_str(j, "totals", d->totals);
	jw_end(j);
	jw_arr(j, "probes");
	for (i = 0; i < d->nprobes; i++) {
		jw_obj(j, NULL);
		jw_str(j, "symbol", d->probes[i].symbol);
		jw_str(j, "kind", d->probes[i].kind);
		jw_str(j, "state", d->probes[i].state);
		jw_i64(j, "error", d->probes[i].error);
		jw_u64(j, "hits", d->probes[i].hits);
		jw_u64(j, "nmissed", d->probes[i].nmissed);
		jw_end(j);
	}
	jw_end(j);
	jw_obj(j, "methods");
	jw_str(j, "latency", d->latency_method);
	jw_str(j, "ptcopy", d->ptcopy_method);
	jw_str(j, "mmdup", d->mmdup_method);
	jw_str(j, "sock_fcntl", d->sock_fcntl_method);
	jw_str(j, "sock_ioctl", d->sock_ioctl_method);
	jw_str(j, "sock_blocked", d->sock_blocked_method);
	jw_end(j);
	jw_obj(j, "health");
	jw_u64(j, "untracked", d->untracked);
	jw_u64(j, "unmatched", d->unmatched);
	jw_u64(j, "sock_untracked", d->sock_untracked);
	jw_u64(j, "stall_unwatched", d->stall_unwatched);
	jw_end(j);
	jw_obj(j, "stall");
	jw_u64(j, "waits", d->stall_sum.waits);
	jw_u64(j, "ns", d->stall_sum.ns);
	jw_end(j);
}

static void flavours(struct jw *j, const struct fs_doc *d)
{
	int f;

	jw_obj(j, "flavours");
	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		const struct fs_flav *fl = &d->flav[f];

		jw_obj(j, fs_flavour_names[f]);
		jw_u64(j, "count", fl->count);
		jw_u64(j, "errors", fl->errors);
		jw_u64(j, "sum_ns", fl->sum_ns);
		jw_u64(j, "max_ns", fl->max_ns);
		jw_u64(j, "ptcopy_sum_ns", fl->ptcopy_sum_ns);
		jw_u64(j, "ptcopy_max_ns", fl->ptcopy_max_ns);
		jw_u64(j, "ptcopy_vmas", fl->ptcopy_vmas);
		jw_u64(j, "mmdup_sum_ns", fl->mmdup_sum_ns);
		percentile(j, "p50_ns", fl->hist, 0.5, fl->max_ns);
		percentile(j, "p99_ns", fl->hist, 0.99, fl->max_ns);
		jw_u64s(j, "latency_log2_us", fl->hist, FS_LAT_BUCKETS);
		latency_buckets(j, "latency_buckets", fl->hist);
		jw_end(j);
	}
	jw_end(j);
	jw_arr(j, "failures");
	for (f = 0; f < (int)d->nfails; f++) {
		jw_obj(j, NULL);
		jw_str(j, "flavour", fs_flavour_names[d->fails[f].flavour]);
		jw_str(j, "errno", d->fails[f].errno_str);
		jw_u64(j, "count", d->fails[f].count);
		jw_end(j);
	}
	jw_end(j);
}

/* One map's rows in use: {"flavour","rss_bucket","counts","buckets"}. */
static void hist2d_rows(struct jw *j, const char *flavour,
			const uint64_t (*h)[FS_LAT_BUCKETS])
{
	int r;

	for (r = 0; r < FS_RSS_BUCKETS; r++) {
		if (!hist_total(h[r], FS_LAT_BUCKETS))
			continue;
		jw_obj(j, NULL);
		jw_str(j, "flavour", flavour);
		jw_i64(j, "rss_bucket", r);
		jw_u64(j, "rss_min_mib", FORKSTAT_RSS_MIN_MIB(r));
		if (r == FS_RSS_BUCKETS - 1)
			jw_null(j, "rss_end_mib");
		else
			jw_u64(j, "rss_end_mib", FORKSTAT_RSS_END_MIB(r));	/* exclusive */
		jw_u64s(j, "counts", h[r], FS_LAT_BUCKETS);
		latency_buckets(j, "buckets", h[r]);
		jw_end(j);
	}
}

static void maps(struct jw *j, const struct fs_doc *d)
{
	int f;

	jw_arr(j, "latency_by_rss");
	for (f = 0; f < FS_SIZED_FLAVOURS; f++)
		hist2d_rows(j, fs_flavour_names[f],
			    (const uint64_t (*)[FS_LAT_BUCKETS])d->lat_by_rss[f]);
	jw_end(j);
	jw_arr(j, "ptcopy_by_rss");
	hist2d_rows(j, "fork", (const uint64_t (*)[FS_LAT_BUCKETS])d->ptcopy_by_rss);
	jw_end(j);
}

static void stall(struct jw *j, const struct fs_stall *s)
{
	jw_obj(j, "stall");
	jw_u64(j, "waits", s->waits);
	jw_u64(j, "ns", s->ns);
	jw_u64(j, "max_ns", s->max_ns);
	jw_end(j);
}

static void cow_sides(struct jw *j, const struct fs_doc *d, const struct fs_cow_side *s)
{
	static const char *const names[FS_COW_SIDES] = { "parent", "child" };
	int i;

	jw_obj(j, "cow");
	for (i = 0; i < FS_COW_SIDES; i++) {
		jw_obj(j, names[i]);
		jw_u64(j, "faults", s[i].faults);
		jw_u64(j, "pages", s[i].pages);
		jw_u64(j, "bytes", fs_pages_bytes(d, s[i].pages));
		jw_u64(j, "ns", s[i].ns);
		jw_end(j);
	}
	jw_end(j);
}

/* The keys of one fork bill, in the object open. */
static void cow_event(struct jw *j, const struct fs_doc *d, const struct fs_cow *c)
{
	jw_u64(j, "id", c->id);
	jw_u64(j, "time_ns", c->time_ns);
	jw_i64(j, "pid", c->pid);
	jw_i64(j, "tgid", c->tgid);
	jw_i64(j, "child", c->child);
	jw_str(j, "end", c->end);
	jw_u64(j, "window_ns", c->window_ns);
	jw_u64(j, "fork_ns", c->fork_ns);
	cow_sides(j, d, c->side);
	cgroup(j, c->cgroup);
	jw_str(j, "comm", c->comm);
}

/* What forks were for (a process's, or the host's sums). */
static void spawn(struct jw *j, const struct fs_spawn *s)
{
	int o;

	jw_obj(j, "spawn");
	jw_obj(j, "fork");
	for (o = 0; o < FS_NR_OUTCOMES; o++)
		jw_u64(j, fs_outcome_names[o], s->forks[o]);
	jw_u64(j, "exec_lag_ns", s->exec_lag_ns);
	jw_u64(j, "exec_lag_max_ns", s->exec_lag_max_ns);
	jw_u64(j, "spawn_fork_ns", s->spawn_fork_ns);
	jw_u64(j, "spawn_stall_ns", s->spawn_stall_ns);
	jw_u64(j, "spawn_cow_ns", s->spawn_cow_ns);
	jw_u64(j, "rss_kb", s->fork_rss_kb);
	jw_end(j);
	jw_obj(j, "vfork");
	for (o = 0; o < FS_NR_OUTCOMES; o++)
		jw_u64(j, fs_outcome_names[o], s->vforks[o]);
	jw_u64(j, "waits", s->vfork_waits);
	jw_u64(j, "wait_ns", s->vfork_wait_ns);
	jw_u64(j, "wait_max_ns", s->vfork_wait_max_ns);
	latency_buckets(j, "wait_buckets", s->vfork_wait_hist);
	jw_end(j);
	jw_end(j);
}

static void spawns(struct jw *j, const struct fs_doc *d)
{
	if (!d->has_spawn)
		return;
	jw_obj(j, "spawns");
	jw_u64(j, "window_s", d->spawn_window_s);
	jw_u64(j, "watches", d->spawn_watches);
	jw_u64(j, "open", d->spawn_open);
	jw_u64(j, "unfollowed", d->spawn_unfollowed);
	jw_u64(j, "vfork_unfollowed", d->vfork_unfollowed);
	spawn(j, &d->spawn_sum);
	jw_end(j);
}

/* Copy-on-write bills of the forks whose windows closed. */
static void cows(struct jw *j, const struct fs_doc *d)
{
	size_t i;

	jw_obj(j, "cow");
	jw_u64(j, "window_s", d->cow_window_s);
	jw_u64(j, "min_mb", d->cow_min_mb);
	jw_u64(j, "watches", d->cow_watches);
	jw_u64(j, "open", d->cow_open);
	jw_u64(j, "unwatched", d->cow_unwatched);
	jw_u64(j, "forks", d->cow_forks);
	cow_sides(j, d, d->cow_sum);
	jw_u64(j, "ring", d->cow_ring);
	jw_u64(j, "total", d->cow_total);
	jw_arr(j, "events");
	for (i = 0; i < d->ncows; i++) {
		jw_obj(j, NULL);
		cow_event(j, d, &d->cows[i]);
		jw_end(j);
	}
	jw_end(j);
	jw_end(j);
}

/*
 * An event's user call chain: raw frames as the module recorded them,
 * each with the names found for it (innermost first, inlined calls
 * before their function), or null.
 */
static void chain(struct jw *j, struct symbolizer *sy, const struct fs_doc *d, uint64_t id)
{
	const struct fs_ustack *u = fs_ustack(d, id);
	struct sym_frame sf;
	size_t n;
	int k;

	if (!u) {
		jw_null(j, "stack");
		return;
	}
	jw_obj(j, "stack");
	jw_u64(j, "id", u->id);
	jw_str(j, "end", u->end);
	jw_str(j, "mm", u->mm);
	jw_arr(j, "frames");
	for (n = 0; n < u->nframes; n++) {
		const struct fs_uframe *f = &u->frames[n];
		const struct fs_ufile *uf = fs_uframe_file(u, n);

		jw_obj(j, NULL);
		jw_str(j, "how", f->how);
		jw_u64(j, "addr", f->addr);
		if (uf) {
			jw_str(j, "file", uf->path);
			jw_str(j, "build_id", uf->build_id);
			jw_u64(j, "ino", uf->ino);
			jw_u64(j, "off", f->off);
		}
		jw_arr(j, "functions");
		sym_frame(sy, u, n, &sf);
		for (k = 0; k < sf.n; k++)
			jw_str(j, NULL, sf.name[k]);
		jw_end(j);
		jw_arr(j, "sources");
		for (k = 0; k < sf.n; k++)
			jw_str(j, NULL, sf.src[k]);
		jw_end(j);
		if (sf.n)
			jw_u64(j, "function_off", sf.fn_off);
		else
			jw_str(j, "unnamed", sf.why);
		jw_end(j);
	}
	jw_end(j);
	jw_end(j);
}

/* The keys of one slow fork, in the object open. */
static void slow_event(struct jw *j, const struct fs_doc *d, struct symbolizer *sy,
		       const struct fs_slow *s)
{
	jw_u64(j, "id", s->id);
	jw_u64(j, "time_ns", s->time_ns);
	jw_i64(j, "pid", s->pid);
	jw_i64(j, "tgid", s->tgid);
	jw_i64(j, "child", s->child);
	jw_str(j, "flavour", fs_flavour_names[s->flavour]);
	jw_u64(j, "flags", s->flags);
	jw_u64(j, "rss_kb", s->rss_kb);
	jw_u64(j, "pgtables_kb", s->pgtables_kb);
	jw_u64(j, "vmas", s->vmas);
	jw_u64(j, "total_ns", s->total_ns);
	jw_u64(j, "ptcopy_ns", s->ptcopy_ns);
	jw_u64(j, "ptcopy_vmas", s->ptcopy_vmas);
	jw_u64(j, "mmdup_ns", s->mmdup_ns);
	stall(j, &s->stall);
	cgroup(j, s->cgroup);
	jw_str(j, "comm", s->comm);
	chain(j, sy, d, s->stack);
}

static void slow(struct jw *j, const struct fs_doc *d, struct symbolizer *sy)
{
	size_t i;

	jw_obj(j, "slow");
	jw_u64(j, "threshold_us", d->slow_us);
	jw_u64(j, "ring", d->slow_ring);
	jw_u64(j, "total", d->slow_total);
	jw_arr(j, "events");
	for (i = 0; i < d->nslow; i++) {
		jw_obj(j, NULL);
		slow_event(j, d, sy, &d->slow[i]);
		jw_end(j);
	}
	jw_end(j);
	jw_end(j);
}

static void changes(struct jw *j, struct symbolizer *sy, const struct fs_doc *d,
		    const char *key, const struct fs_clear *arr, size_t n);

static void sockets(struct jw *j, const struct fs_doc *d, struct symbolizer *sy)
{
	int f;

	jw_obj(j, "sockets");
	for (f = 0; f < FS_NR_PATHS; f++) {
		jw_obj(j, fs_path_names[f]);
		jw_u64(j, "clears", d->sock_clears[f]);
		jw_u64(j, "sets", d->sock_sets[f]);
		jw_end(j);
	}
	jw_u64(j, "ring", d->sock_ring);
	jw_u64(j, "total", d->sock_total);
	changes(j, sy, d, "clears", d->clears, d->nclears);
	jw_u64(j, "sets_total", d->sockset_total);
	changes(j, sy, d, "sets", d->sets, d->nsets);
	jw_end(j);
}

/* The keys of one clear, or set that undid one, in the object open. */
static void change_event(struct jw *j, struct symbolizer *sy, const struct fs_doc *d,
			 const struct fs_clear *c)
{
	jw_u64(j, "time_ns", c->time_ns);
	jw_i64(j, "pid", c->pid);
	jw_i64(j, "tgid", c->tgid);
	jw_i64(j, "fd", c->fd);
	jw_str(j, "path", fs_path_names[c->path]);
	sock(j, &c->sock);
	cgroup(j, c->cgroup);
	jw_str(j, "comm", c->comm);
	chain(j, sy, d, c->stack);
}

/* Clears, or sets that undid one: one object each, with its chain. */
static void changes(struct jw *j, struct symbolizer *sy, const struct fs_doc *d,
		    const char *key, const struct fs_clear *arr, size_t n)
{
	size_t i;

	jw_arr(j, key);
	for (i = 0; i < n; i++) {
		jw_obj(j, NULL);
		change_event(j, sy, d, &arr[i]);
		jw_end(j);
	}
	jw_end(j);
}

/* The snapshot's record kind i as one JSON Lines object, "type" first. */
void render_record_json(FILE *out, const struct fs_doc *d, struct symbolizer *sy,
			enum fs_record kind, size_t i)
{
	static const char *const types[] = { "fork", "bill", "clear", "set" };
	struct jw j;

	jw_init(&j, out);
	jw_obj(&j, NULL);
	jw_str(&j, "type", types[kind]);
	if (kind == FS_REC_SLOW)
		slow_event(&j, d, sy, &d->slow[i]);
	else if (kind == FS_REC_COW)
		cow_event(&j, d, &d->cows[i]);
	else
		change_event(&j, sy, d, kind == FS_REC_CLEAR ? &d->clears[i] : &d->sets[i]);
	jw_done(&j);
}

static void blocked(struct jw *j, const struct fs_doc *d)
{
	size_t i;

	jw_obj(j, "blocked");
	jw_u64(j, "threads_scanned", d->scan_threads);
	jw_u64(j, "blocked", d->scan_blocked);
	jw_u64(j, "listed", d->scan_listed);
	jw_u64(j, "list", d->scan_list);
	jw_u64(j, "scan_ns", d->scan_ns);
	jw_arr(j, "threads");
	for (i = 0; i < d->nblocked; i++) {
		const struct fs_blocked_thread *b = &d->blocked[i];

		jw_obj(j, NULL);
		jw_i64(j, "pid", b->pid);
		jw_i64(j, "tgid", b->tgid);
		jw_i64(j, "fd", b->fd);
		sock(j, &b->sock);
		jw_u64(j, "waited_ns", b->waited_ns);
		jw_u64(j, "cleared_ns", b->cleared_ns);
		jw_i64(j, "cleared_by", b->cleared_by);
		cgroup(j, b->cgroup);
		jw_str(j, "comm", b->comm);
		jw_end(j);
	}
	jw_end(j);
	jw_end(j);
}

static void procs(struct jw *j, const struct fs_doc *d)
{
	size_t i;
	int f;

	jw_obj(j, "procs");
	jw_u64(j, "max", d->procs_max);
	jw_u64(j, "dropped", d->procs_dropped);
	jw_u64(j, "evicted", d->procs_evicted);
	jw_u64(j, "gone_cgroups", d->gone_cgroups);
	jw_u64(j, "gone_cgroups_max", d->gone_cgroups_max);
	jw_u64(j, "gone_cgroups_swept", d->gone_cgroups_swept);
	jw_arr(j, "rows");
	for (i = 0; i < d->nprocs; i++) {
		const struct fs_proc *p = &d->procs[i];

		jw_obj(j, NULL);
		jw_i64(j, "tgid", p->tgid);
		jw_str(j, "comm", p->comm);
		for (f = 0; f < FS_KTHREAD; f++)
			jw_u64(j, fs_flavour_names[f], p->n[f]);
		jw_u64(j, "errors", p->errors);
		jw_u64(j, "sum_ns", p->sum_ns);
		jw_u64(j, "max_ns", p->max_ns);
		jw_u64(j, "ptcopy_ns", p->ptcopy_ns);
		jw_u64(j, "max_rss_kb", p->max_rss_kb);
		stall(j, &p->stall);
		cow_sides(j, d, p->cow);
		spawn(j, &p->spawn);
		jw_u64(j, "sock_clears", p->sock_clears);
		jw_u64(j, "sock_sets", p->sock_sets);
		jw_u64(j, "last_clear_ns", p->last_clear_ns);
		jw_u64(j, "blocked_now", p->blocked_now);
		jw_u64(j, "blocked_on_cleared", p->blocked_on_cleared);
		jw_u64(j, "blocked_longest_ns", p->blocked_longest_ns);
		jw_i64(j, "threads", p->threads);
		cgroup(j, p->cgroup);
		jw_end(j);
	}
	jw_end(j);
	jw_end(j);
}

static void oom_victim(struct jw *j, const struct fs_oom_victim *v)
{
	size_t i;

	jw_obj(j, NULL);
	jw_i64(j, "pid", v->pid);
	jw_i64(j, "tgid", v->tgid);
	jw_str(j, "comm", v->comm);
	cgroup(j, v->cgroup);
	jw_u64(j, "killed", v->killed);
	jw_u64(j, "chosen", v->chosen);
	jw_i64(j, "points", v->points);
	jw_i64(j, "oom_score_adj", v->score_adj);
	jw_u64(j, "total_vm_kb", v->total_vm_kb);
	jw_u64(j, "anon_kb", v->anon_kb);
	jw_u64(j, "file_kb", v->file_kb);
	jw_u64(j, "shmem_kb", v->shmem_kb);
	jw_u64(j, "swap_kb", v->swap_kb);
	jw_u64(j, "pgtables_kb", v->pgtables_kb);
	if (!v->has_regions) {
		jw_null(j, "regions");
		jw_end(j);
		return;
	}
	jw_obj(j, "regions");
	jw_str(j, "walk", v->walk);
	jw_u64(j, "vmas", v->vmas);
	jw_u64(j, "walk_ns", v->walk_ns);
	jw_u64(j, "heap_kb", v->heap_kb);
	jw_u64(j, "stack_kb", v->stack_kb);
	jw_u64(j, "stacks", v->stacks);
	jw_u64(j, "other_anon_kb", v->other_anon_kb);
	jw_u64(j, "anon_vmas", v->anon_vmas);
	jw_u64(j, "file_mapped_kb", v->mapped_kb);
	jw_u64(j, "file_vmas", v->file_vmas);
	jw_arr(j, "largest_anon");
	for (i = 0; i < v->nanon; i++) {
		jw_obj(j, NULL);
		jw_u64(j, "start", v->anon[i].start);
		jw_u64(j, "end", v->anon[i].end);
		jw_u64(j, "rss_kb", v->anon[i].rss_kb);
		jw_end(j);
	}
	jw_end(j);
	jw_arr(j, "largest_files");
	for (i = 0; i < v->nfiles; i++) {
		jw_obj(j, NULL);
		jw_str(j, "path", v->files[i].path);
		jw_u64(j, "ino", v->files[i].ino);
		jw_u64(j, "size_kb", v->files[i].size_kb);
		jw_end(j);
	}
	jw_end(j);
	jw_end(j);
	jw_end(j);
}

/* The OOM killer's calls kept: what ran out, the trigger, the victims. */
static void ooms(struct jw *j, const struct fs_doc *d, struct symbolizer *sy)
{
	size_t i, v;

	jw_obj(j, "oom");
	jw_u64(j, "ring", d->oom_ring);
	jw_u64(j, "calls", d->oom_calls);
	jw_u64(j, "kills", d->oom_kills);
	jw_u64(j, "waited", d->oom_waited);
	jw_u64(j, "settled", d->oom_settled);
	jw_u64(j, "recorded", d->oom_recorded);
	jw_u64(j, "lost", d->oom_lost);
	jw_arr(j, "records");
	for (i = 0; i < d->nooms; i++) {
		const struct fs_oom *o = &d->ooms[i];

		jw_obj(j, NULL);
		jw_u64(j, "id", o->id);
		jw_u64(j, "time_ns", o->time_ns);
		jw_str(j, "result", o->result);
		jw_u64(j, "repeats", o->repeats);
		jw_u64(j, "last_ns", o->last_ns);
		jw_str(j, "constraint", o->constraint);
		jw_u64(j, "memcg", o->memcg);
		if (o->memcg_path[0])
			jw_str(j, "memcg_path", o->memcg_path);
		else
			jw_null(j, "memcg_path");
		jw_u64(j, "limit_kb", o->limit_kb);
		jw_u64(j, "usage_kb", o->usage_kb);
		jw_u64(j, "gfp", o->gfp);
		jw_i64(j, "order", o->order);
		jw_u64(j, "domain_kb", o->domain_kb);
		jw_obj(j, "trigger");
		jw_i64(j, "pid", o->pid);
		jw_i64(j, "tgid", o->tgid);
		jw_str(j, "comm", o->comm);
		cgroup(j, o->cgroup);
		chain(j, sy, d, o->stack);
		jw_end(j);
		jw_u64(j, "kills", o->kills);
		jw_u64(j, "victims_marked", o->victims);
		jw_arr(j, "victims");
		for (v = 0; v < o->nvictims; v++)
			oom_victim(j, &o->victim[v]);
		jw_end(j);
		jw_end(j);
	}
	jw_end(j);
	jw_end(j);
}

void render_json(FILE *out, const struct fs_doc *d, uint64_t now_ns)
{
	struct symbolizer *sy = sym_new();
	struct jw j;

	jw_init(&j, out);
	jw_obj(&j, NULL);
	head(&j, d, now_ns);
	flavours(&j, d);
	maps(&j, d);
	slow(&j, d, sy);
	cows(&j, d);
	spawns(&j, d);
	sockets(&j, d, sy);
	blocked(&j, d);
	ooms(&j, d, sy);
	procs(&j, d);
	jw_done(&j);
	sym_free(sy);
}

/* hist --json with an interval: one line per interval. */
void render_interval_hist_json(FILE *out, const struct interval_hist *h)
{
	struct jw j;
	int f;

	jw_init(&j, out);
	jw_obj(&j, NULL);
	jw_u64(&j, "time_ns", h->now_ns);
	jw_double(&j, "interval_s", h->secs);
	jw_obj(&j, "flavours");
	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		jw_obj(&j, fs_flavour_names[f]);
		jw_u64(&j, "count", h->count[f]);
		percentile(&j, "p50_ns", h->hist[f], 0.5, h->max_ns[f]);
		percentile(&j, "p99_ns", h->hist[f], 0.99, h->max_ns[f]);
		latency_buckets(&j, "latency_buckets", h->hist[f]);
		jw_end(&j);
	}
	jw_done(&j);
}
