#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading must be safe while the probes fire: unload and load the module
# 5 times (a cycle registers and unregisters the probes and waits for
# RCU: 15 to 23 s under TCG on 6.12 beside another guest, with the module
# of this stop and of the last alike, and 35 to 60 s beside four; 30
# cycles ran into the 900 s limit there; 4 times on make check-debug's
# kernel, where a cycle takes minutes) while on every CPU a process forks
# as fast as it can, one switches a socket between blocking and
# non-blocking (fcntl and ioctl) and one reads /proc/forkstat. A mode
# change in flight holds the module until its thread is back in user
# space (its call chain taken), so unloading may be refused as in use
# for that moment and is tried again (unload_in_use). /proc/forkstat
# must vanish with the module and come back with it, and the kernel must
# stay quiet (leaks.sh, last, looks for what the cycles left behind).
. "$(dirname "$0")/functions.sh"
require_env
skip_on_cloud

# Five cycles: under the storm a cycle takes 30-35 s on 6.12 beside
# another guest (each fprobe's unregistration waits for RCU tasks), and
# ten cycles were a sixth of the suite.
CYCLES=5
! debug_kernel || CYCLES=4
mark_dmesg
start_storm
trap stop_storm EXIT

busy=0
for ((i = 1; i <= CYCLES; i++)); do
	refused=$(unload_in_use 5000) || die "cycle $i: could not unload"
	busy=$((busy + refused))
	[ -e $PROC ] && die "cycle $i: $PROC still there after unloading"
	is_loaded && die "cycle $i: module still listed after unloading"
	load_mod
	[ -r $PROC ] || die "cycle $i: no $PROC after insmod"
done
# The storm's mode changes were seen by the module that stayed loaded.
storm_counted() {
	[ "$(rec_field sockmode path=ioctl clears)" -gt 0 ] 2> /dev/null &&
		[ "$(rec_field sockmode path=fcntl sets)" -gt 0 ] 2> /dev/null
}
loop_until 300 storm_counted ||
	die "the storm's ioctl clears and fcntl sets were not both counted: $(grep '^sockmode ' $PROC)"
stop_storm

# The probes kept working through it all.
[ "$(probe_field copy_process state)" = attached ] ||
	die "copy_process probe not attached after $CYCLES cycles"
check_dmesg_clean
log "$CYCLES unload/load cycles under a fork, socket-mode and read storm on $(nproc) CPUs, clean ($busy refusals while a mode change was in flight)"
