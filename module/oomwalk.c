// SPDX-License-Identifier: GPL-2.0
/*
 * Where an OOM victim's memory was: a walk of its mappings in process
 * context, right after the kill and before the OOM reaper empties them,
 * counting resident pages by class. Made by the trigger itself when it
 * shares the victim's mm (it is killed with it, and runs its task work
 * before it exits, the mm intact), else by oom.c's work item, which may
 * find the victim gone.
 *
 * The walk holds the victim's mm users only while it walks, and its
 * mmap lock for reading: it tries the lock for a few milliseconds (a
 * victim blocked with the lock held must not hold up the record), and
 * stops early when a writer waits (the victim's own exit may need the
 * lock), when the OOM reaper begins to empty the mm, or after
 * FORKSTAT_OOM_WALK_BUDGET (while the walk holds the users, a victim that
 * exits leaves its exit_mmap() to the walk's end). Letting go may be the
 * last put: mmput_async(), so that __mmput() never runs, nor waits, on
 * oom.c's queue. Every step may reschedule. Only anonymous private
 * mappings are counted page by page (their page tables are stable under
 * the read lock); file and shared mappings count by their mapped size.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/string.h>

#include "oom.h"

/* Tries at the mmap lock, 1-2 ms apart. */
#define FORKSTAT_OOM_LOCK_TRIES	10
/* PMDs (2 MiB each) looked at between chances to reschedule. */
#define FORKSTAT_OOM_PMD_RESCHED	64
/* A guard this size or smaller right below an anonymous mapping makes it a stack. */
#define FORKSTAT_OOM_GUARD_MAX	SZ_1M
/* A thread's stack at most: glibc's default, RLIMIT_STACK's usual 8 MiB. */
#define FORKSTAT_OOM_THREAD_STACK	SZ_8M
/* The longest a walk goes on, in ns (a 256 MiB victim takes a few ms under emulation). */
#define FORKSTAT_OOM_WALK_BUDGET	(500 * NSEC_PER_MSEC)

/* One walk: its mm, and whether it must stop (a writer waits, its time is up). */
struct forkstat_oom_walker {
	struct mm_struct *mm;
	u64 deadline;			/* ktime_get_ns() */
	bool stop;
};

static bool forkstat_oom_stop(struct forkstat_oom_walker *w)
{
	if (!w->stop)
		w->stop = mmap_lock_is_contended(w->mm) || ktime_get_ns() > w->deadline ||
			  test_bit(MMF_UNSTABLE, &w->mm->flags);
	return w->stop;
}

const char *const forkstat_oom_walk_ends[FORKSTAT_OOM_WALK_NR] = {
	[FORKSTAT_OOM_WALK_OK] = "ok",
	[FORKSTAT_OOM_WALK_GONE] = "gone",
	[FORKSTAT_OOM_WALK_BUSY] = "busy",
	[FORKSTAT_OOM_WALK_PARTIAL] = "partial",
};

/* Under the PTE lock: a page mapped, the shared zero page not counted (as smaps). */
static int forkstat_oom_pte(pte_t *pte, unsigned long addr, void *data)
{
	pte_t val = ptep_get(pte);
	unsigned long *pages = data;

	if (pte_present(val) && !is_zero_pfn(pte_pfn(val)))
		(*pages)++;
	return 0;
}

/*
 * Resident memory (KiB) of [start, end) of an anonymous private mapping, the
 * mmap lock held for reading. apply_to_existing_page_range() warns on a
 * huge or bad entry, so it gets only the page tables this finds; under
 * the read lock a table of such a mapping stays a table (a collapse to
 * a huge page takes the lock for writing; a huge-page fault fills only
 * an empty entry, which is skipped here).
 */
static unsigned long forkstat_oom_resident_kb(struct forkstat_oom_walker *w,
					      unsigned long start, unsigned long end)
{
	unsigned long addr, next, pages = 0;
	unsigned int pmds = 0;

	for (addr = start; addr < end && !w->stop; addr = next) {
		pgd_t *pgd = pgd_offset(w->mm, addr);
		p4d_t *p4d;
		pud_t *pud;
		pmd_t pmd;

		next = pgd_addr_end(addr, end);
		if (pgd_none(READ_ONCE(*pgd)) || pgd_bad(READ_ONCE(*pgd)))
			continue;
		p4d = p4d_offset(pgd, addr);
		next = p4d_addr_end(addr, end);
		if (p4d_none(READ_ONCE(*p4d)) || p4d_bad(READ_ONCE(*p4d)))
			continue;
		pud = pud_offset(p4d, addr);
		next = pud_addr_end(addr, end);
		if (pud_none(READ_ONCE(*pud)) || pud_bad(READ_ONCE(*pud)))
			continue;
		pmd = READ_ONCE(*pmd_offset(pud, addr));
		next = pmd_addr_end(addr, end);
		if (++pmds % FORKSTAT_OOM_PMD_RESCHED == 0) {
			cond_resched();
			if (forkstat_oom_stop(w))
				break;
		}
		if (pmd_none(pmd) || !pmd_present(pmd))
			continue;
		/* The huge zero page (not exported to tell) counts as resident. */
		if (pmd_trans_huge(pmd)) {
			pages += (next - addr) >> PAGE_SHIFT;
			continue;
		}
		if (pmd_bad(pmd))
			continue;
		apply_to_existing_page_range(w->mm, addr, next - addr, forkstat_oom_pte, &pages);
	}
	return pages << (PAGE_SHIFT - 10);
}

/* Keeps the FORKSTAT_OOM_TOP largest regions, largest first. */
static void forkstat_oom_top_anon(struct forkstat_oom_regions *reg,
				  const struct forkstat_oom_anon *run)
{
	int i = FORKSTAT_OOM_TOP - 1;

	if (run->rss_kb <= reg->anon[i].rss_kb)
		return;
	for (; i > 0 && reg->anon[i - 1].rss_kb < run->rss_kb; i--)
		reg->anon[i] = reg->anon[i - 1];
	reg->anon[i] = *run;
}

/*
 * Anonymous memory [start, end) of an accessible (open) mapping or not,
 * into the region being gathered: adjacent accessible ones are one
 * region. A runtime's heap is many mappings side by side (Go's arena,
 * 2 MiB each where it madvises huge pages on and off; glibc's arenas
 * split by mprotect); apart, none would be among the largest. An
 * inaccessible one (a guard, a reservation) ends the region.
 */
static void forkstat_oom_anon_add(struct forkstat_oom_regions *reg, struct forkstat_oom_anon *run,
				  unsigned long start, unsigned long end, bool open,
				  unsigned long kb)
{
	if (open && run->end == start) {
		run->end = end;
		run->rss_kb += kb;
		return;
	}
	forkstat_oom_top_anon(reg, run);
	*run = (struct forkstat_oom_anon){ };
	if (open)
		*run = (struct forkstat_oom_anon){ .start = start, .end = end, .rss_kb = kb };
}

/* The tail of a path that does not fit, as d_path writes it at the end. */
static void forkstat_oom_path(struct file *file, char *dst)
{
	char buf[256];
	char *path = file_path(file, buf, sizeof(buf));
	size_t len;

	if (IS_ERR(path)) {
		strscpy(dst, "?", FORKSTAT_OOM_PATH);
		return;
	}
	len = strlen(path);
	if (len >= FORKSTAT_OOM_PATH)
		path += len - (FORKSTAT_OOM_PATH - 1);
	strscpy(dst, path, FORKSTAT_OOM_PATH);
}

/* A mapped file's size added to its entry, the files kept largest first. */
static void forkstat_oom_top_file(struct forkstat_oom_regions *reg,
				  struct vm_area_struct *vma, unsigned long kb)
{
	struct inode *inode = file_inode(vma->vm_file);
	struct forkstat_oom_file f = {
		.ino = inode->i_ino, .dev = inode->i_sb->s_dev,
	};
	int i, n = FORKSTAT_OOM_TOP - 1;

	for (i = 0; i < FORKSTAT_OOM_TOP && reg->files[i].size_kb; i++) {
		if (reg->files[i].ino == f.ino && reg->files[i].dev == f.dev) {
			f = reg->files[i];
			n = i;
			break;
		}
	}
	f.size_kb += kb;
	if (f.size_kb <= reg->files[n].size_kb)
		return;
	if (!f.path[0])
		forkstat_oom_path(vma->vm_file, f.path);
	for (i = n; i > 0 && reg->files[i - 1].size_kb < f.size_kb; i--)
		reg->files[i] = reg->files[i - 1];
	reg->files[i] = f;
}

/*
 * How much of a private anonymous mapping is a stack, from its start: the
 * main stack whole (it grows down, or holds start_stack); of a mapping
 * right above a small inaccessible one, the guard page glibc's
 * pthread_create puts below each thread's stack, its first
 * FORKSTAT_OOM_THREAD_STACK (the kernel merges a thread's stack with an
 * anonymous mapping made just above it before: the rest is not stack).
 */
static unsigned long forkstat_oom_stack_len(struct mm_struct *mm, struct vm_area_struct *vma,
					    struct vm_area_struct *prev)
{
	unsigned long len = vma->vm_end - vma->vm_start;

	if (vma->vm_flags & VM_GROWSDOWN ||
	    (vma->vm_start <= mm->start_stack && mm->start_stack < vma->vm_end))
		return len;
	if (prev && !prev->vm_file && prev->vm_end == vma->vm_start &&
	    !(prev->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) &&
	    prev->vm_end - prev->vm_start <= FORKSTAT_OOM_GUARD_MAX)
		return min(len, FORKSTAT_OOM_THREAD_STACK);
	return 0;
}

/* A private anonymous mapping's resident memory, by class. */
static void forkstat_oom_anon_vma(struct forkstat_oom_walker *w, struct forkstat_oom_regions *reg,
				  struct forkstat_oom_anon *run, struct vm_area_struct *vma,
				  struct vm_area_struct *prev)
{
	unsigned long start = vma->vm_start, end = vma->vm_end, stack, kb;

	if (start < w->mm->brk && end > w->mm->start_brk) {
		reg->heap_kb += forkstat_oom_resident_kb(w, start, end);
		return;
	}
	stack = forkstat_oom_stack_len(w->mm, vma, prev);
	if (stack) {
		reg->stack_kb += forkstat_oom_resident_kb(w, start, start + stack);
		reg->stacks++;
		start += stack;
		if (start == end)
			return;
	}
	kb = forkstat_oom_resident_kb(w, start, end);
	reg->anon_kb += kb;
	reg->anon_vmas++;
	forkstat_oom_anon_add(reg, run, start, end, !!(vma->vm_flags & (VM_READ | VM_WRITE)), kb);
}

static void forkstat_oom_walk_vmas(struct forkstat_oom_walker *w, struct forkstat_oom_regions *reg)
{
	struct vm_area_struct *vma, *prev = NULL;
	struct forkstat_oom_anon run = { };
	struct vma_iterator vmi;
	unsigned long kb;

	vma_iter_init(&vmi, w->mm, 0);
	for_each_vma(vmi, vma) {
		cond_resched();
		if (forkstat_oom_stop(w))
			break;
		reg->vmas++;
		if (vma->vm_flags & (VM_HUGETLB | VM_PFNMAP | VM_IO)) {
			/* Not counted: hugetlbfs's own pool, device memory. */
		} else if (vma->vm_file || vma->vm_flags & VM_SHARED) {
			kb = (vma->vm_end - vma->vm_start) >> 10;
			reg->file_kb += kb;
			reg->file_vmas++;
			if (vma->vm_file)
				forkstat_oom_top_file(reg, vma, kb);
		} else {
			forkstat_oom_anon_vma(w, reg, &run, vma, prev);
		}
		/* Any other mapping ends the anonymous region. */
		if (run.end != vma->vm_end) {
			forkstat_oom_top_anon(reg, &run);
			run = (struct forkstat_oom_anon){ };
		}
		prev = vma;
	}
	forkstat_oom_top_anon(reg, &run);
	reg->end = w->stop ? FORKSTAT_OOM_WALK_PARTIAL : FORKSTAT_OOM_WALK_OK;
}

void forkstat_oom_walk(struct mm_struct *mm, struct forkstat_oom_regions *reg)
{
	u64 start = ktime_get_ns();
	struct forkstat_oom_walker w = {
		.mm = mm, .deadline = start + FORKSTAT_OOM_WALK_BUDGET,
	};
	int tries;

	if (!mmget_not_zero(mm)) {
		reg->end = FORKSTAT_OOM_WALK_GONE;
		return;
	}
	for (tries = 0; !mmap_read_trylock(mm); tries++) {
		if (tries == FORKSTAT_OOM_LOCK_TRIES) {
			reg->end = FORKSTAT_OOM_WALK_BUSY;
			mmput_async(mm);
			return;
		}
		usleep_range(1000, 2000);
	}
	forkstat_oom_walk_vmas(&w, reg);
	mmap_read_unlock(mm);
	/* The OOM reaper began emptying it meanwhile (it reads the lock too). */
	if (test_bit(MMF_UNSTABLE, &mm->flags))
		reg->end = FORKSTAT_OOM_WALK_PARTIAL;
	/*
	 * Maybe the last user, the victim gone meanwhile: its __mmput() on a
	 * system work item, not here. It waits for the mm's AIO (exit_aio()),
	 * which a FUSE daemon or an NFS server that never answers holds for
	 * ever: oom.c's ordered queue would stop behind it, and rmmod with it.
	 */
	mmput_async(mm);
	reg->walk_ns = ktime_get_ns() - start;
}
