#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An OOM whose chosen process is already dying kills nothing: the OOM
# killer marks it, wakes the reaper and returns, with no "Killed
# process" line and no oom_kill in memory.events. `oom_exiting CGROUP
# dying` (see oom_exiting.c) sends its victim SIGKILL while the victim's
# only thread waits on a lock it cannot have, then lets a trigger run
# into the memory cgroup's 64 MiB limit. Then:
# - one oom record, result exiting: the victim chosen but not killed
#   (killed=0), kills=0 and victims=1, the trigger oom_exiting's;
# - no record of a kill, and forkstat's kill count unchanged, as the
#   kernel's;
# - the calls after it, which find the victim still there, counted as
#   waited and not recorded, none lost.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cleanup() {
	oom_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT
oom_setup
cg=$(oom_cgroup dying 64M) || exit 1
id=$(stat -c %i "$cg")
cat $PROC > "$tmp/before"
mark_dmesg
"$dir/oom_exiting" "$cg" dying > "$tmp/out" || die "oom_exiting dying failed: $(cat "$tmp/out")"
victim=$(awk '$1 == "victim" { print $2 }' "$tmp/out")
trigger=$(awk '$1 == "trigger" { print $2 }' "$tmp/out")
log "oom_exiting dying: $(tr '\n' ' ' < "$tmp/out")"
ooms=$(awk '$1 == "oom" { print $2 }' "$cg/memory.events")
[ "$ooms" -ge 1 ] && [ "$(oom_kills "$cg")" = 0 ] ||
	die "memory.events: oom $ooms, oom_kill $(oom_kills "$cg"); want an OOM and no kill"
[ "$(dmesg_since_mark | grep -c 'Killed process')" = 0 ] || die "the kernel logged a kill"
snap=$tmp/after
loop_until 60 eval '[ "$(oom_records $PROC $id exiting)" = 1 ]' ||
	die "no oom record with result=exiting: $(grep "^oom .*memcg=$id " $PROC)"
cat $PROC > "$snap"
grep -E "^oom[a-z]* " "$snap" | grep -v "^oomcfg" | sed 's/^/#   /'
[ "$(oom_records "$snap" $id killed)" = 0 ] && [ "$(oom_records "$snap" $id none)" = 0 ] ||
	die "a record other than the exiting one: $(grep "^oom .*memcg=$id " "$snap")"
oid=$(rec_field oomvictim tgid=$victim oom "$snap")
[ -n "$oid" ] || die "no oomvictim record for the dying victim $victim"
for kv in result=exiting tgid=$trigger kills=0 victims=1; do
	[ "$(rec_field oom id=$oid "${kv%%=*}" "$snap")" = "${kv#*=}" ] ||
		die "record $oid: ${kv%%=*}=$(rec_field oom id=$oid "${kv%%=*}" "$snap"), want ${kv#*=}"
done
for kv in killed=0 chosen=1; do
	[ "$(rec_field oomvictim tgid=$victim "${kv%%=*}" "$snap")" = "${kv#*=}" ] ||
		die "victim $victim: ${kv%%=*}=$(rec_field oomvictim tgid=$victim "${kv%%=*}" "$snap"), want ${kv#*=}"
done
# Its 40 MiB, less what its RSS counters had not folded in (rss_sync_slack).
anon=$(rec_field oomvictim tgid=$victim anon_kb "$snap")
[ "$anon" -ge $((40 * 1024 - $(rss_sync_slack))) ] ||
	die "victim $victim: anon_kb=$anon at the mark, it held 40 MiB"
oom_calls_check "$tmp/before" "$snap"
[ "$(oom_cfg_delta kills "$tmp/before" "$snap")" = 0 ] ||
	die "forkstat counted $(oom_cfg_delta kills "$tmp/before" "$snap") kills, the kernel none"
[ "$(oom_cfg_delta recorded "$tmp/before" "$snap")" = 1 ] ||
	die "$(oom_cfg_delta recorded "$tmp/before" "$snap") calls recorded, want the one that chose the dying victim"
log "victim $victim marked dying, not killed ($anon kB anonymous), trigger $trigger; walk $(rec_field oomregions oom=$oid walk "$snap")"
check_dmesg_clean_oom
