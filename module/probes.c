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
#include <linux/cpumask.h>

#include "forkstat.h"

struct forkstat_probe {
	struct kretprobe krp;
	/* Completed calls, per CPU so that forks on other CPUs never share a line. */
	u64 __percpu *hits;
	/* 0 once attached, else why register_kretprobe() refused. */
	int err;
};

static int forkstat_count_return(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	struct forkstat_probe *p;

	p = container_of(get_kretprobe(ri), struct forkstat_probe, krp);
	this_cpu_inc(*p->hits);
	return 0;
}

static struct forkstat_probe forkstat_probes[] = {
	{ .krp = { .kp.symbol_name = "copy_process",
		   .handler = forkstat_count_return } },
};

/*
 * copy_process() sleeps (allocations, the parent's mmap lock), so many
 * calls can be in flight per CPU; a return instance that cannot be had
 * is a missed event, so be generous.
 */
#define FORKSTAT_MAXACTIVE_PER_CPU	64

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
		p->krp.maxactive = FORKSTAT_MAXACTIVE_PER_CPU *
				   num_possible_cpus();
		p->err = register_kretprobe(&p->krp);
		if (p->err)
			pr_warn("probe %s not attached (error %d), its figures stay empty\n",
				p->krp.kp.symbol_name, p->err);
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
			unregister_kretprobe(&p->krp);
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

		/* No return instance free, or the probe hit inside another. */
		unsigned long nmissed = p->krp.nmissed + p->krp.kp.nmissed;

		seq_printf(m, "probe symbol=%s kind=kretprobe state=%s error=%d hits=%llu nmissed=%lu\n",
			   p->krp.kp.symbol_name,
			   p->err ? "failed" : "attached", p->err,
			   forkstat_sum(p->hits), nmissed);
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
		p->krp.nmissed = 0;
		p->krp.kp.nmissed = 0;
	}
}
