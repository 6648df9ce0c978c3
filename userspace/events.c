// SPDX-License-Identifier: GPL-2.0
/*
 * events: the slow-fork, fork-bill and socket-clear rings, oldest first, in 80
 * columns. PID is the process (thread group) in both; a socket clear's
 * TID is the thread that made the call. A slow fork and a clear are
 * followed by the user call chain of the thread that made them, a frame
 * a line, innermost first, named from the mapped files (symbolize.h);
 * a call Go inlined gets a line of its own, marked so. Long cgroup paths
 * and socket names keep their head and tail (fit_middle); JSON has them
 * whole.
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "symbolize.h"

#define WIDTH 80

/* One frame line, indented past the TIME column and fitted into WIDTH. */
static void frame_line(FILE *out, size_t n, const char *text)
{
	char fit[WIDTH * 4], e[WIDTH * 4];

	fit_middle(text, WIDTH - 13, fit, sizeof(fit));
	fprintf(out, "%8s #%-2zu %s\n", "", n, esc_term(fit, e, sizeof(e)));
}

/*
 * Frame lines under an event: each name with its offset and source line
 * (Go's), the mapped file's name where it changes from the frame before.
 */
void render_chain(FILE *out, struct symbolizer *sy, const struct fs_doc *d, uint64_t id)
{
	const struct fs_ustack *u = fs_ustack(d, id);
	char text[SYM_NAME_MAX * 3 + 300], file[sizeof(((struct fs_ufile *)0)->path) + 4];
	struct sym_frame sf;
	int k, last = -2;
	size_t n;

	if (!u)
		return;
	for (n = 0; n < u->nframes; n++) {
		const struct fs_uframe *f = &u->frames[n];
		const struct fs_ufile *uf = fs_uframe_file(u, n);

		snprintf(file, sizeof(file), f->file != last && uf ? " (%s)" : "",
			 uf ? path_base(uf->path) : "");
		last = f->file;
		if (!sym_frame(sy, u, n, &sf)) {
			if (uf)
				snprintf(text, sizeof(text), "%s+0x%llx (%s)", path_base(uf->path),
					 (unsigned long long)f->off, sf.why);
			else
				snprintf(text, sizeof(text), "0x%llx (%s)",
					 (unsigned long long)f->addr, sf.why);
			frame_line(out, n, text);
			continue;
		}
		for (k = 0; k + 1 < sf.n; k++) {
			snprintf(text, sizeof(text), "%s (inlined)%s%s", sf.name[k],
				 *sf.src[k] ? " " : "", sym_src_short(sf.src[k]));
			frame_line(out, n, text);
		}
		/* The file's name goes first when the line is too long. */
		snprintf(text, sizeof(text), "%s+0x%llx%s%s%s", sf.name[k],
			 (unsigned long long)sf.fn_off, file, *sf.src[k] ? " " : "",
			 sym_src_short(sf.src[k]));
		if (strlen(text) > WIDTH - 13)
			snprintf(text, sizeof(text), "%s+0x%llx%s%s", sf.name[k],
				 (unsigned long long)sf.fn_off, *sf.src[k] ? " " : "",
				 sym_src_short(sf.src[k]));
		frame_line(out, n, text);
	}
	if (strcmp(u->end, "top") && strcmp(u->end, "max"))
		fprintf(out, "%8s (walk stopped: %s)\n", "", u->end);
}

static void slow_forks(FILE *out, const struct fs_doc *d, struct symbolizer *sy)
{
	char t[16], a[16], b[16], c[16], g[128], comm[64];
	size_t i;

	fprintf(out, "slow forks (>= %s; %llu in all, last %zu shown):\n",
		fmt_ns(d->slow_us * 1000, a, sizeof(a)),
		(unsigned long long)d->slow_total, d->nslow);
	fprintf(out, "%-8s %7s %-15s %-8s %7s %7s %7s %s\n", "TIME", "PID", "COMM",
		"FLAVOUR", "RSS", "TOTAL", "PTCOPY", "CGROUP");
	for (i = 0; i < d->nslow; i++) {
		const struct fs_slow *e = &d->slow[i];

		fprintf(out, "%-8s %7lld %s %-8s %7s %7s %7s %s\n",
			fmt_clock(e->time_ns, t, sizeof(t)), (long long)e->tgid,
			esc_col(e->comm, 15, comm, sizeof(comm)), fs_flavour_names[e->flavour],
			fmt_kb(e->rss_kb, a, sizeof(a)), fmt_ns(e->total_ns, b, sizeof(b)),
			fmt_ns(e->ptcopy_ns, c, sizeof(c)),
			render_cgroup_col(e->cgroup, WIDTH - 66, g, sizeof(g)));
		render_chain(out, sy, d, e->stack);
	}
}

/* The slow-fork record of fork id, if the ring still holds it. */
static const struct fs_slow *slow_of(const struct fs_doc *d, uint64_t id)
{
	size_t i;

	for (i = 0; id && i < d->nslow; i++)
		if (d->slow[i].id == id)
			return &d->slow[i];
	return NULL;
}

/*
 * Each fork's bill once its window closed: END says how (exit, exec,
 * window), FORK its copy_process time, STALL its threads' waits (from
 * its slow record), COPIED both sides' pages, PARENT and CHILD their
 * time in those faults.
 */
static void fork_bills(FILE *out, const struct fs_doc *d)
{
	char t[16], a[16], b[16], c[16], e[16], f[16], comm[64];
	size_t i;

	fprintf(out, "fork bills (copy-on-write after the fork; %llu in all, last %zu shown):\n",
		(unsigned long long)d->cow_total, d->ncows);
	fprintf(out, "%-8s %7s %-15s %-6s %7s %7s %7s %7s %7s\n", "TIME", "PID", "COMM",
		"END", "FORK", "STALL", "COPIED", "PARENT", "CHILD");
	for (i = 0; i < d->ncows; i++) {
		const struct fs_cow *w = &d->cows[i];
		const struct fs_slow *s = slow_of(d, w->id);

		fprintf(out, "%-8s %7lld %s %-6.6s %7s %7s %7s %7s %7s\n",
			fmt_clock(w->time_ns, t, sizeof(t)), (long long)w->tgid,
			esc_col(w->comm, 15, comm, sizeof(comm)), w->end, fmt_ns(w->fork_ns, a, sizeof(a)),
			s ? fmt_ns(s->stall.ns, b, sizeof(b)) : "-",
			fmt_kb(fs_pages_kb(d, w->side[FS_COW_PARENT].pages +
					   w->side[FS_COW_CHILD].pages),
			       c, sizeof(c)),
			fmt_ns(w->side[FS_COW_PARENT].ns, e, sizeof(e)),
			fmt_ns(w->side[FS_COW_CHILD].ns, f, sizeof(f)));
	}
}

static const char *sock_str(const struct fs_sock *c, char *buf, size_t len)
{
	const char *proto = c->type == 1 ? "tcp" : c->type == 2 ? "udp" : "sock";

	if (c->family == 2 || c->family == 10)
		snprintf(buf, len, "%s%s %s -> %s", proto, c->family == 10 ? "6" : "",
			 c->local, c->remote);
	else if (c->family == 1)
		snprintf(buf, len, "unix/%s %s", c->type == 1 ? "stream" :
			 c->type == 2 ? "dgram" : "seqpacket",
			 c->sun_path[0] ? c->sun_path : "(unbound)");
	else
		snprintf(buf, len, "family %llu type %llu",
			 (unsigned long long)c->family, (unsigned long long)c->type);
	return buf;
}

/* The socket's line under an event, indented past its TIME column. */
static void sock_line(FILE *out, const struct fs_sock *sock)
{
	char s[512], fit[128], e[512];

	sock_str(sock, s, sizeof(s));
	fit_middle(s, WIDTH - 25, fit, sizeof(fit));
	fprintf(out, "%8s %s ino %llu\n", "", esc_term(fit, e, sizeof(e)),
		(unsigned long long)sock->ino);
}

/* Two lines a clear (or set): who and where, then the socket, indented. */
static void sock_changes(FILE *out, const struct fs_doc *d, struct symbolizer *sy,
			 const struct fs_clear *arr, size_t n)
{
	char t[16], g[128], comm[64];
	size_t i;

	fprintf(out, "%-8s %7s %7s %-15s %4s %-5s %s\n", "TIME", "PID", "TID", "COMM",
		"FD", "CALL", "CGROUP");
	for (i = 0; i < n; i++) {
		const struct fs_clear *c = &arr[i];

		fprintf(out, "%-8s %7lld %7lld %s %4lld %-5s %s\n",
			fmt_clock(c->time_ns, t, sizeof(t)), (long long)c->tgid,
			(long long)c->pid, esc_col(c->comm, 15, comm, sizeof(comm)), (long long)c->fd,
			fs_path_names[c->path], render_cgroup_col(c->cgroup, WIDTH - 53, g, sizeof(g)));
		sock_line(out, &c->sock);
		render_chain(out, sy, d, c->stack);
	}
}

void render_record_line(FILE *out, const struct fs_doc *d, struct symbolizer *sy,
			enum fs_record kind, size_t i)
{
	char t[16], a[16], b[16], c[16], comm[64];

	if (kind == FS_REC_SLOW) {
		const struct fs_slow *r = &d->slow[i];

		fprintf(out, "%-8s fork  %7lld %s %-8s rss %7s took %7s ptcopy %7s\n",
			fmt_clock(r->time_ns, t, sizeof(t)), (long long)r->tgid,
			esc_col(r->comm, 15, comm, sizeof(comm)), fs_flavour_names[r->flavour],
			fmt_kb(r->rss_kb, a, sizeof(a)), fmt_ns(r->total_ns, b, sizeof(b)),
			fmt_ns(r->ptcopy_ns, c, sizeof(c)));
		render_chain(out, sy, d, r->stack);
	} else if (kind == FS_REC_COW) {
		const struct fs_cow *r = &d->cows[i];

		fprintf(out, "%-8s bill  %7lld %s %-6.6s fork %7s copied %7s in %7s\n",
			fmt_clock(r->time_ns, t, sizeof(t)), (long long)r->tgid,
			esc_col(r->comm, 15, comm, sizeof(comm)), r->end, fmt_ns(r->fork_ns, a, sizeof(a)),
			fmt_kb(fs_pages_kb(d, r->side[FS_COW_PARENT].pages +
					   r->side[FS_COW_CHILD].pages),
			       b, sizeof(b)),
			fmt_ns(r->side[FS_COW_PARENT].ns + r->side[FS_COW_CHILD].ns, c, sizeof(c)));
	} else {
		const struct fs_clear *r = kind == FS_REC_CLEAR ? &d->clears[i] : &d->sets[i];

		fprintf(out, "%-8s %-5s %7lld %s tid %lld fd %lld by %s\n",
			fmt_clock(r->time_ns, t, sizeof(t)), kind == FS_REC_CLEAR ? "clear" : "set",
			(long long)r->tgid, esc_col(r->comm, 15, comm, sizeof(comm)), (long long)r->pid,
			(long long)r->fd, fs_path_names[r->path]);
		sock_line(out, &r->sock);
		render_chain(out, sy, d, r->stack);
	}
}

static int cmp_waited(const void *a, const void *b)
{
	const struct fs_blocked_thread *x = a, *y = b;

	return cmp_desc(x->waited_ns, y->waited_ns) ?: (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * The threads the read's scan found blocked in a receive on a blocking
 * socket, longest wait first: two lines each, as clears; CLEARER and
 * CLEARED name the recorded clear of that socket ("-": none recorded).
 */
static void blocked_threads(FILE *out, const struct fs_doc *d)
{
	struct fs_blocked_thread *b = malloc((d->nblocked + 1) * sizeof(*b));
	char t[16], a[16], g[128], comm[64], by[16];
	size_t i;

	fprintf(out, "blocked in a socket receive now: %llu of %llu threads (%zu listed)\n",
		(unsigned long long)d->scan_blocked, (unsigned long long)d->scan_threads,
		d->nblocked);
	if (!b)
		return;
	memcpy(b, d->blocked, d->nblocked * sizeof(*b));
	qsort(b, d->nblocked, sizeof(*b), cmp_waited);
	fprintf(out, "%7s %7s %-15s %4s %8s %7s %-8s %s\n", "PID", "TID", "COMM", "FD",
		"WAITED", "CLEARER", "CLEARED", "CGROUP");
	for (i = 0; i < d->nblocked; i++) {
		const struct fs_blocked_thread *c = &b[i];

		snprintf(by, sizeof(by), "%lld", (long long)c->cleared_by);
		fprintf(out, "%7lld %7lld %s %4lld %8s %7s %-8s %s\n",
			(long long)c->tgid, (long long)c->pid, esc_col(c->comm, 15, comm, sizeof(comm)),
			(long long)c->fd, fmt_ns(c->waited_ns, a, sizeof(a)),
			c->cleared_by ? by : "-",
			c->cleared_ns ? fmt_clock(c->cleared_ns, t, sizeof(t)) : "-",
			render_cgroup_col(c->cgroup, WIDTH - 64, g, sizeof(g)));
		sock_line(out, &c->sock);
	}
	if (d->scan_blocked > d->nblocked && !d->filtered)
		fprintf(out, "(%llu more not listed: a read lists blocked_list of them)\n",
			(unsigned long long)(d->scan_blocked - d->nblocked));
	free(b);
}

void render_events(FILE *out, const struct fs_doc *d, enum events_what what)
{
	struct symbolizer *sy = sym_new();

	if (what == EVENTS_BLOCKED) {
		blocked_threads(out, d);
		sym_free(sy);
		return;
	}
	if (what != EVENTS_SOCKETS) {
		slow_forks(out, d, sy);
		fputc('\n', out);
		fork_bills(out, d);
	}
	if (what == EVENTS_ALL)
		fputc('\n', out);
	if (what != EVENTS_FORKS) {
		fprintf(out, "O_NONBLOCK clears on sockets (%llu in all, last %zu shown):\n",
			(unsigned long long)d->sock_total, d->nclears);
		sock_changes(out, d, sy, d->clears, d->nclears);
	}
	if (what != EVENTS_FORKS && d->sockset_total) {
		fprintf(out, "\nO_NONBLOCK set again after a recorded clear (%llu in all, last %zu shown):\n",
			(unsigned long long)d->sockset_total, d->nsets);
		sock_changes(out, d, sy, d->sets, d->nsets);
	}
	if (what == EVENTS_ALL) {
		fputc('\n', out);
		blocked_threads(out, d);
	}
	sym_free(sy);
}
