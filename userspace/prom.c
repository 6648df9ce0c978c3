// SPDX-License-Identifier: GPL-2.0
/*
 * --prometheus: the text format node_exporter's textfile collector
 * reads. Every label value goes through esc_prom_label (valid UTF-8,
 * escaped), so no process name can make the file unreadable. Series stay
 * bounded: per cgroup for the busiest --max-cgroups, the rest as
 * cgroup="other"; per process only with --per-process.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"

static void head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP forkstat_%s %s\n# TYPE forkstat_%s %s\n", name, help, name, type);
}

/* An unlabelled integer metric: its HELP, TYPE and value. */
static void metric_u64(FILE *out, const char *name, const char *type, const char *help,
		       uint64_t v)
{
	head(out, name, type, help);
	fprintf(out, "forkstat_%s %llu\n", name, (unsigned long long)v);
}

/* name{label="value"} v: one label, escaped. */
static void line1(FILE *out, const char *name, const char *label, const char *value,
		  const char *fmt, double v)
{
	fprintf(out, "forkstat_%s{%s=\"", name, label);
	esc_prom_label(out, value);
	fputs("\"} ", out);
	fprintf(out, fmt, v);
	fputc('\n', out);
}

static void up_and_info(FILE *out, const struct fs_doc *d)
{
	head(out, "up", "gauge",
	     "1 when /proc/forkstat was read, 0 when the module is not loaded or its file could not be read or parsed.");
	fprintf(out, "forkstat_up %d\n", d != NULL);
	head(out, "build_info", "gauge",
	     "The module, forkstatctl and kernel versions (module empty when not read); always 1.");
	fputs("forkstat_build_info{module=\"", out);
	esc_prom_label(out, d ? d->module : "");
	fputs("\",forkstatctl=\"" FORKSTATCTL_VERSION "\",kernel=\"", out);
	esc_prom_label(out, d ? d->kernel : "");
	if (d)
		fprintf(out, "\",format=\"%d\"} 1\n", d->format);
	else
		fputs("\",format=\"\"} 1\n", out);
}

static void probes(FILE *out, const struct fs_doc *d)
{
	size_t i;

	head(out, "probe_attached", "gauge", "1 when the kernel probe is attached.");
	for (i = 0; i < d->nprobes; i++)
		line1(out, "probe_attached", "symbol", d->probes[i].symbol, "%.0f",
		      strcmp(d->probes[i].state, "attached") == 0);
	head(out, "probe_failed", "gauge",
	     "1 when a probe this kernel needs did not attach (alert on this, not on probe_attached).");
	for (i = 0; i < d->nprobes; i++)
		line1(out, "probe_failed", "symbol", d->probes[i].symbol, "%.0f",
		      probe_failed_unexpectedly(d, &d->probes[i]));
	head(out, "probe_missed_total", "counter", "Calls a probe could not follow.");
	for (i = 0; i < d->nprobes; i++)
		line1(out, "probe_missed_total", "symbol", d->probes[i].symbol, "%.0f",
		      d->probes[i].nmissed);
}

/*
 * The module's fixed tables against their sizes, so that an alert can
 * say "the process table is full" (rows in use are those this read
 * shows: all of them to a reader who sees all).
 */
static void tables(FILE *out, const struct fs_doc *d)
{
	uint64_t rows = 0;
	size_t i;

	for (i = 0; i < d->nprocs; i++)
		rows += d->procs[i].has_row;
	metric_u64(out, "process_rows", "gauge", "Rows of the per-process table in use.", rows);
	metric_u64(out, "process_rows_max", "gauge",
		   "Rows of the per-process table (max_procs).", d->procs_max);
	/* Modules before the procgone sweep do not say. */
	if (d->gone_cgroups_max) {
		metric_u64(out, "gone_cgroups", "gauge",
			   "Cgroups with figures of exited processes kept (procgone lines).",
			   d->gone_cgroups);
		metric_u64(out, "gone_cgroups_max", "gauge",
			   "Cgroups that procgone can keep apart.", d->gone_cgroups_max);
		metric_u64(out, "gone_cgroups_swept_total", "counter",
			   "Removed cgroups' procgone lines folded into cgroup other.",
			   d->gone_cgroups_swept);
	}
	metric_u64(out, "cleared_sockets", "gauge",
		   "Sockets remembered as cleared now.", d->cleared_used);
	metric_u64(out, "cleared_sockets_max", "gauge",
		   "Sockets that can be remembered as cleared (cleared_max).", d->cleared_max);
}

static void health(FILE *out, const struct fs_doc *d)
{
	metric_u64(out, "untracked_forks_total", "counter",
		   "copy_process calls the module could not follow (no room in flight).",
		   d->untracked);
	metric_u64(out, "unmatched_total", "counter",
		   "Probe returns without a matching entry.", d->unmatched);
	metric_u64(out, "socket_untracked_total", "counter",
		   "Socket mode changes the module could not check.", d->sock_untracked);
	metric_u64(out, "call_chains_lost_total", "counter",
		   "User call chains of clears and slow forks wanted but not taken.",
		   d->ustack_lost);
	if (d->has_ufiles) {
		metric_u64(out, "call_chain_files_named_total", "counter",
			   "Mapped files named in user call chains.", d->ufiles_named);
		metric_u64(out, "call_chain_files_read_total", "counter",
			   "Of those, files read (path and build ID) because not named before.",
			   d->ufiles_read);
	}
	metric_u64(out, "process_rows_dropped_total", "counter",
		   "Calls from processes the per-process table had no room for.", d->procs_dropped);
	metric_u64(out, "process_rows_evicted_total", "counter",
		   "Rows of exited processes given to new ones (their figures stay in their cgroup's).",
		   d->procs_evicted);
	tables(out, d);
}

/*
 * The series of one log2_us histogram: label is "" or `flavour="fork",`
 * (with its comma), so that le comes last.
 */
static void hist_lines(FILE *out, const char *name, const char *label,
		       const uint64_t *hist, uint64_t count, uint64_t sum_ns)
{
	const char *bare = *label ? "{" : "";
	uint64_t acc = 0;
	char l[128];
	int b;

	/* Without le: the label alone, its comma dropped. */
	snprintf(l, sizeof(l), "%s", label);
	if (*l)
		l[strlen(l) - 1] = '\0';
	for (b = 0; b < FS_LAT_BUCKETS - 1; b++) {
		acc += hist[b];
		fprintf(out, "forkstat_%s_bucket{%sle=\"%g\"} %llu\n", name, label,
			FORKSTAT_LAT_END_US(b) / 1e6, (unsigned long long)acc);
	}
	fprintf(out, "forkstat_%s_bucket{%sle=\"+Inf\"} %llu\n", name, label,
		(unsigned long long)count);
	fprintf(out, "forkstat_%s_sum%s%s%s %.9f\n", name, bare, l, *l ? "}" : "", sum_ns / 1e9);
	fprintf(out, "forkstat_%s_count%s%s%s %llu\n", name, bare, l, *l ? "}" : "",
		(unsigned long long)count);
}

static void latency(FILE *out, const struct fs_doc *d)
{
	char label[64];
	int f;

	head(out, "copy_process_errors_total", "counter", "Failed copy_process calls.");
	for (f = 0; f < FS_NR_FLAVOURS; f++)
		line1(out, "copy_process_errors_total", "flavour", fs_flavour_names[f], "%.0f",
		      d->flav[f].errors);
	head(out, "copy_process_seconds", "histogram",
	     "Time in copy_process of successful calls, by flavour.");
	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		snprintf(label, sizeof(label), "flavour=\"%s\",", fs_flavour_names[f]);
		hist_lines(out, "copy_process_seconds", label, d->flav[f].hist,
			   d->flav[f].count, d->flav[f].sum_ns);
	}
	head(out, "page_table_copy_seconds_total", "counter",
	     "Time copying page tables (copy_page_range) in forks.");
	fprintf(out, "forkstat_page_table_copy_seconds_total %.9f\n",
		d->flav[FS_FORK].ptcopy_sum_ns / 1e9);
	metric_u64(out, "slow_forks_total", "counter",
		   "copy_process calls over the slow_us threshold.", d->slow_total);
	head(out, "slow_threshold_seconds", "gauge", "The slow_us threshold of slow_forks_total.");
	fprintf(out, "forkstat_slow_threshold_seconds %.6f\n", d->slow_us / 1e6);
}

/* From the processes' blocked records: every blocked thread, listed or not. */
static uint64_t longest_blocked_ns(const struct fs_doc *d)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < d->nprocs; i++)
		if (d->procs[i].blocked_longest_ns > m)
			m = d->procs[i].blocked_longest_ns;
	return m;
}

static void sockets(FILE *out, const struct fs_doc *d)
{
	int f;

	head(out, "socket_nonblock_changes_total", "counter",
	     "O_NONBLOCK changes on sockets, by call and direction.");
	for (f = 0; f < FS_NR_PATHS; f++) {
		fprintf(out, "forkstat_socket_nonblock_changes_total{call=\"%s\",to=\"blocking\"} %llu\n",
			fs_path_names[f], (unsigned long long)d->sock_clears[f]);
		fprintf(out, "forkstat_socket_nonblock_changes_total{call=\"%s\",to=\"nonblocking\"} %llu\n",
			fs_path_names[f], (unsigned long long)d->sock_sets[f]);
	}
	metric_u64(out, "blocked_readers", "gauge",
		   "Threads blocked now in a receive on a blocking socket (at the read).",
		   d->scan_blocked);
	head(out, "blocked_longest_wait_seconds", "gauge",
	     "The longest wait of a thread blocked now in such a receive (0: none).");
	fprintf(out, "forkstat_blocked_longest_wait_seconds %.9f\n", longest_blocked_ns(d) / 1e9);
}

/* What a fork cost its process beyond copy_process. */
static void fork_costs(FILE *out, const struct fs_doc *d)
{
	static const char *const sides[FS_COW_SIDES] = { "parent", "child" };
	int s;

	metric_u64(out, "fork_stalled_threads_total", "counter",
		   "Waits of a parent's other threads on its mm while a fork duplicated it.",
		   d->stall_sum.waits);
	head(out, "fork_stall_seconds_total", "counter",
	     "Time the parents' other threads waited while their mm was duplicated.");
	fprintf(out, "forkstat_fork_stall_seconds_total %.9f\n", d->stall_sum.ns / 1e9);
	metric_u64(out, "cow_forks_total", "counter",
		   "Forks whose copy-on-write window has closed (child exec, exit, or cow_window_s).",
		   d->cow_forks);
	head(out, "cow_faults_total", "counter",
	     "Write-protect faults after a fork, in its window, by side.");
	for (s = 0; s < FS_COW_SIDES; s++)
		line1(out, "cow_faults_total", "side", sides[s], "%.0f", d->cow_sum[s].faults);
	head(out, "cow_copied_bytes_total", "counter",
	     "Bytes of pages copied by those faults, by side.");
	for (s = 0; s < FS_COW_SIDES; s++)
		line1(out, "cow_copied_bytes_total", "side", sides[s], "%.0f",
		      (double)fs_pages_bytes(d, d->cow_sum[s].pages));
	head(out, "cow_fault_seconds_total", "counter", "Time in those faults, by side.");
	for (s = 0; s < FS_COW_SIDES; s++)
		line1(out, "cow_fault_seconds_total", "side", sides[s], "%.9f",
		      d->cow_sum[s].ns / 1e9);
	metric_u64(out, "cow_open_windows", "gauge",
		   "Forks whose copy-on-write faults are being counted now.", d->cow_open);
	head(out, "fork_costs_unwatched_total", "counter",
	     "Forks whose stalls (what=stall) or copy-on-write (what=cow) found no free slot.");
	fprintf(out, "forkstat_fork_costs_unwatched_total{what=\"stall\"} %llu\n",
		(unsigned long long)d->stall_unwatched);
	fprintf(out, "forkstat_fork_costs_unwatched_total{what=\"cow\"} %llu\n",
		(unsigned long long)d->cow_unwatched);
}

/* What forks were for, host-wide (modules that say: spawnsum). */
static void spawns(FILE *out, const struct fs_doc *d)
{
	const struct fs_spawn *s = &d->spawn_sum;
	int o;

	if (!d->has_spawn)
		return;
	head(out, "fork_outcomes_total", "counter",
	     "Plain forks and vforks by what the child did: exec'd, exited without exec, or ran past spawn_window_s.");
	for (o = 0; o < FS_NR_OUTCOMES; o++)
		fprintf(out, "forkstat_fork_outcomes_total{flavour=\"fork\",outcome=\"%s\"} %llu\n",
			fs_outcome_names[o], (unsigned long long)s->forks[o]);
	for (o = 0; o < FS_NR_OUTCOMES; o++)
		fprintf(out, "forkstat_fork_outcomes_total{flavour=\"vfork\",outcome=\"%s\"} %llu\n",
			fs_outcome_names[o], (unsigned long long)s->vforks[o]);
	head(out, "spawn_cost_seconds_total", "counter",
	     "What the forks whose child exec'd cost, by part: what posix_spawn would have saved.");
	fprintf(out, "forkstat_spawn_cost_seconds_total{what=\"copy_process\"} %.9f\n",
		s->spawn_fork_ns / 1e9);
	fprintf(out, "forkstat_spawn_cost_seconds_total{what=\"stall\"} %.9f\n",
		s->spawn_stall_ns / 1e9);
	fprintf(out, "forkstat_spawn_cost_seconds_total{what=\"cow\"} %.9f\n",
		s->spawn_cow_ns / 1e9);
	head(out, "fork_exec_lag_seconds_total", "counter",
	     "Time from a fork's return to its child's exec, summed.");
	fprintf(out, "forkstat_fork_exec_lag_seconds_total %.9f\n", s->exec_lag_ns / 1e9);
	head(out, "vfork_wait_seconds", "histogram",
	     "How long vfork parents stayed frozen, from the call until they ran again.");
	hist_lines(out, "vfork_wait_seconds", "", s->vfork_wait_hist, s->vfork_waits,
		   s->vfork_wait_ns);
	metric_u64(out, "spawn_unfollowed_total", "counter",
		   "Forks not followed to their child's exec or exit: no free watch.",
		   d->spawn_unfollowed);
}

static int cmp_cgroup_weight(const void *a, const void *b)
{
	const struct cgroup_sum *x = a, *y = b;
	/* An OOM kill weighs as a second in fork, a socket clear as a nanosecond. */
	return cmp_desc(x->sum_ns + x->clears + x->blocked + x->oom_kills * 1000000000ull,
			y->sum_ns + y->clears + y->blocked + y->oom_kills * 1000000000ull);
}

static const struct {
	const char *name, *type, *help, *fmt;
	size_t off;
	double scale;	/* 0: a count of pages, shown in bytes */
} cgroup_metrics[] = {
	{ "cgroup_calls_total", "counter", "copy_process calls by the cgroup's processes (each filed under its cgroup at its last event).", "%.0f", offsetof(struct cgroup_sum, calls), 1 },
	{ "cgroup_forks_total", "counter", "Forks (copies of the parent's page tables) by the cgroup's processes.", "%.0f", offsetof(struct cgroup_sum, forks), 1 },
	{ "cgroup_copy_process_seconds_total", "counter", "Time in copy_process of the cgroup's processes.", "%.9f", offsetof(struct cgroup_sum, sum_ns), 1e-9 },
	{ "cgroup_page_table_copy_seconds_total", "counter", "Page-table copy time of the cgroup's forks.", "%.9f", offsetof(struct cgroup_sum, ptcopy_ns), 1e-9 },
	{ "cgroup_fork_stall_seconds_total", "counter", "Time other threads of the cgroup's processes waited while they forked.", "%.9f", offsetof(struct cgroup_sum, stall_ns), 1e-9 },
	{ "cgroup_cow_copied_bytes_total", "counter", "Bytes copied on write after the cgroup's processes' forks, both sides.", "%.0f", offsetof(struct cgroup_sum, cow_pages), 0 },
	{ "cgroup_socket_clears_total", "counter", "O_NONBLOCK clears on sockets by the cgroup's processes.", "%.0f", offsetof(struct cgroup_sum, clears), 1 },
	{ "oom_kills_total", "counter", "Processes the OOM killer killed, by their own cgroup (not the one whose limit fired), since the module was loaded or reset.", "%.0f", offsetof(struct cgroup_sum, oom_kills), 1 },
	{ "cgroup_blocked_readers", "gauge", "Threads of the cgroup's processes blocked in a receive on a blocking socket.", "%.0f", offsetof(struct cgroup_sum, blocked), 1 },
};

#define NR_CGROUP_METRICS (sizeof(cgroup_metrics) / sizeof(cgroup_metrics[0]))

static uint64_t *cgroup_field(struct cgroup_sum *s, size_t k)
{
	return (uint64_t *)((char *)s + cgroup_metrics[k].off);
}

static double cgroup_value(const struct fs_doc *d, struct cgroup_sum *s, size_t k)
{
	if (!cgroup_metrics[k].scale)
		return fs_pages_bytes(d, *cgroup_field(s, k));
	return *cgroup_field(s, k) * cgroup_metrics[k].scale;
}

/*
 * Per-cgroup series, summed over the process rows and procgone: the max_cgroups
 * busiest cgroups each get their series, the rest share cgroup="other",
 * so a host's series stay bounded however many containers come and go.
 */
static void cgroups(FILE *out, const struct fs_doc *d, const struct prom_options *o)
{
	struct cgroup_sum *s, other = { 0 };
	size_t i, k, n = cgroup_sums(d, &s);
	char g[32];

	if (!s)
		return;
	qsort(s, n, sizeof(*s), cmp_cgroup_weight);
	for (i = o->max_cgroups; i < n; i++)
		for (k = 0; k < NR_CGROUP_METRICS; k++)
			*cgroup_field(&other, k) += *cgroup_field(&s[i], k);
	for (k = 0; k < NR_CGROUP_METRICS; k++) {
		head(out, cgroup_metrics[k].name, cgroup_metrics[k].type, cgroup_metrics[k].help);
		for (i = 0; i < n && i < o->max_cgroups; i++)
			line1(out, cgroup_metrics[k].name, "cgroup",
			      render_cgroup(s[i].id, g, sizeof(g)), cgroup_metrics[k].fmt,
			      cgroup_value(d, &s[i], k));
		if (n > o->max_cgroups)
			line1(out, cgroup_metrics[k].name, "cgroup", "other",
			      cgroup_metrics[k].fmt, cgroup_value(d, &other, k));
	}
	free(s);
}

/* tgid and comm labels, the comm escaped. */
static void process_line(FILE *out, const char *name, const struct fs_proc *p,
			 const char *fmt, double v)
{
	fprintf(out, "forkstat_%s{tgid=\"%lld\",comm=\"", name, (long long)p->tgid);
	esc_prom_label(out, p->comm);
	fputs("\"} ", out);
	fprintf(out, fmt, v);
	fputc('\n', out);
}

/* Per process only where something is wrong: keeps cardinality low. */
static void processes(FILE *out, const struct fs_doc *d)
{
	size_t i;

	head(out, "process_blocked_readers", "gauge",
	     "Threads in a receive on a blocking socket, per process.");
	for (i = 0; i < d->nprocs; i++)
		if (d->procs[i].sock_clears || d->procs[i].blocked_now)
			process_line(out, "process_blocked_readers", &d->procs[i],
				     "%.0f", d->procs[i].blocked_now);
	head(out, "process_fork_stall_seconds_total", "counter",
	     "Time other threads waited while the process forked, per process.");
	for (i = 0; i < d->nprocs; i++)
		if (d->procs[i].stall.ns)
			process_line(out, "process_fork_stall_seconds_total", &d->procs[i],
				     "%.9f", d->procs[i].stall.ns / 1e9);
	head(out, "process_cow_copied_bytes_total", "counter",
	     "Bytes copied on write after the process's forks, both sides, per process.");
	for (i = 0; i < d->nprocs; i++)
		if (d->procs[i].cow[0].pages + d->procs[i].cow[1].pages)
			process_line(out, "process_cow_copied_bytes_total", &d->procs[i],
				     "%.0f", (double)fs_pages_bytes(d, d->procs[i].cow[0].pages +
								     d->procs[i].cow[1].pages));
	head(out, "process_socket_clears_total", "counter",
	     "O_NONBLOCK clears on sockets, per process.");
	for (i = 0; i < d->nprocs; i++)
		if (d->procs[i].sock_clears)
			process_line(out, "process_socket_clears_total", &d->procs[i],
				     "%.0f", d->procs[i].sock_clears);
}

/*
 * The OOM killer's calls, host-wide: counters the module keeps since its
 * load or reset. The kills are per cgroup, from procgone (cgroups()):
 * the ring of oom records is not a counter.
 */
static void ooms(FILE *out, const struct fs_doc *d)
{
	head(out, "oom_calls_total", "counter",
	     "OOM killer calls by outcome: recorded (a kill, an exiting victim or nothing killable), waited (for an earlier victim), settled (no victim needed).");
	line1(out, "oom_calls_total", "outcome", "recorded", "%.0f", d->oom_recorded);
	line1(out, "oom_calls_total", "outcome", "waited", "%.0f", d->oom_waited);
	line1(out, "oom_calls_total", "outcome", "settled", "%.0f", d->oom_settled);
}

void render_prometheus(FILE *out, const struct fs_doc *d, const struct prom_options *o)
{
	up_and_info(out, d);
	if (!d)
		return;
	probes(out, d);
	health(out, d);
	latency(out, d);
	fork_costs(out, d);
	spawns(out, d);
	sockets(out, d);
	ooms(out, d);
	cgroups(out, d, o);
	if (o->per_process)
		processes(out, d);
}
