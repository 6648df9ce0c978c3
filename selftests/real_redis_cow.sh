#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The copy-on-write bill of a real snapshot: redis-server's BGSAVE while
# redis-benchmark overwrites keys. Redis measures the bill itself: its
# child reads its own Private_Dirty just before it exits and reports it as
# rdb_last_cow_size (every page either side copied leaves the child one
# page it no longer shares). The module's cow record for that fork, the
# pages the parent and the child copied, must agree with it within 15%.
. "$(dirname "$0")/functions.sh"
require_env
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ||
	skip "redis-server or redis-benchmark is not installed"

# The watch must outlast the snapshot, which on make check-debug's kernel
# takes longer than the default 10 s window: the longest window meanwhile.
window=/sys/module/forkstat/parameters/cow_window_s
old_window=$(cat $window)
echo 600 > $window || die "cannot set $window"
dir=$(mktemp -d)
sock=$dir/redis.sock
redis-server --port 0 --unixsocket "$sock" --dir "$dir" --save '' \
	--appendonly no --loglevel warning > "$dir/log" 2>&1 &
redis=$!
bench=
trap 'kill $bench $redis 2>/dev/null; wait $bench $redis 2>/dev/null; rm -rf "$dir"
      echo $old_window > $window' EXIT
cli() { redis-cli -s "$sock" "$@"; }
loop_until 120 test -S "$sock" || die "redis-server did not start: $(cat "$dir/log")"
# The keys redis-benchmark overwrites below: about 100 MiB of them.
redis-benchmark -s "$sock" -q -t set -n 300000 -r 200000 -d 256 -P 32 > /dev/null ||
	die "filling redis failed"
keys=$(cli DBSIZE)
commands() { cli INFO stats | tr -d '\r' | sed -n 's/^total_commands_processed://p'; }
commands0=$(commands)

redis-benchmark -s "$sock" -q -t set -n 100000000 -r 200000 -d 256 -P 8 -l \
	> /dev/null 2>&1 &
bench=$!
# The BGSAVE below runs under a stream of writes.
writing() { [ "$(commands)" -gt $((commands0 + 10000)) ]; }
loop_until 60 writing || die "redis-benchmark did not get going"
before=$(grep -c "^cow .* tgid=$redis " $PROC)
cli BGSAVE > /dev/null || die "BGSAVE failed"
# A function, not sh -c: every sh would take a row of the per-process table.
saved() { cli INFO persistence | grep -q '^rdb_bgsave_in_progress:0'; }
loop_until 120 saved || die "BGSAVE did not finish"
kill $bench
wait $bench 2>/dev/null
bench=
theirs=$(cli INFO persistence | tr -d '\r' | sed -n 's/^rdb_last_cow_size://p')
[ -n "$theirs" ] && [ "$theirs" -gt 0 ] || die "redis reports no copy-on-write"

# The child's watch is published within a tenth of a second of its exit.
loop_until 120 test "$(grep -c "^cow .* tgid=$redis " $PROC)" -gt "$before" ||
	die "no cow record for redis-server pid $redis"
rec=$(grep "^cow .* tgid=$redis " $PROC | tail -n 1)
field() { echo "$rec" | sed -n "s/.* $1=\([0-9]*\) .*/\1/p"; }
ours=$((($(field pages) + $(field child_pages)) * 4096))
log "redis-server pid $redis, $keys keys: BGSAVE copy-on-write $((theirs / 1024)) KiB by redis, $((ours / 1024)) KiB by the module (parent $(field pages) pages in $(field faults) faults, $(($(field ns) / 1000)) us; child $(field child_pages) pages)"
case " $rec " in *" end=exit "*) ;; *) die "the watch did not end with the child's exit: $rec" ;; esac
[ "$ours" -gt 0 ] || die "the module counted no copy-on-write"
diff=$((ours - theirs))
[ $((${diff#-} * 100)) -le $((theirs * 15)) ] ||
	die "module $ours bytes and redis $theirs bytes differ by more than 15%"

# BGSAVE is a snapshot: its child runs redis's code and exits without
# exec (or is still saving when spawn_window_s has passed, as under
# emulation). forkstatctl never tells redis to spawn with posix_spawn;
# where it hints at its forks, it says they are snapshots (its hints
# wrapped at 80 columns are read as one line).
fexec=$(rec_field proc "tgid=$redis" fork_exec)
fexit=$(rec_field proc "tgid=$redis" fork_exit)
frun=$(rec_field proc "tgid=$redis" fork_run)
log "redis-server's forks: $fexit exited without exec, $frun ran past the window, $fexec exec'd"
[ $((${fexit:-0} + ${frun:-0})) -ge 1 ] && [ "${fexec:-0}" = 0 ] ||
	die "BGSAVE's child not counted as running redis's code: fork_exit=$fexit fork_run=$frun fork_exec=$fexec"
view=$("$(dirname "$0")/forkstatctl" -p "$redis") || die "forkstatctl -p $redis failed"
view=$(echo "$view" | tr '\n' ' ' | tr -s ' ')
case $view in
*posix_spawn/vfork* | *"posix_spawn costs"*) die "redis told to spawn: $view" ;;
esac
case $view in
*"pid $redis (redis-server) forked"*)
	case $view in *"snapshots or workers"*) ;; *) die "redis's fork hint does not call its forks snapshots: $view" ;; esac
	log "its hint calls them snapshots" ;;
esac
