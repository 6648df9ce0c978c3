#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An OOM storm: 100 memory cgroups of 8 MiB (32 on make check-debug's
# kernels), each running oom_hog into its limit once, ten at a time,
# while a reader reads /proc/forkstat in a loop. Then:
# - the module answered all along: reads went on during the storm;
# - its kill count grew by what memory.events' oom_kill counted in the
#   storm's cgroups, and every call it followed is accounted for (recorded,
#   waited, settled or lost);
# - the ring holds at most oom_ring records, each a kill in one of the
#   storm's cgroups with oom_hog as its victim;
# - each cgroup's OOM kill counter (procgone oom_kills) equals its
#   memory.events oom_kill.
. "$(dirname "$0")/functions.sh"
require_env
skip_on_cloud
dir=$(cd "$(dirname "$0")" && pwd)
# Each cgroup OOMs once: 100 kills, six times the ring. Each kill is an
# OOM report in the log and a walk; a second round took another minute
# and a half of each suite under emulation and tested nothing the first
# did not. On make check-debug's kernels a kill takes about 20 s (the
# 100 took 34 min on the PREEMPT_RT one): there 32 cgroups, twice the
# default ring, still overflow it.
NCG=100
WORKERS=10
if debug_kernel; then
	NCG=32
	WORKERS=8
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	oom_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT
oom_setup

cgs=()
for ((i = 0; i < NCG; i++)); do
	c=$(oom_cgroup s$i 8M) || exit 1
	cgs+=("$c")
done
snap0=$tmp/before
cat $PROC > "$snap0"
mark_dmesg

while :; do cat $PROC > /dev/null && echo >> "$tmp/reads"; done 2>/dev/null &
pids+=($!)
for ((w = 0; w < WORKERS; w++)); do
	(
		for ((i = w; i < NCG; i += WORKERS)); do
			bash -c "echo \$\$ > ${cgs[i]}/cgroup.procs && exec '$dir/oom_hog'"
		done
	) > /dev/null 2>&1 &
	pids+=($!)
done
wait "${pids[@]:1}"
log "storm over after $SECONDS s"
reads=$(wc -l < "$tmp/reads")
kill "${pids[0]}"
wait 2>/dev/null
pids=()
[ "$reads" -gt 0 ] || die "no read of $PROC finished during the storm"

kills=0
for c in "${cgs[@]}"; do
	kills=$((kills + $(oom_kills "$c")))
done
[ $kills -ge $NCG ] || die "memory.events counted $kills kills in $NCG cgroups, want one at least in each"
# The last records are stored after their walks.
loop_until 120 eval '[ $(($(oom_cfg kills) - $(oom_cfg kills "$snap0"))) -ge $kills ]' ||
	die "forkstat counted $(($(oom_cfg kills) - $(oom_cfg kills "$snap0"))) of $kills kills after 120 s"
log "kills counted after $SECONDS s: $(grep '^oomcfg' $PROC)"
snap=$tmp/after
loop_until 120 eval 'cat $PROC > "$snap"; [ $(($(oom_cfg calls "$snap") - $(oom_cfg recorded "$snap") - $(oom_cfg waited "$snap") - $(oom_cfg settled "$snap") - $(oom_cfg lost "$snap"))) = \
	$(($(oom_cfg calls "$snap0") - $(oom_cfg recorded "$snap0") - $(oom_cfg waited "$snap0") - $(oom_cfg settled "$snap0") - $(oom_cfg lost "$snap0"))) ]' ||
	die "calls not all accounted for: $(grep '^oomcfg' "$snap0") then $(grep '^oomcfg' "$snap")"
[ "$(oom_cfg_delta kills "$snap0" "$snap")" = $kills ] || die "forkstat counted $(oom_cfg_delta kills "$snap0" "$snap") kills, memory.events $kills"
log "$kills kills in $NCG cgroups, $reads reads during the storm; calls $(oom_cfg_delta calls "$snap0" "$snap"): recorded $(oom_cfg_delta recorded "$snap0" "$snap"), waited $(oom_cfg_delta waited "$snap0" "$snap"), settled $(oom_cfg_delta settled "$snap0" "$snap"), lost $(oom_cfg_delta lost "$snap0" "$snap")"

ring=$(cat /sys/module/$MOD/parameters/oom_ring)
n=$(grep -c '^oom ' "$snap")
[ "$n" -le "$ring" ] || die "$n oom records, the ring holds $ring"
ids=" $(for c in "${cgs[@]}"; do stat -c %i "$c"; done | tr '\n' ' ')"
while read -r oid memcg result; do
	[[ $ids == *" ${memcg#memcg=} "* ]] || die "record ${oid#id=}: $memcg is none of the storm's cgroups"
	[ "$result" = result=killed ] || die "record ${oid#id=}: $result"
	[ "$(rec_field oomvictim "oom=${oid#id=}" comm "$snap")" = oom_hog ] ||
		die "record ${oid#id=}: victim $(rec_field oomvictim "oom=${oid#id=}" comm "$snap")"
done < <(awk '$1 == "oom" { id = m = r = ""
	for (i = 2; i <= NF; i++) {
		if ($i ~ /^id=/) id = $i; if ($i ~ /^memcg=/) m = $i; if ($i ~ /^result=/) r = $i
	}
	print id, m, r }' "$snap")
log "$n records in the ring of $ring, each a kill of oom_hog in a storm cgroup"

# The counters per cgroup: each cgroup's as memory.events counted, though
# the ring kept only the last records.
for c in "${cgs[@]}"; do
	got=$(rec_field procgone "cgroup=$(stat -c %i "$c")" oom_kills "$snap")
	[ "${got:-0}" = "$(oom_kills "$c")" ] ||
		die "${c#/sys/fs/cgroup}: procgone oom_kills=${got:-none}, memory.events $(oom_kills "$c")"
done
log "each cgroup's oom_kills as its memory.events counted"
check_dmesg_clean_oom
