#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The page-table copy figure, by default and exact. By default the
# per-VMA probe on copy_page_range is registered but off (it sees no
# call) and a fork's page-table copy is its mm duplication, whole. With
# ptcopy_exact=1, written at run time, each VMA's copy is timed: a figure
# below the mm duplication, over as many copy_page_range calls as the
# fork made. Writing 0 switches it off again; a bad value changes nothing.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
param=/sys/module/forkstat/parameters/ptcopy_exact
slow=/sys/module/forkstat/parameters/slow_us
old_slow=$(cat $slow)
trap 'echo 0 > $param; echo $old_slow > $slow' EXIT
echo 1 > $slow

fork_record() {	# fork_record: forks once from a 64 MiB parent, prints its slow record
	local pid
	"$dir/bigfork" 64 1 > /dev/null &
	pid=$!
	wait $pid || die "bigfork failed"
	grep "^slow .* tgid=$pid .*flavour=fork " $PROC | tail -n 1
}
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

[ "$(cat $param)" = N ] || die "ptcopy_exact is '$(cat $param)' by default, want N"
[ "$(probe_field copy_page_range state)" = off ] ||
	die "copy_page_range probe is '$(probe_field copy_page_range state)' by default, want off"
[ "$(rec_field method latency=copy_process ptcopy)" = mmdup ] || die "default method: $(grep ^method $PROC)"
hits=$(probe_field copy_page_range hits)
rec=$(fork_record)
log "default: $rec"
[ -n "$rec" ] || die "no slow record for the 64 MiB fork"
[ "$(field "$rec" ptcopy_ns)" = "$(field "$rec" mmdup_ns)" ] || die "default ptcopy_ns is not the mm duplication"
[ "$(field "$rec" mmdup_ns)" -gt 0 ] || die "no mm duplication time"
[ "$(field "$rec" ptcopy_vmas)" = 0 ] || die "default counted VMAs"
[ "$(probe_field copy_page_range hits)" = "$hits" ] || die "the probe that is off saw calls"

echo 1 > $param || die "cannot switch ptcopy_exact on"
[ "$(probe_field copy_page_range state)" = attached ] || die "copy_page_range not attached after ptcopy_exact=1"
[ "$(rec_field method latency=copy_process ptcopy)" = copy_page_range ] || die "exact method: $(grep ^method $PROC)"
rec=$(fork_record)
log "exact: $rec"
pt=$(field "$rec" ptcopy_ns) mm=$(field "$rec" mmdup_ns) n=$(field "$rec" ptcopy_vmas)
[ "$pt" -gt 0 ] && [ "$pt" -lt "$mm" ] || die "exact ptcopy_ns $pt is not within the mm duplication $mm"
# A fork copies the page tables of its VMAs but those without anon pages.
[ "$n" -gt 0 ] && [ "$n" -le "$(field "$rec" vmas)" ] || die "exact ptcopy_vmas $n for $(field "$rec" vmas) VMAs"
[ "$(probe_field copy_page_range hits)" -ge $((hits + n)) ] || die "copy_page_range hits did not grow by $n"

echo 2 > $param 2>/dev/null && die "ptcopy_exact=2 accepted"
[ "$(cat $param)" = Y ] || die "a bad write changed ptcopy_exact"
echo 0 > $param || die "cannot switch ptcopy_exact off"
[ "$(probe_field copy_page_range state)" = off ] || die "copy_page_range still $(probe_field copy_page_range state) after ptcopy_exact=0"
rec=$(fork_record)
[ "$(field "$rec" ptcopy_ns)" = "$(field "$rec" mmdup_ns)" ] || die "ptcopy_exact=0 did not bring the default back"
log "switched on and off at run time"
