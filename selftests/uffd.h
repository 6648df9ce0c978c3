/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userfaultfd for the selftests: how user space parks one of its threads
 * inside the kernel for as long as it likes (a fault on a registered
 * range waits until the range is resolved or the descriptor closed).
 * Include after proc_util.h.
 */
#ifndef FORKSTAT_UFFD_H
#define FORKSTAT_UFFD_H

#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>

#define REGION		(2UL << 20)

/*
 * A 2 MiB-aligned region of private anonymous memory, 4 KiB pages, each
 * written: a page table of its own, freed whole when it is unmapped.
 */
static inline char *region_touched(void)
{
	char *p = mmap(NULL, 2 * REGION, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *r;

	if (p == MAP_FAILED)
		return NULL;
	r = (char *)(((unsigned long)p + REGION - 1) & ~(REGION - 1));
	if (r > p)
		munmap(p, r - p);
	munmap(r + REGION, p + REGION - r);
	if (small_pages(r, REGION))
		return NULL;
	memset(r, 1, REGION);
	return r;
}

/*
 * A userfaultfd with [p, p + len) registered in mode (UFFDIO_REGISTER_MODE_*);
 * user_only asks for UFFD_USER_MODE_ONLY, which needs no privilege but
 * handles faults of user code only. -1 on failure.
 */
static inline int uffd_register(void *p, size_t len, __u64 mode, int user_only)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)p, .len = len },
		.mode = mode,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC |
			 (user_only ? UFFD_USER_MODE_ONLY : 0));

	if (fd < 0)
		return -1;
	if (mode & UFFDIO_REGISTER_MODE_WP)
		api.features = UFFD_FEATURE_PAGEFAULT_FLAG_WP;
	if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Write-protects [p, p + len): the next write to each page parks. */
static inline int uffd_write_protect(int fd, void *p, size_t len)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (unsigned long)p, .len = len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};

	return ioctl(fd, UFFDIO_WRITEPROTECT, &wp);
}

/* Waits up to ms for a thread to park on fd; 0 once one has. */
static inline int uffd_wait_fault(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, ms) != 1 || read(fd, &msg, sizeof(msg)) != sizeof(msg))
		return -1;
	return msg.event == UFFD_EVENT_PAGEFAULT ? 0 : -1;
}

#endif /* FORKSTAT_UFFD_H */
