#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Nothing the module allocated outlives it. Runs last, after every other
# test has loaded, cycled (load_unload.sh: 30 times under a storm) and
# exercised the module: unload it, let kmemleak scan, and fail on any
# object it reports (the whole list since boot: a leak of any test counts).
# Needs a kernel with kmemleak (make check-debug's); skipped elsewhere.
. "$(dirname "$0")/functions.sh"
require_env
have_kmemleak || skip "no kmemleak in this kernel (make check-debug has it)"

trap 'is_loaded || load_mod' EXIT
unload_mod
check_kmemleak "kmemleak reports"
log "kmemleak found nothing after the module's last unload"
