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
#include <linux/tracepoint.h>

#include "probes.h"

/*
 * Hit counts, a slot per probe and CPU, allocated before /proc/forkstat
 * exists and freed once it is gone (main.c): a read or reset of the file
 * while the probes attach never meets a counter that a refused attach or
 * a detach at load freed. A probe takes its slot at its first
 * registration, which is at load only, and keeps it.
 */
#define FORKSTAT_PROBE_SLOTS	32
static u64 __percpu *forkstat_probe_hits;
static unsigned int forkstat_probe_slots_taken;

int forkstat_probes_init(void)
{
	forkstat_probe_hits = (u64 __percpu *)__alloc_percpu(FORKSTAT_PROBE_SLOTS * sizeof(u64),
							     __alignof__(u64));
	return forkstat_probe_hits ? 0 : -ENOMEM;
}

void forkstat_probes_exit(void)
{
	free_percpu(forkstat_probe_hits);
	forkstat_probe_hits = NULL;
}

static int forkstat_probe_attach(struct forkstat_probe *p)
{
	p->rp.kp.symbol_name = p->symbol;
	switch (p->kind) {
	case FORKSTAT_KPROBE:
		return register_kprobe(&p->rp.kp);
	case FORKSTAT_KRETPROBE:
		return register_kretprobe(&p->rp);
	case FORKSTAT_FPROBE:
#if IS_ENABLED(CONFIG_FPROBE)
		/*
		 * By symbol, not register_fprobe()'s filter string: 6.12
		 * copies the filter with a kstrdup() whose failure it does
		 * not check, and a NULL filter leaves the fprobe's hash
		 * empty, which ftrace takes as every function of the kernel
		 * (a load that never ends after a failed allocation).
		 * Each fprobe is registered at most once per load: 6.12's
		 * ftrace_free_filter() leaves the freed filter behind for
		 * the next registration of the same struct to copy.
		 */
		return register_fprobe_syms(&p->fp, &p->symbol, 1);
#endif
		break;
	}
	return -EOPNOTSUPP;
}

static void forkstat_probe_detach(struct forkstat_probe *p)
{
	switch (p->kind) {
	case FORKSTAT_KPROBE:
		unregister_kprobe(&p->rp.kp);
		break;
	case FORKSTAT_KRETPROBE:
		unregister_kretprobe(&p->rp);
		break;
	case FORKSTAT_FPROBE:
#if IS_ENABLED(CONFIG_FPROBE)
		unregister_fprobe(&p->fp);
#endif
		break;
	}
}

/*
 * Returns 0 when registered; a refusal is logged and left in p->err. A
 * kretprobe registered off is in the kernel's list but not armed: nothing
 * runs on its function until forkstat_probe_switch() turns it on.
 */
int forkstat_probe_register(struct forkstat_probe *p, bool off)
{
	p->err = -EOPNOTSUPP;
	if (off && p->kind != FORKSTAT_KRETPROBE)
		goto refused;
	if (off)
		p->rp.kp.flags |= KPROBE_FLAG_DISABLED;
	if (!p->hits && forkstat_probe_slots_taken < FORKSTAT_PROBE_SLOTS)
		WRITE_ONCE(p->hits, forkstat_probe_hits + forkstat_probe_slots_taken++);
	p->err = p->hits ? forkstat_probe_attach(p) : -ENOSPC;
refused:
	if (p->err) {
		p->state = FORKSTAT_PROBE_FAILED;
		pr_warn("probe %s not attached (error %d), its figures stay empty\n",
			p->symbol, p->err);
		return p->err;
	}
	p->state = off ? FORKSTAT_PROBE_OFF : FORKSTAT_PROBE_ATTACHED;
	return 0;
}

/* Returns once no handler of this probe runs any more. */
void forkstat_probe_unregister(struct forkstat_probe *p)
{
	if (p->state != FORKSTAT_PROBE_ATTACHED && p->state != FORKSTAT_PROBE_OFF)
		return;
	forkstat_probe_detach(p);
	p->state = FORKSTAT_PROBE_UNUSED;
}

int forkstat_probe_switch(struct forkstat_probe *p, bool on)
{
	int ret;

	if (p->state != FORKSTAT_PROBE_ATTACHED && p->state != FORKSTAT_PROBE_OFF)
		return -ENOENT;
	if (p->kind != FORKSTAT_KRETPROBE)
		return -EOPNOTSUPP;
	ret = on ? enable_kretprobe(&p->rp) : disable_kretprobe(&p->rp);
	if (!ret)
		p->state = on ? FORKSTAT_PROBE_ATTACHED : FORKSTAT_PROBE_OFF;
	return ret;
}

/* The probe's symbol when it feeds a figure, for "method" lines; else "none". */
const char *forkstat_probe_used(struct forkstat_probe *p)
{
	return p->state == FORKSTAT_PROBE_ATTACHED ? p->symbol : "none";
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
	[FORKSTAT_PROBE_OFF] = "off",
	[FORKSTAT_PROBE_FAILED] = "failed",
};

static const char *const forkstat_probe_kinds[] = {
	[FORKSTAT_KPROBE] = "kprobe",
	[FORKSTAT_KRETPROBE] = "kretprobe",
	[FORKSTAT_FPROBE] = "fprobe",
};

/*
 * Calls missed: a kprobe fired inside another probe, or a return probe
 * found no free instance. Return instances are the memory cost of a
 * probe that follows calls: maxactive.
 */
void forkstat_probe_show(struct seq_file *m, struct forkstat_probe *p)
{
	unsigned long nmissed = p->rp.kp.nmissed + p->rp.nmissed;
	int maxactive = p->kind == FORKSTAT_KRETPROBE ? p->rp.maxactive : 0;

#if IS_ENABLED(CONFIG_FPROBE)
	if (p->kind == FORKSTAT_FPROBE) {
		nmissed = p->fp.nmissed;
		maxactive = p->fp.exit_handler ? p->fp.nr_maxactive : 0;
	}
#endif
	seq_printf(m, "probe symbol=%s kind=%s state=%s error=%d hits=%llu nmissed=%lu",
		   p->symbol, forkstat_probe_kinds[p->kind],
		   forkstat_probe_states[p->state], p->err,
		   forkstat_sum(READ_ONCE(p->hits)), nmissed);
	if (maxactive)
		seq_printf(m, " maxactive=%d", maxactive);
	seq_putc(m, '\n');
}

/*
 * Racing handlers may add to a counter while it is zeroed: a reset is a
 * point in time only to within the calls in flight.
 */
void forkstat_probe_reset(struct forkstat_probe *p)
{
	u64 __percpu *hits = READ_ONCE(p->hits);
	u64 *hit;
	int cpu;

	for_each_possible_cpu(cpu) {
		hit = hits ? per_cpu_ptr(hits, cpu) : NULL;
		if (hit)
			*hit = 0;
	}
	p->rp.kp.nmissed = 0;
	p->rp.nmissed = 0;
#if IS_ENABLED(CONFIG_FPROBE)
	p->fp.nmissed = 0;
#endif
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

struct forkstat_tp_lookup {
	const char *name;
	struct tracepoint *tp;
};

static void forkstat_tp_match(struct tracepoint *tp, void *priv)
{
	struct forkstat_tp_lookup *l = priv;

	if (!strcmp(tp->name, l->name))
		l->tp = tp;
}

/* Tracepoints are not exported by name: the kernel's list is searched. */
struct tracepoint *forkstat_tracepoint_find(const char *name)
{
	struct forkstat_tp_lookup l = { .name = name };

	for_each_kernel_tracepoint(forkstat_tp_match, &l);
	return l.tp;
}
