// SPDX-License-Identifier: GPL-2.0
/*
 * events --follow: the records of the rings (slow forks, fork bills,
 * clears, sets) that are new since the last read. The module prints a
 * ring oldest first and never changes a record in it, so the new ones
 * are those after the last one seen (known by its id, or for a clear by
 * its time, thread, descriptor and inode). When that one is gone, the
 * ring turned over between two reads: every record in it is new, and
 * the ring's total says how many came and went unseen (for a reader who
 * sees every record: a filter or access=1 hides some, so then it is
 * not counted). A total that went down is a reset: all is new.
 */
#include <string.h>

#include "follow.h"
#include "jsonw.h"

#define KEY_WORDS	4

static size_t count(const struct fs_doc *d, enum fs_record k)
{
	return k == FS_REC_SLOW ? d->nslow : k == FS_REC_COW ? d->ncows :
	       k == FS_REC_CLEAR ? d->nclears : d->nsets;
}

static uint64_t total(const struct fs_doc *d, enum fs_record k)
{
	return k == FS_REC_SLOW ? d->slow_total : k == FS_REC_COW ? d->cow_total :
	       k == FS_REC_CLEAR ? d->sock_total : d->sockset_total;
}

static void key(const struct fs_doc *d, enum fs_record k, size_t i, uint64_t *out)
{
	const struct fs_clear *c = k == FS_REC_CLEAR ? &d->clears[i] :
				   k == FS_REC_SET ? &d->sets[i] : NULL;

	memset(out, 0, KEY_WORDS * sizeof(*out));
	if (k == FS_REC_SLOW) {
		out[0] = d->slow[i].id;
	} else if (k == FS_REC_COW) {
		out[0] = d->cows[i].id;
	} else {
		out[0] = c->time_ns;
		out[1] = (uint64_t)c->pid;
		out[2] = (uint64_t)c->fd;
		out[3] = c->sock.ino;
	}
}

/* Where the record after the last one seen is; -1: it is gone. */
static long after_last(const struct follow_state *st, const struct fs_doc *d,
		       enum fs_record k)
{
	uint64_t kk[KEY_WORDS];
	size_t i = count(d, k);

	if (!st->have[k])
		return 0;
	while (i-- > 0) {
		key(d, k, i, kk);
		if (!memcmp(kk, st->key[k], sizeof(kk)))
			return (long)i + 1;
	}
	return -1;
}

static void lost(FILE *out, enum fs_record k, uint64_t n, int json)
{
	static const char *const what[] = { "slow forks", "fork bills", "clears", "sets" };
	static const char *const types[] = { "fork", "bill", "clear", "set" };
	struct jw j;

	if (!json) {
		fprintf(out, "(%llu %s came and went unseen: the ring turned over between reads)\n",
			(unsigned long long)n, what[k]);
		return;
	}
	jw_init(&j, out);
	jw_obj(&j, NULL);
	jw_str(&j, "type", "lost");
	jw_str(&j, "of", types[k]);
	jw_u64(&j, "count", n);
	jw_done(&j);
}

void follow_step(struct follow_state *st, const struct fs_doc *d, unsigned int kinds,
		 struct symbolizer *sy, FILE *out, int json)
{
	enum fs_record k;

	for (k = 0; k < FS_NR_RECORDS; k++) {
		size_t n = count(d, k), i;
		uint64_t t = total(d, k);
		int reset = st->started && t < st->total[k];
		long from = reset ? 0 : after_last(st, d, k);

		if (from < 0) {
			from = 0;
			if (t - st->total[k] > n && !d->filtered)
				lost(out, k, t - st->total[k] - n, json);
		}
		for (i = st->started ? (size_t)from : n; (kinds & 1U << k) && i < n; i++) {
			if (json)
				render_record_json(out, d, sy, k, i);
			else
				render_record_line(out, d, sy, k, i);
		}
		st->total[k] = t;
		if (n) {
			key(d, k, n - 1, st->key[k]);
			st->have[k] = 1;
		} else if (reset) {
			st->have[k] = 0;
		}
	}
	st->started = 1;
}
