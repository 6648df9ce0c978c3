// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/forkstat: a read shows what the module knows that the reader may
 * see (format in docs/format.md; who sees what in reader.c), a write of
 * "reset" by CAP_SYS_ADMIN in the initial user namespace zeroes it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "forkstat.h"

static struct proc_dir_entry *forkstat_file;

/* In the order docs/format.md lists the records. */
static int forkstat_show(struct seq_file *m, void *v)
{
	const struct forkstat_reader *r = m->private;
	int ret = 0;

	seq_printf(m, "forkstat format=%d module=%s kernel=%s\n",
		   FORKSTAT_FORMAT, FORKSTAT_VERSION, init_utsname()->release);
	forkstat_reader_show(m, r);
	if (forkstat_reader_sees_host(r)) {
		forkstat_fork_show(m);
		forkstat_stall_show(m);
		forkstat_later_show(m);
		forkstat_release_show(m);
		ret = forkstat_stats_show(m);
	}
	forkstat_ustack_show_cfg(m, r);
	if (!ret)
		ret = forkstat_slow_show(m, r);
	if (!ret)
		ret = forkstat_cow_show(m, r);
	if (!ret)
		ret = forkstat_sockmode_show(m, r);
	if (ret)
		return ret;
	forkstat_blocked_show(m, r);
	forkstat_rows_show(m, r);
	return 0;
}

/*
 * Room for the whole document up front: seq_file would otherwise run the
 * show again for every doubling of its buffer, and a full per-process
 * table is hundreds of KiB. Huge tables still grow the buffer as needed.
 */
#define FORKSTAT_READ_BUF_MAX	(16 << 20)

/* The reader's view is taken at open, with the opener's namespaces. */
static int forkstat_open(struct inode *inode, struct file *file)
{
	size_t size = PAGE_SIZE * 8 + forkstat_rows_show_size() +
		      forkstat_slow_show_size() + forkstat_cow_show_size() +
		      forkstat_sockmode_show_size() +
		      forkstat_blocked_show_size() + forkstat_ustack_show_size();
	struct forkstat_reader *r = forkstat_reader_new(file);
	int ret;

	if (!r)
		return -ENOMEM;
	ret = single_open_size(file, forkstat_show, r,
			       min_t(size_t, size, FORKSTAT_READ_BUF_MAX));
	if (ret)
		forkstat_reader_free(r);
	return ret;
}

static int forkstat_release(struct inode *inode, struct file *file)
{
	forkstat_reader_free(((struct seq_file *)file->private_data)->private);
	return single_release(inode, file);
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
	forkstat_rows_reset();
	forkstat_sockmode_reset();
	forkstat_cleared_reset();
	forkstat_ustack_reset();
	forkstat_later_reset();
	forkstat_release_reset();
	return count;
}

static const struct proc_ops forkstat_file_ops = {
	.proc_open	= forkstat_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
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
