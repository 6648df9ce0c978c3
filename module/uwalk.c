// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space call chain of the current thread, taken as it returns to
 * user space (ustack.c keeps them), where its saved user registers are
 * those of its system call: frame 0 is the instruction after the syscall
 * (or, for an OOM's trigger, the instruction whose page fault failed).
 *
 * The libc and Go syscall wrappers keep no frame pointer, so their caller
 * is found by scanning the stack for return addresses (words that point
 * into executable code right after a call instruction; forkstat_uscan()
 * says which it takes): the only frame a program built without frame
 * pointers has. The rest come from the frame-pointer chain, picked up
 * above that frame, each link read with copy_from_user_nofault() and
 * checked (aligned, above the last, on the stack's mapping, returning
 * into executable code), up to FORKSTAT_USTACK_FRAMES frames; the walk
 * ends at the first link that fails a check and says which. A hostile
 * stack (a looping chain, kernel addresses, unmapped or missing pages)
 * only ends the walk sooner.
 *
 * Each frame's mapped file (path, device and inode, GNU build ID when the
 * ELF's first page in the page cache has one) and offset in it are looked
 * up under the mm's mmap lock, read. The lock is tried for up to a tenth
 * of a second, never waited for: user space can keep it held for as
 * long as it likes (a reader stuck in a FUSE page fault with a writer
 * queued behind it), and the module's unload waits for chains being
 * taken (later.c). A chain that does not get it keeps raw addresses only
 * (mm=busy). Symbols are user space's business (forkstatctl), from
 * these, after the process is gone.
 */
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/delay.h>
#include <linux/elf.h>
#include <linux/fs_struct.h>
#include <linux/hash.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/seqlock.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/syscall.h>

#include "forkstat.h"

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID		3
#endif

/* Words scanned above the stack pointer, or above a scanned frame. */
#define FORKSTAT_SCAN_WORDS	64
/* Mappings a walk remembers: a stack's words point into a few. */
#define FORKSTAT_UVMA_CACHE	4
/* No user code lies below the lowest address mmap allows. */
#define FORKSTAT_ULOW		(64UL << 10)
/* A path longer than this is read into PATH_MAX of its own. */
#define FORKSTAT_UPATH_ROOM	320
/* Without the mmap lock a frame pointer may lie this far above sp. */
#define FORKSTAT_STACK_REACH	(8UL << 20)
/*
 * Tries at the mmap lock, 0.5 to 1 ms apart: 50 to 100 ms in all, longer
 * than a busy process holds it to map or unmap (a Go runtime growing its
 * heap on an emulated PREEMPT_RT debugging kernel: 3 of 20 chains missed
 * it with 2 ms).
 */
#define FORKSTAT_LOCK_TRIES	100

/*
 * A mapping looked up, or a gap (vma NULL): [start, end). Valid while the
 * mmap lock is held, as the walk holds it.
 */
struct forkstat_uvma_hit {
	unsigned long start, end;
	struct vm_area_struct *vma;
};

/*
 * A chain being taken: its record (in the same allocation: kzalloc zeroes
 * each byte, and under emulation each is an instruction), what it looked
 * up, its stack's words.
 */
struct forkstat_uwalk {
	struct forkstat_ustack chain;
	struct mm_struct *mm;
	bool locked;		/* mm's mmap lock, read */
	unsigned int next;	/* the cache entry to replace */
	struct forkstat_uvma_hit cache[FORKSTAT_UVMA_CACHE];
	unsigned long words[FORKSTAT_SCAN_WORDS];
	/* d_path()'s room for most paths, in what kmalloc-2k leaves spare. */
	char path[FORKSTAT_UPATH_ROOM];
};

static bool forkstat_ureadl(unsigned long addr, unsigned long *val)
{
	return !copy_from_user_nofault(val, (const void __user *)addr, sizeof(*val));
}

/*
 * Up to n words from a, into t->words: all of them, else those up to the
 * end of a's page (the next may not be mapped), else none. One read per
 * window: a word at a time would cost a scan ten times as much.
 */
static unsigned int forkstat_uwords(struct forkstat_uwalk *t, unsigned long a,
				    unsigned int n)
{
	unsigned int in_page = (PAGE_SIZE - offset_in_page(a)) / sizeof(long);

	if (!copy_from_user_nofault(t->words, (const void __user *)a, n * sizeof(long)))
		return n;
	n = min(n, in_page);
	if (!copy_from_user_nofault(t->words, (const void __user *)a, n * sizeof(long)))
		return n;
	return 0;
}

/* The mapping of addr, under the mmap lock, through the walk's cache. */
static struct vm_area_struct *forkstat_uvma(struct forkstat_uwalk *t,
					    unsigned long addr)
{
	struct forkstat_uvma_hit *hit;
	struct vm_area_struct *vma;
	unsigned int i;

	if (!t->locked || addr < FORKSTAT_ULOW || addr >= TASK_SIZE_MAX)
		return NULL;
	for (i = 0; i < FORKSTAT_UVMA_CACHE; i++) {
		hit = &t->cache[i];
		if (addr >= hit->start && addr < hit->end)
			return hit->vma;
	}
	vma = find_vma(t->mm, addr);
	hit = &t->cache[t->next++ % FORKSTAT_UVMA_CACHE];
	if (vma && vma->vm_start <= addr)
		*hit = (struct forkstat_uvma_hit){ vma->vm_start, vma->vm_end, vma };
	else	/* a gap, up to the next mapping or the end of user space */
		*hit = (struct forkstat_uvma_hit){ addr, vma ? vma->vm_start : TASK_SIZE_MAX };
	return hit->vma;
}

static bool forkstat_utext(struct forkstat_uwalk *t, unsigned long addr)
{
	struct vm_area_struct *vma = forkstat_uvma(t, addr);

	return vma && (vma->vm_flags & VM_EXEC);
}

/* The inode of the file mapped at addr, or NULL. */
static struct inode *forkstat_uinode(struct forkstat_uwalk *t, unsigned long addr)
{
	struct vm_area_struct *vma = forkstat_uvma(t, addr);

	return vma && vma->vm_file ? file_inode(vma->vm_file) : NULL;
}

/* addr follows a call instruction: e8 rel32, or ff /2 in its usual forms. */
static bool forkstat_after_call(unsigned long addr, bool unreadable_ok)
{
	u8 b[8];

	if (addr < sizeof(b))
		return false;
	if (copy_from_user_nofault(b, (const void __user *)(addr - sizeof(b)), sizeof(b)))
		return unreadable_ok;
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
static bool forkstat_uret(struct forkstat_uwalk *t, unsigned long w)
{
	return forkstat_utext(t, w) && forkstat_after_call(w, false);
}

/*
 * The same, for the word at sp of a page fault: a call just made (the
 * fault fetching the callee's first instruction) is taken when its code
 * is not in memory to check, which under the memory pressure of an OOM
 * it often is not.
 */
static bool forkstat_uret_at_fault(struct forkstat_uwalk *t, unsigned long w)
{
	return forkstat_utext(t, w) && forkstat_after_call(w, true);
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
 * is where the last one lay. Away from a system call (a page fault: an
 * OOM's trigger) the ip is any code, most likely in a function with a
 * frame: only the word at sp, for a leaf without one (memset()).
 */
static unsigned long forkstat_uscan(struct forkstat_uwalk *t, unsigned long sp,
				    bool syscall, unsigned long *slot)
{
	struct inode *ip_file = forkstat_uinode(t, t->chain.frames[0].addr), *in;
	unsigned int i, n = forkstat_uwords(t, sp, syscall ? FORKSTAT_SCAN_WORDS : 1);
	unsigned long a, w, last = 0;

	for (i = 0, a = sp; i < n; i++, a += sizeof(long)) {
		w = t->words[i];
		if (syscall ? !forkstat_uret(t, w) : !forkstat_uret_at_fault(t, w))
			continue;
		in = forkstat_uinode(t, w);
		if (a != sp && (!in || in == ip_file))
			continue;
		if (in && in != ip_file && !forkstat_calls_ip(w, t->chain.frames[0].addr))
			continue;
		forkstat_uadd(&t->chain, w, FORKSTAT_UFRAME_SCAN);
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
static unsigned long forkstat_uresync(struct forkstat_uwalk *t, unsigned long slot)
{
	unsigned long p = slot + sizeof(long);
	unsigned int i, n = forkstat_uwords(t, p, FORKSTAT_SCAN_WORDS);

	for (i = 0; i + 1 < n; i++, p += sizeof(long))
		if (t->words[i] > p && t->words[i] - p < FORKSTAT_STACK_REACH &&
		    forkstat_uret(t, t->words[i + 1]))
			return p;
	return 0;
}

/* Why a frame pointer cannot be followed, or 0 when it can. */
static int forkstat_ufp_bad(struct forkstat_uwalk *t, unsigned long fp,
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

static void forkstat_uwalk_chain(struct forkstat_uwalk *t, struct pt_regs *regs)
{
	struct forkstat_ustack *s = &t->chain;
	unsigned long sp = user_stack_pointer(regs);
	unsigned long fp = regs->bp, last = sp - 1, frame[2], scanned, slot = 0;
	int end;

	forkstat_uadd(s, instruction_pointer(regs), FORKSTAT_UFRAME_IP);
	/* An exception (an OOM's page fault) enters with orig_ax -1, a syscall with its number. */
	scanned = forkstat_uscan(t, sp, syscall_get_nr(current, regs) != -1, &slot);
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
 * no I/O, no sleep. Notes lying past the first page are not found. The
 * page is anyone's who may write the file: each header is copied once,
 * then checked and used from the copy, never read twice.
 */
static u8 forkstat_build_id(struct file *file, u8 *id)
{
	struct folio *folio;
	struct elf64_hdr eh;
	struct elf64_phdr ph;
	struct elf64_note nh;
	u8 len = 0;
	void *page;
	int i;

	folio = filemap_get_folio(file->f_mapping, 0);
	if (IS_ERR_OR_NULL(folio))
		return 0;
	if (!folio_test_uptodate(folio))
		goto out;
	page = kmap_local_folio(folio, 0);
	memcpy(&eh, page, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(struct elf64_phdr) || eh.e_phoff > PAGE_SIZE ||
	    eh.e_phoff + (u64)eh.e_phnum * sizeof(struct elf64_phdr) > PAGE_SIZE)
		goto unmap;
	for (i = 0; i < eh.e_phnum && !len; i++) {
		u64 off, end;

		memcpy(&ph, page + eh.e_phoff + i * sizeof(struct elf64_phdr), sizeof(ph));
		off = ph.p_offset;
		end = ph.p_offset + ph.p_filesz;
		if (ph.p_type != PT_NOTE || end > PAGE_SIZE || end < off)
			continue;
		while (off + sizeof(nh) <= end) {
			u64 name = off + sizeof(nh), desc;

			memcpy(&nh, page + off, sizeof(nh));
			desc = name + ALIGN((u64)nh.n_namesz, 4);
			off = desc + ALIGN((u64)nh.n_descsz, 4);
			if (off > end)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp(page + name, "GNU", 4) && nh.n_descsz &&
			    nh.n_descsz <= FORKSTAT_BUILD_ID_MAX) {
				len = nh.n_descsz;
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

/*
 * What names a file in a chain, read from it: its GNU build ID and its
 * path, false when no path could be had. d_path() writes into the walk's
 * room, or for a longer path into PATH_MAX of its own: under emulation,
 * and with init_on_alloc as Debian's kernels have it, every byte
 * allocated is zeroed, an instruction each.
 */
static bool forkstat_ufile_read(struct forkstat_uwalk *t, struct file *file,
				struct forkstat_ufile *uf)
{
	struct inode *inode = file_inode(file);
	char *buf = NULL, *path;

	uf->ino = inode->i_ino;
	uf->dev = inode->i_sb->s_dev;
	uf->build_id_len = forkstat_build_id(file, uf->build_id);
	path = d_path(&file->f_path, t->path, sizeof(t->path));
	if (path == ERR_PTR(-ENAMETOOLONG)) {
		buf = kmalloc(PATH_MAX, GFP_KERNEL | __GFP_NOWARN);
		path = buf ? d_path(&file->f_path, buf, PATH_MAX) : ERR_PTR(-ENOMEM);
	}
	if (IS_ERR(path)) {
		uf->path[0] = '\0';
		kfree(buf);
		return false;
	}
	/* Too long a path keeps its end, the file's name, behind "...". */
	if (strlen(path) >= sizeof(uf->path)) {
		path += strlen(path) - (sizeof(uf->path) - 4);
		memcpy(uf->path, "...", 3);
		strscpy(uf->path + 3, path, sizeof(uf->path) - 3);
	} else {
		strscpy(uf->path, path, sizeof(uf->path));
	}
	kfree(buf);
	return true;
}

/*
 * Files named before: a chain through them costs a lookup, not a
 * d_path() and a build-ID read per file. An entry holds no reference:
 * it is keyed by all its name and build ID were read from, compared and
 * never followed: the file's dentry, mount and inode (address, number,
 * device, generation, size and change time, which a write moves),
 * whether it was unlinked, the taker's root, real user and group (a
 * chain's from= must not tell one user which files another's chains
 * went through) and the rename sequence, and it serves for
 * FORKSTAT_UFILE_TTL at most. Another file mapped, another
 * program exec'd, a hard link, a bind mount, a chroot, a rename anywhere
 * on the host or a write that changes the file's size or change time
 * names it anew; an exec of the same program does not need to. A file
 * open for writing, or changed in the last second or two, is not
 * remembered. What the key cannot see lasts the TTL at most: a mount
 * moved or detached above the file, a change that does not move the
 * change time (a remote file system's, a no-cmtime write), a freed
 * dentry, inode and mount reused at the same addresses for another file
 * of the same number, generation, size and change time. Buckets are
 * shared: one user's file evicting another's entry can tell the other
 * that a file was named, no more. A name read while a rename or a change
 * of the taker's root ran is not kept, nor a file without a name
 * (d_path() failed). A file without a build ID (Go's programs have none
 * of GNU's) is looked for one each time: its first page may not have
 * been in memory before.
 */
#define FORKSTAT_UFILES_SEEN_BITS	5	/* 32 buckets of two */
#define FORKSTAT_UFILE_TTL		(10 * HZ)

/* inode_get_ctime() came with 6.6; some 6.1.y (Debian's 6.1.0-57) have it, older ones not. */
#ifdef FORKSTAT_HAVE_INODE_GET_CTIME
#define forkstat_inode_ctime(inode)	inode_get_ctime(inode)
#else
#define forkstat_inode_ctime(inode)	((inode)->i_ctime)
#endif

struct forkstat_ufile_key {
	const void *dentry, *mnt, *inode, *root, *root_mnt;
	kuid_t uid;	/* the taker's real user and group: whether a file */
	kgid_t gid;	/* was named before is their own business */
	unsigned long ino;
	loff_t size;
	struct timespec64 ctime;
	dev_t dev;
	u32 generation;
	unsigned int rename_seq;
	bool unlinked;
};

static struct forkstat_ufile_seen {
	struct forkstat_ufile_key key;
	unsigned long when;	/* jiffies when its key was taken */
	struct forkstat_ufile f;
} forkstat_ufiles_seen[1 << FORKSTAT_UFILES_SEEN_BITS][2];
/* Per bucket, the way used last, which a new entry does not replace. */
static u8 forkstat_ufiles_last[1 << FORKSTAT_UFILES_SEEN_BITS];
static DEFINE_SPINLOCK(forkstat_ufiles_seen_lock);
static atomic64_t forkstat_ufiles_named, forkstat_ufiles_read;

/*
 * The key of file for current; *root_seq to check the root was stable.
 * False (the key not to be used) for a process shielded from its own
 * user (setuid, setgid, not dumpable, who.h): what it maps is not for
 * its user to learn, not even by a later chain of theirs finding a file
 * named before.
 */
static bool forkstat_ufile_key(struct file *file, struct forkstat_ufile_key *k,
			       unsigned int *root_seq)
{
	struct inode *inode = file_inode(file);
	struct fs_struct *fs = current->fs;
	struct forkstat_cred cred;

	forkstat_cred_current(&cred);
	k->uid = cred.uid;
	k->gid = cred.gid;
	k->dentry = file->f_path.dentry;
	k->mnt = file->f_path.mnt;
	k->inode = inode;
	k->ino = inode->i_ino;
	k->size = i_size_read(inode);
	/* data_race: racing a write or unlink, a miss; no file being written is kept. */
	k->ctime = data_race(forkstat_inode_ctime(inode));
	k->dev = inode->i_sb->s_dev;
	/* data_race: as above */
	k->generation = data_race(inode->i_generation);
	/* data_race: as above */
	k->unlinked = data_race(d_unlinked(file->f_path.dentry));
	k->rename_seq = read_seqbegin(&rename_lock);
	do {
		*root_seq = read_seqcount_begin(&fs->seq);
		k->root = fs->root.dentry;
		k->root_mnt = fs->root.mnt;
	} while (read_seqcount_retry(&fs->seq, *root_seq));
	return !cred.shielded;
}

static bool forkstat_ufile_key_eq(const struct forkstat_ufile_key *a,
				  const struct forkstat_ufile_key *b)
{
	return a->dentry == b->dentry && a->mnt == b->mnt && a->inode == b->inode &&
	       a->ino == b->ino && a->dev == b->dev && a->generation == b->generation &&
	       a->size == b->size && timespec64_equal(&a->ctime, &b->ctime) &&
	       a->unlinked == b->unlinked && a->root == b->root &&
	       a->root_mnt == b->root_mnt && a->rename_seq == b->rename_seq &&
	       uid_eq(a->uid, b->uid) && gid_eq(a->gid, b->gid);
}

/* The same file from the same place: a newer entry replaces an older. */
static bool forkstat_ufile_key_same(const struct forkstat_ufile_key *a,
				    const struct forkstat_ufile_key *b)
{
	return a->dentry == b->dentry && a->mnt == b->mnt && a->root == b->root &&
	       a->root_mnt == b->root_mnt && uid_eq(a->uid, b->uid) &&
	       gid_eq(a->gid, b->gid);
}

/* uf names file: from the files named before, else read and remembered. */
static void forkstat_ufile_name(struct forkstat_uwalk *t, struct file *file,
				struct forkstat_ufile *uf)
{
	struct forkstat_ufile_seen *b;
	struct forkstat_ufile_key k;
	unsigned long now = jiffies;
	unsigned int root_seq, i;
	int way, hit = -1;
	bool keyed;

	atomic64_inc(&forkstat_ufiles_named);
	keyed = forkstat_ufile_key(file, &k, &root_seq);
	/* Each user's files in buckets of their own, mostly: one evicts another's less. */
	i = hash_long((unsigned long)k.dentry ^ __kuid_val(k.uid), FORKSTAT_UFILES_SEEN_BITS);
	b = forkstat_ufiles_seen[i];
	spin_lock(&forkstat_ufiles_seen_lock);
	for (way = 0; keyed && way < ARRAY_SIZE(forkstat_ufiles_seen[0]) && hit < 0; way++)
		if (forkstat_ufile_key_eq(&b[way].key, &k) &&
		    time_before(now, b[way].when + FORKSTAT_UFILE_TTL))
			hit = way;
	if (hit >= 0) {
		*uf = b[hit].f;
		forkstat_ufiles_last[i] = hit;
	}
	spin_unlock(&forkstat_ufiles_seen_lock);
	if (hit >= 0) {
		uf->from_memory = 1;
		if (!uf->build_id_len)
			uf->build_id_len = forkstat_build_id(file, uf->build_id);
		return;
	}
	atomic64_inc(&forkstat_ufiles_read);
	uf->from_memory = 0;
	/*
	 * Read half old, half new, perhaps: a file open for writing (a
	 * writer holds i_writecount for the whole of its write, a shared
	 * writable mapping for its life), or changed in the last second or
	 * two or in the future (a write sets the change time before it
	 * copies).
	 */
	if (!forkstat_ufile_read(t, file, uf) || !keyed ||
	    read_seqretry(&rename_lock, k.rename_seq) ||
	    read_seqcount_retry(&current->fs->seq, root_seq))
		return;
	smp_rmb();	/* i_writecount after the read */
	if (atomic_read(&file_inode(file)->i_writecount) > 0 ||
	    k.ctime.tv_sec >= ktime_get_real_seconds() - 1)
		return;
	spin_lock(&forkstat_ufiles_seen_lock);
	/* The same file from the same place replaces itself; else the way not used last. */
	if (forkstat_ufile_key_same(&b[0].key, &k))
		way = 0;
	else if (forkstat_ufile_key_same(&b[1].key, &k))
		way = 1;
	else
		way = !forkstat_ufiles_last[i];
	b[way].key = k;
	b[way].when = now;
	b[way].f = *uf;
	forkstat_ufiles_last[i] = way;
	spin_unlock(&forkstat_ufiles_seen_lock);
}

void forkstat_uwalk_files(u64 *named, u64 *read)
{
	*named = atomic64_read(&forkstat_ufiles_named);
	/* A reset between a file's two counts must not show more read than named. */
	*read = min_t(u64, atomic64_read(&forkstat_ufiles_read), *named);
}

/* The counts only: the files named before stay named (they hold no reference). */
void forkstat_uwalk_reset(void)
{
	atomic64_set(&forkstat_ufiles_read, 0);
	atomic64_set(&forkstat_ufiles_named, 0);
}

/* file's index in s->files, added if new; -1 when the table is full. */
static int forkstat_ufile(struct forkstat_uwalk *t, struct file *file)
{
	struct forkstat_ustack *s = &t->chain;
	struct inode *inode = file_inode(file);
	int i;

	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].ino == inode->i_ino &&
		    s->files[i].dev == inode->i_sb->s_dev)
			return i;
	if (s->nfiles == FORKSTAT_USTACK_FILES)
		return -1;
	forkstat_ufile_name(t, file, &s->files[s->nfiles]);
	return s->nfiles++;
}

/* Each frame's file and offset in it. */
static void forkstat_uresolve(struct forkstat_uwalk *t)
{
	struct forkstat_ustack *s = &t->chain;
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

/* The mmap lock, read, if had within FORKSTAT_LOCK_TRIES tries. */
static bool forkstat_umm_lock(struct mm_struct *mm)
{
	int i;

	for (i = 0; i < FORKSTAT_LOCK_TRIES; i++) {
		if (mmap_read_trylock(mm))
			return true;
		usleep_range(500, 1000);
	}
	return false;
}

struct forkstat_ustack *forkstat_uwalk_current(void)
{
	struct pt_regs *regs = task_pt_regs(current);
	struct forkstat_uwalk *t;
	struct forkstat_ustack *s;

	/* Not a user thread with its own stack and mm (ustack.c checks). */
	if (!current->mm || current->flags & (FORKSTAT_NOT_USER | PF_EXITING))
		return ERR_PTR(-ESRCH);
	/* kzalloc zeroes each byte: kmalloc-4k would zero twice as many. */
	BUILD_BUG_ON(sizeof(*t) > 2048);
	t = kzalloc(sizeof(*t), GFP_KERNEL | __GFP_NOWARN);
	if (!t)
		return ERR_PTR(-ENOMEM);
	s = &t->chain;
	t->mm = current->mm;
	if (!user_64bit_mode(regs)) {
		forkstat_uadd(s, instruction_pointer(regs), FORKSTAT_UFRAME_IP);
		s->end = FORKSTAT_UEND_COMPAT;
	} else {
		t->locked = forkstat_umm_lock(t->mm);
		s->mm = t->locked ? FORKSTAT_UMM_OK : FORKSTAT_UMM_BUSY;
		forkstat_uwalk_chain(t, regs);
		forkstat_uresolve(t);
		if (t->locked)
			mmap_read_unlock(t->mm);
	}
	return s;
}

void forkstat_uwalk_free(struct forkstat_ustack *s)
{
	kfree(container_of(s, struct forkstat_uwalk, chain));
}
