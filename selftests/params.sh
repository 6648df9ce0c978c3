#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module parameters: a bad value refuses the load with one line in the
# kernel log naming the parameter; a small per-process table fills up and
# follows its policy: rows of exited processes are given to new ones,
# their figures kept in their cgroup's procgone, so no fork is lost from
# the rows and procgone (and dropped, when only live rows are left).
. "$(dirname "$0")/functions.sh"
require_env
skip_on_cloud

# Whatever happened, the module as the next test expects it: default
# parameters.
trap 'is_loaded && rmmod $MOD; load_mod' EXIT
unload_mod

for bad in slow_us=0 slow_us=60000001 slow_us=abc slow_ring=0 slow_ring=4097 \
	   max_procs=15 max_procs=1048577 sock_ring=0 cleared_max=63 \
	   blocked_list=1048577 ptcopy_exact=2 access=3 cow_window_s=0 \
	   cow_window_s=601 cow_watches=0 cow_watches=1025 cow_ring=0 \
	   cow_min_mb=1048577 stack_ring=4097 oom_ring=1025 spawn_watches=63 \
	   spawn_watches=65537 spawn_window_s=0 spawn_window_s=3601; do
	mark_dmesg
	insmod "$FORKSTAT_KO" "$bad" 2>/dev/null && die "insmod with $bad succeeded"
	[ -e $PROC ] && die "$PROC exists after a refused load with $bad"
	name=${bad%%=*}
	val=${bad#*=}
	lines=$(dmesg_since_mark | grep -c "forkstat: .*$name")
	[ "$lines" = 1 ] || die "$bad: want one log line naming $name, got: $(dmesg_since_mark)"
	dmesg_since_mark | grep -q "\`$val' invalid for parameter \`$name'" ||
		die "$bad: log does not say why: $(dmesg_since_mark)"
done
log "bad values refused, one log line each"

# 16 rows (the smallest table) for 40 forking processes.
insmod "$FORKSTAT_KO" max_procs=16 slow_ring=1 || die "insmod max_procs=16 failed"
[ "$(awk '$1 == "procs" { print $2 }' $PROC)" = max=16 ] || die "procs line does not say max=16"
echo reset > $PROC
for i in $(seq 40); do
	(/bin/true; /bin/true)
done
# Every user fork is in a row, a procgone or dropped, in one only.
read -r rows dropped evicted total rowsum < <(awk '
	$1 == "proc" || $1 == "procgone" { n += $1 == "proc"; for (i = 2; i <= NF; i++) if ($i ~ /^(fork|vfork|vm_clone|thread|errors)=/) { split($i, kv, "="); s += kv[2] } }
	$1 == "procs" { for (i = 2; i <= NF; i++) if ($i ~ /^(dropped|evicted)=/) { split($i, kv, "="); c[kv[1]] = kv[2] } }
	$1 == "flavour" && $2 != "name=kthread" { for (i = 3; i <= NF; i++) if ($i ~ /^(count|errors)=/) { split($i, kv, "="); t += kv[2] } }
	END { print n + 0, c["dropped"] + 0, c["evicted"] + 0, t + 0, s + 0 }' $PROC)
log "rows=$rows dropped=$dropped evicted=$evicted forks=$total"
[ "$rows" -le 16 ] || die "$rows rows in a table of 16"
[ "$evicted" -gt 0 ] || die "41 forking processes, 16 rows, yet no row of an exited one given to a new one"
[ "$total" -ge 80 ] || die "only $total forks counted, at least 80 made"
[ $((rowsum + dropped)) = "$total" ] || die "rows and procgone hold $rowsum, dropped $dropped, totals $total"
slow=$(grep -c '^slow ' $PROC)
[ "$slow" -le 1 ] || die "$slow slow records in a ring of 1"
unload_mod
log "full table: rows, procgone and dropped add up to the totals"

# stack_ring=0: clears are recorded, their call chains are not taken.
dir=$(cd "$(dirname "$0")" && pwd)
if [ -x "$dir/ustack_fp" ]; then
	insmod "$FORKSTAT_KO" stack_ring=0 || die "insmod stack_ring=0 failed"
	pid=$("$dir/ustack_fp" clear) || die "ustack_fp clear failed"
	[ "$(rec_field sockclear tgid=$pid stack)" = 0 ] || die "stack_ring=0: the clear has a chain"
	[ "$(rec_field ustackcfg ring=0 taken)" = 0 ] || die "stack_ring=0: chains taken"
	grep -q '^ustack ' $PROC && die "stack_ring=0: a ustack record"
	unload_mod
	log "stack_ring=0: the clear recorded without a chain"
fi

# One copy-on-write watch, for every fork whatever its size: a subshell
# that lives on (it does not exec) holds it, and the next fork finds
# none. Once it has exited the slot is free again; that wait forks
# nothing, or the fork would take the slot.
open_watches() {	# sets $open: no $(...), which would fork
	local type rest
	while read -r type rest; do
		[ "$type" = cowcfg ] && { rest=" $rest "; rest=${rest#* open=}; open=${rest%% *}; }
	done < $PROC
}
watch_closed() { open_watches; [ "$open" = 0 ]; }
[ -n "${LOOP_FD:-}" ] || die "loop_until has no FIFO: its waits would fork"
insmod "$FORKSTAT_KO" cow_watches=1 cow_min_mb=0 || die "insmod cow_watches=1 failed"
{ sleep 3; true; } &
holder=$!
loop_until 5 grep -q '^cowcfg .* open=1 ' $PROC || die "the subshell's fork is not watched"
/bin/true
unwatched=$(rec_field cowcfg watches=1 unwatched)
[ "$unwatched" -ge 1 ] || die "a fork with every watch taken is not counted as unwatched"
wait $holder
loop_until 5 watch_closed || die "the watch did not close after the subshell exited"
unload_mod
load_mod
log "one watch: the second fork is unwatched, the slot frees at exit"

# The smallest spawn table (64 watches): 100 subshells that neither exec
# nor exit hold every watch they got; the forks that found none are
# counted as unfollowed, and once the subshells exit every watch is free.
# The window is an hour: on the RT debugging kernel the 100 forks took
# longer than the default 10 s, and the first watches had ended as
# "ran on" before the count.
unload_mod
insmod "$FORKSTAT_KO" spawn_watches=64 spawn_window_s=3600 ||
	die "insmod spawn_watches=64 spawn_window_s=3600 failed"
fifo=$(mktemp -u)
mkfifo "$fifo" && exec 9<>"$fifo" && rm "$fifo" || die "no fifo to wait on"
holders=()
for i in $(seq 100); do
	{ read -r -u 9; } &
	holders+=($!)
done
open=$(rec_field spawncfg watches=64 open)
unfollowed=$(rec_field spawncfg watches=64 unfollowed)
log "100 subshells holding watches: open=$open unfollowed=$unfollowed"
[ "$open" -le 64 ] && [ "$((open + unfollowed))" -ge 100 ] ||
	die "open=$open unfollowed=$unfollowed for 100 held forks in 64 watches"
kill "${holders[@]}"
wait "${holders[@]}" 2>/dev/null
exec 9>&-
loop_until 300 grep -q '^spawncfg .* open=0 ' $PROC ||
	die "watches still open after the subshells exited: $(grep '^spawncfg ' $PROC)"
[ "$(rec_field spawncfg watches=64 window_s)" = 3600 ] || die "spawncfg does not say window_s=3600"
unload_mod
load_mod
[ "$(rec_field spawncfg watches=1024 window_s)" = 10 ] || die "spawncfg does not say the default window_s=10"
log "64 watches: the forks beyond them unfollowed, every watch freed at exit"
