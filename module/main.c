// SPDX-License-Identifier: GPL-2.0
/*
 * forkstat: fork latency, what a fork costs the rest of its process, and
 * socket blocking-mode changes, seen from the kernel and published in
 * /proc/forkstat.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "forkstat.h"

/* Where the probes write must exist before they attach. */
static int __init forkstat_init(void)
{
	int ret;

	ret = forkstat_ustack_init();
	if (ret)
		return ret;
	ret = forkstat_stats_init();
	if (ret)
		goto out_ustack;
	ret = forkstat_rows_init();
	if (ret)
		goto out_stats;
	ret = forkstat_slow_init();
	if (ret)
		goto out_rows;
	ret = forkstat_cleared_init();
	if (ret)
		goto out_slow;
	ret = forkstat_cow_init();
	if (ret)
		goto out_cleared;
	forkstat_stall_init();
	forkstat_fork_init();
	ret = forkstat_sockmode_init();
	if (ret)
		goto out_fork;
	ret = forkstat_file_init();
	if (ret)
		goto out_sockmode;
	return 0;

out_sockmode:
	forkstat_sockmode_exit();
out_fork:
	forkstat_fork_exit();
	forkstat_stall_exit();
	forkstat_cow_exit();
out_cleared:
	forkstat_cleared_exit();
out_slow:
	forkstat_slow_exit();
out_rows:
	forkstat_rows_exit();
out_stats:
	forkstat_stats_exit();
out_ustack:
	forkstat_ustack_exit();
	return ret;
}

/* No reader may see counters whose probes are gone: file first. */
static void __exit forkstat_exit(void)
{
	forkstat_file_exit();
	forkstat_sockmode_exit();
	forkstat_fork_exit();
	forkstat_stall_exit();
	forkstat_cow_exit();
	forkstat_cleared_exit();
	forkstat_slow_exit();
	forkstat_rows_exit();
	forkstat_stats_exit();
	forkstat_ustack_exit();
}

module_init(forkstat_init);
module_exit(forkstat_exit);

MODULE_DESCRIPTION("Fork latency and socket O_NONBLOCK clears in /proc/forkstat");
MODULE_AUTHOR("forkstat developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(FORKSTAT_VERSION);
