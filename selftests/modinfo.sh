#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The version the module reports is the one it was built with, everywhere
# a user looks: modinfo, /sys/module and the first line of /proc/forkstat.
. "$(dirname "$0")/functions.sh"
require_env

version=$(modinfo -F version "$FORKSTAT_KO")
[ -n "$version" ] || die "modinfo shows no version for $FORKSTAT_KO"
sys=$(cat /sys/module/$MOD/version)
[ "$sys" = "$version" ] || die "/sys/module says $sys, modinfo says $version"
line=$(head -n 1 $PROC)
case " $line " in
*" module=$version "*) ;;
*) die "header '$line' does not carry module=$version" ;;
esac
log "version $version everywhere"
