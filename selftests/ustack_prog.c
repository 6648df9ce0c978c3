// SPDX-License-Identifier: GPL-2.0
/*
 * ustack_prog: a C program whose call chains ustack.sh knows, built twice
 * (with and without frame pointers; no inlining, no tail calls, so that
 * each named function keeps its frame).
 *
 *   ustack_prog clear	clears O_NONBLOCK via outer_a -> middle_b -> inner_c
 *   ustack_prog fork MIB	forks with MIB MiB touched, via fork_a -> fork_b -> fork_c
 *   ustack_prog loop|kernel|fault
 *			clears O_NONBLOCK with a raw syscall whose frame
 *			pointer is a frame linking to itself, to a kernel
 *			address, to a stack page not present
 *   ustack_prog gone	a thread on a stack of its own vforks; while the
 *			child sleeps the main thread unmaps that stack, so
 *			the chain is taken from a stack that is gone (the
 *			process then dies of SIGSEGV, as it must)
 *
 * Prints its pid first.
 */
#define _GNU_SOURCE
#include <err.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int nonblocking_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		err(1, "socket");
	return fd;
}

__attribute__((noinline)) int inner_c(int fd)
{
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

__attribute__((noinline)) int middle_b(int fd)
{
	return inner_c(fd) + 1;
}

__attribute__((noinline)) int outer_a(int fd)
{
	return middle_b(fd) + 1;
}

__attribute__((noinline)) pid_t fork_c(void)
{
	pid_t pid = fork();

	if (!pid)
		_exit(0);
	return pid;
}

__attribute__((noinline)) pid_t fork_b(void)
{
	return fork_c() + 0 * getpid();
}

__attribute__((noinline)) pid_t fork_a(void)
{
	return fork_b() + 0 * getpid();
}

/* fcntl(fd, F_SETFL, 0) with rbp = fp, and 128 bytes of red zone left alone. */
static long fcntl_with_fp(int fd, unsigned long fp)
{
	long ret;

	asm volatile("sub $128, %%rsp\n\t"
		     "push %%rbp\n\t"
		     "mov %%rbx, %%rbp\n\t"
		     "syscall\n\t"
		     "pop %%rbp\n\t"
		     "add $128, %%rsp"
		     : "=a"(ret)
		     : "0"((long)SYS_fcntl), "D"((long)fd), "S"((long)F_SETFL),
		       "d"(0L), "b"(fp)
		     : "rcx", "r11", "memory");
	return ret;
}

/*
 * A good frame on the stack (a link, a return address into main) whose
 * link is next; next 0 links it to itself, a loop.
 */
__attribute__((noinline)) static long hostile(int fd, unsigned long next)
{
	unsigned long frame[2];

	frame[0] = next ? next : (unsigned long)frame;
	frame[1] = (unsigned long)__builtin_return_address(0);
	return fcntl_with_fp(fd, (unsigned long)frame);
}

/* The frame links to a stack page above it whose memory was given back. */
__attribute__((noinline)) static long hostile_fault(int fd)
{
	char pad[4 * 4096];
	unsigned long page = ((unsigned long)pad + 4095) & ~4095UL;

	memset(pad, 1, sizeof(pad));
	if (madvise((void *)page, 4096, MADV_DONTNEED))
		err(1, "madvise");
	return hostile(fd, page + 64);
}

#define GONE_STACK	(1 << 20)
static char *gone_stack;
static volatile int gone_in_vfork;
static const struct timespec gone_nap = { 0, 500 * 1000 * 1000 };

/* vfork; the child sleeps and exits without touching the stack. */
static void *gone_thread(void *arg)
{
	register const struct timespec *nap asm("r12") = &gone_nap;
	long ret;

	(void)arg;
	gone_in_vfork = 1;
	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "mov %[nanosleep], %%eax\n\t"
		     "mov %%r12, %%rdi\n\t"
		     "xor %%esi, %%esi\n\t"
		     "syscall\n\t"
		     "mov %[exit], %%eax\n\t"
		     "xor %%edi, %%edi\n\t"
		     "syscall\n"
		     "1:"
		     : "=a"(ret)
		     : "0"((long)SYS_vfork), "r"(nap), [nanosleep] "i"(SYS_nanosleep),
		       [exit] "i"(SYS_exit)
		     : "rcx", "r11", "rdi", "rsi", "memory");
	return (void *)ret;
}

static int gone(void)
{
	struct timespec wait = { 0, 100 * 1000 * 1000 };
	pthread_attr_t attr;
	pthread_t t;

	gone_stack = mmap(NULL, GONE_STACK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gone_stack == MAP_FAILED)
		err(1, "mmap");
	pthread_attr_init(&attr);
	if (pthread_attr_setstack(&attr, gone_stack, GONE_STACK) ||
	    pthread_create(&t, &attr, gone_thread, NULL))
		errx(1, "pthread_create");
	while (!gone_in_vfork)
		;
	nanosleep(&wait, NULL);
	munmap(gone_stack, GONE_STACK);
	/* Not joined: its descriptor was on that stack. It dies returning. */
	wait.tv_sec = 5;
	nanosleep(&wait, NULL);
	return 0;
}

static int big_fork(long mib)
{
	size_t len = (size_t)mib << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	if (p == MAP_FAILED)
		err(1, "mmap");
	madvise(p, len, MADV_NOHUGEPAGE);	/* EINVAL without THP: 4 KiB anyway */
	memset(p, 1, len);
	pid = fork_a();
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		err(1, "fork");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	printf("%d\n", getpid());
	fflush(stdout);
	if (!strcmp(mode, "clear"))
		return outer_a(nonblocking_socket()) == 2 ? 0 : 1;
	if (!strcmp(mode, "fork") && argc > 2)
		return big_fork(atol(argv[2]));
	if (!strcmp(mode, "loop"))
		return hostile(nonblocking_socket(), 0) ? 1 : 0;
	if (!strcmp(mode, "kernel"))
		return hostile(nonblocking_socket(), 0xffffffff81000000UL) ? 1 : 0;
	if (!strcmp(mode, "fault"))
		return hostile_fault(nonblocking_socket()) ? 1 : 0;
	if (!strcmp(mode, "gone"))
		return gone();
	errx(2, "usage: ustack_prog clear | fork MIB | loop | kernel | fault | gone");
}
