/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kselftest's harness with forkstat's own default case timeout. The
 * harness gives a case 30 s, which is what 64 forks took on the PREEMPT_RT
 * debugging kernel of make check-debug (KASAN, lockdep, kmemleak under TCG,
 * other guests on the same cores). A case that hangs is still stopped,
 * five minutes later; cases known to need more say so with TEST_F_TIMEOUT.
 */
#ifndef FORKSTAT_HARNESS_H
#define FORKSTAT_HARNESS_H

#include "kselftest_harness.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#endif
