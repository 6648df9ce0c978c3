/* SPDX-License-Identifier: GPL-2.0 */
/*
 * forkstat's probes: how a handler is attached to a kernel function.
 *
 * Where the kernel has fprobes (6.12), a probe is an fprobe: one ftrace
 * hook, which costs a call about twenty instructions less than a kprobe
 * on the same hook and skips the kprobe table lookup on return. Else
 * (6.1) it is a kprobe, or a kretprobe when it follows calls to their
 * return. Either way the handlers are the same functions, called
 * directly from thin wrappers these macros write:
 *
 *   FORKSTAT_PROBE(name, "symbol", entry)
 *	void entry(struct pt_regs *regs) runs at function entry.
 *   FORKSTAT_RETPROBE(name, "symbol", entry, ret, type, maxactive)
 *	int entry(struct pt_regs *regs, type *data) runs at entry and
 *	returns 0 to follow the call, which then runs
 *	void ret(struct pt_regs *regs, type *data) at its return; up to
 *	maxactive calls are followed at once.
 *   FORKSTAT_KRETPROBE(...)
 *	the same, always a kretprobe: it can be switched off and on at run
 *	time (forkstat_probe_switch), and off it costs nothing.
 *
 * Handlers run with preemption off: they neither sleep nor allocate.
 */
#ifndef FORKSTAT_PROBES_H
#define FORKSTAT_PROBES_H

#include <linux/fprobe.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

enum forkstat_probe_kind {
	FORKSTAT_KPROBE,
	FORKSTAT_KRETPROBE,
	FORKSTAT_FPROBE,
};

enum forkstat_probe_state {
	FORKSTAT_PROBE_UNUSED,	/* not needed on this kernel, not registered */
	FORKSTAT_PROBE_ATTACHED,
	FORKSTAT_PROBE_OFF,	/* registered but switched off: costs nothing */
	FORKSTAT_PROBE_FAILED,
};

struct forkstat_probe {
	const char *symbol;
	enum forkstat_probe_kind kind;
	struct kretprobe rp;	/* a plain kprobe uses rp.kp only */
#if IS_ENABLED(CONFIG_FPROBE)
	struct fprobe fp;
#endif
	/*
	 * Calls the handler looked at past its first test, per CPU so that
	 * forks on other CPUs never share a line: a slot of probes.c's.
	 */
	u64 __percpu *hits;
	enum forkstat_probe_state state;
	int err;		/* why the kernel refused it */
};

/* The probes' hit counters: before /proc/forkstat is made, after it is gone. */
int forkstat_probes_init(void);
void forkstat_probes_exit(void);
/* Registers it switched off when off is true; 0 when registered. */
int forkstat_probe_register(struct forkstat_probe *p, bool off);
void forkstat_probe_unregister(struct forkstat_probe *p);
/* Switches a registered kretprobe on or off; process context only. */
int forkstat_probe_switch(struct forkstat_probe *p, bool on);
void forkstat_probe_show(struct seq_file *m, struct forkstat_probe *p);
void forkstat_probe_reset(struct forkstat_probe *p);
const char *forkstat_probe_used(struct forkstat_probe *p);

static inline void forkstat_probe_hit(struct forkstat_probe *p)
{
	this_cpu_inc(*p->hits);
}

struct tracepoint;
/* A core kernel tracepoint by name ("mark_victim"), or NULL. */
struct tracepoint *forkstat_tracepoint_find(const char *name);

/* A probe set: attached, shown, reset and detached together. */
void forkstat_probes_show(struct seq_file *m, struct forkstat_probe *const *probes,
			  size_t n);
void forkstat_probes_reset(struct forkstat_probe *const *probes, size_t n);
/* Detaches in reverse order: the last attached, often the outer probe, first. */
void forkstat_probes_unregister(struct forkstat_probe *const *probes, size_t n);

#define FORKSTAT_KRETPROBE(name, sym, entry, ret, type, max)		\
static int name##_kentry(struct kretprobe_instance *ri,		\
			 struct pt_regs *regs)				\
{									\
	return entry(regs, (type *)ri->data);				\
}									\
static int name##_kret(struct kretprobe_instance *ri,			\
		       struct pt_regs *regs)				\
{									\
	ret(regs, (type *)ri->data);					\
	return 0;							\
}									\
static struct forkstat_probe name = {					\
	.symbol = sym,							\
	.kind = FORKSTAT_KRETPROBE,					\
	.rp = { .entry_handler = name##_kentry,				\
		.handler = name##_kret,					\
		.data_size = sizeof(type),				\
		.maxactive = max },					\
}

#if IS_ENABLED(CONFIG_FPROBE)

#define FORKSTAT_PROBE(name, sym, entry)				\
static int name##_fentry(struct fprobe *fp, unsigned long ip,		\
			 unsigned long ret_ip, struct pt_regs *regs,	\
			 void *data)					\
{									\
	entry(regs);							\
	return 0;							\
}									\
static struct forkstat_probe name = {					\
	.symbol = sym,							\
	.kind = FORKSTAT_FPROBE,					\
	.fp.entry_handler = name##_fentry,				\
}

#define FORKSTAT_RETPROBE(name, sym, entry, ret, type, max)		\
static int name##_fentry(struct fprobe *fp, unsigned long ip,		\
			 unsigned long ret_ip, struct pt_regs *regs,	\
			 void *data)					\
{									\
	return entry(regs, data);					\
}									\
static void name##_fexit(struct fprobe *fp, unsigned long ip,		\
			 unsigned long ret_ip, struct pt_regs *regs,	\
			 void *data)					\
{									\
	ret(regs, data);						\
}									\
static struct forkstat_probe name = {					\
	.symbol = sym,							\
	.kind = FORKSTAT_FPROBE,					\
	.fp = { .entry_handler = name##_fentry,				\
		.exit_handler = name##_fexit,				\
		.entry_data_size = sizeof(type),			\
		.nr_maxactive = max },					\
}

#else /* !CONFIG_FPROBE */

#define FORKSTAT_PROBE(name, sym, entry)				\
static int name##_kpre(struct kprobe *kp, struct pt_regs *regs)	\
{									\
	entry(regs);							\
	return 0;							\
}									\
static struct forkstat_probe name = {					\
	.symbol = sym,							\
	.kind = FORKSTAT_KPROBE,					\
	.rp.kp.pre_handler = name##_kpre,				\
}

#define FORKSTAT_RETPROBE FORKSTAT_KRETPROBE

#endif /* CONFIG_FPROBE */

#endif /* FORKSTAT_PROBES_H */
