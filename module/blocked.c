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
 * The scan walks the thread groups of the reader's PID namespace by pid
 * (reader.c), numbering them as it does, one at a time under RCU, and
 * for a sleeping thread in a receive takes its task lock and its fd
 * table's lock for the one lookup, as /proc/PID/fdinfo does. Every
 * FORKSTAT_BLOCKED_RESCHED threads it lets RCU go and the CPU be taken,
 * holding the group leader and the thread it is at, and goes on from
 * there if that thread is still in the group (a group of 100,000 threads
 * is a few hundred short read sections, not one of seconds); if not, the
 * group's scan ends there. Sockets of other network namespaces than the
 * reader's are left out. It costs the reader time in proportion to the
 * threads on the machine, and nobody else anything. The registers are
 * read racily, as /proc/PID/stat reads a sleeping task's: a thread
 * waking meanwhile is counted or not, never read out of freed memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/cred.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <asm/unistd.h>

#include "forkstat.h"
#include "param.h"

static unsigned int blocked_list = 1024;

/* Writable at run time: raise it to see every thread of a big manager. */
FORKSTAT_PARAM_UINT(blocked_list, 0, 1 << 20, 0644,
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
	/*
	 * An io or vhost worker's registers are its creator's, copied when
	 * it was made, perhaps in a read: it waits for work, not on them.
	 */
	if (READ_ONCE(t->flags) & (PF_EXITING | FORKSTAT_NOT_USER) ||
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
	const struct forkstat_reader *r;
	struct pid_namespace *ns;	/* where its numbers come from */
	u64 now;		/* local_clock(): sched_clock_cpu(), as rq->clock */
	unsigned int threads;	/* user threads looked at */
	unsigned int blocked;
	unsigned int listed;
	unsigned int list;	/* blocked_list for this read */
};

/* What is known of one blocked thread. */
struct forkstat_blocked_thread {
	struct forkstat_sockdesc sd;
	int fd;
	u64 waited_ns;
	u64 cleared_ns;
	pid_t cleared_by;
};

static void forkstat_blocked_thread_show(struct seq_file *m, struct task_struct *t,
					 pid_t tgid, struct forkstat_blocked_scan *scan,
					 const struct forkstat_blocked_thread *b)
{
	char comm[TASK_COMM_LEN];

	forkstat_task_comm(comm, t);
	seq_printf(m, "blockedthread pid=%d tgid=%d fd=%d",
		   task_pid_nr_ns(t, scan->ns), tgid, b->fd);
	forkstat_sockdesc_show(m, &b->sd);
	seq_printf(m, " waited_ns=%llu cleared_ns=%llu cleared_by=%d cgroup=%llu comm=",
		   b->waited_ns, b->cleared_ns, b->cleared_by,
		   forkstat_task_cgroup(t));
	forkstat_seq_comm(m, comm);
	seq_putc(m, '\n');
}

/*
 * When t last ran, on the scheduler's clock, or 0 when the kernel does not
 * say. se.exec_start (rq_clock_task(): rq->clock less IRQ and steal time
 * where those are accounted) is when its run time was last accounted, the
 * end of its last run, but the scheduler zeroes it while the thread
 * sleeps (6.12 keeps a thread that blocks with negative lag queued, and
 * moving it to another CPU zeroes it; so does SysRq-n): a wait taken from
 * it alone then reads as the time since boot. sched_info.last_arrival
 * (rq->clock) is when the thread last got a CPU, before that end; never
 * zeroed. The later of the two: never after local_clock(), whichever
 * the kernel got wrong.
 */
static u64 forkstat_last_ran(struct task_struct *t)
{
	u64 ran = READ_ONCE(t->se.exec_start);

#ifdef CONFIG_SCHED_INFO
	ran = max(ran, READ_ONCE(t->sched_info.last_arrival));
#endif
	return ran;
}

/*
 * A user thread whose details the reader may see: where it is blocked is
 * /proc/PID/task/TID/syscall's. Under RCU; its mm read under task_lock,
 * a spinlock_t, never in a probe handler. A leader that has exited (its
 * mm gone) counts as shielded, and so its process: a thread is shown
 * when both it and its leader may be looked into.
 */
static bool forkstat_blocked_sees(const struct forkstat_reader *r,
				  struct task_struct *t)
{
	struct forkstat_cred cred;

	if (!t || t->flags & PF_KTHREAD)
		return false;
	if (r->sees == FORKSTAT_SEES_ALL || (r->ptrace && r->sees != FORKSTAT_SEES_OWN))
		return true;
	task_lock(t);
	forkstat_cred_of(&cred, __task_cred(t), t->mm);
	task_unlock(t);
	if (r->sees == FORKSTAT_SEES_OWN && !uid_eq(cred.uid, r->uid))
		return false;
	return forkstat_reader_sees_details(r, &cred);
}

/* Whether t is blocked in a receive on a socket the reader may see. */
static bool forkstat_blocked_thread(struct task_struct *t,
				    struct forkstat_blocked_scan *scan,
				    struct forkstat_blocked_thread *b)
{
	u64 ran_ns;

	/* The saved registers first: no lock, and most threads end there. */
	b->fd = forkstat_receive_fd(t);
	if (b->fd < 0 || !forkstat_blocked_sees(scan->r, t) ||
	    !forkstat_blocking_socket(t, b->fd, &b->sd) ||
	    !forkstat_reader_sees_net(scan->r, b->sd.net_cookie))
		return false;
	ran_ns = forkstat_last_ran(t);
	b->waited_ns = ran_ns && scan->now > ran_ns ? scan->now - ran_ns : 0;
	forkstat_cleared_find(b->sd.ino, scan->r, &b->cleared_ns, &b->cleared_by);
	return true;
}

/* Threads looked at under one RCU read section. */
#define FORKSTAT_BLOCKED_RESCHED	256

/*
 * A pause in the walk of a group's threads, at t: RCU let go and the CPU
 * offered, t pinned meanwhile (the caller pins the leader, whose signal
 * struct heads the list). Returns, under RCU again, whether t is still in
 * the group to go on from: a thread loses its pid before it leaves the
 * list (as /proc's next_tid() relies on), and one not released yet keeps
 * a reference of its own, so ours is not the last.
 */
static bool forkstat_blocked_pause(struct task_struct *t)
{
	get_task_struct(t);
	rcu_read_unlock();
	cond_resched();
	rcu_read_lock();
	if (pid_alive(t)) {
		put_task_struct(t);
		return true;
	}
	rcu_read_unlock();
	put_task_struct(t);
	rcu_read_lock();
	return false;
}

/*
 * One thread group, under RCU (let go now and then, see above), its
 * leader pinned by the caller, numbered tgid by the reader: its blocked
 * threads and their summary. Each thread by its own credentials, as
 * /proc/PID/task/TID judges it (a raw setresuid changes the caller's
 * only): of a process the reader may look into, a thread left as root
 * is neither listed nor counted.
 */
static void forkstat_blocked_group(struct seq_file *m, struct task_struct *leader,
				   pid_t tgid, struct forkstat_blocked_scan *scan)
{
	unsigned int threads = 0, blocked = 0, on_cleared = 0;
	char comm[TASK_COMM_LEN];
	struct task_struct *t;
	u64 longest_ns = 0;

	for_each_thread(leader, t) {
		struct forkstat_blocked_thread b;

		if (++threads % FORKSTAT_BLOCKED_RESCHED == 0 &&
		    !forkstat_blocked_pause(t))
			break;
		if (!forkstat_blocked_thread(t, scan, &b))
			continue;
		on_cleared += !!b.cleared_ns;
		blocked++;
		longest_ns = max(longest_ns, b.waited_ns);
		if (scan->listed < scan->list) {
			scan->listed++;
			forkstat_blocked_thread_show(m, t, tgid, scan, &b);
		}
	}
	scan->threads += threads;
	if (!blocked)
		return;
	scan->blocked += blocked;
	forkstat_task_comm(comm, leader);
	seq_printf(m, "blocked tgid=%d blocked=%u on_cleared=%u longest_ns=%llu threads=%u cgroup=%llu comm=",
		   tgid, blocked, on_cleared, longest_ns, threads,
		   forkstat_task_cgroup(leader));
	forkstat_seq_comm(m, comm);
	seq_putc(m, '\n');
}

void forkstat_blocked_show(struct seq_file *m, const struct forkstat_reader *r)
{
	struct forkstat_blocked_scan scan = {
		.r = r,
		.ns = r->sees == FORKSTAT_SEES_ALL ? &init_pid_ns : r->pid_ns,
		.now = local_clock(),
		.list = READ_ONCE(blocked_list),
	};
	u64 start_ns = ktime_get_ns();
	struct pid *pid;
	int nr = 1;

	rcu_read_lock();
	while ((pid = find_ge_pid(nr, scan.ns))) {
		struct task_struct *leader = pid_task(pid, PIDTYPE_TGID);

		nr = pid_nr_ns(pid, scan.ns) + 1;
		if (forkstat_blocked_sees(r, leader)) {
			get_task_struct(leader);
			forkstat_blocked_group(m, leader, nr - 1, &scan);
		} else {
			leader = NULL;
		}
		/* A grace period may end between pids. */
		rcu_read_unlock();
		if (leader)
			put_task_struct(leader);
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
