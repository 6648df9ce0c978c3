// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the parser on fixture files: values read right, lines in
 * any order read the same, every truncation is refused or read as a
 * shorter file, and every bad file gets an error naming its line.
 *
 *   test_parse FIXTURE_DIR
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elf.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fsparse.h"
#include "render.h"
#include "demangle.h"
#include "escape.h"
#include "symbolize.h"

static int failures, checks;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

static char *fixture(const char *dir, const char *name, size_t *len)
{
	char path[512];
	char *text;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = fs_read_file(path, len);
	if (!text) {
		perror(path);
		exit(2);
	}
	return text;
}

static void test_edge(const char *dir)
{
	const struct fs_ustack *u;
	char err[256], *text;
	struct fs_doc d;
	size_t len;

	text = fixture(dir, "edge.txt", &len);
	CHECK(fs_parse(text, len, &d, err, sizeof(err)) == 0, "%s", err);
	CHECK(strcmp(d.module, "9.9.9") == 0, "module %s", d.module);
	CHECK(d.nprobes == 2 && d.probes[0].nmissed == 3 && d.probes[1].error == -2, "probes");
	CHECK(d.flav[FS_FORK].count == 10 && d.flav[FS_FORK].errors == 2, "fork flavour, keys reordered");
	CHECK(d.flav[FS_FORK].hist[14] == 5 && d.flav[FS_FORK].hist[10] == 2, "fork hist");
	CHECK(d.nfails == 2 && strcmp(d.fails[1].errno_str, "other") == 0 &&
	      d.fails[1].flavour == FS_THREAD, "fail records");
	CHECK(d.lat_by_rss[FS_FORK][12][14] == 5 && d.ptcopy_by_rss[12][14] == 5, "hist2d");
	CHECK(d.lat_by_rss[FS_VFORK][12][9] == 1, "vfork hist2d");
	CHECK(d.nslow == 1 && d.slow[0].flags == 0x1200000 && d.slow[0].rss_kb == 2202009,
	      "slow record");
	CHECK(strcmp(d.slow[0].comm, "my server") == 0, "escaped comm '%s'", d.slow[0].comm);
	CHECK(d.sock_clears[FS_PATH_FCNTL] == 3100 && d.sock_sets[FS_PATH_FCNTL] == 12, "sockmode");
	CHECK(d.nclears == 1 && strcmp(d.clears[0].sock.sun_path, "/run/a=b.sock") == 0 &&
	      d.clears[0].path == FS_PATH_IOCTL && d.clears[0].tgid == 77 &&
	      d.clears[0].sock.ino == 5501, "sockclear");
	/* A chain's lines in any order; the event names it by id. */
	u = fs_ustack(&d, d.clears[0].stack);
	CHECK(d.clears[0].stack == 9 && u && d.nustacks == 1 && u->nframes == 3 &&
	      u->nfiles == 2 && !strcmp(u->end, "text"), "ustack 9");
	CHECK(u && !strcmp(u->files[0].path, "/nonexistent/lib c.so") &&
	      !strcmp(u->files[0].build_id, "0011aa") && u->files[1].ino == 13 &&
	      u->files[0].dev_major == 254 && u->files[0].dev_minor == 1, "ufile");
	CHECK(u && u->frames[0].addr == 0x7f0000001000ULL && u->frames[1].off == 0x1234 &&
	      !strcmp(u->frames[1].how, "scan") && u->frames[2].file == -1, "uframe");
	CHECK(!fs_ustack(&d, 8) && !fs_ustack(&d, 0), "no chain 8");
	CHECK(d.nsets == 1 && d.sockset_total == 2 && d.sets[0].pid == 79 &&
	      d.sets[0].sock.ino == 5501 && d.nclears == 1, "sockset");
	/* Rows in tgid order; a "blocked" record joins its row or makes one. */
	CHECK(d.nprocs == 3 && d.procs[0].tgid == 77 && d.procs[0].has_row &&
	      d.procs[0].blocked_now == 2950 && d.procs[0].blocked_on_cleared == 2900 &&
	      d.procs[0].threads == 2960 && d.procs[0].sock_clears == 3100, "proc 77 joined");
	CHECK(d.nprocs == 3 && d.procs[1].tgid == 500 && !d.procs[1].has_row &&
	      d.procs[1].blocked_now == 3 && d.procs[1].threads == 4 &&
	      strcmp(d.procs[1].comm, "by design") == 0, "blocked process without a row");
	CHECK(d.nblocked == 1 && d.blocked[0].sock.ino == 5501 && d.blocked[0].cleared_by == 77 &&
	      d.blocked[0].waited_ns == 4000000000ULL &&
	      strcmp(d.blocked[0].comm, "manager io") == 0, "blockedthread");
	CHECK(d.scan_blocked == 2953 && d.scan_threads == 3100 && d.scan_listed == 1,
	      "blockedscan");
	CHECK(d.procs_dropped == 4, "dropped");
	fs_free(&d);
	free(text);
}

/*
 * The same records in reverse order read the same (the header kept first
 * and an end line, the module's since format 3, kept last).
 */
static void test_reordered(const char *dir, const char *name)
{
	char err[256], *text, *rev, *lines[4096] = { NULL }, *s;
	struct fs_doc a, b;
	size_t len, n = 0, o = 0;
	int i, end;

	text = fixture(dir, name, &len);
	CHECK(fs_parse(text, len, &a, err, sizeof(err)) == 0, "%s: %s", name, err);
	rev = malloc(len + 1);
	s = strdup(text);
	for (char *l = strtok(s, "\n"); l && n < 4096; l = strtok(NULL, "\n"))
		lines[n++] = l;
	if (!n)
		return;
	end = n > 1 && !strcmp(lines[n - 1], "end");
	o += sprintf(rev + o, "%s\n", lines[0]);
	for (i = n - 1 - end; i > 0; i--)
		o += sprintf(rev + o, "%s\n", lines[i]);
	if (end)
		o += sprintf(rev + o, "end\n");
	CHECK(fs_parse(rev, o, &b, err, sizeof(err)) == 0, "%s reversed: %s", name, err);
	CHECK(memcmp(a.flav, b.flav, sizeof(a.flav)) == 0, "%s: flavours differ", name);
	CHECK(memcmp(a.lat_by_rss, b.lat_by_rss, sizeof(a.lat_by_rss)) == 0, "%s: hist2d", name);
	CHECK(a.nprocs == b.nprocs && a.nprobes == b.nprobes && a.nslow == b.nslow &&
	      a.nclears == b.nclears && a.nblocked == b.nblocked, "%s: record counts", name);
	CHECK(a.nprocs == b.nprocs &&
	      memcmp(a.procs, b.procs, a.nprocs * sizeof(*a.procs)) == 0, "%s: rows", name);
	fs_free(&a);
	fs_free(&b);
	free(s);
	free(rev);
	free(text);
}

/*
 * Every prefix: a cut in a line is an error; a cut between lines is a
 * shorter file, or an error when the file ends with the end line its
 * header promised (a document cut short).
 */
static void test_truncations(const char *dir, const char *name)
{
	char err[256], *text;
	struct fs_doc d;
	size_t len, cut;
	int bad = 0, promised;

	text = fixture(dir, name, &len);
	promised = len >= 5 && !memcmp(text + len - 5, "\nend\n", 5);
	for (cut = 0; cut < len; cut++) {
		int at_boundary = cut > 0 && text[cut - 1] == '\n';
		int ret = fs_parse(text, cut, &d, err, sizeof(err));

		if (ret == 0)
			fs_free(&d);
		if ((ret == 0) != (at_boundary && !promised) ||
		    (ret && cut && !at_boundary && !strstr(err, "truncated")) ||
		    (ret && cut > 1 && at_boundary && promised && !strstr(err, "cut short")))
			bad++;
	}
	CHECK(bad == 0, "%s: %d of %zu truncations handled wrongly", name, bad, len);
	free(text);
}

static void test_bad(const char *dir, const char *name, const char *want)
{
	char err[256] = "", *text;
	struct fs_doc d;
	size_t len;

	text = fixture(dir, name, &len);
	CHECK(fs_parse(text, len, &d, err, sizeof(err)) == -1, "%s parsed", name);
	CHECK(strstr(err, want) != NULL, "%s: error '%s' lacks '%s'", name, err, want);
	free(text);
}

/*
 * A newer module's flavour or call name within the same format: those
 * records are skipped, the rest of the file reads as before.
 */
static void test_future_values(void)
{
	static const char text[] =
		"forkstat format=2 module=9 kernel=x\n"
		"flavour name=fork count=4 errors=0 sum_ns=8 max_ns=2\n"
		"flavour name=spawn count=1\n"
		"hist name=latency flavour=spawn unit=log2_us counts=1\n"
		"hist2d name=latency_by_rss flavour=spawn rss_bucket=0 counts=1\n"
		"fail flavour=spawn errno=12 count=1\n"
		"fail flavour=fork errno=12 count=2\n"
		"slow time_ns=1 pid=1 tgid=1 child=2 flavour=spawn comm=a\n"
		"slow time_ns=2 pid=1 tgid=1 child=3 flavour=fork comm=b\n"
		"sockmode path=io_uring clears=9 sets=9\n"
		"sockclear time_ns=1 pid=1 tgid=1 path=io_uring fd=3 comm=c\n"
		"sockclear time_ns=2 pid=1 tgid=1 path=fcntl fd=4 comm=d\n";
	char err[256] = "";
	struct fs_doc d;

	CHECK(fs_parse(text, sizeof(text) - 1, &d, err, sizeof(err)) == 0,
	      "a new flavour or path refused the file: %s", err);
	CHECK(d.flav[FS_FORK].count == 4 && d.nfails == 1 && d.fails[0].count == 2,
	      "known records next to unknown values");
	CHECK(d.nslow == 1 && d.slow[0].child == 3, "slow: %zu records", d.nslow);
	CHECK(d.nclears == 1 && d.clears[0].fd == 4, "sockclear: %zu records", d.nclears);
	fs_free(&d);
}

/* Refused: a number strto* would take after a blank or a sign. */
static void test_strict_numbers(void)
{
	static const char *const lines[] = {
		"flavour name=fork count=\t-5\n",
		"flavour name=fork count=+5\n",
		"flavour name=fork count=0x-5\n",
		"slow time_ns=1 pid=\t7 tgid=1 flavour=fork\n",
		"hist name=latency flavour=fork counts=1,\t-2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n",
	};
	char text[512], err[256];
	struct fs_doc d;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(text, sizeof(text), "forkstat format=2 module=9 kernel=x\n%s", lines[i]);
		err[0] = '\0';
		CHECK(fs_parse(text, strlen(text), &d, err, sizeof(err)) == -1 &&
		      strstr(err, "line 2:"), "'%.40s' read as a number (%s)", lines[i], err);
	}
}

/* A copy that went through CRLF tools reads as the original. */
static void test_crlf(const char *dir)
{
	char err[256] = "", *text, *crlf;
	struct fs_doc a, b;
	size_t len, i, n = 0;

	text = fixture(dir, "edge.txt", &len);
	crlf = malloc(2 * len);
	for (i = 0; i < len; i++) {
		if (text[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = text[i];
	}
	CHECK(fs_parse(text, len, &a, err, sizeof(err)) == 0, "edge.txt: %s", err);
	CHECK(fs_parse(crlf, n, &b, err, sizeof(err)) == 0, "edge.txt with CRLF: %s", err);
	CHECK(a.nprocs == b.nprocs && a.nslow == b.nslow && !strcmp(a.kernel, b.kernel) &&
	      !strcmp(a.procs[0].comm, b.procs[0].comm),
	      "CRLF: %zu/%zu rows, kernel '%s'", a.nprocs, b.nprocs, b.kernel);
	fs_free(&a);
	fs_free(&b);
	free(crlf);
	free(text);
}

/* Many rows, a file without any, and an older module's format. */
static void test_sizes(void)
{
	size_t cap = 64 + 10000 * 64, n, i;
	char *text = malloc(cap), err[256] = "";
	struct fs_doc d;

	n = snprintf(text, cap, "forkstat format=2 module=9 kernel=x\n");
	for (i = 1; i <= 10000; i++)
		n += snprintf(text + n, cap - n, "proc tgid=%zu fork=%zu comm=p\n", 10001 - i, i);
	CHECK(fs_parse(text, n, &d, err, sizeof(err)) == 0, "10,000 rows: %s", err);
	CHECK(d.nprocs == 10000 && d.procs[0].tgid == 1 && d.procs[9999].tgid == 10000 &&
	      d.procs[0].n[FS_FORK] == 10000, "10,000 rows read as %zu", d.nprocs);
	fs_free(&d);
	n = snprintf(text, cap, "forkstat format=2 module=9 kernel=x\nprocs max=16\n");
	CHECK(fs_parse(text, n, &d, err, sizeof(err)) == 0 && d.nprocs == 0, "no rows: %s", err);
	fs_free(&d);
	n = snprintf(text, cap, "forkstat format=1 module=0.1 kernel=x\n");
	CHECK(fs_parse(text, n, &d, err, sizeof(err)) == -1 && strstr(err, "older module"),
	      "format 1: '%s'", err);
	free(text);
}

/*
 * A header with end=1 promises a last line "end": without it the document
 * was cut short, even at a line boundary (it read as zeros before), and
 * nothing may follow it.
 */
static void test_end_record(void)
{
	static const char whole[] =
		"forkstat format=2 module=9 kernel=x end=1\n"
		"flavour name=fork count=4 errors=0 sum_ns=8 max_ns=2\n"
		"proc tgid=7 fork=4 comm=a\n"
		"end\n";
	char err[256] = "", after[sizeof(whole) + 32];
	struct fs_doc d;
	size_t cut;
	int bad = 0;

	CHECK(fs_parse(whole, sizeof(whole) - 1, &d, err, sizeof(err)) == 0 &&
	      d.flav[FS_FORK].count == 4 && d.nprocs == 1, "a whole document: %s", err);
	if (!err[0])
		fs_free(&d);
	for (cut = 1; cut < sizeof(whole) - 1; cut++) {
		if (whole[cut - 1] != '\n')
			continue;
		err[0] = '\0';
		if (fs_parse(whole, cut, &d, err, sizeof(err)) == 0) {
			fs_free(&d);
			bad++;
		} else if (!strstr(err, "cut short")) {
			bad++;
		}
	}
	CHECK(bad == 0, "%d documents cut at a line boundary read as whole", bad);
	snprintf(after, sizeof(after), "%sproc tgid=8 fork=1 comm=b\n", whole);
	CHECK(fs_parse(after, strlen(after), &d, err, sizeof(err)) == -1 &&
	      strstr(err, "after the end"), "a line after the end: '%s'", err);
}

/* A cgroup's sums take in its evicted rows: they never go down. */
static void test_cgroup_sums_with_evicted(void)
{
	static const char text[] =
		"forkstat format=2 module=9 kernel=x\n"
		"procs max=16 dropped=0 evicted=3 bytes=1 gone_cgroups_max=256 gone_cgroups=1 gone_cgroups_swept=12\n"
		"procgone cgroup=7 rows=3 fork=5 vfork=1 vm_clone=0 thread=0 errors=0 sum_ns=100 ptcopy_ns=40 stall_ns=9 cow_pages=2 child_cow_pages=1 sock_clears=4\n"
		"proc tgid=10 fork=1 vfork=0 vm_clone=0 thread=2 errors=0 sum_ns=10 ptcopy_ns=4 stall_ns=1 cow_pages=0 child_cow_pages=0 sock_clears=1 threads=3 cgroup=7 comm=a\n"
		"proc tgid=11 fork=1 vfork=0 vm_clone=0 thread=0 errors=0 sum_ns=20 cgroup=8 comm=b\n";
	char err[256] = "";
	struct cgroup_sum *s;
	struct fs_doc d;
	size_t n, i;

	CHECK(fs_parse(text, sizeof(text) - 1, &d, err, sizeof(err)) == 0, "%s", err);
	CHECK(d.ngone == 1 && d.procs_evicted == 3, "procgone: %zu records", d.ngone);
	CHECK(d.gone_cgroups == 1 && d.gone_cgroups_max == 256 && d.gone_cgroups_swept == 12,
	      "procgone's table: %llu of %llu, %llu swept", (unsigned long long)d.gone_cgroups,
	      (unsigned long long)d.gone_cgroups_max, (unsigned long long)d.gone_cgroups_swept);
	n = cgroup_sums(&d, &s);
	for (i = 0; i < n && s[i].id != 7; i++)
		;
	CHECK(i < n && s[i].procs == 4 && s[i].calls == 9 && s[i].forks == 6 &&
	      s[i].sum_ns == 110 && s[i].ptcopy_ns == 44 && s[i].stall_ns == 10 &&
	      s[i].cow_pages == 3 && s[i].clears == 5, "cgroup 7 with its evicted rows");
	free(s);
	fs_free(&d);
}

/*
 * C++ names: the function without its parameters, what is not a
 * function whole, and nothing for what is not a mangled name or is too
 * long to try (skipped where libstdc++ is not installed).
 */
static void test_demangle(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "_Z8fill_rowPdPKdm", "fill_row" },
		{ "_Z10build_rowsRSt6vectorIPdSaIS0_EEPKdm", "build_rows" },
		{ "_ZNKSt6vectorIiSaIiEE4sizeEv", "std::vector<int, std::allocator<int> >::size" },
		{ "_ZN3FooclEi", "Foo::operator()" },
		{ "_ZZ4mainENKUliE_clEi", "main::{lambda(int)#1}::operator()" },
		{ "_Z3foov.cold", "foo() [clone .cold]" },
		{ "_ZGVZ4mainE1x", "guard variable for main::x" },
		{ "main", NULL },
		{ "_Z", NULL },
		{ "_Zx(", NULL },
	};
	char out[SYM_NAME_MAX], big[2048];
	size_t i;

	if (!demangle("_Z1fv", out, sizeof(out))) {
		printf("SKIP: demangle: no libstdc++.so.6 here\n");
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = demangle(cases[i].in, out, sizeof(out));

		if (cases[i].want)
			CHECK(got && !strcmp(out, cases[i].want), "demangle %s: got %d '%s', want '%s'",
			      cases[i].in, got, got ? out : "", cases[i].want);
		else
			CHECK(!got, "demangle %s: got '%s', want nothing", cases[i].in, out);
	}
	CHECK(demangle("_Z8fill_rowPdPKdm", out, 5) && !strcmp(out, "fill"),
	      "demangle into 5 bytes: '%s'", out);
	memset(big, 'N', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "_ZN", 3);
	CHECK(!demangle(big, out, sizeof(out)), "a 2 KiB name demangled");
}

/* Not static, not inlined: a function of this binary to find by its name. */
__attribute__((noinline)) int symbolize_me(int x)
{
	return x * 3 + 1;
}

/* The file at path as the module records it (path, device, inode); 0 or -1. */
static int ufile_of(struct fs_ufile *uf, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -1;
	snprintf(uf->path, sizeof(uf->path), "%s", path);
	uf->ino = st.st_ino;
	uf->dev_major = major(st.st_dev);
	uf->dev_minor = minor(st.st_dev);
	return 0;
}

/*
 * The symbolizer on this very binary, as the module would record a frame
 * in it: file offset from /proc/self/maps, the file's device and inode.
 * Then the same frame with the file replaced (another inode): no name.
 */
static void test_symbolize(void)
{
	unsigned long addr = (unsigned long)symbolize_me + 2, lo, hi, off;
	struct fs_ustack u = { .id = 1, .nframes = 1, .nfiles = 1 };
	char line[512], path[256] = "", link[64], *dir;
	struct symbolizer *sy;
	struct sym_frame sf;
	FILE *maps = fopen("/proc/self/maps", "r");

	while (maps && fgets(line, sizeof(line), maps))
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %255s", &lo, &hi, &off, path) == 4 &&
		    addr >= lo && addr < hi)
			break;
	if (maps)
		fclose(maps);
	CHECK(path[0] == '/' && !ufile_of(&u.files[0], path), "this binary's mapping: '%s'", path);
	u.frames[0] = (struct fs_uframe){ .addr = addr, .off = addr - lo + off, .file = 0 };
	strcpy(u.frames[0].how, "ip");
	sy = sym_new();
	CHECK(sym_frame(sy, &u, 0, &sf) == 1 && !strcmp(sf.name[0], "symbolize_me") &&
	      sf.fn_off == 2, "symbolize_me+0x2: got %d '%s' (%s)", sf.n, sf.name[0],
	      sf.why ? sf.why : "");
	strcpy(u.frames[0].how, "fp");	/* a return address: the same function */
	CHECK(sym_frame(sy, &u, 0, &sf) == 1 && sf.fn_off == 2, "as a return address");
	sym_free(sy);
	/* The same file through a symbolic link on the path: not opened. */
	snprintf(link, sizeof(link), "/tmp/fs_test_link.%d", getpid());
	dir = strrchr(path, '/');
	*dir = '\0';
	CHECK(!symlink(path, link), "symlink %s", link);
	snprintf(u.files[0].path, sizeof(u.files[0].path), "%s/%s", link, dir + 1);
	sy = sym_new();
	CHECK(sym_frame(sy, &u, 0, &sf) == 0 && !strcmp(sf.why, "file gone"),
	      "a path through a link was followed");
	unlink(link);
	CHECK(snprintf(u.files[0].path, sizeof(u.files[0].path), "%s/%s", path, dir + 1) <
	      (int)sizeof(u.files[0].path), "%s: path too long", path);
	u.files[0].ino++;
	CHECK(sym_frame(sy, &u, 0, &sf) == 0 && !strcmp(sf.why, "not the file mapped"),
	      "a replaced file named: %s", sf.why ? sf.why : sf.name[0]);
	u.frames[0].file = 1;	/* past nfiles: hostile input */
	CHECK(sym_frame(sy, &u, 0, &sf) == 0, "a frame of no file named");
	sym_free(sy);
}

/*
 * A file whose two symbol tables are both empty (what libFuzzer found in
 * CI): growing the table by nothing must not free it. Before the fix the
 * second realloc(p, 0) freed the table and sym_free() freed it again.
 */
static void test_empty_symtabs(void)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Shdr sh[4];
		char str[8];
	} elf = {
		.eh = { .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64 },
			.e_shoff = offsetof(typeof(elf), sh), .e_shnum = 4, .e_shstrndx = 3 },
		.sh = { [1] = { .sh_type = SHT_SYMTAB, .sh_entsize = sizeof(Elf64_Sym),
				.sh_link = 3 },
			[2] = { .sh_type = SHT_DYNSYM, .sh_entsize = sizeof(Elf64_Sym),
				.sh_link = 3 },
			[3] = { .sh_type = SHT_STRTAB, .sh_offset = offsetof(typeof(elf), str),
				.sh_size = sizeof(elf.str) } },
	};
	struct fs_ustack u = { .id = 1, .nframes = 1, .nfiles = 1 };
	char path[64];
	struct symbolizer *sy;
	struct sym_frame sf;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fs_test_elf.%d", getpid());
	f = fopen(path, "w");
	CHECK(f && fwrite(&elf, sizeof(elf), 1, f) == 1 && !fclose(f) &&
	      !ufile_of(&u.files[0], path), "write %s", path);
	strcpy(u.frames[0].how, "ip");
	sy = sym_new();
	CHECK(sym_frame(sy, &u, 0, &sf) == 0 && sf.why && !strcmp(sf.why, "no symbols"),
	      "two empty symbol tables: %s", sf.why ? sf.why : "named");
	sym_free(sy);
	unlink(path);
}

/*
 * A column fitted in terminal columns, not bytes: cut between whole
 * characters, as many columns as asked for (a cgroup named in Japanese
 * or with accents kept top --by cgroup's columns aligned).
 */
static void test_fit_middle(void)
{
	static const struct {
		const char *in;
		size_t width, cols;
		const char *want;	/* NULL: only columns and UTF-8 checked */
	} cases[] = {
		{ "/system.slice/a-long-service-name.service", 20, 20,
		  "/system....e.service" },
		{ "/kubepods/\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e\u65e5\u672c/x",
		  20, 20, NULL },
		{ "/caf\u00e9/caf\u00e9/caf\u00e9/caf\u00e9/caf\u00e9/caf\u00e9", 20, 20, NULL },
		{ "/caf\u00e9", 20, 5, "/caf\u00e9" },
		{ "/\u65e5\u672c\u8a9e", 5, 5, NULL },
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fit_middle(cases[i].in, cases[i].width, buf, sizeof(buf));
		CHECK(utf8_valid(buf) && !strchr(buf, '?'), "%s: '%s' cut inside a character",
		      cases[i].in, buf);
		CHECK(term_cols(buf) <= cases[i].width && term_cols(buf) + 1 >= cases[i].cols,
		      "%s in %zu columns: '%s' takes %zu", cases[i].in, cases[i].width, buf,
		      term_cols(buf));
		CHECK(!cases[i].want || !strcmp(buf, cases[i].want), "%s: '%s', want '%s'",
		      cases[i].in, buf, cases[i].want);
	}
	/* Six wide characters in 9 columns: the head's spare column goes to the tail. */
	fit_middle("\u65e5\u672c\u8a9e\u65e5\u672c\u8a9e", 9, buf, sizeof(buf));
	CHECK(term_cols(buf) == 9, "'%s' takes %zu columns of 9", buf, term_cols(buf));
	/* More bytes than the buffer, in fewer columns: still whole characters. */
	for (i = 0; i < 2; i++) {
		char in[512] = "/a", small[128];
		size_t k;

		for (k = 0; k < 100; k++)
			strcat(in, i ? "\u0301" : "\u2500");
		fit_middle(in, 55, small, sizeof(small));
		CHECK(utf8_valid(small) && !strchr(small, '?') && term_cols(small) <= 55,
		      "%zu bytes of %s in 128: '%s' cut inside a character", strlen(in),
		      i ? "combining marks" : "box drawing", small);
	}
}

int main(int argc, char **argv)
{
	char bad[512];

	if (argc != 2) {
		fprintf(stderr, "usage: test_parse FIXTURE_DIR\n");
		return 2;
	}
	snprintf(bad, sizeof(bad), "%s/../bad", argv[1]);
	test_edge(argv[1]);
	test_reordered(argv[1], "edge.txt");
	test_reordered(argv[1], "live-6.12.txt");
	test_truncations(argv[1], "edge.txt");
	test_truncations(argv[1], "live-6.12.txt");
	test_future_values();
	test_strict_numbers();
	test_crlf(argv[1]);
	test_sizes();
	test_end_record();
	test_cgroup_sums_with_evicted();
	test_bad(bad, "truncated.txt", "line 2: the file ends in the middle");
	test_bad(bad, "future-format.txt", "format 3, but this forkstatctl reads format 2");
	test_bad(bad, "bad-number.txt", "line 2: flavour count=: expected a number, got '12x'");
	test_bad(bad, "short-hist.txt", "line 2: counts=: expected 27 numbers, got 3");
	test_bad(bad, "short-vfork-hist.txt", "line 2: vfork_wait_hist=: expected 27 numbers, got 2");
	test_bad(bad, "no-header.txt", "line 1: expected the header");
	test_bad(bad, "empty.txt", "empty file");
	test_bad(bad, "garbage.txt", "not a text file");
	test_bad(bad, "no-equals.txt", "line 2: expected key=value, got 'junk'");
	test_bad(bad, "uframe-file.txt", "line 3: uframe file=9: expected under 4");
	test_symbolize();
	test_demangle();
	test_empty_symtabs();
	test_fit_middle();
	printf("test_parse: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
