// SPDX-License-Identifier: GPL-2.0
/*
 * forkstat: fork latency and socket blocking-mode changes, seen from the
 * kernel and published in /proc/forkstat.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "forkstat.h"

static int __init forkstat_init(void)
{
	int ret;

	ret = forkstat_probes_init();
	if (ret)
		return ret;

	ret = forkstat_proc_init();
	if (ret) {
		forkstat_probes_exit();
		return ret;
	}
	return 0;
}

static void __exit forkstat_exit(void)
{
	/* No reader may see counters whose probes are gone: file first. */
	forkstat_proc_exit();
	forkstat_probes_exit();
}

module_init(forkstat_init);
module_exit(forkstat_exit);

MODULE_DESCRIPTION("Fork latency and socket O_NONBLOCK clears in /proc/forkstat");
MODULE_AUTHOR("forkstat developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(FORKSTAT_VERSION);
