// SPDX-License-Identifier: GPL-2.0
/*
 * What a read of /proc/forkstat returns: one snapshot of the document,
 * taken with the opener's view (reader.c) at its first read, and again
 * at every read from offset 0, and held until the opener has read it to
 * the end or closes the file. A reader that reads to the end of file
 * gets one consistent document, however small its reads.
 *
 * Memory an opener can pin: opening costs the view only; a snapshot is
 * as large as its text (rendered into a scratch buffer, one render at a
 * time host-wide, then copied), and a user without CAP_SYS_ADMIN holds at
 * most FORKSTAT_SNAPS_PER_USER of them at once per PID namespace (so
 * that containers that run as the same user do not share a limit).
 * Beyond that a read gets that user's newest snapshot of the same view
 * again if it is under a second old, else -EBUSY. So a thousand
 * half-read descriptors of one user pin four documents, not a thousand;
 * an administrator's reads are not limited (root can pin memory anyway).
 * Sharing happens only at the limit, never to save a render.
 *
 * Closing, or reading to the end, never waits for a render: the list is
 * under a spinlock held for a few instructions, renders under a mutex of
 * their own, taken killable.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "forkstat.h"

#define FORKSTAT_SNAPS_PER_USER	4
/* How old a snapshot shared at the limit may be. */
#define FORKSTAT_SNAP_SHARE_AGE	HZ
/* The first scratch buffer at most; it grows as the document needs. */
#define FORKSTAT_RENDER_FIRST	SZ_16M

struct forkstat_snap {
	struct list_head node;		/* in forkstat_snaps */
	unsigned int users;		/* openers holding it */
	struct forkstat_reader view;	/* pid_ns held by its users' views */
	unsigned long born;		/* jiffies */
	size_t len;
	char *text;
};

/* The list, its counts and every snapshot's users. */
static DEFINE_SPINLOCK(forkstat_snaps_lock);
/* One render at a time: bounds the scratch memory; limits are checked under it. */
static DEFINE_MUTEX(forkstat_render_lock);
static LIST_HEAD(forkstat_snaps);
static unsigned int forkstat_snaps_n;
static size_t forkstat_snaps_bytes;
static atomic_t forkstat_openers = ATOMIC_INIT(0);

/* The document for view r, exactly as long as it is. */
static int forkstat_render(struct forkstat_reader *r, size_t size,
			   int (*show)(struct seq_file *m), char **text, size_t *len)
{
	struct seq_file m = { .private = r };
	int ret;

	size = min_t(size_t, size, FORKSTAT_RENDER_FIRST);
	for (;;) {
		m.buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
		if (!m.buf)
			return -ENOMEM;
		m.size = size;
		m.count = 0;
		ret = show(&m);
		if (ret || !seq_has_overflowed(&m))
			break;
		kvfree(m.buf);
		if (size >= FORKSTAT_DOC_MAX)
			return -EFBIG;
		/* The last try is exactly the limit: a document is shorter. */
		size = min_t(size_t, size * 2, FORKSTAT_DOC_MAX);
	}
	*len = m.count;
	*text = ret ? NULL : kvmalloc(max_t(size_t, m.count, 1), GFP_KERNEL_ACCOUNT);
	if (*text)
		memcpy(*text, m.buf, m.count);
	else if (!ret)
		ret = -ENOMEM;
	kvfree(m.buf);
	return ret;
}

/*
 * At the limit of r's user in r's PID namespace: its newest snapshot of
 * r's view, if young enough to share.
 */
static struct forkstat_snap *forkstat_snap_limit(const struct forkstat_reader *r,
						 bool *limited)
{
	struct forkstat_snap *s, *newest = NULL;
	unsigned int held = 0;

	*limited = false;
	if (r->admin)
		return NULL;
	list_for_each_entry(s, &forkstat_snaps, node) {
		if (s->view.admin || !uid_eq(s->view.uid, r->uid) ||
		    s->view.pid_ns != r->pid_ns)
			continue;
		held++;
		if (forkstat_reader_same_view(&s->view, r) &&
		    (!newest || time_after(s->born, newest->born)))
			newest = s;
	}
	*limited = held >= FORKSTAT_SNAPS_PER_USER;
	if (!*limited || !newest ||
	    time_after(jiffies, newest->born + FORKSTAT_SNAP_SHARE_AGE))
		return NULL;
	return newest;
}

struct forkstat_snap *forkstat_snap_get(struct forkstat_reader *r, size_t size,
					int (*show)(struct seq_file *m))
{
	struct forkstat_snap *s;
	bool limited;
	int ret;

	if (mutex_lock_killable(&forkstat_render_lock))
		return ERR_PTR(-EINTR);
	spin_lock(&forkstat_snaps_lock);
	s = forkstat_snap_limit(r, &limited);
	if (s)
		s->users++;
	spin_unlock(&forkstat_snaps_lock);
	if (s)
		goto out;
	if (limited) {
		s = ERR_PTR(-EBUSY);
		goto out;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s) {
		s = ERR_PTR(-ENOMEM);
		goto out;
	}
	ret = forkstat_render(r, size, show, &s->text, &s->len);
	if (ret) {
		kfree(s);
		s = ERR_PTR(ret);
		goto out;
	}
	s->users = 1;
	s->view = *r;
	s->born = jiffies;
	spin_lock(&forkstat_snaps_lock);
	list_add(&s->node, &forkstat_snaps);
	forkstat_snaps_n++;
	forkstat_snaps_bytes += s->len;
	spin_unlock(&forkstat_snaps_lock);
out:
	mutex_unlock(&forkstat_render_lock);
	return s;
}

void forkstat_snap_put(struct forkstat_snap *s)
{
	if (!s)
		return;
	spin_lock(&forkstat_snaps_lock);
	if (--s->users) {
		s = NULL;
	} else {
		list_del(&s->node);
		forkstat_snaps_n--;
		forkstat_snaps_bytes -= s->len;
	}
	spin_unlock(&forkstat_snaps_lock);
	if (s) {
		kvfree(s->text);
		kfree(s);
	}
}

const char *forkstat_snap_text(const struct forkstat_snap *s, size_t *len)
{
	*len = s->len;
	return s->text;
}

void forkstat_snap_opened(void)
{
	atomic_inc(&forkstat_openers);
}

void forkstat_snap_closed(void)
{
	atomic_dec(&forkstat_openers);
}

/* The snapshot being rendered is not counted. */
void forkstat_snap_show(struct seq_file *m)
{
	unsigned int n;
	size_t bytes;

	spin_lock(&forkstat_snaps_lock);
	n = forkstat_snaps_n;
	bytes = forkstat_snaps_bytes;
	spin_unlock(&forkstat_snaps_lock);
	seq_printf(m, "readers open=%d snapshots=%u bytes=%zu per_user=%d\n",
		   atomic_read(&forkstat_openers), n, bytes, FORKSTAT_SNAPS_PER_USER);
}
