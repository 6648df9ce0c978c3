#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A load that runs out of memory fails cleanly: with the n-th allocation
# the module makes as it loads made to fail (/proc/thread-self/fail-nth,
# slab and page allocations alike, counted only when module code is on
# the stack: the kernel's own loader, whose failures are not the
# module's, is left alone), for n = 1, 2, ... until a load succeeds,
# each failed load returns an error and leaves nothing behind (no
# module, no /proc/forkstat, nothing kmemleak finds), and the kernel
# warns about nothing but the failed allocations themselves. Loads
# that succeed are those whose failure landed in a probe's
# registration (the probes attach last, and one that cannot is
# skipped) or was the kernel's to absorb. The loop goes on through
# every allocation of the first probe's registration (a return fprobe:
# its counters, its symbol lookup, ftrace's filter, its return
# instances, ftrace's trampoline) and stops when a refusal lands in the
# next probe; each load must have attached its probes to their own
# functions and no others (ftrace's enabled_functions), as a
# registration that lost its filter would trace every function of the
# kernel. Needs fault injection with its stack-trace filter (make
# check-debug's kernels); skipped elsewhere.
#
# The failed allocations' own reports (a stack dump each, at warning
# level) would fill the console vm-run scans: for the loop the console
# shows errors and worse only, so that a hung task or an RCU stall
# still reaches it, and this test reads the kernel log itself.
. "$(dirname "$0")/functions.sh"
require_env
dbg=/sys/kernel/debug
[ -w /proc/self/fail-nth ] && [ -w $dbg/failslab/require-start ] &&
	[ -w $dbg/fail_page_alloc/require-start ] ||
	skip "no fault injection with a stack-trace filter in this kernel (make check-debug has it)"

knobs=()
for k in failslab fail_page_alloc; do
	knobs+=($k/ignore-gfp-wait $k/verbose $k/require-start $k/require-end)
done
saved=()
for k in "${knobs[@]}"; do saved+=("$(cat $dbg/$k)"); done
level=$(awk '{ print $1 }' /proc/sys/kernel/printk)
restore() {
	local i
	for i in "${!knobs[@]}"; do echo "${saved[i]}" > "$dbg/${knobs[i]}"; done
	echo "$level" > /proc/sys/kernel/printk
	is_loaded || load_mod
}
trap restore EXIT
# The module area holding the module's text: 1 GiB above the kernel's
# map with KASLR's image size, 512 MiB without.
text=$(cat /sys/module/$MOD/sections/.text)
start=0xffffffffc0000000
(( text >= start )) || start=0xffffffffa0000000
# Sleeping allocations count too (the module allocates nothing else);
# no stack dump per injected failure; only with module code on the stack.
for k in failslab fail_page_alloc; do
	echo N > $dbg/$k/ignore-gfp-wait
	echo 0 > $dbg/$k/verbose
	echo $start > $dbg/$k/require-start
	echo 0xffffffffff000000 > $dbg/$k/require-end
done
# Probes this kernel refuses anyway (a symbol it lacks or inlines).
usual=$(awk '$1 == "probe" && / state=failed / { print $2 }' "$PROC")
unload_mod
mark_dmesg
echo 4 > /proc/sys/kernel/printk

out=$(python3 - "$FORKSTAT_KO" $dbg/tracing/enabled_functions "$usual" <<'PY'
import ctypes, errno, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
SYS_finit_module, SYS_delete_module = 313, 176  # x86_64
ko = os.open(sys.argv[1], os.O_RDONLY)
nth = os.open("/proc/thread-self/fail-nth", os.O_RDWR)

def traced():
    with open(sys.argv[2]) as f:
        return sum(1 for _ in f)

# Functions traced with the module out (nothing else traces in the VM).
before = traced()
failed = loaded = 0
usual = sys.argv[3].split()
first = None  # the probe the first refusal landed in
start = last = time.monotonic()
for n in range(1, 100000):
    # Where the loop is, now and then: a runner's timeout then says how
    # far it got (each load that succeeds anyway is a whole load and
    # unload, tens of seconds on make check-debug's kernels).
    if time.monotonic() - last >= 60:
        last = time.monotonic()
        print("allocation %d after %d s: %d loads failed, %d succeeded anyway" %
              (n, last - start, failed, loaded), file=sys.stderr, flush=True)
    os.pwrite(nth, str(n).encode(), 0)
    ret = libc.syscall(SYS_finit_module, ko, b"", 0)
    err = ctypes.get_errno()
    left = int(os.pread(nth, 32, 0))
    os.pwrite(nth, b"0", 0)
    if ret != 0:
        failed += 1
        if left or err in (0, errno.EEXIST):
            sys.exit("allocation %d: load failed without an error: %d" % (n, err))
        if os.path.exists("/sys/module/forkstat") or os.path.exists("/proc/forkstat"):
            sys.exit("allocation %d: error %d, yet the module is there" % (n, err))
        if traced() != before:
            sys.exit("allocation %d: error %d, yet %d functions are traced, %d before" %
                     (n, err, traced(), before))
        continue
    loaded += 1
    with open("/proc/forkstat") as f:
        probes = [l.split() for l in f if l.startswith("probe ")]
    refused = [p[1] for p in probes if "state=failed" in p and p[1] not in usual]
    extra = traced() - before
    if libc.syscall(SYS_delete_module, b"forkstat", 0):
        sys.exit("allocation %d: the load succeeded, the unload did not" % n)
    if extra > len(probes):
        sys.exit("allocation %d: %d functions traced with the module's %d probes loaded" %
                 (n, extra, len(probes)))
    if left:
        break
    # The first refusal starts the walk through that probe's
    # registration, a refusal elsewhere ends it. A load with none
    # refused had its failure absorbed: by the kernel (KASAN's stack
    # depot, kmemleak's pool) or by ftrace (a probe without a
    # trampoline of its own still runs).
    if refused and first is None:
        first, first_n = refused, n
    elif refused and refused != first:
        break
if first is None:
    sys.exit("allocation %d: no allocation left to fail, yet no probe was refused" % n)
print("%d allocations made to fail one at a time: %d loads failed, %d succeeded anyway; "
      "%s refused from allocation %d, then %s" %
      (n, failed, loaded, " ".join(first), first_n, " ".join(refused) or "none"))
PY
) || die "$out"
echo "$level" > /proc/sys/kernel/printk
log "$out"

# What the kernel said, but for the failed allocations' reports.
bad=$(dmesg_since_mark | grep -E 'WARNING:|BUG:|Oops|KASAN|KFENCE|general protection|possible (circular|recursive) locking|inconsistent lock state|suspected memory leak')
[ -z "$bad" ] || die "the kernel complained during the failed loads: $bad"
! have_kmemleak || check_kmemleak "kmemleak after the failed loads"
load_mod
log "every failed load returned an error and left nothing behind"
