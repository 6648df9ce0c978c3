#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The OOM seed: a Go program (go/oomcgo) that fills a slice of float64s
# and hands it to C++ through cgo, which new's a matrix of 1 MiB rows,
# in a memory cgroup with memory.max 256M, until the OOM killer stops
# it. Three runs: killed in the Go fill, killed in the C++ allocation,
# and the same with the C++ built without frame pointers. Each time:
# - one oom record per oom_kill that memory.events counted, the seed its
#   own trigger, its victim's figures those of the kernel's "Killed
#   process" line;
# - bpftrace's oomkill.bt, the tool an SRE reaches for first, names the
#   same trigger and victim (where the kernel has BTF for it to read);
# - the Go heap class (the anonymous mappings in the runtime's arena
#   range, 0xc000000000 up) within 10% of what the runtime held from the
#   OS (HeapSys - HeapReleased, printed after each fill step), and the
#   rest of the anonymous memory within 10% of the rows C++ had made;
# - the trigger's chain: main.fill <- main.main in Go (or the runtime
#   making the next slice <- main.main); in C++ fill_row
#   <- build_rows <- cxx_build_matrix (demangled) with frame pointers,
#   fill_row first without (its caller too: the fault's scan finds the
#   return address).
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
[ -x "$dir/go_oomcgo_fp" ] && [ -x "$dir/go_oomcgo_nofp" ] || skip "the OOM seed (go_oomcgo_*) is not built"
command -v bpftrace > /dev/null && [ -r /usr/sbin/oomkill.bt ] ||
	die "no bpftrace with its oomkill.bt (scripts/install-deps installs them)"
# oomkill.bt reads struct oom_control: from the kernel's BTF, which
# Debian's kernels have and make check-debug's do not (nor headers).
btf=1
[ -r /sys/kernel/btf/vmlinux ] || btf=
tmp=$(mktemp -d)
run=
bt=
cleanup() {
	[ -z "$run" ] || kill -9 "$run" 2>/dev/null
	[ -z "$bt" ] || stop_job "$bt" 60
	wait 2>/dev/null
	oom_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT
oom_setup

if [ -n "$btf" ]; then
	bpftrace /usr/sbin/oomkill.bt > "$tmp/oomkill.out" 2>&1 &
	bt=$!
	# Its LLVM compile takes minutes under emulation.
	loop_until 600 grep -q '^Tracing' "$tmp/oomkill.out" ||
		die "oomkill.bt did not start: $(cat "$tmp/oomkill.out")"
else
	log "no BTF in this kernel: oomkill.bt cannot run, not compared"
fi

seed() {	# seed NAME PROGRAM MODE MIB: one run of the seed to its kill
	local name=$1 prog=$2 cg cgid kills status line oid bt_line
	cg=$(oom_cgroup "$name" 256M) || exit 1
	cgid=$(stat -c %i "$cg")
	out=$tmp/$name.out
	snap=$tmp/$name.snap
	mark_dmesg
	bash -c "echo \$\$ > $cg/cgroup.procs && exec '$dir/$prog' $3 $4" > "$out" &
	run=$!
	wait $run
	status=$?
	run=
	[ $status = 137 ] || die "$name: $prog exited with $status, not killed: $(tail -3 "$out")"
	kills=$(oom_kills "$cg")
	[ "$kills" -ge 1 ] || die "$name: memory.events counted no oom_kill"
	loop_until 60 eval '[ "$(oom_records $PROC $cgid killed)" -ge $kills ]' ||
		die "$name: $(oom_records $PROC $cgid killed) oom records of cgroup $cgid, memory.events counted $kills kills"
	cat $PROC > "$snap"
	[ "$(oom_records "$snap" $cgid killed)" = "$kills" ] ||
		die "$name: $(oom_records "$snap" $cgid killed) oom records, memory.events counted $kills kills"

	line=$(oom_kernel_line "${prog:0:15}")
	[ -n "$line" ] || die "$name: the kernel logged no kill of $prog"
	# Its other threads are parked (no garbage collector), and a fault
	# in the cgroup waits on the OOM lock: 256 kB is room, not need.
	oom_check_victim "$snap" "$line" 256
	oid=$(rec_field oomvictim tgid=$victim oom "$snap")
	[ "$(rec_field oom id=$oid tgid "$snap")" = "$victim" ] ||
		die "$name: trigger $(rec_field oom id=$oid tgid "$snap"), the seed is $victim"
	[ "$(rec_field oom id=$oid memcg "$snap")" = "$cgid" ] &&
		[ "$(rec_field oom id=$oid constraint "$snap")" = memcg ] &&
		[ "$(rec_field oom id=$oid limit_kb "$snap")" = 262144 ] ||
		die "$name: not memcg $cgid's 256 MiB limit: $(grep "^oom id=$oid " "$snap")"
	log "$name: $kills kill(s) of $victim, as memory.events and the kernel say (anon $oom_anon_diff kB apart)"

	if [ -n "$btf" ]; then
		loop_until 60 grep -q "OOM kill of PID $victim " "$tmp/oomkill.out" ||
			die "$name: oomkill.bt saw no kill of $victim: $(cat "$tmp/oomkill.out")"
		bt_line=$(grep "OOM kill of PID $victim " "$tmp/oomkill.out" | tail -1)
		[[ $bt_line =~ Triggered\ by\ PID\ $victim\  ]] ||
			die "$name: oomkill.bt says '$bt_line', forkstat: triggered by $victim"
		log "$name: oomkill.bt: ${bt_line#* }"
	fi

	# The runtime's arena: 0xc000000000 up, twelve hex digits.
	gorss=$(awk -v o="oom=$oid" '$1 == "oomanon" && $2 == o {
		s = ""; r = 0
		for (i = 3; i <= NF; i++) {
			if (index($i, "start=") == 1) s = substr($i, 7)
			if (index($i, "rss_kb=") == 1) r = substr($i, 8)
		}
		if (length(s) == 12 && s >= "0xc000000000" && s < "0xd000000000") n += r
	} END { print n + 0 }' "$snap")
	goheap=$(awk '$1 == "goheap" { v = $2 } END { print v + 0 }' "$out")
	[ "$goheap" -gt 0 ] || die "$name: the seed printed no goheap line"
	[ $((gorss > goheap ? gorss - goheap : goheap - gorss)) -le $((goheap / 10)) ] ||
		die "$name: the Go heap class holds $gorss kB, the runtime $goheap kB (HeapSys - HeapReleased)"
	cxx=$(awk '$1 == "cxx" { v = $2 } END { print v + 0 }' "$out")
	other=$(($(rec_field oomregions oom=$oid anon_kb "$snap") + $(rec_field oomregions oom=$oid heap_kb "$snap") - gorss))
	if [ "$3" = cxx ]; then
		[ "$cxx" -gt 0 ] || die "$name: the C++ side made no row"
		[ $((other > cxx ? other - cxx : cxx - other)) -le $((cxx / 10)) ] ||
			die "$name: $other kB of anonymous memory outside the Go heap, C++ had made $cxx kB of rows"
	fi
	log "$name: Go heap $gorss kB (runtime: $goheap kB), the rest $other kB (C++ rows: $cxx kB)"

	frames=$(oom_chain "$snap" "$victim")
	end=$(rec_field ustack id=$(rec_field oom id=$oid stack "$snap") end "$snap")
	log "$name: trigger chain (end=$end): $frames"
	sed 's/^/#   /' "$snap.view"
	grep -qE '^ +0xc000000000-0x[0-9a-f]+ .* \(Go heap\)$' "$snap.view" ||
		die "$name: the view does not mark the Go heap"
	check_dmesg_clean_oom
}

seed gofill go_oomcgo_fp gofill 512
# The fill's own writes, or the runtime's for the next slice (a new
# span's heap bitmap cleared, seen on 6.12): both in main.main.
case $frames in
"main.fill main.main "*) ;;
runtime.*" runtime.makeslice main.main "*) ;;
*) die "gofill: the chain reads '$frames', want main.fill, or the runtime's makeslice, then main.main" ;;
esac

# Each 1 MiB row is malloc's own mapping, whose first page malloc
# touches (the chunk's header) before fill_row touches the rest: 1 fault
# in 256 is libc's, and the kill may land there (seen on 6.1 rt), in a
# libc without frame pointers or symbols.
in_malloc() {	# in_malloc VARIANT FRAME: FRAME, the kill's first, is libc's
	[ "${2:-}" = libc.so.6 ] && log "$1: killed in malloc, as it touched a new row's header"
}

seed cxx go_oomcgo_fp cxx 64
# By frame pointers up to the C++ entry point, and the Go runtime's
# asmcgocall that called it on the thread's own stack; the walk ends
# there, where the next frame pointer leads down into the goroutine's
# stack (see docs/format.md).
set -- $frames
[[ $1 == fill_row && ${2:-} == build_rows && ${3:-} == cxx_build_matrix ]] || in_malloc cxx "$1" ||
	die "cxx: the chain reads '$frames', want fill_row, build_rows, cxx_build_matrix"

seed cxx-nofp go_oomcgo_nofp cxx 64
set -- $frames
[[ ${1:-} == fill_row ]] || in_malloc cxx-nofp "${1:-}" || die "cxx-nofp: the chain reads '$frames', want fill_row first"
