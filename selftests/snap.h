/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "snap" fixture: /proc/forkstat read before a test's action, and
 * room to read it after, so a test checks what its action changed.
 * Include after harness.h and proc_util.h.
 */
#ifndef FORKSTAT_SNAP_H
#define FORKSTAT_SNAP_H

FIXTURE(snap) {
	char *before, *after;
};

FIXTURE_SETUP(snap)
{
	self->before = malloc(PROC_BUF_SIZE);
	self->after = malloc(PROC_BUF_SIZE);
	ASSERT_NE(NULL, self->before);
	ASSERT_NE(NULL, self->after);
	ASSERT_LT(0, proc_read(self->before, PROC_BUF_SIZE));
}

FIXTURE_TEARDOWN(snap)
{
	free(self->before);
	free(self->after);
}

/* How much KEY of the TYPE record with the fields SEL grew. */
static inline long long snap_delta(FIXTURE_DATA(snap) *self, const char *type,
				   const char *sel, const char *key)
{
	return rec_value(self->after, type, sel, key) -
	       rec_value(self->before, type, sel, key);
}

/* How much KEY of this process's row grew (a missing row counts 0). */
static inline long long snap_row_delta(FIXTURE_DATA(snap) *self, const char *key)
{
	return proc_row(self->after, getpid(), key) -
	       proc_row(self->before, getpid(), key);
}

#endif /* FORKSTAT_SNAP_H */
