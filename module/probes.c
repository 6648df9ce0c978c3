// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching one probe, and the health figures every probe reports.
 *
 * Each probe is attached on its own: a symbol that a kernel inlines or
 * renames costs the figure that probe feeds, never the module load.
 * /proc/forkstat lists every probe with its state so a user can tell a
 * missing figure from a zero one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>

#include "forkstat.h"

static bool forkstat_probe_is_ret(struct forkstat_probe *p)
{
	return p->rp.handler || p->rp.entry_handler;
}

/* Returns 0 when attached; a refusal is logged and left in p->err. */
int forkstat_probe_register(struct forkstat_probe *p)
{
	p->hits = alloc_percpu(u64);
	if (!p->hits)
		p->err = -ENOMEM;
	else if (forkstat_probe_is_ret(p))
		p->err = register_kretprobe(&p->rp);
	else
		p->err = register_kprobe(&p->rp.kp);
	if (p->err) {
		p->state = FORKSTAT_PROBE_FAILED;
		pr_warn("probe %s not attached (error %d), its figures stay empty\n",
			p->rp.kp.symbol_name, p->err);
		free_percpu(p->hits);
		p->hits = NULL;
		return p->err;
	}
	p->state = FORKSTAT_PROBE_ATTACHED;
	return 0;
}

/* Returns once no handler of this probe runs any more. */
void forkstat_probe_unregister(struct forkstat_probe *p)
{
	if (p->state != FORKSTAT_PROBE_ATTACHED)
		return;
	if (forkstat_probe_is_ret(p))
		unregister_kretprobe(&p->rp);
	else
		unregister_kprobe(&p->rp.kp);
	free_percpu(p->hits);
	p->hits = NULL;
	p->state = FORKSTAT_PROBE_UNUSED;
}

/* The probe's symbol when it feeds a figure, for "method" lines; else "none". */
const char *forkstat_probe_used(struct forkstat_probe *p)
{
	return p->state == FORKSTAT_PROBE_ATTACHED ? p->rp.kp.symbol_name : "none";
}

static u64 forkstat_sum(u64 __percpu *counter)
{
	u64 sum = 0;
	int cpu;

	if (!counter)
		return 0;
	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(counter, cpu);
	return sum;
}

static const char *const forkstat_probe_states[] = {
	[FORKSTAT_PROBE_UNUSED] = "unused",
	[FORKSTAT_PROBE_ATTACHED] = "attached",
	[FORKSTAT_PROBE_FAILED] = "failed",
};

void forkstat_probe_show(struct seq_file *m, struct forkstat_probe *p)
{
	bool ret = forkstat_probe_is_ret(p);
	/* A kretprobe misses on its entry kprobe or for want of an instance. */
	unsigned long nmissed = p->rp.kp.nmissed + (ret ? p->rp.nmissed : 0);

	seq_printf(m, "probe symbol=%s kind=%s state=%s error=%d hits=%llu nmissed=%lu",
		   p->rp.kp.symbol_name, ret ? "kretprobe" : "kprobe",
		   forkstat_probe_states[p->state], p->err,
		   forkstat_sum(p->hits), nmissed);
	/* Return instances the kernel allocated for it: its memory cost. */
	if (ret)
		seq_printf(m, " maxactive=%d", p->rp.maxactive);
	seq_putc(m, '\n');
}

/*
 * Racing handlers may add to a counter while it is zeroed: a reset is a
 * point in time only to within the forks in flight.
 */
void forkstat_probe_reset(struct forkstat_probe *p)
{
	int cpu;

	if (p->hits)
		for_each_possible_cpu(cpu)
			*per_cpu_ptr(p->hits, cpu) = 0;
	p->rp.kp.nmissed = 0;
	p->rp.nmissed = 0;
}

void forkstat_probes_show(struct seq_file *m, struct forkstat_probe *const *probes,
			  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		forkstat_probe_show(m, probes[i]);
}

void forkstat_probes_reset(struct forkstat_probe *const *probes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		forkstat_probe_reset(probes[i]);
}

void forkstat_probes_unregister(struct forkstat_probe *const *probes, size_t n)
{
	while (n--)
		forkstat_probe_unregister(probes[n]);
}
