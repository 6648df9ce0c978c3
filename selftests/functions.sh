#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by forkstat's shell selftests (after kselftest's
# livepatch/functions.sh). Tests run as root in the VM that vm-run boots,
# with forkstat.ko loaded and FORKSTAT_KO naming the file it came from;
# each test leaves the module loaded as it found it.

PROC=/proc/forkstat
MOD=forkstat
ksft_skip=4

log() {
	echo "# $*"
}

die() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit $ksft_skip
}

# Runs CMD... every 0.1 s until it succeeds, for SECS seconds at most
# (of the clock: a CMD that reads a big /proc/forkstat under emulation
# takes a while itself; LOOP_SCALE times that on make check-debug's
# kernels, see debug_kernel); fails (status 1) when it never did. The one
# wait loop of the tests: a caller says what a timeout means (|| die).
# It forks nothing of its own (the pause is a read that times out on a
# FIFO opened here), so a test that counts forks or watch slots can wait
# with it too, given a CMD that forks nothing either. Exported, for the
# shells a test starts in other namespaces (which pause with sleep).
loop_until() {	# loop_until SECS CMD...
	local end=$((SECONDS + $1 * ${LOOP_SCALE:-1}))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		if [ -n "${LOOP_FD:-}" ]; then
			read -r -t 0.1 -u "$LOOP_FD" _ || :
		else
			sleep 0.1
		fi
	done
}
export -f loop_until
loop_fifo=$(mktemp -u) && mkfifo "$loop_fifo" && exec {LOOP_FD}<>"$loop_fifo"
rm -f "$loop_fifo"

# Stops background job PID with SIGINT, then with SIGKILL if it has not
# exited SECS seconds later, and reaps it: a cleanup must not wait for
# ever on a program that missed its SIGINT (bpftrace did once on 6.1 rt,
# and oom_cgo.sh's cleanup waited until the runner's 900 s were up).
# Says so when it had to kill.
stop_job() {	# stop_job PID SECS
	kill -INT "$1" 2>/dev/null || return 0
	if ! loop_until "$2" eval "[ ! -d /proc/$1 ] || grep -qs '^State:[[:space:]]*Z' /proc/$1/status"; then
		log "pid $1 ($(cat /proc/$1/comm 2>/dev/null)) still ran $2 s after its SIGINT" \
		    "($(awk '$1 == "State:" { print $2 }' /proc/$1/status 2>/dev/null)" \
		    "in $(cat /proc/$1/wchan 2>/dev/null)): killed"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
	return 0
}

# Is this make check-debug's kernel (KASAN, lockdep, kmemleak)? Everything
# the kernel does takes many times longer there.
debug_kernel() {
	case $(uname -r) in
	*-forkstat-debug) return 0 ;;
	*) return 1 ;;
	esac
}

# Every wait of loop_until may take ten times longer there: a bound
# that is minutes on a stock kernel (a redis BGSAVE, redis-benchmark's
# first 10,000 writes) ran out on the PREEMPT_RT debugging kernel beside
# other guests. A bound says when to give up, never how fast is right.
LOOP_SCALE=1
! debug_kernel || LOOP_SCALE=10
export LOOP_SCALE

KMEMLEAK=/sys/kernel/debug/kmemleak

# Has the kernel kmemleak (make check-debug's)?
have_kmemleak() {
	[ -w $KMEMLEAK ]
}

# Fails the test, saying WHAT and kmemleak's first lines, if kmemleak
# finds any object unreferenced now. kmemleak reports an object only
# once it has been unreferenced for 5 s, and it scans conservatively: a
# stale copy of a pointer hides a leak. Exited tasks leave theirs on
# kernel stacks kept for reuse (insmod's, for one): forks reuse and
# overwrite them before each scan.
check_kmemleak() {	# check_kmemleak WHAT
	local scan leaks
	sleep 6
	for scan in 1 2; do
		for _ in $(seq 50); do /bin/true; done
		echo scan > $KMEMLEAK || die "cannot scan $KMEMLEAK"
	done
	leaks=$(cat $KMEMLEAK)
	[ -z "$leaks" ] || die "$1: $(echo "$leaks" | head -n 30)"
}

# The cloud flavour is its series' generic kernel with a smaller config
# (virtiofs for 9p, fewer drivers). A long test of the module's own
# logic, the same code on every flavour of a series, runs on the generic
# and rt kernels and is skipped on cloud: make check's six suites must
# fit CI's 90 minutes on two cores (a 6.12 suite took 38 min beside
# another guest on 2026-12-04). proc_util.h has the same for C tests.
skip_on_cloud() {
	case $(uname -r) in
	*-cloud-*) skip "cloud flavour: runs on the generic and rt kernels of this series" ;;
	esac
}

# Tests need root in the VM and the module file vm-run passes in.
require_env() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -n "${FORKSTAT_KO:-}" ] && [ -r "$FORKSTAT_KO" ] ||
		skip "FORKSTAT_KO does not name a module file"
}

is_loaded() {
	[ -d /sys/module/$MOD ]
}

load_mod() {
	insmod "$FORKSTAT_KO" || die "insmod $FORKSTAT_KO failed"
}

unload_mod() {
	rmmod $MOD || die "rmmod $MOD failed"
}

# Unloads the module while other processes may hold it (a socket-mode
# change holds it until its thread is back in user space, a call chain
# taken included), trying delete_module() every 2 ms from one process
# up to TRIES times: an rmmod per try would fork and exec under the
# storm, and mostly land inside the next hold. Prints the refusals.
unload_in_use() {	# unload_in_use TRIES
	python3 - "$MOD" "$1" <<'PY'
import ctypes, errno, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
SYS_delete_module = 176  # x86_64
for busy in range(int(sys.argv[2])):
    if libc.syscall(SYS_delete_module, sys.argv[1].encode(), os.O_NONBLOCK) == 0:
        print(busy)
        sys.exit(0)
    err = ctypes.get_errno()
    if err != errno.EWOULDBLOCK:
        sys.exit("delete_module: " + os.strerror(err))
    time.sleep(0.002)
sys.exit("delete_module refused %s times: module in use" % sys.argv[2])
PY
}

# Whether A is within TENTHS tenths of B, either way (within 8 2000 2: 20%).
within() {	# within A B TENTHS
	[ $(($1 * 10)) -ge $(($2 * (10 - $3))) ] && [ $(($1 * 10)) -le $(($2 * (10 + $3))) ]
}

# The value of KEY= on the first TYPE record that has the field SELECTOR
# (symbol=copy_process, tgid=42, ...), in /proc/forkstat or in FILE.
rec_field() {	# rec_field TYPE SELECTOR KEY [FILE]
	awk -v t="$1" -v s="$2" -v k="$3=" '
		$1 == t { hit = 0; for (i = 2; i <= NF; i++) if ($i == s) hit = 1
			  if (hit) for (i = 2; i <= NF; i++) if (index($i, k) == 1) { print substr($i, length(k) + 1); exit } }' "${4:-$PROC}"
}

# The value of KEY= on the probe line of SYMBOL.
probe_field() {
	rec_field probe "symbol=$1" "$2"
}

# Lines the kernel logged since the mark; call mark_dmesg first. The mark
# is a line of its own in the log (a count of lines stops counting once
# the ring buffer is full, as an OOM test's reports fill it).
mark_dmesg() {
	dmesg_mark="forkstat-selftest-mark-$$-$RANDOM-$SECONDS"
	echo "$dmesg_mark" > /dev/kmsg
}

dmesg_since_mark() {
	dmesg | sed -n "/$dmesg_mark\$/,\$p" | tail -n +2
}

# Fails if the kernel warned or oopsed since the mark (vm-run checks the
# whole console as well; this names the test that caused it).
check_dmesg_clean() {
	local bad
	bad=$(dmesg_since_mark | grep -E 'WARNING:|BUG:|Oops|Call Trace:') &&
		die "kernel log since the test started: $bad"
	return 0
}

# check_dmesg_clean for a test that runs the OOM killer: each of the
# kernel's OOM reports prints a Call Trace (its dump_stack), expected.
check_dmesg_clean_oom() {
	local log bad
	log=$(dmesg_since_mark)
	bad=$(grep -E 'WARNING:|BUG:|Oops' <<< "$log") &&
		die "kernel log since the test started: $bad"
	[ "$(grep -c 'Call Trace:' <<< "$log")" -le "$(grep -c 'invoked oom-killer:' <<< "$log")" ] ||
		die "a Call Trace in the kernel log that is not an OOM report's"
	return 0
}

# Keeps messages under KERN_ERR off the console until console_restore:
# an OOM report's Call Trace (KERN_DEFAULT) would read to vm-run as a
# kernel in trouble. dmesg keeps all; check_dmesg_clean_oom reads it.
console_quiet() {
	console_level=$(awk '{ print $1 }' /proc/sys/kernel/printk)
	dmesg -n 4
}

console_restore() {
	[ -z "${console_level:-}" ] || dmesg -n "$console_level"
}

# Until stop_storm, on every CPU: a process forking as fast as it can, one
# switching a socket between blocking and non-blocking (fcntl and ioctl)
# and one reading /proc/forkstat (which comes and goes with the module).
start_storm() {
	local cpu
	storm_pids=()
	for ((cpu = 0; cpu < $(nproc); cpu++)); do
		taskset -c $cpu bash -c 'while :; do /bin/true; done' &
		storm_pids+=($!)
		taskset -c $cpu python3 -c '
import fcntl, os, socket
a, b = socket.socketpair()
fl = fcntl.fcntl(a, fcntl.F_GETFL)
while True:
    a.setblocking(False)
    a.setblocking(True)
    fcntl.fcntl(a, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    fcntl.fcntl(a, fcntl.F_SETFL, fl)
' &
		storm_pids+=($!)
		taskset -c $cpu bash -c "while :; do cat $PROC; done" >/dev/null 2>&1 &
		storm_pids+=($!)
	done
}

stop_storm() {
	kill "${storm_pids[@]}" 2>/dev/null
	wait "${storm_pids[@]}" 2>/dev/null
	storm_pids=()
}

# OOM tests. oom_setup makes a memory cgroup of the test's own under the
# cgroup2 root (skips without one), keeps the OOM reports off the console
# and their task tables out of the log; oom_teardown undoes it all.
oom_setup() {	# oom_setup: sets oom_top
	local cg=/sys/fs/cgroup
	[ "$(stat -f -c %T $cg 2>/dev/null)" = cgroup2fs ] || skip "no cgroup2 mount at $cg"
	grep -qw memory $cg/cgroup.controllers || skip "no memory controller"
	oom_dump_tasks=$(cat /proc/sys/vm/oom_dump_tasks)
	console_quiet
	# Each report lists every task: a retried fault's dozens of reports
	# would fill the log for nothing.
	echo 0 > /proc/sys/vm/oom_dump_tasks
	echo +memory > $cg/cgroup.subtree_control || die "cannot enable the memory controller"
	oom_top=$cg/forkstat-oom-$$
	mkdir "$oom_top" || die "cannot make $oom_top"
	echo +memory > "$oom_top/cgroup.subtree_control" || die "cannot enable memory in $oom_top"
}

oom_teardown() {
	[ -z "${oom_top:-}" ] || rmdir "$oom_top"/*/ "$oom_top" 2>/dev/null
	[ -z "${oom_dump_tasks:-}" ] || echo "$oom_dump_tasks" > /proc/sys/vm/oom_dump_tasks
	console_restore
}

# oom_hog ARGS in cgroup CG with oom_score_adj ADJ, run in the background
# (oom_hog_in ... &): it replaces the job's shell, so $! is the hog.
oom_hog_in() {	# oom_hog_in CG ADJ [ARG...]
	local cg=$1 adj=$2
	shift 2
	exec bash -c "echo $adj > /proc/self/oom_score_adj && echo \$\$ > $cg/cgroup.procs && exec '$(dirname "$0")/oom_hog' $*"
}

# A child cgroup of oom_top with memory.max LIMIT and no swap; prints its
# path. Its id (the inode) is what oom records name as memcg=.
oom_cgroup() {	# oom_cgroup NAME LIMIT
	local c=$oom_top/$1
	mkdir "$c" || die "cannot make $c"
	echo "$2" > "$c/memory.max" || die "cannot limit $c to $2"
	echo 0 > "$c/memory.swap.max" 2>/dev/null
	echo "$c"
}

# The kernel's count of OOM kills in cgroup CG (memory.events).
oom_kills() {	# oom_kills CG
	awk '$1 == "oom_kill" { print $2 }' "$1/memory.events"
}

# KEY= of the oomcfg line (the OOM killer calls' counts) in /proc/forkstat
# or FILE, and how much it grew from the snapshot BEFORE to AFTER.
oom_cfg() {	# oom_cfg KEY [FILE]
	awk -v k="$1=" '$1 == "oomcfg" { for (i = 2; i <= NF; i++)
		if (index($i, k) == 1) print substr($i, length(k) + 1) }' "${2:-$PROC}"
}

oom_cfg_delta() {	# oom_cfg_delta KEY BEFORE AFTER
	echo $(($(oom_cfg "$1" "$3") - $(oom_cfg "$1" "$2")))
}

# Logs the OOM killer calls between the snapshots BEFORE and AFTER by
# what became of them, and dies unless each is recorded, waited or
# settled and none lost.
oom_calls_check() {	# oom_calls_check BEFORE AFTER
	local k n
	declare -A d
	for k in calls recorded waited settled lost kills; do
		d[$k]=$(oom_cfg_delta $k "$1" "$2")
	done
	log "OOM killer calls ${d[calls]}: recorded ${d[recorded]}, waited ${d[waited]}, settled ${d[settled]}, lost ${d[lost]}; kills ${d[kills]}"
	[ "${d[lost]}" = 0 ] || die "${d[lost]} calls lost"
	n=$((d[calls] - d[recorded] - d[waited] - d[settled]))
	[ $n = 0 ] || die "calls not all accounted for: $n"
}

# How many oom records in FILE have memcg=ID and result=RESULT.
oom_records() {	# oom_records FILE ID RESULT
	awk -v m="memcg=$2" -v r="result=$3" '$1 == "oom" { a = 0; b = 0
		for (i = 2; i <= NF; i++) { if ($i == m) a = 1; if ($i == r) b = 1 }
		if (a && b) n++ } END { print n + 0 }' "$1"
}

# The kernel's last "Killed process PID (COMM) ..." line since the mark.
oom_kernel_line() {	# oom_kernel_line COMM
	dmesg_since_mark | grep -E "Killed process [0-9]+ \\($1\\)" | tail -1
}

# Before 6.2 each thread keeps the counts of its last faults (up to 64
# faults since its last sync, SPLIT_RSS_COUNTING) to itself until its
# next faults or its exit, where they join the mm's. A victim woken by
# its SIGKILL that runs to its exit between the probe's read and the
# kernel's "Killed process" line changes the line's figures by as much:
# 256 kB for 64 faults of a page each (a hog's last faults fill its
# mapping). Since 6.2 the counters are percpu_counters, and
# get_mm_counter(), which the module and the kernel's line both use,
# reads the shared count without each CPU's part not folded in yet:
# fewer than max(32, 2 * CPUs) pages a CPU (the RT debugging kernel's
# 2 CPUs once showed a 40 MiB victim as 40832 kB).
rss_sync_slack() {
	local cpus
	case $(uname -r) in
	[1-5].* | 6.[01].*) echo 256 ;;
	*)
		cpus=$(getconf _NPROCESSORS_ONLN)
		echo $((cpus * (cpus * 2 > 32 ? cpus * 2 : 32) * 4))
		;;
	esac
}

# Fails unless the oomvictim record of the pid in the kernel's LINE, in
# SNAP, has the line's total-vm, anon, file and shmem figures, anon
# within SLACK kB (pages the victim's other threads faulted in between
# the probe's read and the kernel's, 0 for a single thread), anon, file
# and shmem within rss_sync_slack more. Sets victim.
oom_check_victim() {	# oom_check_victim SNAP LINE SLACK
	local pair k f got want slack sync
	sync=$(rss_sync_slack)
	victim=$(sed -E 's/.*Killed process ([0-9]+) .*/\1/' <<< "$2")
	[ -n "$(rec_field oomvictim tgid=$victim oom "$1")" ] ||
		die "no oomvictim record for pid $victim"
	for pair in total-vm:total_vm_kb anon-rss:anon_kb file-rss:file_kb shmem-rss:shmem_kb; do
		k=${pair%%:*} f=${pair#*:}
		got=$(rec_field oomvictim tgid=$victim $f "$1")
		want=$(sed -E "s/.* $k:([0-9]+)kB.*/\\1/" <<< "$2")
		[[ $got =~ ^[0-9]+$ && $want =~ ^[0-9]+$ ]] ||
			die "victim $victim: $f=$got, the kernel's $k: $want"
		case $f in
		total_vm_kb) slack=0 ;;
		anon_kb) slack=$(($3 + sync)) oom_anon_diff=$((got - want)) ;;
		*) slack=$sync ;;
		esac
		[ $((got > want ? got - want : want - got)) -le $slack ] ||
			die "victim $victim: $f=$got, the kernel's $k: $want kB (more than $slack kB apart)"
	done
	[ "$(rec_field oomvictim tgid=$victim killed "$1")" = 1 ] || die "victim $victim not marked killed"
	[ "$(rec_field oomvictim tgid=$victim chosen "$1")" = 1 ] || die "victim $victim not marked chosen"
}

# Fails unless record OID's largest anonymous region in SNAP holds the
# mapping START-END (hexadecimal, as oom_hog prints it), with at most 1
# MiB of what lies side by side with it (the loader's few pages, where
# the kernel put them next to it, join the region).
oom_check_largest() {	# oom_check_largest SNAP OID START END
	local rstart rend
	rstart=$(awk -v o="oom=$2" '$1 == "oomanon" && $2 == o && / n=0 / {
		for (i = 3; i <= NF; i++) if (index($i, "start=") == 1) print substr($i, 7) }' "$1")
	rend=$(awk -v o="oom=$2" '$1 == "oomanon" && $2 == o && / n=0 / {
		for (i = 3; i <= NF; i++) if (index($i, "end=") == 1) print substr($i, 5) }' "$1")
	[ -n "$rstart" ] && [ $((rstart)) -le $((0x$3)) ] && [ $((rend)) -ge $((0x$4)) ] &&
		[ $((rend - rstart - (0x$4 - 0x$3))) -le $((1 << 20)) ] ||
		die "record $2: largest anonymous region ${rstart:-none}-${rend:-none}, the hog's mapping is 0x$3-0x$4"
}

# The function names of the chain forkstatctl's oom view prints for PID
# from SNAP, in order, space-separated.
oom_chain() {	# oom_chain SNAP PID
	"$(dirname "$0")/forkstatctl" -f "$1" -p "$2" oom > "$1.view" ||
		die "forkstatctl oom failed"
	grep -oE '#[0-9]+ +[^ +]+\+' "$1.view" | awk '{ sub("\\+$", "", $2); printf "%s ", $2 }'
}
