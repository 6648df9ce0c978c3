#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An OOM kill in a memory cgroup, against what the kernel itself says.
# oom_hog (a brk heap, then one large mapping touched page by page) runs
# in a cgroup with memory.max 64M until the OOM killer stops it. Then:
# - one "oom" record per oom_kill that memory.events counted, constraint
#   memcg, the cgroup's id, path and limit, the hog as trigger;
# - its victim's figures equal the kernel's "Killed process" line (the
#   hog is single-threaded and in the fault: nothing changes between the
#   two reads);
# - the walk of its mappings: the heap as big as the hog made it, the
#   mapping it printed as the largest anonymous one, and the classes
#   summing to the kernel's anon-rss less what private file mappings
#   hold (under 2 MiB for this program), and the counter's lag;
# - the trigger's call chain, from the page fault: touch <- fill <- main.
# Then a cgroup with nothing the OOM killer may kill (oom_score_adj
# -1000): its OOMs are recorded as result=none, and none is a kill.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
cg=/sys/fs/cgroup
[ "$(stat -f -c %T $cg 2>/dev/null)" = cgroup2fs ] || skip "no cgroup2 mount at $cg"
grep -qw memory $cg/cgroup.controllers || skip "no memory controller"
top=$cg/forkstat-oom-$$
hog=
dump_tasks=$(cat /proc/sys/vm/oom_dump_tasks)
cleanup() {
	[ -z "$hog" ] || kill -9 "$hog" 2>/dev/null
	wait 2>/dev/null
	rmdir "$top" 2>/dev/null
	echo "$dump_tasks" > /proc/sys/vm/oom_dump_tasks
	console_restore
}
trap cleanup EXIT
console_quiet
# Each OOM report lists every task: a retried fault's dozens of reports
# would fill the log for nothing.
echo 0 > /proc/sys/vm/oom_dump_tasks
echo +memory > $cg/cgroup.subtree_control || die "cannot enable the memory controller"
mkdir "$top" || die "cannot make $top"
echo 64M > "$top/memory.max"
echo 0 > "$top/memory.swap.max" 2>/dev/null
id=$(stat -c %i "$top")
oom_kills() {
	awk '$1 == "oom_kill" { print $2 }' "$top/memory.events"
}
records() {	# records FILE RESULT: oom records of the test's cgroup
	awk -v m="memcg=$id" -v r="result=$2" '$1 == "oom" { a = 0; b = 0
		for (i = 2; i <= NF; i++) { if ($i == m) a = 1; if ($i == r) b = 1 }
		if (a && b) n++ } END { print n + 0 }' "$1"
}

kills0=$(oom_kills)
mark_dmesg
out=$(mktemp)
bash -c "echo \$\$ > $top/cgroup.procs && exec '$dir/oom_hog'" > "$out" &
hog=$!
wait $hog
status=$?
hog=
[ $status = 137 ] || die "oom_hog exited with $status, not killed (128 + 9)"
kills=$(($(oom_kills) - kills0))
[ $kills -ge 1 ] || die "memory.events counted no oom_kill"
loop_until 60 grep -q "^oom .* memcg=$id " $PROC || die "no oom record for cgroup $id"
snap=$(mktemp)
# The work item stores the record after the walk: wait until every kill is in.
loop_until 60 eval '[ "$(records $PROC killed)" -ge $kills ]'
cat $PROC > "$snap"
[ "$(records "$snap" killed)" = $kills ] ||
	die "$(records "$snap" killed) oom records of cgroup $id, memory.events counted $kills kills"
log "$kills kill(s): memory.events and the oom records agree"
grep -E '^(oom|oomcgroup|oomvictim|oomregions|oomanon|oomfile) ' "$snap" | sed 's/^/#   /'

# The kernel's own line about the kill.
line=$(dmesg_since_mark | grep -E 'Killed process [0-9]+ \(oom_hog\)' | tail -1)
[ -n "$line" ] || die "the kernel logged no kill of oom_hog"
victim=$(sed -E 's/.*Killed process ([0-9]+) .*/\1/' <<< "$line")
kern() {	# kern KEY: the kernel line's KEY:NkB
	sed -E "s/.* $1:([0-9]+)kB.*/\1/" <<< "$line"
}
oid=$(rec_field oomvictim tgid=$victim oom "$snap")
[ -n "$oid" ] || die "no oomvictim record for pid $victim"
for pair in total-vm:total_vm_kb anon-rss:anon_kb file-rss:file_kb shmem-rss:shmem_kb; do
	k=${pair%%:*} f=${pair#*:}
	got=$(rec_field oomvictim tgid=$victim $f "$snap")
	[ "$got" = "$(kern $k)" ] || die "victim $victim: $f=$got, the kernel's $k: $(kern $k) kB"
done
[ "$(rec_field oomvictim tgid=$victim killed "$snap")" = 1 ] || die "victim $victim not marked killed"
[ "$(rec_field oomvictim tgid=$victim chosen "$snap")" = 1 ] || die "victim $victim not marked chosen"
log "victim $victim: total_vm, anon, file and shmem as the kernel logged them"

# The record: the cgroup, its limit, the hog as its own trigger.
oom() {	# oom KEY: on the victim's record
	rec_field oom id=$oid "$1" "$snap"
}
[ "$(oom constraint)" = memcg ] || die "constraint=$(oom constraint), want memcg"
[ "$(oom limit_kb)" = 65536 ] || die "limit_kb=$(oom limit_kb), want 65536"
[ "$(oom tgid)" = "$victim" ] || die "trigger tgid=$(oom tgid), want the hog, $victim"
[ "$(oom cgroup)" = "$id" ] || die "trigger cgroup=$(oom cgroup), want $id"
[ "$(oom comm)" = oom_hog ] || die "trigger comm=$(oom comm)"
path=$(rec_field oomcgroup id=$id path "$snap")
[ "$path" = "/${top#$cg/}" ] || die "oomcgroup path=$path, want /${top#$cg/}"
log "record $oid: memcg $id ($path), limit 64 MiB, triggered by the hog"

# Its memory by class.
reg() {
	rec_field oomregions tgid=$victim "$1" "$snap"
}
[ "$(reg walk)" = ok ] || die "walk=$(reg walk)"
heap=$(reg heap_kb)
# 4,096 blocks of 1,000 bytes, 1,008 with malloc's header: 4,032 KiB.
[ "$heap" -ge 4032 ] && [ "$heap" -le 4608 ] || die "heap_kb=$heap, the hog's brk heap holds 4032 KiB"
read -r _ start end < "$out"
[ "$(rec_field oomanon n=0 start "$snap")" = "0x$start" ] &&
	[ "$(rec_field oomanon n=0 end "$snap")" = "0x$end" ] ||
	die "largest anonymous mapping $(rec_field oomanon n=0 start "$snap")-$(rec_field oomanon n=0 end "$snap"), the hog's is 0x$start-0x$end"
anon=$(rec_field oomvictim tgid=$victim anon_kb "$snap")
sum=$((heap + $(reg stack_kb) + $(reg anon_kb)))
# The kernel's counter is approximate: 6.1 adds a thread's pages to it
# every 64 faults (SPLIT_RSS_COUNTING), 6.12 folds per-CPU counts in
# batches of 32 pages (percpu_counter): it may lag by 256 KiB, or 128
# KiB a CPU.
lag=$(($(nproc) * 128 > 256 ? $(nproc) * 128 : 256))
[ $sum -le $((anon + lag)) ] && [ $sum -ge $((anon - 2048)) ] ||
	die "heap + stacks + anonymous mappings = $sum kB, the kernel's anon-rss $anon kB"
log "regions: heap $heap kB, the hog's mapping largest, classes sum to $sum of $anon kB"

# The trigger's chain, from its page fault: touch, then its callers, by
# their frame pointers (named by forkstatctl from oom_hog's symbols).
stack=$(oom stack)
[ "$stack" != 0 ] || die "the trigger has no call chain"
"$dir/forkstatctl" -f "$snap" -p "$victim" oom > "$out.view" || die "forkstatctl oom failed"
frames=$(grep -oE '#[0-9]+ +[a-z_]+\+' "$out.view" | awk '{ sub("\\+", "", $2); printf "%s ", $2 }')
case $frames in
"touch fill main "*) ;;
*) die "the trigger's chain reads '$frames', want touch fill main first: $(cat "$out.view")" ;;
esac
log "trigger chain $stack: $frames"
sed 's/^/#   /' "$out.view"
rm -f "$out.view"

# Nothing killable: the OOM killer finds nothing, the charge fails and the
# fault retries, OOM after OOM, until the test kills the hog. The retries
# fold into one record (repeats=), which leaves the kill's record kept.
kills0=$(oom_kills)
none0=$(records "$snap" none)
bash -c "echo -1000 > /proc/self/oom_score_adj && echo \$\$ > $top/cgroup.procs && exec '$dir/oom_hog'" > /dev/null &
hog=$!
loop_until 120 eval '[ "$(records $PROC none)" -gt $none0 ]' || die "no result=none record"
kill -9 $hog 2>/dev/null
wait $hog 2>/dev/null
hog=
[ "$(oom_kills)" = "$kills0" ] || die "the kernel killed something in the cgroup"
cat $PROC > "$snap"
[ "$(records "$snap" none)" = $((none0 + 1)) ] ||
	die "$(records "$snap" none) result=none records, want one: $(grep '^oom ' "$snap")"
calls=$(rec_field oom result=none repeats "$snap")
grep -q "^oom id=$oid " "$snap" || die "the kill's record $oid is gone"
log "OOMs with nothing to kill: one result=none record, $calls repeats"
check_dmesg_clean_oom
rm -f "$out" "$snap"
