// SPDX-License-Identifier: GPL-2.0
/*
 * User-space call chains of the threads that made the rare events: a
 * socket's O_NONBLOCK clear and a slow fork. Nothing else ever pays for
 * them.
 *
 * A chain is taken in the thread itself as it returns to user space (task
 * work), where its saved user registers are those of the call: frame 0 is
 * the instruction after the syscall. The libc and Go syscall wrappers
 * keep no frame pointer, so their caller is found by scanning the stack
 * for return addresses (words that point into executable code right
 * after a call instruction; forkstat_uscan() says which it takes): the
 * only frame a program built without frame pointers has. The rest come
 * from the frame-pointer chain, picked up above that frame, each link read with
 * copy_from_user_nofault and checked (aligned, above the last, on the
 * stack's mapping, returning into executable code), up to
 * FORKSTAT_USTACK_FRAMES frames; the walk ends at the first link that
 * fails a check and says which.
 *
 * Each frame's mapped file (path, device and inode, GNU build ID when the
 * ELF's first page in the page cache has one) and offset in it are looked
 * up under the mm's mmap lock, read: the thread is on its way back to
 * user space, in process context, and waits for it no longer than one of
 * its page faults would; a thread killed while it waits keeps raw
 * addresses only (mm=busy). Symbols are user
 * space's business (forkstatctl), from these, after the process is gone.
 *
 * Chains live in a ring of stack_ring entries, numbered; an event record
 * names its chain's number and /proc/forkstat prints the chain after it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/dcache.h>
#include <linux/elf.h>
#include <linux/highmem.h>
#include <linux/kdev_t.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>

#include "forkstat.h"

static unsigned int stack_ring = 128;

static int forkstat_set_stack_ring(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 4096);
}

static const struct kernel_param_ops forkstat_stack_ring_ops = {
	.set = forkstat_set_stack_ring,
	.get = param_get_uint,
};

module_param_cb(stack_ring, &forkstat_stack_ring_ops, &stack_ring, 0444);
MODULE_PARM_DESC(stack_ring,
		 "User call chains of clears and slow forks remembered, 0..4096, 0 takes none (default 128)");

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID		3
#endif

/* Words scanned above the stack pointer, or above a scanned frame. */
#define FORKSTAT_SCAN_WORDS	128
/* Without the mmap lock a frame pointer may lie this far above sp. */
#define FORKSTAT_STACK_REACH	(8UL << 20)

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

/* A chain being taken: its record, and room for d_path(). */
struct forkstat_ustack_take {
	struct forkstat_ustack s;
	struct mm_struct *mm;
	bool locked;		/* mm's mmap lock, read */
	char pathbuf[PATH_MAX];
};

static bool forkstat_ureadl(unsigned long addr, unsigned long *val)
{
	return !copy_from_user_nofault(val, (const void __user *)addr, sizeof(*val));
}

/* The mapping of addr, under the mmap lock. */
static struct vm_area_struct *forkstat_uvma(struct forkstat_ustack_take *t,
					    unsigned long addr)
{
	struct vm_area_struct *vma;

	if (!t->locked)
		return NULL;
	vma = find_vma(t->mm, addr);
	return vma && vma->vm_start <= addr ? vma : NULL;
}

static bool forkstat_utext(struct forkstat_ustack_take *t, unsigned long addr)
{
	struct vm_area_struct *vma = forkstat_uvma(t, addr);

	return vma && (vma->vm_flags & VM_EXEC);
}

/* The inode of the file mapped at addr, or NULL. */
static struct inode *forkstat_uinode(struct forkstat_ustack_take *t, unsigned long addr)
{
	struct vm_area_struct *vma = forkstat_uvma(t, addr);

	return vma && vma->vm_file ? file_inode(vma->vm_file) : NULL;
}

/* addr follows a call instruction: e8 rel32, or ff /2 in its usual forms. */
static bool forkstat_after_call(unsigned long addr)
{
	u8 b[8];

	if (addr < sizeof(b) ||
	    copy_from_user_nofault(b, (const void __user *)(addr - sizeof(b)), sizeof(b)))
		return false;
	if (b[3] == 0xe8)				/* call rel32 */
		return true;
	if (b[6] == 0xff && (b[7] & 0xf8) == 0xd0)	/* call *%reg */
		return true;
	if (b[5] == 0xff && (b[6] & 0xf8) == 0x50)	/* call *d8(%reg) */
		return true;
	if (b[4] == 0xff && b[5] == 0x54)		/* call *d8(%reg,%reg) */
		return true;
	if (b[2] == 0xff && ((b[3] & 0xf8) == 0x90 || b[3] == 0x15)) /* d32 */
		return true;
	return b[1] == 0xff && b[2] == 0x94;		/* call *d32(%reg,%reg) */
}

static void forkstat_uadd(struct forkstat_ustack *s, unsigned long addr,
			  enum forkstat_uframe_how how)
{
	struct forkstat_uframe *f = &s->frames[s->nframes++];

	f->addr = addr;
	f->how = how;
	f->file = -1;
}

/* Functions the scan accepts a call into as the ip's: lie this far below it at most. */
#define FORKSTAT_CALLEE_REACH	(64UL << 10)

/*
 * The call before w went to the function the ip is in, as far as can be
 * told: an indirect call is taken on trust; a direct one must go through
 * a PLT stub (a call from one file into another does; endbr64 and bnd
 * prefixes allowed) whose GOT entry points at most FORKSTAT_CALLEE_REACH
 * below the ip. A stale return address of an older call, within the
 * program or to another libc function, fails that.
 */
static bool forkstat_calls_ip(unsigned long w, unsigned long ip)
{
	unsigned long stub, got, target;
	u8 b[12];
	s32 rel;
	int i = 0;

	if (copy_from_user_nofault(b, (const void __user *)(w - 5), 5))
		return false;
	if (b[0] != 0xe8)
		return true;
	memcpy(&rel, b + 1, sizeof(rel));
	stub = w + rel;
	if (copy_from_user_nofault(b, (const void __user *)stub, sizeof(b)))
		return false;
	if (b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfa)
		i = 4;
	if (b[i] == 0xf2)
		i++;
	if (b[i] != 0xff || b[i + 1] != 0x25)
		return false;
	memcpy(&rel, b + i + 2, sizeof(rel));
	got = stub + i + 6 + rel;
	if (!forkstat_ureadl(got, &target))
		return false;
	return target <= ip && ip - target < FORKSTAT_CALLEE_REACH;
}

/* w is a return address: into executable code, right after a call. */
static bool forkstat_uret(struct forkstat_ustack_take *t, unsigned long w)
{
	return forkstat_utext(t, w) && forkstat_after_call(w);
}

/*
 * The frames between the ip and the frame-pointer chain, by scanning the
 * stack from sp up (not only below rbp: code built without frame
 * pointers keeps any value there, a stack address too): the
 * word at sp, if a return address (an innermost function without a
 * frame: Go's syscall stubs, libc's ioctl()), then the first return
 * address into another file than the ip's, the program's call into libc.
 * Return addresses into the ip's own file further up are skipped: they
 * may be stale words in libc's frames; so are those into another file
 * whose call did not go to the ip's function (forkstat_calls_ip). *slot
 * is where the last one lay.
 */
static unsigned long forkstat_uscan(struct forkstat_ustack_take *t, unsigned long sp,
				    unsigned long *slot)
{
	struct inode *ip_file = forkstat_uinode(t, t->s.frames[0].addr), *in;
	unsigned long a, w, last = 0;
	int i;

	for (i = 0, a = sp; i < FORKSTAT_SCAN_WORDS; i++, a += sizeof(long)) {
		if (!forkstat_ureadl(a, &w))
			break;
		if (!forkstat_uret(t, w))
			continue;
		in = forkstat_uinode(t, w);
		if (a != sp && (!in || in == ip_file))
			continue;
		if (in && in != ip_file && !forkstat_calls_ip(w, t->s.frames[0].addr))
			continue;
		forkstat_uadd(&t->s, w, FORKSTAT_UFRAME_SCAN);
		last = w;
		*slot = a;
		if (in && in != ip_file)
			break;
	}
	return last;
}

/*
 * A frame pointer for the caller whose return address lay at slot, when
 * the one in the registers is of no use (libc's fork() keeps other data
 * in rbp): the first word above slot that points further up the stack
 * and is followed by a return address, as a saved frame pointer is.
 */
static unsigned long forkstat_uresync(struct forkstat_ustack_take *t, unsigned long slot)
{
	unsigned long p, frame[2];
	int i;

	for (i = 1, p = slot + sizeof(long); i < FORKSTAT_SCAN_WORDS; i++, p += sizeof(long)) {
		if (copy_from_user_nofault(frame, (const void __user *)p, sizeof(frame)))
			break;
		if (frame[0] > p && frame[0] - p < FORKSTAT_STACK_REACH &&
		    forkstat_uret(t, frame[1]))
			return p;
	}
	return 0;
}

/* Why a frame pointer cannot be followed, or 0 when it can. */
static int forkstat_ufp_bad(struct forkstat_ustack_take *t, unsigned long fp,
			    unsigned long last, unsigned long sp)
{
	struct vm_area_struct *stack;

	if (!fp)
		return FORKSTAT_UEND_TOP;
	if (fp >= TASK_SIZE_MAX - 2 * sizeof(long))
		return FORKSTAT_UEND_KERNEL;
	if (fp & (sizeof(long) - 1) || fp <= last)
		return FORKSTAT_UEND_LOOP;
	if (t->locked) {
		stack = forkstat_uvma(t, sp);
		if (!stack || fp < stack->vm_start || fp + 2 * sizeof(long) > stack->vm_end)
			return FORKSTAT_UEND_STACK;
	} else if (fp - sp > FORKSTAT_STACK_REACH) {
		return FORKSTAT_UEND_STACK;
	}
	return 0;
}

static void forkstat_uwalk(struct forkstat_ustack_take *t, struct pt_regs *regs)
{
	struct forkstat_ustack *s = &t->s;
	unsigned long sp = user_stack_pointer(regs);
	unsigned long fp = regs->bp, last = sp - 1, frame[2], scanned, slot = 0;
	int end;

	forkstat_uadd(s, instruction_pointer(regs), FORKSTAT_UFRAME_IP);
	scanned = forkstat_uscan(t, sp, &slot);
	/* The chain goes on above the last scanned frame, or not at all. */
	if (scanned && (fp <= slot || fp - slot > FORKSTAT_STACK_REACH))
		fp = forkstat_uresync(t, slot);
	for (;;) {
		if (s->nframes == FORKSTAT_USTACK_FRAMES) {
			end = FORKSTAT_UEND_MAX;
			break;
		}
		end = forkstat_ufp_bad(t, fp, last, sp);
		if (end)
			break;
		if (copy_from_user_nofault(frame, (const void __user *)fp, sizeof(frame))) {
			end = FORKSTAT_UEND_FAULT;
			break;
		}
		if (!frame[1]) {
			end = FORKSTAT_UEND_TOP;
			break;
		}
		if (frame[1] >= TASK_SIZE_MAX) {
			end = FORKSTAT_UEND_KERNEL;
			break;
		}
		if (t->locked && !forkstat_utext(t, frame[1])) {
			end = FORKSTAT_UEND_TEXT;
			break;
		}
		/* The wrapper kept a frame: the scan found its return already. */
		if (frame[1] != scanned || last != sp - 1)
			forkstat_uadd(s, frame[1], FORKSTAT_UFRAME_FP);
		last = fp;
		fp = frame[0];
	}
	s->end = end;
}

/*
 * The ELF's GNU build ID, from its first page if the page cache has it:
 * no I/O, no sleep. Notes lying past the first page are not found.
 */
static u8 forkstat_build_id(struct file *file, u8 *id)
{
	const Elf64_Ehdr *eh;
	struct folio *folio;
	u8 len = 0;
	void *page;
	int i;

	folio = filemap_get_folio(file->f_mapping, 0);
	if (IS_ERR_OR_NULL(folio))
		return 0;
	if (!folio_test_uptodate(folio))
		goto out;
	page = kmap_local_folio(folio, 0);
	eh = page;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + (u64)eh->e_phnum * sizeof(Elf64_Phdr) > PAGE_SIZE)
		goto unmap;
	for (i = 0; i < eh->e_phnum && !len; i++) {
		const Elf64_Phdr *ph = page + eh->e_phoff + i * sizeof(Elf64_Phdr);
		u64 off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

		if (ph->p_type != PT_NOTE || end > PAGE_SIZE || end < off)
			continue;
		while (off + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *nh = page + off;
			u64 name = off + sizeof(*nh);
			u64 desc = name + ALIGN(nh->n_namesz, 4);

			off = desc + ALIGN(nh->n_descsz, 4);
			if (off > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(page + name, "GNU", 4) && nh->n_descsz &&
			    nh->n_descsz <= FORKSTAT_BUILD_ID_MAX) {
				len = nh->n_descsz;
				memcpy(id, page + desc, len);
				break;
			}
		}
	}
unmap:
	kunmap_local(page);
out:
	folio_put(folio);
	return len;
}

/* file's index in s->files, added if new; -1 when the table is full. */
static int forkstat_ufile(struct forkstat_ustack_take *t, struct file *file)
{
	struct forkstat_ustack *s = &t->s;
	struct inode *inode = file_inode(file);
	struct forkstat_ufile *uf;
	char *path;
	int i;

	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].ino == inode->i_ino &&
		    s->files[i].dev == inode->i_sb->s_dev)
			return i;
	if (s->nfiles == FORKSTAT_USTACK_FILES)
		return -1;
	uf = &s->files[s->nfiles];
	uf->ino = inode->i_ino;
	uf->dev = inode->i_sb->s_dev;
	uf->build_id_len = forkstat_build_id(file, uf->build_id);
	path = d_path(&file->f_path, t->pathbuf, sizeof(t->pathbuf));
	if (IS_ERR(path))
		path = "";
	/* Too long a path keeps its end, the file's name, behind "...". */
	if (strlen(path) >= sizeof(uf->path)) {
		path += strlen(path) - (sizeof(uf->path) - 4);
		memcpy(uf->path, "...", 3);
		strscpy(uf->path + 3, path, sizeof(uf->path) - 3);
	} else {
		strscpy(uf->path, path, sizeof(uf->path));
	}
	return s->nfiles++;
}

/* Each frame's file and offset in it. */
static void forkstat_uresolve(struct forkstat_ustack_take *t)
{
	struct forkstat_ustack *s = &t->s;
	int i;

	for (i = 0; i < s->nframes; i++) {
		struct forkstat_uframe *f = &s->frames[i];
		struct vm_area_struct *vma = forkstat_uvma(t, f->addr);

		if (!vma || !vma->vm_file)
			continue;
		f->file = forkstat_ufile(t, vma->vm_file);
		f->off = f->addr - vma->vm_start + ((u64)vma->vm_pgoff << PAGE_SHIFT);
	}
}

static void forkstat_ustack_store(const struct forkstat_ustack *s)
{
	struct forkstat_ustack *slot;

	spin_lock(&forkstat_ustack_lock);
	slot = &forkstat_ustacks[s->id % stack_ring];
	/* A chain taken late never overwrites a newer one. */
	if (slot->id < s->id)
		*slot = *s;
	spin_unlock(&forkstat_ustack_lock);
}

/* Process context, current on its way back to user space. */
static void forkstat_ustack_take_id(u64 id)
{
	struct pt_regs *regs = task_pt_regs(current);
	struct forkstat_ustack_take *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL | __GFP_NOWARN);
	if (!t) {
		atomic64_inc(&forkstat_ustack_lost);
		return;
	}
	t->s.id = id;
	t->mm = current->mm;
	if (!user_64bit_mode(regs)) {
		forkstat_uadd(&t->s, instruction_pointer(regs), FORKSTAT_UFRAME_IP);
		t->s.end = FORKSTAT_UEND_COMPAT;
	} else {
		/*
		 * Never in a probe: this thread waits, if it must, as long as
		 * one of its page faults would.
		 */
		t->locked = mmap_read_trylock(t->mm) || !mmap_read_lock_killable(t->mm);
		t->s.mm = t->locked ? FORKSTAT_UMM_OK : FORKSTAT_UMM_BUSY;
		forkstat_uwalk(t, regs);
		forkstat_uresolve(t);
		if (t->locked)
			mmap_read_unlock(t->mm);
	}
	forkstat_ustack_store(&t->s);
	atomic64_inc(&forkstat_ustack_taken);
	kfree(t);
}

u64 forkstat_ustack_take(void)
{
	u64 id;

	if (!stack_ring || !current->mm || current->flags & PF_KTHREAD)
		return 0;
	id = atomic64_inc_return(&forkstat_ustack_ids);
	forkstat_ustack_take_id(id);
	return id;
}

/*
 * Chains wanted from probe handlers wait in these until their thread
 * returns to user space. Each holds a module reference, as sockmode.c's
 * checks do, and exit waits for an RCU tasks grace period.
 */
#define FORKSTAT_USTACK_LATER	16

struct forkstat_ustack_later {
	struct callback_head work;
	u64 id;
	atomic_t busy;
};

static struct forkstat_ustack_later forkstat_ustack_laters[FORKSTAT_USTACK_LATER];
static bool forkstat_ustack_later_used;

static void forkstat_ustack_later_work(struct callback_head *work)
{
	struct forkstat_ustack_later *l =
		container_of(work, struct forkstat_ustack_later, work);

	forkstat_ustack_take_id(l->id);
	atomic_set_release(&l->busy, 0);
	module_put(THIS_MODULE);
}

u64 forkstat_ustack_take_later(void)
{
	struct forkstat_ustack_later *l = NULL;
	unsigned int i;

	if (!stack_ring || !current->mm || current->flags & PF_KTHREAD)
		return 0;
	for (i = 0; i < FORKSTAT_USTACK_LATER && !l; i++)
		if (!atomic_cmpxchg(&forkstat_ustack_laters[i].busy, 0, 1))
			l = &forkstat_ustack_laters[i];
	if (!l)
		goto lost;
	if (!try_module_get(THIS_MODULE)) {
		atomic_set_release(&l->busy, 0);
		goto lost;
	}
	l->id = atomic64_inc_return(&forkstat_ustack_ids);
	init_task_work(&l->work, forkstat_ustack_later_work);
	WRITE_ONCE(forkstat_ustack_later_used, true);
	if (!task_work_add(current, &l->work, TWA_RESUME))
		return l->id;
	atomic_set_release(&l->busy, 0);
	module_put(THIS_MODULE);
lost:
	atomic64_inc(&forkstat_ustack_lost);
	return 0;
}

int forkstat_ustack_init(void)
{
	if (!stack_ring)
		return 0;
	forkstat_ustacks = kvcalloc(stack_ring, sizeof(*forkstat_ustacks), GFP_KERNEL);
	return forkstat_ustacks ? 0 : -ENOMEM;
}

/* No chain is pending: each holds a module reference (see above). */
void forkstat_ustack_exit(void)
{
	if (READ_ONCE(forkstat_ustack_later_used))
		synchronize_rcu_tasks();
	kvfree(forkstat_ustacks);
}

void forkstat_ustack_show_cfg(struct seq_file *m, const struct forkstat_reader *r)
{
	bool host = forkstat_reader_sees_host(r);

	seq_printf(m, "ustackcfg ring=%u frames=%d taken=%lld lost=%lld bytes=%zu\n",
		   stack_ring, FORKSTAT_USTACK_FRAMES,
		   host ? (long long)atomic64_read(&forkstat_ustack_taken) : 0LL,
		   host ? (long long)atomic64_read(&forkstat_ustack_lost) : 0LL,
		   stack_ring * sizeof(*forkstat_ustacks));
}

static void forkstat_ustack_show_one(struct seq_file *m, const struct forkstat_ustack *s,
				     bool addrs)
{
	int i;

	seq_printf(m, "ustack id=%llu frames=%u files=%u end=%s mm=%s\n", s->id,
		   s->nframes, s->nfiles, forkstat_ustack_ends[s->end],
		   forkstat_ustack_mms[s->mm]);
	for (i = 0; i < s->nfiles; i++) {
		const struct forkstat_ufile *uf = &s->files[i];

		seq_printf(m, "ufile stack=%llu n=%d dev=%u:%u ino=%llu build_id=%*phN path=",
			   s->id, i, MAJOR(uf->dev), MINOR(uf->dev), uf->ino,
			   uf->build_id_len, uf->build_id);
		forkstat_seq_comm(m, uf->path);
		seq_putc(m, '\n');
	}
	for (i = 0; i < s->nframes; i++) {
		const struct forkstat_uframe *f = &s->frames[i];

		seq_printf(m, "uframe stack=%llu n=%d how=%s addr=0x%llx file=%d off=0x%llx\n",
			   s->id, i, forkstat_uframe_hows[f->how], addrs ? f->addr : 0,
			   f->file, f->file < 0 ? 0 : f->off);
	}
}

/*
 * The chain numbered id, after its event's line, if still kept. Its raw
 * addresses only for a reader who may see the process's layout: one that
 * sees all, or its own user's.
 */
void forkstat_ustack_show(struct seq_file *m, const struct forkstat_reader *r,
			  u64 id, kuid_t uid)
{
	struct forkstat_ustack *s;
	bool found;

	if (!id || !stack_ring)
		return;
	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return;
	spin_lock(&forkstat_ustack_lock);
	*s = forkstat_ustacks[id % stack_ring];
	spin_unlock(&forkstat_ustack_lock);
	found = s->id == id;
	if (found)
		forkstat_ustack_show_one(m, s, forkstat_reader_sees_addrs(r, uid));
	kfree(s);
}

/* A chain's lines are under 2 KiB with four paths: 3 lines of 200, 16 of 90. */
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
	for (i = 0; i < stack_ring; i++) {
		spin_lock(&forkstat_ustack_lock);
		forkstat_ustacks[i].id = 0;
		spin_unlock(&forkstat_ustack_lock);
	}
}
