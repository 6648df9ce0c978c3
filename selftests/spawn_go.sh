#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# How long os/exec freezes a Go program, by forkstat, by bpftrace and by
# the program. Go spawns with CLONE_VM|CLONE_VFORK while holding
# syscall.ForkLock for writing: the calling thread is frozen until it
# runs again after the child's exec, and every other spawn waits.
# go_spawner runs /bin/true through exec.Command from a 512 MiB heap,
# from one goroutine, then from eight, and sums its cmd.Start() durations.
# - Every spawn is a vfork that exec'd, timed once (vfork_waits), and
#   counted once in the freeze histogram, in the program's row read while
#   it still runs.
# - The freeze forkstat records (vfork_wait_ns of the program's row) is
#   within 20% of the time bpftrace measures in kernel_clone for the
#   program's CLONE_VFORK calls (where the kernel has BTF for bpftrace to
#   read the flags), and no more than the program's cmd.Start() time,
#   which holds it and a few system calls around it (under emulation, the
#   wait for the child's exec to close Go's error pipe too).
# - From eight goroutines the freezes come one at a time under ForkLock:
#   their sum is below the program's wall time.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
[ -x "$dir/go_spawner" ] || skip "Go programs not built"
command -v bpftrace > /dev/null || die "no bpftrace (scripts/install-deps installs it)"
tmp=$(mktemp -d)
bt=
cleanup() {
	[ -z "$bt" ] || stop_job "$bt" 60
	rm -rf "$tmp"
}
trap cleanup EXIT

# bpftrace reads kernel_clone's flags through the kernel's BTF, which
# Debian's kernels have and make check-debug's do not.
if [ -r /sys/kernel/btf/vmlinux ]; then
	cat > "$tmp/clone.bt" <<'BT'
kprobe:kernel_clone /comm == "go_spawner" && (((struct kernel_clone_args *)arg0)->flags & 0x4000)/ {
	@start[tid] = nsecs;
}
kretprobe:kernel_clone /@start[tid]/ {
	printf("vfork %d %llu\n", pid, nsecs - @start[tid]);
	delete(@start[tid]);
}
BT
	bpftrace "$tmp/clone.bt" > "$tmp/bt.out" 2>&1 &
	bt=$!
	# Its LLVM compile takes minutes under emulation, and it says
	# "Attaching" before its probes are in: a small spawner's run
	# until bpftrace prints a call says they are.
	bt_ready() {
		"$dir/go_spawner" 1 1 > /dev/null && grep -q '^vfork ' "$tmp/bt.out"
	}
	loop_until 600 bt_ready || die "bpftrace did not start: $(head -c 2000 "$tmp/bt.out")"
else
	log "no BTF in this kernel: bpftrace cannot read the clone flags, not compared"
fi

# run GOROUTINES COUNT: checks one run; sets pid, start_ns, wall_ns, frozen.
# The row is read once, while go_spawner still lives: the module stays
# loaded across tests, so late in a run the table is full, and an exited
# process that only vforked is worth least of all (rows.c): the next new
# forker, a subshell of this script, may take its row.
run() {
	local out=$tmp/run$1 hold=$tmp/hold$1 snap=$tmp/snap$1 sp fd
	local spawns vexec vexit waits forks hist
	mkfifo "$hold"
	"$dir/go_spawner" 512 "$2" "$1" hold < "$hold" > "$out" &
	sp=$!
	exec {fd}> "$hold"
	spawned() {
		grep -q '^spawns ' "$out" && return
		[ -d "/proc/$sp" ] || die "go_spawner exited early: $(head -c 2000 "$out")"
		return 1
	}
	loop_until 1200 spawned || die "go_spawner did not finish in 1200 s"
	cat "$PROC" > "$snap"
	exec {fd}>&-
	wait "$sp" || die "go_spawner failed"
	read -r _ pid < <(grep '^pid ' "$out")
	read -r _ spawns _ start_ns _ wall_ns < <(grep '^spawns ' "$out")
	row() { rec_field proc "tgid=$pid" "$1" "$snap"; }
	vexec=$(row vfork_exec)
	vexit=$(row vfork_exit)
	waits=$(row vfork_waits)
	forks=$(row fork)
	frozen=$(row vfork_wait_ns)
	hist=$(row vfork_wait_hist | tr ',' '+')
	log "$1 goroutines: $spawns spawns, cmd.Start() $((start_ns / 1000)) us in all, wall $((wall_ns / 1000)) us; forkstat: vfork_exec=$vexec vfork_exit=$vexit, frozen $((frozen / 1000)) us"
	[ -n "$vexec" ] || die "no row for go_spawner (pid $pid): $(grep '^procs ' "$snap")"
	[ "$vexec" = "$spawns" ] || die "$vexec vforks exec'd, want $spawns"
	[ "$vexit" = 0 ] && [ "$forks" = 0 ] || die "vfork_exit=$vexit fork=$forks, want 0"
	[ "$waits" = "$spawns" ] || die "$waits freezes timed, want $spawns"
	[ $((hist)) = "$spawns" ] || die "the freeze histogram counts $((hist)), want $spawns"
	[ "$frozen" -gt 0 ] && [ "$frozen" -le "$start_ns" ] ||
		die "frozen $frozen ns, outside cmd.Start()'s $start_ns ns"
	pids+=("$pid $frozen $spawns")
}

pids=()
run 1 40
run 8 10
[ "$frozen" -lt "$wall_ns" ] || die "freezes sum to $frozen ns, more than the wall time $wall_ns ns"

# bpftrace prints each CLONE_VFORK call as it returns, so nothing here
# waits for it to print its maps at a SIGINT (it once sat in epoll_wait
# a minute after one on 6.12 rt and had to be killed, its maps unsaid).
[ -n "$bt" ] || exit 0
bt_calls() { grep -c "^vfork $1 " "$tmp/bt.out"; }
bt_saw() { [ "$(bt_calls "$1")" -ge "$2" ]; }	# bt_saw PID N: N calls printed
for p in "${pids[@]}"; do
	read -r pid frozen spawns <<< "$p"
	loop_until 120 bt_saw "$pid" "$spawns" ||
		die "bpftrace printed $(bt_calls "$pid") vforks of pid $pid, want $spawns: $(head -c 2000 "$tmp/bt.out")"
	clone=$(awk -v pid="$pid" '$1 == "vfork" && $2 == pid { ns += $3 } END { printf "%.0f", ns }' "$tmp/bt.out")
	log "pid $pid: forkstat $((frozen / 1000)) us, bpftrace's kernel_clone $((clone / 1000)) us"
	within "$frozen" "$clone" 2 ||
		die "forkstat's $frozen ns and bpftrace's $clone ns differ by more than 20%"
done
