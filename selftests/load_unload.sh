#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading must be safe while the probes fire: unload and load the module
# 50 times while two processes fork as fast as they can. /proc/forkstat
# must vanish with the module and come back with it, and the kernel must
# stay quiet.
. "$(dirname "$0")/functions.sh"
require_env

CYCLES=50
mark_dmesg
start_fork_storm 2
trap stop_fork_storm EXIT

for ((i = 1; i <= CYCLES; i++)); do
	unload_mod
	[ -e $PROC ] && die "cycle $i: $PROC still there after rmmod"
	is_loaded && die "cycle $i: module still listed after rmmod"
	load_mod
	[ -r $PROC ] || die "cycle $i: no $PROC after insmod"
done
stop_fork_storm

# The probes kept working through it all.
[ "$(probe_field copy_process state)" = attached ] ||
	die "copy_process probe not attached after $CYCLES cycles"
check_dmesg_clean
log "$CYCLES unload/load cycles under a fork storm, clean"
