// SPDX-License-Identifier: GPL-2.0
/*
 * Machine views of a parsed /proc/forkstat: one JSON document
 * (docs/cli.md lists its keys) and the Prometheus text format that
 * node_exporter's textfile collector reads.
 */
#include <stdio.h>
#include <string.h>

#include "render.h"

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_u64s(FILE *out, const uint64_t *v, int n)
{
	int i;

	fputc('[', out);
	for (i = 0; i < n; i++)
		fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)v[i]);
	fputc(']', out);
}

#define U(name, v) fprintf(out, "\"" name "\":%llu", (unsigned long long)(v))
#define I(name, v) fprintf(out, "\"" name "\":%lld", (long long)(v))
#define K(name) fputs("\"" name "\":", out)
#define C fputc(',', out)

static void json_sock(FILE *out, const struct fs_sock *s)
{
	fprintf(out, "\"ino\":%llu,\"family\":%llu,\"type\":%llu,\"protocol\":%llu,",
		(unsigned long long)s->ino, (unsigned long long)s->family,
		(unsigned long long)s->type, (unsigned long long)s->protocol);
	fputs("\"local\":", out);
	json_str(out, s->local);
	fputs(",\"remote\":", out);
	json_str(out, s->remote);
	fputs(",\"sun_path\":", out);
	json_str(out, s->sun_path);
}

/* Rows of one map, each after a comma unless it is the first printed. */
static void json_hist2d(FILE *out, const char *flavour,
			const uint64_t (*h)[FS_LAT_BUCKETS], int *first)
{
	int r;

	for (r = 0; r < FS_RSS_BUCKETS; r++) {
		int c, used = 0;

		for (c = 0; c < FS_LAT_BUCKETS; c++)
			used |= h[r][c] != 0;
		if (!used)
			continue;
		fprintf(out, "%s{", *first ? "" : ",");
		*first = 0;
		K("flavour"); json_str(out, flavour); C;
		I("rss_bucket", r); C; K("counts");
		json_u64s(out, h[r], FS_LAT_BUCKETS);
		fputc('}', out);
	}
}

void render_json(FILE *out, const struct fs_doc *d)
{
	int f, first;
	size_t i;

	fputc('{', out);
	I("format", d->format); C; K("module"); json_str(out, d->module); C;
	K("kernel"); json_str(out, d->kernel); C;
	K("probes"); fputc('[', out);
	for (i = 0; i < d->nprobes; i++) {
		const struct fs_probe *p = &d->probes[i];

		fprintf(out, "%s{", i ? "," : "");
		K("symbol"); json_str(out, p->symbol); C;
		K("kind"); json_str(out, p->kind); C;
		K("state"); json_str(out, p->state); C;
		I("error", p->error); C; U("hits", p->hits); C; U("nmissed", p->nmissed);
		fputc('}', out);
	}
	fputs("],", out);
	K("methods"); fputc('{', out);
	K("latency"); json_str(out, d->latency_method); C;
	K("ptcopy"); json_str(out, d->ptcopy_method); C;
	K("mmdup"); json_str(out, d->mmdup_method); C;
	K("sock_fcntl"); json_str(out, d->sock_fcntl_method); C;
	K("sock_ioctl"); json_str(out, d->sock_ioctl_method); C;
	K("sock_blocked"); json_str(out, d->sock_blocked_method);
	fputs("},", out);
	K("health"); fputc('{', out);
	U("untracked", d->untracked); C; U("unmatched", d->unmatched);
	fputs("},", out);
	K("flavours"); fputc('{', out);
	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		const struct fs_flav *fl = &d->flav[f];

		if (f)
			C;
		json_str(out, fs_flavour_names[f]);
		fputs(":{", out);
		U("count", fl->count); C; U("errors", fl->errors); C;
		U("sum_ns", fl->sum_ns); C; U("max_ns", fl->max_ns); C;
		U("ptcopy_sum_ns", fl->ptcopy_sum_ns); C;
		U("ptcopy_max_ns", fl->ptcopy_max_ns); C;
		U("ptcopy_vmas", fl->ptcopy_vmas); C;
		U("mmdup_sum_ns", fl->mmdup_sum_ns); C;
		U("p50_us_below", log2_percentile_us(fl->hist, FS_LAT_BUCKETS, 0.5)); C;
		U("p99_us_below", log2_percentile_us(fl->hist, FS_LAT_BUCKETS, 0.99)); C;
		K("latency_log2_us"); json_u64s(out, fl->hist, FS_LAT_BUCKETS);
		fputc('}', out);
	}
	fputs("},", out);
	K("failures"); fputc('[', out);
	for (i = 0; i < d->nfails; i++) {
		fprintf(out, "%s{", i ? "," : "");
		K("flavour"); json_str(out, fs_flavour_names[d->fails[i].flavour]); C;
		K("errno"); json_str(out, d->fails[i].errno_str); C;
		U("count", d->fails[i].count);
		fputc('}', out);
	}
	fputs("],", out);
	K("latency_by_rss"); fputc('[', out);
	first = 1;
	for (f = 0; f < FS_SIZED_FLAVOURS; f++)
		json_hist2d(out, fs_flavour_names[f],
			    (const uint64_t (*)[FS_LAT_BUCKETS])d->lat_by_rss[f], &first);
	fputs("],", out);
	K("ptcopy_by_rss"); fputc('[', out);
	first = 1;
	json_hist2d(out, "fork", (const uint64_t (*)[FS_LAT_BUCKETS])d->ptcopy_by_rss, &first);
	fputs("],", out);
	K("slow"); fputc('{', out);
	U("threshold_us", d->slow_us); C; U("ring", d->slow_ring); C;
	U("total", d->slow_total); C; K("events"); fputc('[', out);
	for (i = 0; i < d->nslow; i++) {
		const struct fs_slow *s = &d->slow[i];

		fprintf(out, "%s{", i ? "," : "");
		U("time_ns", s->time_ns); C; I("pid", s->pid); C; I("tgid", s->tgid); C;
		I("child", s->child); C; K("flavour"); json_str(out, fs_flavour_names[s->flavour]); C;
		U("flags", s->flags); C; U("rss_kb", s->rss_kb); C;
		U("pgtables_kb", s->pgtables_kb); C; U("vmas", s->vmas); C;
		U("total_ns", s->total_ns); C; U("ptcopy_ns", s->ptcopy_ns); C;
		U("ptcopy_vmas", s->ptcopy_vmas); C; U("mmdup_ns", s->mmdup_ns); C;
		K("comm"); json_str(out, s->comm);
		fputc('}', out);
	}
	fputs("]},", out);
	K("sockets"); fputc('{', out);
	for (f = 0; f < FS_NR_PATHS; f++) {
		json_str(out, fs_path_names[f]);
		fputs(":{", out);
		U("clears", d->sock_clears[f]); C; U("sets", d->sock_sets[f]);
		fputs("},", out);
	}
	U("ring", d->sock_ring); C; U("total", d->sock_total); C;
	K("clears"); fputc('[', out);
	for (i = 0; i < d->nclears; i++) {
		const struct fs_clear *c = &d->clears[i];

		fprintf(out, "%s{", i ? "," : "");
		U("time_ns", c->time_ns); C; I("pid", c->pid); C; I("tgid", c->tgid); C;
		I("fd", c->fd); C; K("path"); json_str(out, fs_path_names[c->path]); C;
		json_sock(out, &c->sock); C; K("comm"); json_str(out, c->comm);
		fputc('}', out);
	}
	fputs("]},", out);
	K("blocked"); fputc('{', out);
	U("threads_scanned", d->scan_threads); C; U("blocked", d->scan_blocked); C;
	U("listed", d->scan_listed); C; U("list", d->scan_list); C;
	U("scan_ns", d->scan_ns); C;
	K("threads"); fputc('[', out);
	for (i = 0; i < d->nblocked; i++) {
		const struct fs_blocked_thread *b = &d->blocked[i];

		fprintf(out, "%s{", i ? "," : "");
		I("pid", b->pid); C; I("tgid", b->tgid); C; I("fd", b->fd); C;
		json_sock(out, &b->sock); C;
		U("waited_ns", b->waited_ns); C; U("cleared_ns", b->cleared_ns); C;
		I("cleared_by", b->cleared_by); C; K("comm"); json_str(out, b->comm);
		fputc('}', out);
	}
	fputs("]},", out);
	K("procs"); fputc('{', out);
	U("max", d->procs_max); C; U("dropped", d->procs_dropped); C;
	K("rows"); fputc('[', out);
	for (i = 0; i < d->nprocs; i++) {
		const struct fs_proc *p = &d->procs[i];

		fprintf(out, "%s{", i ? "," : "");
		I("tgid", p->tgid); C; K("comm"); json_str(out, p->comm); C;
		for (f = 0; f < FS_KTHREAD; f++) {
			json_str(out, fs_flavour_names[f]);
			fprintf(out, ":%llu,", (unsigned long long)p->n[f]);
		}
		U("errors", p->errors); C; U("sum_ns", p->sum_ns); C; U("max_ns", p->max_ns); C;
		U("ptcopy_ns", p->ptcopy_ns); C; U("max_rss_kb", p->max_rss_kb); C;
		U("sock_clears", p->sock_clears); C; U("sock_sets", p->sock_sets); C;
		U("last_clear_ns", p->last_clear_ns); C; U("blocked_now", p->blocked_now); C;
		U("blocked_on_cleared", p->blocked_on_cleared); C;
		U("blocked_longest_ns", p->blocked_longest_ns); C; I("threads", p->threads);
		fputc('}', out);
	}
	fputs("]}}\n", out);
}

void render_watch_json(FILE *out, const struct watch_interval *w)
{
	int f;

	fprintf(out, "{\"interval_s\":%.3f,\"calls_per_s\":{", w->secs);
	for (f = FS_FORK; f <= FS_THREAD; f++)
		fprintf(out, "%s\"%s\":%.1f", f ? "," : "", fs_flavour_names[f], w->rate[f]);
	fputs("},", out);
	U("fork_p50_us_below", log2_percentile_us(w->fork_hist, FS_LAT_BUCKETS, 0.5)); C;
	U("fork_p99_us_below", log2_percentile_us(w->fork_hist, FS_LAT_BUCKETS, 0.99)); C;
	U("new_clears", w->clears); C; U("blocked_readers", w->blocked); C;
	K("busiest");
	if (w->busiest) {
		fputc('{', out);
		I("tgid", w->busiest->tgid); C; K("comm"); json_str(out, w->busiest->comm); C;
		fprintf(out, "\"wall_share\":%.4f}", w->busiest_ns / (w->secs * 1e9));
	} else {
		fputs("null", out);
	}
	fputs("}\n", out);
}

/* Prometheus label values: backslash, quote and newline escaped. */
static void prom_label(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void prom_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP forkstat_%s %s\n# TYPE forkstat_%s %s\n", name, help, name, type);
}

void render_prometheus(FILE *out, const struct fs_doc *d)
{
	size_t i;
	int f, b;

	prom_head(out, "probe_attached", "gauge", "1 when the kernel probe is attached.");
	for (i = 0; i < d->nprobes; i++)
		fprintf(out, "forkstat_probe_attached{symbol=\"%s\"} %d\n", d->probes[i].symbol,
			strcmp(d->probes[i].state, "attached") == 0);
	prom_head(out, "probe_missed_total", "counter", "Calls a probe could not follow.");
	for (i = 0; i < d->nprobes; i++)
		fprintf(out, "forkstat_probe_missed_total{symbol=\"%s\"} %llu\n",
			d->probes[i].symbol, (unsigned long long)d->probes[i].nmissed);
	prom_head(out, "copy_process_errors_total", "counter", "Failed copy_process calls.");
	for (f = 0; f < FS_NR_FLAVOURS; f++)
		fprintf(out, "forkstat_copy_process_errors_total{flavour=\"%s\"} %llu\n",
			fs_flavour_names[f], (unsigned long long)d->flav[f].errors);
	prom_head(out, "copy_process_seconds", "histogram",
		  "Time in copy_process of successful calls, by flavour.");
	for (f = 0; f < FS_NR_FLAVOURS; f++) {
		const struct fs_flav *fl = &d->flav[f];
		uint64_t acc = 0;

		for (b = 0; b < FS_LAT_BUCKETS - 1; b++) {
			acc += fl->hist[b];
			fprintf(out, "forkstat_copy_process_seconds_bucket{flavour=\"%s\",le=\"%g\"} %llu\n",
				fs_flavour_names[f], (2ULL << b) / 1e6, (unsigned long long)acc);
		}
		fprintf(out, "forkstat_copy_process_seconds_bucket{flavour=\"%s\",le=\"+Inf\"} %llu\n",
			fs_flavour_names[f], (unsigned long long)fl->count);
		fprintf(out, "forkstat_copy_process_seconds_sum{flavour=\"%s\"} %.9f\n",
			fs_flavour_names[f], fl->sum_ns / 1e9);
		fprintf(out, "forkstat_copy_process_seconds_count{flavour=\"%s\"} %llu\n",
			fs_flavour_names[f], (unsigned long long)fl->count);
	}
	prom_head(out, "page_table_copy_seconds_total", "counter",
		  "Time copying page tables (copy_page_range) in forks.");
	fprintf(out, "forkstat_page_table_copy_seconds_total %.9f\n",
		d->flav[FS_FORK].ptcopy_sum_ns / 1e9);
	prom_head(out, "slow_forks_total", "counter", "copy_process calls over the slow_us threshold.");
	fprintf(out, "forkstat_slow_forks_total %llu\n", (unsigned long long)d->slow_total);
	prom_head(out, "socket_nonblock_changes_total", "counter",
		  "O_NONBLOCK changes on sockets, by call and direction.");
	for (f = 0; f < FS_NR_PATHS; f++) {
		fprintf(out, "forkstat_socket_nonblock_changes_total{call=\"%s\",to=\"blocking\"} %llu\n",
			fs_path_names[f], (unsigned long long)d->sock_clears[f]);
		fprintf(out, "forkstat_socket_nonblock_changes_total{call=\"%s\",to=\"nonblocking\"} %llu\n",
			fs_path_names[f], (unsigned long long)d->sock_sets[f]);
	}
	/* Per process only where something is wrong: keeps cardinality low. */
	prom_head(out, "process_blocked_readers", "gauge",
		  "Threads in a receive on a blocking socket, per process.");
	for (i = 0; i < d->nprocs; i++) {
		const struct fs_proc *p = &d->procs[i];

		if (!p->sock_clears && !p->blocked_now)
			continue;
		fprintf(out, "forkstat_process_blocked_readers{tgid=\"%lld\",comm=\"",
			(long long)p->tgid);
		prom_label(out, p->comm);
		fprintf(out, "\"} %llu\n", (unsigned long long)p->blocked_now);
	}
	prom_head(out, "process_socket_clears_total", "counter",
		  "O_NONBLOCK clears on sockets, per process.");
	for (i = 0; i < d->nprocs; i++) {
		const struct fs_proc *p = &d->procs[i];

		if (!p->sock_clears)
			continue;
		fprintf(out, "forkstat_process_socket_clears_total{tgid=\"%lld\",comm=\"",
			(long long)p->tgid);
		prom_label(out, p->comm);
		fprintf(out, "\"} %llu\n", (unsigned long long)p->sock_clears);
	}
}
