// SPDX-License-Identifier: GPL-2.0
/*
 * oom_exiting CGROUP: an OOM killer that finds its victim still going and
 * kills nothing, made to happen on demand for oom_exiting.sh.
 *
 * - A holder process writes to a memfd from a buffer registered with
 *   userfaultfd: the write takes the file's inode lock, then faults on
 *   the buffer and waits there, the lock held, until it is killed.
 * - The victim, in CGROUP, touches VICTIM_MB, then one of its threads
 *   writes to the same memfd: it waits for the inode lock, in an
 *   uninterruptible sleep that SIGKILL does not end. Once killed, the
 *   victim cannot finish exiting, nor free its memory, until the OOM
 *   reaper takes it (two seconds after the kill).
 * - The trigger, in CGROUP too, with oom_score_adj -1000 (never chosen),
 *   touches TRIGGER_MB: together past the limit. Its OOM kills the
 *   victim; its next ones find the victim still there and wait (the
 *   kernel kills nothing). Once the reaper has emptied the victim, the
 *   trigger gets its memory and exits 0.
 * Then the holder is killed, which lets the victim exit. Prints
 * "victim PID" and "trigger PID"; exits 0 when all went so.
 *
 * oom_exiting CGROUP dying: the victim's own first thread waits on the
 * lock, and the victim is sent SIGKILL before the trigger starts. The
 * OOM killer then chooses a process already dying: it marks it, wakes
 * the reaper, and kills nothing (no "Killed process" line, no oom_kill
 * in memory.events).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <signal.h>

#include "proc_util.h"
#include "uffd.h"

#define VICTIM_MB	40
#define TRIGGER_MB	40

static int memfd;

static void *write_from(void *buf)
{
	/* Parks (holder) or waits on the lock (victim); returns when let go. */
	if (write(memfd, buf, 1) < 0)
		return NULL;
	return NULL;
}

static void join_cgroup(const char *cg)
{
	char path[512], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (file_set(path, pid))
		_exit(10);
}

/*
 * Is a thread of pid in an uninterruptible sleep (D)? Its first one
 * counts only when first is set.
 */
static int has_thread_in_d(pid_t pid, int first)
{
	char path[300], line[512], *paren;
	struct dirent *t;
	int found = 0;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!found && (t = readdir(dir))) {
		if (t->d_name[0] == '.' || (!first && atoi(t->d_name) == pid))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/stat", pid, t->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f)) {
			paren = strrchr(line, ')');
			found = paren && paren[1] == ' ' && paren[2] == 'D';
		}
		fclose(f);
	}
	closedir(dir);
	return found;
}

/*
 * A child that runs setup(arg), tells the parent it did, then runs
 * then() (NULL: waits to be killed); returns its pid once setup
 * succeeded, else -1.
 */
static pid_t start_child(int (*setup)(const char *arg), const char *arg,
			 void *(*then)(void *))
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		static char byte = 1;

		if (setup(arg) || write(ready[1], "r", 1) != 1)
			_exit(11);
		if (then)
			then(&byte);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		pid = -1;
	close(ready[0]);
	return pid;
}

/* The holder: a thread of its own parked with the memfd's lock held. */
static int hold_lock(const char *unused)
{
	char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = uffd_register(buf, 4096, UFFDIO_REGISTER_MODE_MISSING, 0);
	pthread_t t;

	(void)unused;
	if (buf == MAP_FAILED || fd < 0 || pthread_create(&t, NULL, write_from, buf))
		return -1;
	return uffd_wait_fault(fd, 60000);
}

/* The victim: its memory in the cgroup, then a thread off to the lock. */
static int victim_setup(const char *cg)
{
	static char byte = 1;
	pthread_t t;

	join_cgroup(cg);
	if (!map_touched((size_t)VICTIM_MB << 20))
		return -1;
	return pthread_create(&t, NULL, write_from, &byte) ? -1 : 0;
}

/* The dying victim: its memory in the cgroup; its first thread goes to the lock. */
static int dying_setup(const char *cg)
{
	join_cgroup(cg);
	return map_touched((size_t)VICTIM_MB << 20) ? 0 : -1;
}

int main(int argc, char **argv)
{
	pid_t holder, victim, trigger;
	int i, status, dying;

	dying = argc == 3 && !strcmp(argv[2], "dying");
	if (argc != 2 && !dying) {
		fprintf(stderr, "usage: oom_exiting CGROUP [dying]\n");
		return 2;
	}
	memfd = memfd_create("oom_exiting", 0);
	if (memfd < 0) {
		perror("memfd_create");
		return 1;
	}
	holder = start_child(hold_lock, NULL, NULL);
	if (holder < 0) {
		fprintf(stderr, "oom_exiting: the holder did not park\n");
		return 1;
	}
	victim = dying ? start_child(dying_setup, argv[1], write_from) :
			 start_child(victim_setup, argv[1], NULL);
	if (victim < 0) {
		fprintf(stderr, "oom_exiting: the victim did not start\n");
		kill(holder, SIGKILL);
		return 1;
	}
	for (i = 0; i < 600 && !has_thread_in_d(victim, dying); i++)
		usleep(100000);
	if (i == 600) {
		fprintf(stderr, "oom_exiting: no thread of the victim waits on the lock\n");
		kill(holder, SIGKILL);
		kill(victim, SIGKILL);
		return 1;
	}
	/* Dying from now on, and its memory held until the reaper takes it. */
	if (dying && kill(victim, SIGKILL)) {
		perror("oom_exiting: kill");
		kill(holder, SIGKILL);
		return 1;
	}
	printf("victim %d\n", victim);
	fflush(stdout);
	trigger = fork();
	if (trigger == 0) {
		join_cgroup(argv[1]);
		if (file_set("/proc/self/oom_score_adj", "-1000"))
			_exit(14);
		_exit(map_touched((size_t)TRIGGER_MB << 20) ? 0 : 15);
	}
	printf("trigger %d\n", trigger);
	fflush(stdout);
	if (waitpid(trigger, &status, 0) != trigger || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "oom_exiting: the trigger ended with status %#x\n", status);
		status = 1;
	} else {
		status = 0;
	}
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	/* Killed (by the OOM killer, or before), it exits now that the lock is free. */
	if (waitpid(victim, &i, 0) != victim || !WIFSIGNALED(i) || WTERMSIG(i) != SIGKILL) {
		fprintf(stderr, "oom_exiting: the victim ended with status %#x, not killed\n", i);
		kill(victim, SIGKILL);
		status = 1;
	}
	return status;
}
