// SPDX-License-Identifier: GPL-2.0
/*
 * User-space call chains of the threads that made the rare events: a
 * socket's O_NONBLOCK clear (or a set undoing one) and a slow fork.
 * Nothing else ever pays for them.
 *
 * A chain is taken in the thread itself as it returns to user space
 * (task work), by uwalk.c. A clear is checked in task work already
 * (sockmode.c) and takes its chain there; a slow fork is known in a
 * probe handler, which reserves the chain's number and leaves the take
 * to the thread (later.c: forkstat_ustack_take_later()). Only a user
 * thread with its mm, not exiting, has a chain to take: task work also
 * runs in do_exit(), after the mm is gone, and io_uring's and vhost's
 * workers have no user stack of their own.
 *
 * Chains live in a ring of stack_ring entries, numbered; an event record
 * names its chain's number and /proc/forkstat prints the chain after it,
 * so a reader sees the chains of the events it may see and no other.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kdev_t.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "forkstat.h"
#include "param.h"

static unsigned int stack_ring = 128;

FORKSTAT_PARAM_UINT(stack_ring, 0, 4096, 0444,
		    "User call chains of clears, sets undoing them and slow forks remembered, 0..4096, 0 takes none (default 128)");

/* Writable at run time: an event made while off gets no chain. */
static bool stacks = true;
module_param(stacks, bool, 0644);
MODULE_PARM_DESC(stacks, "Take user call chains (default Y); writable at run time");

static const char *const forkstat_uframe_hows[] = {
	[FORKSTAT_UFRAME_IP] = "ip",
	[FORKSTAT_UFRAME_SCAN] = "scan",
	[FORKSTAT_UFRAME_FP] = "fp",
};

static const char *const forkstat_ustack_ends[] = {
	[FORKSTAT_UEND_TOP] = "top",
	[FORKSTAT_UEND_MAX] = "max",
	[FORKSTAT_UEND_FAULT] = "fault",
	[FORKSTAT_UEND_KERNEL] = "kernel",
	[FORKSTAT_UEND_LOOP] = "loop",
	[FORKSTAT_UEND_STACK] = "stack",
	[FORKSTAT_UEND_TEXT] = "text",
	[FORKSTAT_UEND_COMPAT] = "compat",
};

static const char *const forkstat_ustack_mms[] = {
	[FORKSTAT_UMM_OK] = "ok",
	[FORKSTAT_UMM_BUSY] = "busy",
};

static DEFINE_SPINLOCK(forkstat_ustack_lock);
static struct forkstat_ustack *forkstat_ustacks;
static atomic64_t forkstat_ustack_ids;	/* never reset: events name them */
static atomic64_t forkstat_ustack_taken;
static atomic64_t forkstat_ustack_lost;	/* wanted, not taken */

/*
 * What was taken, not the room for more: under emulation each byte
 * copied is an instruction. The frames and files past the counts are
 * an older chain's, never shown.
 */
static void forkstat_ustack_copy(struct forkstat_ustack *to,
				 const struct forkstat_ustack *from)
{
	memcpy(to, from, offsetof(struct forkstat_ustack, frames));
	memcpy(to->frames, from->frames, from->nframes * sizeof(from->frames[0]));
	memcpy(to->files, from->files, from->nfiles * sizeof(from->files[0]));
}

static void forkstat_ustack_store(const struct forkstat_ustack *s)
{
	struct forkstat_ustack *slot;

	spin_lock(&forkstat_ustack_lock);
	slot = &forkstat_ustacks[s->id % stack_ring];
	/* A chain taken late never overwrites a newer one. */
	if (slot->id < s->id)
		forkstat_ustack_copy(slot, s);
	spin_unlock(&forkstat_ustack_lock);
}

/* current's chain is to be taken: chains are on, and it has a user space. */
static bool forkstat_ustack_wanted(void)
{
	return stack_ring && READ_ONCE(stacks) && current->mm &&
	       !(current->flags & (FORKSTAT_NOT_USER | PF_EXITING));
}

/* Process context, current on its way back to user space, or exiting. */
static void forkstat_ustack_take_id(u64 id)
{
	struct forkstat_ustack *s = ERR_PTR(-ESRCH);

	if (forkstat_ustack_wanted())
		s = forkstat_uwalk_current();
	if (IS_ERR(s)) {
		atomic64_inc(&forkstat_ustack_lost);
		return;
	}
	s->id = id;
	forkstat_ustack_store(s);
	atomic64_inc(&forkstat_ustack_taken);
	forkstat_uwalk_free(s);
}

u64 forkstat_ustack_take(void)
{
	u64 id;

	if (!forkstat_ustack_wanted())
		return 0;
	id = atomic64_inc_return(&forkstat_ustack_ids);
	forkstat_ustack_take_id(id);
	return id;
}

static void forkstat_ustack_later_run(struct forkstat_later *l)
{
	forkstat_ustack_take_id(l->stack);
}

u64 forkstat_ustack_take_later(void)
{
	struct forkstat_later *l;
	u64 id;

	if (!forkstat_ustack_wanted())
		return 0;
	l = forkstat_later_get();
	if (!l)
		goto lost;
	id = atomic64_inc_return(&forkstat_ustack_ids);
	l->stack = id;
	if (forkstat_later_queue(l, forkstat_ustack_later_run))
		return id;
lost:
	atomic64_inc(&forkstat_ustack_lost);
	return 0;
}

int forkstat_ustack_init(void)
{
	if (!stack_ring)
		return 0;
	forkstat_ustacks = kvcalloc(stack_ring, sizeof(*forkstat_ustacks),
				    GFP_KERNEL | __GFP_NOWARN);
	return forkstat_ustacks ? 0 : -ENOMEM;
}

/* After later.c's exit: no take runs any more. */
void forkstat_ustack_exit(void)
{
	kvfree(forkstat_ustacks);
}

void forkstat_ustack_show_cfg(struct seq_file *m, const struct forkstat_reader *r)
{
	bool host = forkstat_reader_sees_host(r);
	u64 named = 0, read = 0;

	if (host)
		forkstat_uwalk_files(&named, &read);
	seq_printf(m, "ustackcfg ring=%u frames=%d taken=%lld lost=%lld files_named=%llu files_read=%llu bytes=%zu\n",
		   stack_ring, FORKSTAT_USTACK_FRAMES,
		   host ? (long long)atomic64_read(&forkstat_ustack_taken) : 0LL,
		   host ? (long long)atomic64_read(&forkstat_ustack_lost) : 0LL,
		   named, read, stack_ring * sizeof(*forkstat_ustacks));
}

static void forkstat_ustack_show_one(struct seq_file *m, const struct forkstat_ustack *s)
{
	int i;

	seq_printf(m, "ustack id=%llu frames=%u files=%u end=%s mm=%s\n", s->id,
		   s->nframes, s->nfiles, forkstat_ustack_ends[s->end],
		   forkstat_ustack_mms[s->mm]);
	for (i = 0; i < s->nfiles; i++) {
		const struct forkstat_ufile *uf = &s->files[i];

		seq_printf(m, "ufile stack=%llu n=%d dev=%u:%u ino=%llu build_id=%*phN from=%s path=",
			   s->id, i, MAJOR(uf->dev), MINOR(uf->dev), uf->ino,
			   uf->build_id_len, uf->build_id, uf->from_memory ? "memory" : "file");
		forkstat_seq_comm(m, uf->path);
		seq_putc(m, '\n');
	}
	for (i = 0; i < s->nframes; i++) {
		const struct forkstat_uframe *f = &s->frames[i];

		seq_printf(m, "uframe stack=%llu n=%d how=%s addr=0x%llx file=%d off=0x%llx\n",
			   s->id, i, forkstat_uframe_hows[f->how], f->addr,
			   f->file, f->file < 0 ? 0 : f->off);
	}
}

/*
 * The chain numbered id, after its event's line, if still kept. The
 * caller passes 0 for a reader who may not see the process's details
 * (reader.c): a chain is its memory layout, files and addresses.
 */
void forkstat_ustack_show(struct seq_file *m, u64 id)
{
	struct forkstat_ustack *s;
	bool found;

	if (!id || !stack_ring)
		return;
	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return;
	spin_lock(&forkstat_ustack_lock);
	forkstat_ustack_copy(s, &forkstat_ustacks[id % stack_ring]);
	spin_unlock(&forkstat_ustack_lock);
	found = s->id == id;
	if (found)
		forkstat_ustack_show_one(m, s);
	kfree(s);
}

/* A first render's room per chain; four long paths need more, found when it overflows. */
size_t forkstat_ustack_show_size(void)
{
	return (size_t)stack_ring * 2048;
}

void forkstat_ustack_reset(void)
{
	unsigned int i;

	if (!stack_ring)
		return;
	atomic64_set(&forkstat_ustack_taken, 0);
	atomic64_set(&forkstat_ustack_lost, 0);
	forkstat_uwalk_reset();
	for (i = 0; i < stack_ring; i++) {
		spin_lock(&forkstat_ustack_lock);
		forkstat_ustacks[i].id = 0;
		spin_unlock(&forkstat_ustack_lock);
	}
}
