#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A record's reference to a process's struct pid is often the last one:
# the process exited and was reaped long before its slow-fork record is
# overwritten or its row taken over by a new process with the same tgid.
# Dropping it then frees the struct pid (memory-cgroup accounted: the
# uncharge takes a sleeping lock on PREEMPT_RT) and, for the last pid of
# a PID namespace, the namespace (ida_free, another one). That must never
# happen in a probe handler, where preemption is off: make check-debug's
# PREEMPT_RT kernel (DEBUG_ATOMIC_SLEEP) reports it.
#
# With slow_ring=1 and every fork slow, in a memory cgroup, one after
# the other: a process in a PID namespace of its own forks (its record
# holds its pid and its child's, the namespace's last), another does the
# same outside, a third forks and leaves a row behind. Each exits and is
# reaped; two seconds later (grace periods: the kernel's own references
# are gone) the next fork overwrites the record. Then a new process given
# the third's tgid (ns_last_pid) forks and takes its row over. The kernel
# log must stay clean, the ring must hold the newest fork and the row the
# new process, and the references handed over (release.c batches them for
# a tenth of a second) must all have been dropped a moment later: one
# left queued is a wake-up lost.
. "$(dirname "$0")/functions.sh"
require_env
cg=/sys/fs/cgroup
[ "$(stat -f -c %T $cg 2>/dev/null)" = cgroup2fs ] || skip "no cgroup2 mount at $cg"
[ -w /proc/sys/kernel/ns_last_pid ] || skip "no ns_last_pid (CONFIG_CHECKPOINT_RESTORE)"
grep -qw memory $cg/cgroup.controllers || skip "no memory controller"
top=$cg/forkstat-last-ref-$$
trap 'rmdir "$top" 2>/dev/null; is_loaded || load_mod; unload_mod; load_mod' EXIT
echo +memory > $cg/cgroup.subtree_control || die "cannot enable the memory controller"
mkdir "$top" || die "cannot make $top"
unload_mod
insmod "$FORKSTAT_KO" slow_ring=1 slow_us=1 || die "insmod slow_ring=1 slow_us=1 failed"

mark_dmesg
out=$(python3 - "$top" <<'PY'
import ctypes, os, sys, time
CLONE_NEWPID = 0x20000000
libc = ctypes.CDLL(None, use_errno=True)

def forks_once():
    """A fork whose child exits at once, reaped: the forker's record."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)

def in_cgroup(body):
    """Runs body in a child moved into the memory cgroup; returns its pid."""
    pid = os.fork()
    if pid == 0:
        with open(sys.argv[1] + "/cgroup.procs", "w") as f:
            f.write(str(os.getpid()))
        body()
        os._exit(0)
    if os.waitpid(pid, 0)[1]:
        sys.exit("a forker failed")
    return pid

def in_pid_namespace():
    if libc.unshare(CLONE_NEWPID):
        os._exit(1)
    forks_once()            # the namespace's init, reaped at once

def row_maker():
    """Its child (allocated in the cgroup) forks: a row with its tgid."""
    pid = os.fork()
    if pid == 0:
        forks_once()
        os._exit(0)
    os.waitpid(pid, 0)
    print("row", pid, flush=True)

# Each leaves the ring's only record to the next fork, two seconds on.
for body in in_pid_namespace, forks_once, row_maker:
    in_cgroup(body)
    time.sleep(2)
forks_once()
# Read before anything else forks: the ring holds one record.
with open("/proc/forkstat") as f:
    slow = [l for l in f if l.startswith("slow ")]
if len(slow) != 1 or " tgid=%d " % os.getpid() not in slow[0]:
    sys.exit("the ring does not hold the last fork alone: %s" % slow)
PY
) || die "$out"
log "$(echo $out)"
row=$(awk '$1 == "row" { print $2 }' <<< "$out")

# A new process with the row's tgid forks and takes the row over.
for try in 1 2 3 4 5; do
	got=$(python3 - "$row" <<'PY'
import os, sys
want = int(sys.argv[1])
with open("/proc/sys/kernel/ns_last_pid", "w") as f:
    f.write(str(want - 1))
pid = os.fork()
if pid == 0:
    if os.getpid() == want:
        c = os.fork()
        if c == 0:
            os._exit(0)
        os.waitpid(c, 0)
    os._exit(0)
os.waitpid(pid, 0)
print(pid)
PY
)
	[ "$got" = "$row" ] && break
done
[ "$got" = "$row" ] || die "no new process got tgid $row in 5 tries"
[ "$(rec_field proc tgid=$row comm)" = python3 ] || die "row $row not taken over by the new process: $(grep "^proc tgid=$row " $PROC)"
release_queued() { awk '$1 == "release" { for (i = 2; i <= NF; i++) if (index($i, "queued=") == 1) print substr($i, 8) }' $PROC; }
none_queued() { [ "$(release_queued)" = 0 ]; }
loop_until 120 none_queued || die "references handed over stay queued: $(grep '^release ' $PROC)"
check_dmesg_clean
log "last references let go in a memory cgroup and a dead PID namespace, quietly"
