// SPDX-License-Identifier: GPL-2.0
/*
 * The probes forkstat attaches, and what each one counts.
 *
 * Each probe is attached on its own: a symbol that a kernel inlines or
 * renames costs the figure that probe feeds, never the module load.
 * /proc/forkstat lists every probe with its state so a user can tell a
 * missing figure from a zero one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/percpu.h>

#include "forkstat.h"

struct forkstat_probe {
	struct kprobe kp;
	/* Calls seen, per CPU so that forks on other CPUs never share a line. */
	u64 __percpu *hits;
	/* 0 once attached, else why register_kprobe() refused. */
	int err;
};

static int forkstat_count_entry(struct kprobe *kp, struct pt_regs *regs)
{
	struct forkstat_probe *p = container_of(kp, struct forkstat_probe, kp);

	this_cpu_inc(*p->hits);
	return 0;
}

/*
 * Reloading the module while other CPUs fork has been seen to send a
 * fork to address 0 right after the probe is armed (selftests/
 * load_unload.sh, on 6.12 with a kretprobe and on 6.1 with this kprobe;
 * both sit on copy_process's ftrace site). Not understood yet.
 */
static struct forkstat_probe forkstat_probes[] = {
	{ .kp = { .symbol_name = "copy_process",
		  .pre_handler = forkstat_count_entry } },
};

int forkstat_probes_init(void)
{
	int attached = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(forkstat_probes); i++) {
		struct forkstat_probe *p = &forkstat_probes[i];

		p->hits = alloc_percpu(u64);
		if (!p->hits) {
			forkstat_probes_exit();
			return -ENOMEM;
		}
		p->err = register_kprobe(&p->kp);
		if (p->err)
			pr_warn("probe %s not attached (error %d), its figures stay empty\n",
				p->kp.symbol_name, p->err);
		else
			attached++;
	}
	pr_info("%d of %zu probes attached\n", attached,
		ARRAY_SIZE(forkstat_probes));
	return 0;
}

/* Also undoes a partial init: hits tells how far it went. */
void forkstat_probes_exit(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(forkstat_probes); i++) {
		struct forkstat_probe *p = &forkstat_probes[i];

		if (!p->hits)
			continue;
		/* Waits until no handler of this probe runs any more. */
		if (!p->err)
			unregister_kprobe(&p->kp);
		free_percpu(p->hits);
		p->hits = NULL;
	}
}

static u64 forkstat_sum(u64 __percpu *counter)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(counter, cpu);
	return sum;
}

void forkstat_probes_show(struct seq_file *m)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(forkstat_probes); i++) {
		struct forkstat_probe *p = &forkstat_probes[i];

		seq_printf(m, "probe symbol=%s kind=kprobe state=%s error=%d hits=%llu nmissed=%lu\n",
			   p->kp.symbol_name,
			   p->err ? "failed" : "attached", p->err,
			   forkstat_sum(p->hits), p->kp.nmissed);
	}
}

/*
 * Racing handlers may add to a counter while it is zeroed: a reset is a
 * point in time only to within the forks in flight, which is all a user
 * can observe anyway.
 */
void forkstat_probes_reset(void)
{
	size_t i;
	int cpu;

	for (i = 0; i < ARRAY_SIZE(forkstat_probes); i++) {
		struct forkstat_probe *p = &forkstat_probes[i];

		for_each_possible_cpu(cpu)
			*per_cpu_ptr(p->hits, cpu) = 0;
		p->kp.nmissed = 0;
	}
}
