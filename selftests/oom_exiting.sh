#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# OOMs that kill nothing because the last victim is still exiting, and a
# victim that is not the trigger walked whole though one of its threads
# never comes back from the kernel. oom_exiting (see oom_exiting.c)
# holds its victim, once killed, in an uninterruptible sleep until the
# OOM reaper empties it, while the trigger keeps running into the memory
# cgroup's 64 MiB limit.
# Then:
# - one kill, as memory.events counts it, and one oom record: result
#   killed, the trigger and the victim as oom_exiting names them, the
#   victim's figures those of the kernel's "Killed process" line;
# - the calls that found the victim still there (the kernel logs no
#   kill for them) counted as waited, none recorded, none lost;
# - the victim's mappings walked, its 40 MiB in them, none of it taken
#   for its second thread's stack.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cleanup() {
	wait 2>/dev/null
	oom_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT
oom_setup
cg=$(oom_cgroup exiting 64M) || exit 1
id=$(stat -c %i "$cg")
cat $PROC > "$tmp/before"
mark_dmesg
"$dir/oom_exiting" "$cg" > "$tmp/out" || die "oom_exiting failed: $(cat "$tmp/out")"
victim=$(awk '$1 == "victim" { print $2 }' "$tmp/out")
trigger=$(awk '$1 == "trigger" { print $2 }' "$tmp/out")
log "oom_exiting: $(tr '\n' ' ' < "$tmp/out")"
[ "$(oom_kills "$cg")" = 1 ] || die "memory.events counted $(oom_kills "$cg") kills, want 1"
snap=$tmp/after
loop_until 60 eval '[ "$(oom_records $PROC $id killed)" = 1 ]' || die "no oom record of the kill"
cat $PROC > "$snap"
grep -E "^oom[a-z]* " "$snap" | grep -v "^oomcfg" | sed 's/^/#   /'
oom_calls_check "$tmp/before" "$snap"
[ "$(oom_cfg_delta kills "$tmp/before" "$snap")" = 1 ] || die "forkstat counted $(oom_cfg_delta kills "$tmp/before" "$snap") kills, the kernel 1"
[ "$(oom_cfg_delta waited "$tmp/before" "$snap")" -ge 1 ] || die "no call counted as waiting for the victim"
[ "$(oom_records "$snap" $id none)" = 0 ] && [ "$(oom_records "$snap" $id exiting)" = 0 ] ||
	die "a record of a call that killed nothing: $(grep "^oom .* memcg=$id " "$snap")"
[ "$(dmesg_since_mark | grep -c 'Killed process')" = 1 ] || die "the kernel logged more than one kill"

line=$(oom_kernel_line oom_exiting)
oom_check_victim "$snap" "$line" 0
[ "$victim" = "$(awk '$1 == "victim" { print $2 }' "$tmp/out")" ] || die "the kernel killed $victim, not oom_exiting's victim"
oid=$(rec_field oomvictim tgid=$victim oom "$snap")
[ "$(rec_field oom id=$oid tgid "$snap")" = "$trigger" ] ||
	die "trigger $(rec_field oom id=$oid tgid "$snap"), oom_exiting's is $trigger"
walk=$(rec_field oomregions oom=$oid walk "$snap")
anon=$(rec_field oomregions oom=$oid anon_kb "$snap")
stack=$(rec_field oomregions oom=$oid stack_kb "$snap")
[ "$walk" = ok ] && [ "$anon" -ge $((40 * 1024)) ] ||
	die "the victim's walk: walk=$walk anon_kb=$anon, want ok and its 40 MiB"
# Its second thread's stack was mapped right below the 40 MiB, which the
# kernel merges into one mapping: only the stack's part is stack.
[ "$stack" -lt 1024 ] || die "stack_kb=$stack: the victim's two threads use a few kB"
log "victim $victim (walked: $anon kB anonymous), trigger $trigger"
check_dmesg_clean_oom
