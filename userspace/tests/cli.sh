#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# forkstatctl's views on fixture files: each prints what its data says,
# --json and --prometheus agree with the file, and bad input, bad usage
# and a missing file get their documented exit code and a clear message.
#
#   cli.sh FORKSTATCTL FIXTURE_DIR
ctl=$1 fix=$2 bad=$2/../bad
failed=0 checks=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

# expect STATUS PATTERN ARGS...: exit status STATUS, output matching PATTERN.
expect() {
	local want=$1 pattern=$2 rc
	shift 2
	checks=$((checks + 1))
	"$ctl" "$@" > "$out" 2>&1
	rc=$?
	[ $rc = "$want" ] || { fail "forkstatctl $*: exit $rc, want $want"; sed 's/^/  | /' "$out" | head -5; return; }
	grep -Eq -- "$pattern" "$out" || { fail "forkstatctl $*: no '$pattern' in:"; sed 's/^/  | /' "$out" | head -8; }
}

e=$fix/edge.txt
expect 0 '^fork +10 +2 ' -f "$e"
expect 0 'pid 4242 \(my server\) forked 120 times with 2.1 GiB RSS, 37.1 ms each: switch to posix_spawn/vfork' -f "$e"
expect 0 'pid 77 \(manager\) cleared O_NONBLOCK on 3100 sockets; 2950 threads are blocked in socket reads' -f "$e"
expect 0 'probe copy_process missed 3 calls' -f "$e"
expect 0 '16384 -> 32767 +: 5 +\|\*{40}\|' -f "$e" hist
expect 0 '2048 -> 4095 +: 3 +\|\*{24} +\|' -f "$e" hist
expect 0 '2-4 GiB \|( ){28}- ' -f "$e" heatmap
expect 0 "'@' 256 or more" -f "$e" heatmap
expect 0 'vfork latency \(copy_process\) by parent RSS' -f "$e" heatmap
expect 0 '^ +77 manager .* 3100 +2950 +2900 +2960$' -f "$e" top -s blocked -n 1
expect 0 '^ +4242 my server +120 ' -f "$e" top -s forks
expect 0 'my server +fork +2.1 GiB +4.3 MiB +80 +38.0 ms +35.0 ms' -f "$e" events --forks
expect 0 'manager +6 ioctl unix/stream /run/a=b.sock' -f "$e" events --sockets
expect 0 '^forkstat_copy_process_seconds_bucket\{flavour="fork",le="0.032768"\} 10$' -f "$e" --prometheus
expect 0 '^forkstat_process_blocked_readers\{tgid="77",comm="manager"\} 2950$' -f "$e" --prometheus
expect 0 '^forkstat_socket_nonblock_changes_total\{call="fcntl",to="blocking"\} 3100$' -f "$e" --prometheus

# The JSON document carries the file's numbers.
checks=$((checks + 1))
if command -v jq >/dev/null; then
	"$ctl" -f "$fix/live-6.12.txt" --json > "$out" || fail "--json failed"
	for f in fork vfork thread; do
		want=$(awk -v n="name=$f" '$1 == "flavour" && $2 == n { sub("count=", "", $3); print $3 }' "$fix/live-6.12.txt")
		got=$(jq -r ".flavours.$f.count" "$out")
		[ "$got" = "$want" ] || fail "--json flavours.$f.count is $got, the file says $want"
	done
	got=$(jq -r '[.procs.rows[] | select(.comm == "blockers") | .blocked_now] | .[0]' "$out")
	[ "$got" = 4 ] || fail "--json blockers blocked_now is $got, want 4"
else
	fail "jq is not installed (scripts/install-deps installs it)"
fi

# watch --json: one object per interval; a file read twice changed by nothing.
checks=$((checks + 1))
"$ctl" -f "$e" --json watch -i 0.1 -c 2 > "$out" || fail "watch --json failed"
[ "$(wc -l < "$out")" = 2 ] || fail "watch --json -c 2 printed $(wc -l < "$out") lines"
if command -v jq >/dev/null; then
	[ "$(jq -s '[.[] | .calls_per_s.fork, .new_clears] | add' "$out")" = 0 ] ||
		fail "watch --json on an unchanging file: $(cat "$out")"
	[ "$(jq -s '.[0].blocked_readers' "$out")" = 2953 ] || fail "watch --json blocked_readers"
fi
expect 2 'watch has no --prometheus form' -f "$e" --prometheus watch

expect 3 'line 2: the file ends in the middle of this line' -f "$bad/truncated.txt"
expect 3 'format 3, but this forkstatctl reads format 2: update forkstatctl' -f "$bad/future-format.txt"
expect 3 "line 2: flavour count=: expected a number, got '12x'" -f "$bad/bad-number.txt" top
expect 3 'not a text file' -f "$bad/garbage.txt" --json
expect 1 'no/such/file: No such file or directory' -f /no/such/file
expect 2 "unknown command 'frobnicate'" -f "$e" frobnicate
expect 2 "no sort key 'size'" -f "$e" top -s size
expect 2 "-i wants seconds, 0.1 or more, not '0'" -f "$e" watch -i 0
expect 0 '^usage: forkstatctl' --help

echo "cli.sh: $checks checks, $failed failed"
[ $failed = 0 ]
