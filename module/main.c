// SPDX-License-Identifier: GPL-2.0
/*
 * forkstat: fork latency, what a fork costs the rest of its process,
 * socket blocking-mode changes and OOM kills, seen from the kernel and
 * published in /proc/forkstat.
 *
 * Load: every part gets its memory, then /proc/forkstat is created, then
 * the probes attach; a probe that cannot attach is reported and skipped,
 * so nothing fails once the first one is live (a failed load never
 * leaves work queued on a thread). Unload: the file goes first (no reader
 * sees counters whose probes are gone), then the probes, then the work
 * they left behind (later.c, release.c), then the memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "forkstat.h"
#include "probes.h"

static int __init forkstat_init(void)
{
	int ret;

	ret = forkstat_probes_init();
	if (ret)
		goto out;
	ret = forkstat_later_init();
	if (ret)
		goto out_probes;
	ret = forkstat_ustack_init();
	if (ret)
		goto out_later;
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
	ret = forkstat_sockmode_init();
	if (ret)
		goto out_cow;
	ret = forkstat_spawn_init();
	if (ret)
		goto out_sockmode;
	ret = forkstat_oom_init();
	if (ret)
		goto out_spawn;
	forkstat_stall_init();
	ret = forkstat_file_init();
	if (ret)
		goto out_oom;

	forkstat_stall_attach();
	forkstat_cow_attach();
	forkstat_spawn_attach();
	forkstat_fork_attach();
	forkstat_sockmode_attach();
	forkstat_oom_attach();
	return 0;

out_oom:
	forkstat_oom_exit();
out_spawn:
	forkstat_spawn_exit();
out_sockmode:
	forkstat_sockmode_exit();
out_cow:
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
out_later:
	forkstat_later_exit();
out_probes:
	forkstat_probes_exit();
out:
	pr_err("not loaded (error %d)\n", ret);
	return ret;
}

static void __exit forkstat_exit(void)
{
	forkstat_file_exit();
	forkstat_oom_detach();
	forkstat_sockmode_detach();
	forkstat_fork_detach();
	forkstat_spawn_detach();
	forkstat_cow_detach();
	forkstat_stall_detach();
	forkstat_later_exit();
	forkstat_release_exit();
	forkstat_oom_exit();
	forkstat_spawn_exit();
	forkstat_sockmode_exit();
	forkstat_cow_exit();
	forkstat_cleared_exit();
	forkstat_slow_exit();
	forkstat_rows_exit();
	forkstat_stats_exit();
	forkstat_ustack_exit();
	forkstat_probes_exit();
}

module_init(forkstat_init);
module_exit(forkstat_exit);

MODULE_DESCRIPTION("Fork latency, socket O_NONBLOCK clears and OOM kills in /proc/forkstat");
MODULE_AUTHOR("forkstat developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(FORKSTAT_VERSION);
