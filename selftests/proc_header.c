// SPDX-License-Identifier: GPL-2.0
/*
 * What /proc/forkstat says about itself: the first line names the format,
 * module version and running kernel; a line per probe says whether it
 * attached; and nothing in it looks like a kernel address.
 */
#define _GNU_SOURCE
#include <regex.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "proc_util.h"

TEST(first_line_names_format_module_and_kernel)
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

	snprintf(want, sizeof(want), "forkstat format=%d module=%s kernel=%s\n",
		 FORKSTAT_FORMAT, version, uts.release);
	EXPECT_EQ(0, strncmp(buf, want, strlen(want))) {
		TH_LOG("first line: %.*s", (int)strcspn(buf, "\n"), buf);
		TH_LOG("expected:   %s", want);
	}
}

TEST(probe_lines_well_formed)
{
	char buf[65536], *line, *save;
	regex_t re;
	int probes = 0;

	ASSERT_EQ(0, regcomp(&re, "^probe symbol=[A-Za-z0-9_.]+ kind=(kprobe|kretprobe) "
			     "state=(attached error=0|failed error=-[1-9][0-9]*) "
			     "hits=[0-9]+ nmissed=[0-9]+$", REG_EXTENDED | REG_NOSUB));
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

TEST(no_kernel_pointers)
{
	char buf[65536];
	regex_t re;

	/* x86-64 kernel addresses, raw or hashed (%p), are 16 hex digits. */
	ASSERT_EQ(0, regcomp(&re, "[0-9a-fA-F]{16}", REG_EXTENDED | REG_NOSUB));
	ASSERT_LT(0, proc_read(buf, sizeof(buf)));
	EXPECT_NE(0, regexec(&re, buf, 0, NULL, 0));
	regfree(&re);
}

TEST_HARNESS_MAIN
