// SPDX-License-Identifier: GPL-2.0
/*
 * What /proc/forkstat says about itself: the first line names the format,
 * module version and running kernel and promises an end line, which is
 * the last; a line per probe says whether it attached; and nothing in it
 * looks like a kernel address.
 */
#define _GNU_SOURCE
#include <regex.h>
#include <sys/utsname.h>

#include "harness.h"
#include "proc_util.h"

TEST(first_line_names_format_module_kernel_and_page_size)
{
	char buf[65536], version[64] = "", want[256];
	struct utsname uts;
	FILE *f;

	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	ASSERT_EQ(0, uname(&uts));
	f = fopen("/sys/module/forkstat/version", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(version, sizeof(version), f));
	fclose(f);
	version[strcspn(version, "\n")] = '\0';

	/* The page size user space sees is the kernel's base page. */
	snprintf(want, sizeof(want), "forkstat format=%d module=%s kernel=%s page_size=%ld end=1\n",
		 FORKSTAT_FORMAT, version, uts.release, sysconf(_SC_PAGESIZE));
	EXPECT_EQ(0, strncmp(buf, want, strlen(want))) {
		TH_LOG("first line: %.*s", (int)strcspn(buf, "\n"), buf);
		TH_LOG("expected:   %s", want);
	}
}

TEST(last_line_is_the_end)
{
	static char buf[PROC_BUF_SIZE];
	ssize_t n = proc_read(buf, sizeof(buf));

	ASSERT_LT(4, n);
	ASSERT_GT((ssize_t)sizeof(buf), n) TH_LOG("the document filled the buffer");
	EXPECT_EQ(0, strcmp(buf + n - 4, "end\n")) TH_LOG("last line: %s", strrchr(buf, '\n') ?: buf);
	EXPECT_EQ(buf + n - 4, strstr(buf, "\nend\n") + 1) TH_LOG("an end line before the last");
}

TEST(probe_lines_well_formed)
{
	static char buf[PROC_BUF_SIZE];
	char *line, *save;
	regex_t re;
	int probes = 0;

	ASSERT_EQ(0, regcomp(&re, "^probe symbol=[A-Za-z0-9_.]+ kind=(kprobe|kretprobe|fprobe) "
			     "state=(attached error=0|unused error=0|off error=0|failed error=-[1-9][0-9]*) "
			     "hits=[0-9]+ nmissed=[0-9]+( maxactive=[1-9][0-9]*)?$", REG_EXTENDED | REG_NOSUB));
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "probe ", 6) != 0)
			continue;
		probes++;
		EXPECT_EQ(0, regexec(&re, line, 0, NULL, 0))
			TH_LOG("malformed: %s", line);
	}
	regfree(&re);
	EXPECT_LT(0, probes);
}

TEST(copy_process_probe_attached_and_counting)
{
	long long before, after;

	/* copy_process exists on every supported kernel: it must attach. */
	ASSERT_EQ(0, probe_field("copy_process", "error"));
	before = probe_field("copy_process", "hits");
	ASSERT_LE(0, before);
	ASSERT_EQ(50, fork_children(50));
	after = probe_field("copy_process", "hits");
	EXPECT_LE(before + 50, after);
	EXPECT_EQ(0, probe_field("copy_process", "nmissed"));
}

/*
 * The mm duplication is timed by the uprobe_*_dup_mmap pair, which both
 * kernels call at the ends of dup_mmap (dup_mmap itself is the fallback);
 * the method line says which, and forks feed it. By default the
 * page-table copy is taken from it, and the per-VMA probe is off.
 */
TEST(mmdup_method_matches_probes)
{
	static char buf[PROC_BUF_SIZE];
	char method[64];
	long long before;

	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	before = rec_value(buf, "flavour", "name=fork", "mmdup_sum_ns");
	ASSERT_EQ(0, rec_str(buf, "method", "", "mmdup", method, sizeof(method)));
	EXPECT_STREQ("uprobe_dup_mmap", method);
	EXPECT_LE(0, rec_value(buf, "probe", "symbol=uprobe_start_dup_mmap state=attached", "hits"));
	EXPECT_LE(0, rec_value(buf, "probe", "symbol=uprobe_end_dup_mmap state=attached", "hits"));
	EXPECT_LE(0, rec_value(buf, "probe", "symbol=dup_mmap state=unused", "hits"));
	ASSERT_EQ(0, rec_str(buf, "method", "", "ptcopy", method, sizeof(method)));
	EXPECT_STREQ("mmdup", method);
	EXPECT_LE(0, rec_value(buf, "probe", "symbol=copy_page_range state=off", "hits"));

	ASSERT_EQ(5, fork_children(5));
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	EXPECT_LT(before, rec_value(buf, "flavour", "name=fork", "mmdup_sum_ns"));
}

TEST(no_kernel_pointers)
{
	static char buf[PROC_BUF_SIZE];
	regex_t re;

	/*
	 * x86-64 kernel addresses are 16 hex digits: raw ones start with
	 * ffff, hashed ones (%p) with eight zeros. Decimal counters never
	 * have leading zeros.
	 */
	ASSERT_EQ(0, regcomp(&re, "(^|[ =,])(0x)?(ffff[0-9a-f]{12}|0{8}[0-9a-f]{8})([ ,]|$)",
			     REG_EXTENDED | REG_NOSUB | REG_NEWLINE));
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	EXPECT_NE(0, regexec(&re, buf, 0, NULL, 0));
	regfree(&re);
}

TEST_HARNESS_MAIN
