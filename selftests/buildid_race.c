// SPDX-License-Identifier: GPL-2.0
/*
 * A call chain's file has its GNU build ID read from the file's first
 * page in the page cache, which anyone who may write the file can change
 * while it is read. Here a file of the test's own, mapped executable,
 * holds a build-ID note and the code that makes the system call; one
 * thread rewrites the note's length (20, then 255) as fast as it can
 * while another clears and sets a socket's O_NONBLOCK through that code,
 * each change taking a chain whose first frame lies in the file. Every
 * build ID shown for the file must be the note's 20 bytes or none: a
 * length read twice could pass the check as 20 and copy 255 (KASAN, on
 * make check-debug's kernels, sees the write past the record).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stddef.h>
#include <pthread.h>
#include <sys/socket.h>

#include "harness.h"
#include "proc_util.h"

#define CHANGES		5000
#define NOTE_OFF	0x100
#define CODE_OFF	0x800

/* long stub(long nr, long a, long b, long c): the system call, then ret. */
static const unsigned char stub[] = {
	0x48, 0x89, 0xf8,	/* mov %rdi,%rax */
	0x48, 0x89, 0xf7,	/* mov %rsi,%rdi */
	0x48, 0x89, 0xd6,	/* mov %rdx,%rsi */
	0x48, 0x89, 0xca,	/* mov %rcx,%rdx */
	0x0f, 0x05,		/* syscall */
	0xc3,			/* ret */
};

/* A page: an ELF header, one PT_NOTE with a GNU build ID, the stub. */
static void make_page(unsigned char *page)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)page;
	Elf64_Phdr *ph = (Elf64_Phdr *)(page + sizeof(*eh));
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(page + NOTE_OFF);
	int i;

	memset(page, 0, 4096);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_NOTE;
	ph->p_offset = NOTE_OFF;
	ph->p_filesz = sizeof(*nh) + 4 + 20;
	nh->n_namesz = 4;
	nh->n_descsz = 20;
	nh->n_type = NT_GNU_BUILD_ID;
	memcpy(page + NOTE_OFF + sizeof(*nh), "GNU", 4);
	for (i = 0; i < 20; i++)
		page[NOTE_OFF + sizeof(*nh) + 4 + i] = 0xa0 + i;
	memcpy(page + CODE_OFF, stub, sizeof(stub));
}

static volatile int done;

struct flipper {
	int fd;
	long flips;
};

/* Rewrites the note's length, 20 and 255 in turn, until done. */
static void *flip(void *arg)
{
	struct flipper *f = arg;
	__u32 len[2] = { 20, 255 };

	while (!done) {
		if (pwrite(f->fd, &len[f->flips & 1], sizeof(len[0]),
			   NOTE_OFF + offsetof(Elf64_Nhdr, n_descsz)) != sizeof(len[0]))
			break;
		f->flips++;
	}
	return NULL;
}

FIXTURE(race) {
};

FIXTURE_SETUP(race)
{
}

FIXTURE_TEARDOWN(race)
{
}

TEST_F_TIMEOUT(race, build_id_read_once, 600)
{
	static char buf[PROC_BUF_SIZE];
	char path[] = "/tmp/buildid_race.XXXXXX";
	long (*call)(long, long, long, long);
	int sv[2], fd, i, files = 0, bad = 0;
	struct flipper f = { 0 };
	unsigned char page[4096];
	char *line, *save, *id;
	pthread_t t;
	void *code;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	make_page(page);
	ASSERT_EQ(sizeof(page), write(fd, page, sizeof(page)));
	code = mmap(NULL, sizeof(page), PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, code);
	call = (long (*)(long, long, long, long))((char *)code + CODE_OFF);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, fcntl(sv[0], F_SETFL, O_NONBLOCK));

	f.fd = fd;
	ASSERT_EQ(0, pthread_create(&t, NULL, flip, &f));
	for (i = 0; i < CHANGES; i++) {
		ASSERT_EQ(0, call(SYS_fcntl, sv[0], F_SETFL, 0));	/* a clear */
		ASSERT_EQ(0, call(SYS_fcntl, sv[0], F_SETFL, O_NONBLOCK));
	}
	done = 1;
	pthread_join(t, NULL);

	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "ufile ", 6) || !strstr(line, path))
			continue;
		files++;
		id = strstr(line, " build_id=");
		ASSERT_NE(NULL, id);
		id += strlen(" build_id=");
		if (strcspn(id, " ") != 0 &&
		    strncmp(id, "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3 ", 41))
			bad++;
	}
	TH_LOG("%d clears and sets made in the file's code while its note's length flipped %ld times: %d chains name the file, %d with another build ID",
	       CHANGES, f.flips, files, bad);
	EXPECT_LT(0, files);
	EXPECT_EQ(0, bad);
	munmap(code, sizeof(page));
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
