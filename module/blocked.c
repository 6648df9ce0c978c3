// SPDX-License-Identifier: GPL-2.0
/*
 * Threads blocked now in a receive on a socket in blocking mode, found
 * when /proc/forkstat is read: nothing of forkstat runs on the receive
 * path, and nothing is kept per waiting thread.
 *
 * A thread counts when it sleeps inside read, readv, recvfrom, recvmsg or
 * recvmmsg (the system call number its saved user registers hold, and
 * MSG_DONTWAIT absent from the flags) and the descriptor in its first
 * argument is a socket whose open file has O_NONBLOCK clear. A process
 * with any gets a "blocked" line, always; each thread gets a
 * "blockedthread" line, up to blocked_list of them, with the socket, how
 * long since the thread last ran, and the clear recorded on that socket,
 * if any (cleared.c): the clear joined to its victims.
 *
 * The scan walks thread groups by pid, one at a time under RCU, and for a
 * sleeping thread in a receive takes its task lock and its fd table's
 * lock for the one lookup, as /proc/PID/fdinfo does. It costs the reader
 * time in proportion to the threads on the machine, and nobody else
 * anything. The registers are read racily, as /proc/PID/stat reads a
 * sleeping task's: a thread waking meanwhile is counted or not, never
 * read out of freed memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <asm/unistd.h>

#include "forkstat.h"

static unsigned int blocked_list = 1024;

static int forkstat_set_blocked_list(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 1 << 20);
}

static const struct kernel_param_ops forkstat_blocked_list_ops = {
	.set = forkstat_set_blocked_list,
	.get = param_get_uint,
};

/* Writable at run time: raise it to see every thread of a big manager. */
module_param_cb(blocked_list, &forkstat_blocked_list_ops, &blocked_list, 0644);
MODULE_PARM_DESC(blocked_list,
		 "blockedthread lines a read lists at most, 0..1048576; blocked counts are always whole (default 1024)");

/*
 * The descriptor a sleeping user thread is receiving on, or -1. x86-64
 * system call numbers and argument registers; 32-bit calls are not read.
 */
static int forkstat_receive_fd(struct task_struct *t)
{
#ifdef CONFIG_X86_64
	unsigned int state = READ_ONCE(t->__state);
	struct pt_regs *regs;
	unsigned long flags;
	void *stack;

	if (!(state & (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)) ||
	    state & (__TASK_STOPPED | __TASK_TRACED | TASK_PARKED | TASK_DEAD))
		return -1;
	if (READ_ONCE(t->flags) & (PF_EXITING | PF_KTHREAD) ||
	    READ_ONCE(task_thread_info(t)->status) & TS_COMPAT)
		return -1;
	/* task_pt_regs() would read t->stack again, and exit clears it. */
	stack = READ_ONCE(t->stack);
	if (!stack)
		return -1;
	regs = (struct pt_regs *)(stack + THREAD_SIZE -
				  TOP_OF_KERNEL_STACK_PADDING) - 1;
	switch (READ_ONCE(regs->orig_ax)) {
	case __NR_read:
	case __NR_readv:
		flags = 0;
		break;
	case __NR_recvfrom:
	case __NR_recvmmsg:
		flags = READ_ONCE(regs->r10);
		break;
	case __NR_recvmsg:
		flags = READ_ONCE(regs->dx);
		break;
	default:
		return -1;
	}
	if (flags & MSG_DONTWAIT)
		return -1;
	return (int)(unsigned int)READ_ONCE(regs->di);
#else
	return -1;
#endif
}

/* Whether t's fd is a socket in blocking mode; then sd describes it. */
static bool forkstat_blocking_socket(struct task_struct *t, unsigned int fd,
				     struct forkstat_sockdesc *sd)
{
	struct files_struct *files;
	struct file *filp;
	bool found = false;

	task_lock(t);
	files = t->files;
	if (files) {
		spin_lock(&files->file_lock);
		filp = files_lookup_fd_locked(files, fd);
		if (filp && S_ISSOCK(file_inode(filp)->i_mode) &&
		    !(READ_ONCE(filp->f_flags) & O_NONBLOCK))
			found = forkstat_sockdesc_fill(sd, filp);
		spin_unlock(&files->file_lock);
	}
	task_unlock(t);
	return found;
}

struct forkstat_blocked_scan {
	u64 now;		/* local_clock(), the clock of se.exec_start */
	unsigned int threads;	/* user threads looked at */
	unsigned int blocked;
	unsigned int listed;
	unsigned int list;	/* blocked_list for this read */
};

static void forkstat_blocked_thread_show(struct seq_file *m, struct task_struct *t,
					 int fd, const struct forkstat_sockdesc *sd,
					 u64 waited_ns,
					 const struct forkstat_cleared *cl)
{
	char comm[TASK_COMM_LEN];

	forkstat_task_comm(comm, t);
	seq_printf(m, "blockedthread pid=%d tgid=%d fd=%d", t->pid, t->tgid, fd);
	forkstat_sockdesc_show(m, sd);
	seq_printf(m, " waited_ns=%llu cleared_ns=%llu cleared_by=%d comm=",
		   waited_ns, cl->time_ns, cl->tgid);
	forkstat_seq_comm(m, comm);
	seq_putc(m, '\n');
}

/* One thread group, under RCU: its blocked threads and their summary. */
static void forkstat_blocked_group(struct seq_file *m, struct task_struct *leader,
				   struct forkstat_blocked_scan *scan)
{
	unsigned int threads = 0, blocked = 0, on_cleared = 0;
	char comm[TASK_COMM_LEN];
	struct task_struct *t;
	u64 longest_ns = 0;

	for_each_thread(leader, t) {
		struct forkstat_cleared cl = {};
		struct forkstat_sockdesc sd;
		u64 ran_ns, waited_ns;
		int fd;

		threads++;
		fd = forkstat_receive_fd(t);
		if (fd < 0 || !forkstat_blocking_socket(t, fd, &sd))
			continue;
		ran_ns = READ_ONCE(t->se.exec_start);
		waited_ns = scan->now > ran_ns ? scan->now - ran_ns : 0;
		if (forkstat_cleared_find(sd.ino, &cl))
			on_cleared++;
		blocked++;
		longest_ns = max(longest_ns, waited_ns);
		if (scan->listed < scan->list) {
			scan->listed++;
			forkstat_blocked_thread_show(m, t, fd, &sd, waited_ns, &cl);
		}
	}
	scan->threads += threads;
	if (!blocked)
		return;
	scan->blocked += blocked;
	forkstat_task_comm(comm, leader);
	seq_printf(m, "blocked tgid=%d blocked=%u on_cleared=%u longest_ns=%llu threads=%u comm=",
		   leader->tgid, blocked, on_cleared, longest_ns, threads);
	forkstat_seq_comm(m, comm);
	seq_putc(m, '\n');
}

void forkstat_blocked_show(struct seq_file *m)
{
	struct forkstat_blocked_scan scan = {
		.now = local_clock(),
		.list = READ_ONCE(blocked_list),
	};
	struct pid_namespace *ns = &init_pid_ns;
	u64 start_ns = ktime_get_ns();
	struct pid *pid;
	int nr = 1;

	rcu_read_lock();
	while ((pid = find_ge_pid(nr, ns))) {
		struct task_struct *leader = pid_task(pid, PIDTYPE_TGID);

		nr = pid_nr_ns(pid, ns) + 1;
		if (leader && !(leader->flags & PF_KTHREAD))
			forkstat_blocked_group(m, leader, &scan);
		/* A grace period may end between thread groups. */
		rcu_read_unlock();
		cond_resched();
		rcu_read_lock();
	}
	rcu_read_unlock();
	seq_printf(m, "blockedscan threads=%u blocked=%u listed=%u list=%u scan_ns=%llu\n",
		   scan.threads, scan.blocked, scan.listed, scan.list,
		   ktime_get_ns() - start_ns);
}

/*
 * A blockedthread line is under 400 bytes; room for some blocked lines
 * too. More grows the buffer, as seq_file does.
 */
size_t forkstat_blocked_show_size(void)
{
	return (size_t)READ_ONCE(blocked_list) * 400 + 16 * 1024;
}
