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
 * victim blocked with the lock held must not hold up the record, nor
 * the record the victim), and stops early when a writer waits (the
 * reaper or the victim's own exit may need the lock). Every step may
 * reschedule. Only anonymous private mappings are counted page by page
 * (their page tables are stable under the read lock); file and shared
 * mappings count by their mapped size.
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

const char *const forkstat_oom_walk_ends[FORKSTAT_OOM_WALK_NR] = {
	[FORKSTAT_OOM_WALK_OK] = "ok",
	[FORKSTAT_OOM_WALK_GONE] = "gone",
	[FORKSTAT_OOM_WALK_BUSY] = "busy",
	[FORKSTAT_OOM_WALK_PARTIAL] = "partial",
	[FORKSTAT_OOM_WALK_LATE] = "late",
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
 * Resident pages of [start, end) of an anonymous private mapping, the
 * mmap lock held for reading. apply_to_existing_page_range() warns on a
 * huge or bad entry, so it gets only the page tables this finds; under
 * the read lock a table of such a mapping stays a table (a collapse to
 * a huge page takes the lock for writing; a huge-page fault fills only
 * an empty entry, which is skipped here).
 */
static unsigned long forkstat_oom_resident(struct mm_struct *mm, unsigned long start,
					   unsigned long end, bool *contended)
{
	unsigned long addr, next, pages = 0;
	unsigned int pmds = 0;

	for (addr = start; addr < end; addr = next) {
		pgd_t *pgd = pgd_offset(mm, addr);
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
			if (mmap_lock_is_contended(mm)) {
				*contended = true;
				break;
			}
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
		apply_to_existing_page_range(mm, addr, next - addr, forkstat_oom_pte, &pages);
	}
	return pages;
}

/* Keeps the FORKSTAT_OOM_TOP largest, largest first. */
static void forkstat_oom_top_anon(struct forkstat_oom_regions *reg,
				  struct vm_area_struct *vma, unsigned long kb)
{
	int i = FORKSTAT_OOM_TOP - 1;

	if (kb <= reg->anon[i].rss_kb)
		return;
	for (; i > 0 && reg->anon[i - 1].rss_kb < kb; i--)
		reg->anon[i] = reg->anon[i - 1];
	reg->anon[i].start = vma->vm_start;
	reg->anon[i].end = vma->vm_end;
	reg->anon[i].rss_kb = kb;
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
 * A stack: the main one (it grows down, or holds start_stack), or an
 * anonymous mapping right above a small inaccessible one, the guard page
 * glibc's pthread_create puts below each thread's stack.
 */
static bool forkstat_oom_is_stack(struct mm_struct *mm, struct vm_area_struct *vma,
				  struct vm_area_struct *prev)
{
	if (vma->vm_flags & VM_GROWSDOWN ||
	    (vma->vm_start <= mm->start_stack && mm->start_stack < vma->vm_end))
		return true;
	return prev && !prev->vm_file && prev->vm_end == vma->vm_start &&
	       !(prev->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) &&
	       prev->vm_end - prev->vm_start <= FORKSTAT_OOM_GUARD_MAX;
}

static void forkstat_oom_walk_vmas(struct mm_struct *mm, struct forkstat_oom_regions *reg)
{
	struct vm_area_struct *vma, *prev = NULL;
	struct vma_iterator vmi;
	bool contended = false;
	unsigned long kb;

	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		cond_resched();
		if (contended || mmap_lock_is_contended(mm)) {
			reg->end = FORKSTAT_OOM_WALK_PARTIAL;
			return;
		}
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
			kb = forkstat_oom_resident(mm, vma->vm_start, vma->vm_end,
						   &contended) << (PAGE_SHIFT - 10);
			if (vma->vm_start < mm->brk && vma->vm_end > mm->start_brk) {
				reg->heap_kb += kb;
			} else if (forkstat_oom_is_stack(mm, vma, prev)) {
				reg->stack_kb += kb;
				reg->stacks++;
			} else {
				reg->anon_kb += kb;
				reg->anon_vmas++;
				forkstat_oom_top_anon(reg, vma, kb);
			}
		}
		prev = vma;
	}
	reg->end = contended ? FORKSTAT_OOM_WALK_PARTIAL : FORKSTAT_OOM_WALK_OK;
}

void forkstat_oom_walk(struct mm_struct *mm, struct forkstat_oom_regions *reg)
{
	u64 start = ktime_get_ns();
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
	forkstat_oom_walk_vmas(mm, reg);
	mmap_read_unlock(mm);
	/* Maybe the last user: its exit_mmap() on a kworker of its own. */
	mmput_async(mm);
	reg->walk_ns = ktime_get_ns() - start;
}
