// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/forkstat: a read shows what the module knows that the reader may
 * see (format in docs/format.md; who sees what in reader.c), a write of
 * "reset" by CAP_SYS_ADMIN in the initial user namespace zeroes it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "forkstat.h"

static struct proc_dir_entry *forkstat_file;

/* In the order docs/format.md lists the records. */
static int forkstat_show(struct seq_file *m)
{
	struct forkstat_reader *r = m->private;
	int ret = 0;

	/* end=1: the last line is "end", so a reader knows a document cut short. */
	seq_printf(m, "forkstat format=%d module=%s kernel=%s page_size=%lu end=1\n",
		   FORKSTAT_FORMAT, FORKSTAT_VERSION, init_utsname()->release,
		   PAGE_SIZE);
	forkstat_reader_show(m, r);
	if (forkstat_reader_sees_host(r)) {
		forkstat_fork_show(m);
		forkstat_stall_show(m);
		forkstat_oom_probes_show(m);
		forkstat_later_show(m);
		forkstat_release_show(m);
		forkstat_snap_show(m);
		ret = forkstat_stats_show(m);
	}
	forkstat_ustack_show_cfg(m, r);
	if (!ret)
		ret = forkstat_slow_show(m, r);
	if (!ret)
		ret = forkstat_cow_show(m, r);
	if (!ret)
		forkstat_spawn_show(m, r);
	if (!ret)
		ret = forkstat_sockmode_show(m, r);
	if (ret)
		return ret;
	forkstat_oom_show(m, r);
	forkstat_blocked_show(m, r);
	forkstat_rows_show(m, r);
	seq_puts(m, "end\n");
	return 0;
}

/*
 * Room for the whole document in the first render: the biggest the
 * tables can print. The text kept is only as long as the document.
 */
static size_t forkstat_show_size(void)
{
	return PAGE_SIZE * 8 + forkstat_rows_show_size() +
	       forkstat_slow_show_size() + forkstat_cow_show_size() +
	       forkstat_sockmode_show_size() + forkstat_blocked_show_size() +
	       forkstat_ustack_show_size() + forkstat_oom_show_size();
}

/* One per open file: its view, and the snapshot it is reading. */
struct forkstat_opener {
	struct mutex lock;		/* one read at a time */
	struct forkstat_reader *r;
	struct forkstat_snap *snap;
	/* Length of the last snapshot read to its end, -1 before one is. */
	ssize_t done;
};

/* The reader's view is taken at open, with the opener's namespaces. */
static int forkstat_open(struct inode *inode, struct file *file)
{
	struct forkstat_opener *o = kzalloc(sizeof(*o), GFP_KERNEL_ACCOUNT);

	if (!o)
		return -ENOMEM;
	o->r = forkstat_reader_new(file);
	if (!o->r) {
		kfree(o);
		return -ENOMEM;
	}
	mutex_init(&o->lock);
	o->done = -1;
	file->private_data = o;
	forkstat_snap_opened();
	return 0;
}

static int forkstat_release(struct inode *inode, struct file *file)
{
	struct forkstat_opener *o = file->private_data;

	forkstat_snap_put(o->snap);
	forkstat_reader_free(o->r);
	mutex_destroy(&o->lock);
	kfree(o);
	forkstat_snap_closed();
	return 0;
}

/*
 * From offset 0, a new snapshot; further on, the rest of the one being
 * read, let go of once read to its end. A read past the end of the last
 * one is end of file; one into it after that, a new snapshot.
 */
static ssize_t forkstat_read(struct file *file, char __user *buf, size_t count,
			     loff_t *ppos)
{
	struct forkstat_opener *o = file->private_data;
	loff_t pos = *ppos;
	const char *text;
	size_t len, n, left;
	ssize_t ret;

	if (pos < 0)
		return -EINVAL;
	if (!count)
		return 0;
	if (mutex_lock_killable(&o->lock))
		return -EINTR;
	if (pos == 0 || (!o->snap && (o->done < 0 || pos < o->done))) {
		forkstat_snap_put(o->snap);
		o->snap = forkstat_snap_get(o->r, forkstat_show_size(), forkstat_show);
		if (IS_ERR(o->snap)) {
			ret = PTR_ERR(o->snap);
			o->snap = NULL;
			goto out;
		}
	}
	ret = 0;
	if (!o->snap)
		goto out;
	text = forkstat_snap_text(o->snap, &len);
	if (pos < len) {
		n = min_t(size_t, count, len - pos);
		left = copy_to_user(buf, text + pos, n);
		if (left == n) {
			ret = -EFAULT;
			goto out;
		}
		n -= left;
		*ppos = pos + n;
		ret = n;
	}
	if (pos + ret >= len) {
		o->done = len;
		forkstat_snap_put(o->snap);
		o->snap = NULL;
	}
out:
	mutex_unlock(&o->lock);
	return ret;
}

/* Longest command accepted, with its newline and terminating NUL. */
#define FORKSTAT_CMD_MAX	16

static ssize_t forkstat_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char cmd[FORKSTAT_CMD_MAX];

	/* The opener's credentials: a setuid writer cannot be tricked into it. */
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	/* An empty write fails the comparison below like any other junk. */
	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';

	/* "reset\0junk" is junk, not reset. */
	if (strlen(cmd) != count || !sysfs_streq(cmd, FORKSTAT_CMD_RESET))
		return -EINVAL;
	forkstat_fork_reset();
	forkstat_stall_reset();
	forkstat_stats_reset();
	forkstat_slow_reset();
	forkstat_cow_reset();
	forkstat_spawn_reset();
	forkstat_rows_reset();
	forkstat_sockmode_reset();
	forkstat_cleared_reset();
	forkstat_ustack_reset();
	forkstat_oom_reset();
	forkstat_later_reset();
	forkstat_release_reset();
	return count;
}

static const struct proc_ops forkstat_file_ops = {
	.proc_open	= forkstat_open,
	.proc_read	= forkstat_read,
	.proc_lseek	= no_seek_end_llseek,
	.proc_release	= forkstat_release,
	.proc_write	= forkstat_write,
};

int forkstat_file_init(void)
{
	forkstat_file = proc_create("forkstat", 0644, NULL, &forkstat_file_ops);
	if (!forkstat_file) {
		pr_err("cannot create /proc/forkstat\n");
		return -ENOMEM;
	}
	return 0;
}

/* Returns once no reader or writer is inside the file's operations. */
void forkstat_file_exit(void)
{
	proc_remove(forkstat_file);
}
