#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fleet path end to end: forkstatctl --prometheus -o writes the file
# node_exporter's textfile collector reads, and a real node_exporter
# serves it without a scrape error, even when a process named itself
# with quotes, a newline, an escape sequence and bytes that are not
# UTF-8; promtool accepts the file; with the module unloaded the file
# says forkstat_up 0 instead of serving stale figures.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
ctl=$dir/forkstatctl
[ -x "$ctl" ] || skip "no forkstatctl next to the tests"
command -v prometheus-node-exporter >/dev/null || skip "prometheus-node-exporter is not installed"
command -v promtool >/dev/null || skip "promtool is not installed"

tdir=$(mktemp -d)
port=19100
metrics=$tdir/metrics.txt
cleanup() {
	[ -n "${ne:-}" ] && kill "$ne" 2>/dev/null
	rm -rf "$tdir"
	is_loaded || load_mod
}
trap cleanup EXIT

# A hostile name (15 bytes, the kernel's limit) clears O_NONBLOCK on a socket.
pid=$(python3 -c '
import ctypes, os, socket
ctypes.CDLL(None).prctl(15, b"q\"b\\\n\xff\x1b[2J\xc2\x9bx", 0, 0, 0)
s = socket.socket()
s.setblocking(False)
s.setblocking(True)
print(os.getpid())')
[ "$(rec_field proc tgid=$pid sock_clears)" = 1 ] || die "no row with the clear of pid $pid"
# cat /proc/forkstat must not hand the name's escape sequences (ESC, and
# CSI as UTF-8's U+009B) to a terminal: the file is printable ASCII.
row_bytes() { LC_ALL=C grep -a "^proc tgid=$pid " $PROC; }
! row_bytes | LC_ALL=C grep -aq $'[^\x20-\x7e]' ||
	die "a byte of the name reaches /proc/forkstat raw: $(row_bytes | od -c | head -5)"

"$ctl" --prometheus --per-process -o "$tdir/forkstat.prom" || die "forkstatctl -o failed"
[ "$(ls "$tdir")" = forkstat.prom ] || die "-o left other files: $(ls "$tdir")"
promtool check metrics < "$tdir/forkstat.prom" || die "promtool rejects the file"

prometheus-node-exporter --web.listen-address=127.0.0.1:$port \
	--collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$tdir" > "$tdir/ne.log" 2>&1 &
ne=$!
scrape() { curl -sf "http://127.0.0.1:$port/metrics" > "$metrics"; }
loop_until 300 scrape || die "node_exporter did not serve: $(tail -3 "$tdir/ne.log")"
grep -q '^node_textfile_scrape_error 0$' "$metrics" ||
	die "node_exporter could not read the file: $(grep textfile "$metrics")"
grep -q '^forkstat_up 1$' "$metrics" || die "no forkstat_up 1"
grep -q "^forkstat_process_socket_clears_total{comm=\"q\\\\\"b\\\\\\\\\\\\n.*\",tgid=\"$pid\"} 1$" "$metrics" ||
	die "the hostile name's clear is not served: $(grep "tgid=\"$pid\"" "$metrics")"
forks=$(awk '/^forkstat_copy_process_seconds_count\{flavour="fork"\}/ { print $2 }' "$metrics")
[ "${forks:-0}" -gt 0 ] || die "no forks served"
log "node_exporter serves forkstat's file: $forks forks, the hostile name escaped"

# Module gone: forkstat_up 0, and nothing stale.
unload_in_use 5000 >/dev/null || die "could not unload $MOD"
"$ctl" --prometheus -o "$tdir/forkstat.prom" || die "forkstatctl -o without the module failed"
loop_until 120 scrape || die "node_exporter stopped serving"
grep -q '^forkstat_up 0$' "$metrics" || die "no forkstat_up 0 with the module unloaded"
! grep -q '^forkstat_copy_process' "$metrics" || die "stale figures served with the module unloaded"
load_mod
log "with the module unloaded the file says forkstat_up 0 and nothing else"
