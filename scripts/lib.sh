# shellcheck shell=bash
# Shared by forkstat's scripts: where things live and which kernels to test.

FORKSTAT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FORKSTAT_BUILD=$FORKSTAT_TOP/build
FORKSTAT_CACHE=$FORKSTAT_TOP/.cache

# The Debian kernel series forkstat supports and tests, oldest first.
FORKSTAT_SERIES=(6.1 6.12)

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# The series a kernel release belongs to: 6.12.117+deb12-amd64 -> 6.12.
kernel_series() {
	local IFS=.
	# shellcheck disable=SC2086
	set -- $1
	echo "$1.$2"
}

# Installed kernels that can be booted and built for: an image in /boot and
# headers under /lib/modules. Newest last.
installed_kernels() {
	local img kver
	for img in /boot/vmlinuz-*; do
		[ -e "$img" ] || continue
		kver=${img#/boot/vmlinuz-}
		if [ -e "/lib/modules/$kver/build/Makefile" ]; then
			echo "$kver"
		fi
	done | sort -V
}

# The flavours make check tests in every series: Debian's plain -amd64
# kernel (every selftest: the slowest suite, so first), PREEMPT_RT and
# the cloud images' kernel (the flavour tests, docs/testing.md).
FORKSTAT_FLAVOURS=(generic rt cloud)

# A kernel release's flavour: rt, cloud, debug or debug-rt (the two of
# scripts/debug-kernel), or generic (Debian's plain -amd64).
kernel_flavour() {
	case $1 in
	*-rt-amd64) echo rt ;;
	*-cloud-amd64) echo cloud ;;
	*-rt-forkstat-debug) echo debug-rt ;;
	*-forkstat-debug) echo debug ;;
	*) echo generic ;;
	esac
}

# Whether a flavour is one of scripts/debug-kernel's.
debug_flavour() {
	case $1 in
	debug|debug-rt) return 0 ;;
	*) return 1 ;;
	esac
}

# The build directory of the debugging kernel of release $1, if built.
debug_kernel_build() {
	local rel
	for rel in "$FORKSTAT_CACHE"/debug-kernel/*/build-*/include/config/kernel.release; do
		if [ -r "$rel" ] && [ "$(cat "$rel")" = "$1" ]; then
			echo "${rel%/include/config/kernel.release}"
			return
		fi
	done
}

# Where a kernel's image or config is: a Debian kernel's under /boot, the
# debugging kernel's in its build directory (everything the VM needs is
# built into it, so it has no modules directory); nothing if not built.
kernel_file() {	# kernel_file KVER image|config
	local b
	if ! debug_flavour "$(kernel_flavour "$1")"; then
		case $2 in
		image) echo "/boot/vmlinuz-$1" ;;
		config) echo "/boot/config-$1" ;;
		esac
		return
	fi
	b=$(debug_kernel_build "$1")
	[ -n "$b" ] || return 0
	case $2 in
	image) echo "$b/arch/x86/boot/bzImage" ;;
	config) echo "$b/.config" ;;
	esac
}

# The newest installed kernel of a series and flavour (default generic),
# or nothing: one flavour never stands in for another.
newest_kernel() {
	local kver
	installed_kernels | while read -r kver; do
		if [ "$(kernel_series "$kver")" = "$1" ] &&
		   [ "$(kernel_flavour "$kver")" = "${2:-generic}" ]; then
			echo "$kver"
		fi
	done | tail -n 1
}

# The tally of make check and make check-debug: every check and selftest
# passes, fails or is skipped; summary prints the one line both end with
# and exits non-zero on any failure.
# summary repeats the failures, and the last lines each failed selftest
# printed, above its line: a CI log shown by its
# head and tail still says what failed.
passed=0 failed=0 skipped=0 failures=() failure_tails=()
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); failures+=("$*"); echo "FAIL: $*"; }

summary() {
	local line="$passed passed, $failed failed" f
	for f in "${failure_tails[@]}"; do
		echo "$f"
	done
	for f in "${failures[@]}"; do
		echo "failed: $f"
	done
	[ $skipped = 0 ] || line+=", $skipped skipped"
	echo "$line"
	[ $failed = 0 ]
	exit
}

# One kernel's selftest collection (make selftests) in its VM: TAP in
# build/vm/KVER.tap, then vm-run's status and the seconds it took in
# KVER.tap.rc (its appearance says the run is over).
run_suite() {	# run_suite KVER KSFT_DIR [VM-RUN OPTION...]
	local kver=$1 ksft=$2 tap=$FORKSTAT_BUILD/vm/$1.tap start=$SECONDS rc=0
	shift 2
	mkdir -p "$FORKSTAT_BUILD/vm"
	rm -f "$tap.rc"
	"$FORKSTAT_TOP/scripts/vm-run" "$@" "$kver" -- \
		"$FORKSTAT_TOP/scripts/ksft-run" "$ksft" > "$tap" 2>&1 || rc=$?
	echo "$rc $((SECONDS - start))" > "$tap.rc"
}

# The last FAILURE_TAIL lines a failed selftest printed, marked with its
# kernel: the summary repeats them, so that a log cut to its head and
# tail still says why.
FAILURE_TAIL=25
failure_tail() {	# failure_tail KVER TEST TAP
	awk -v t="$2" '$0 == "# selftests: forkstat: " t { on = 1; next }
		/^not ok [0-9]+ selftests: forkstat: / { on = 0 }
		on' "$3" | tail -n "$FAILURE_TAIL" | sed "s|^|$1 $2 |"
}

# A suite whose guest died, hung or failed outside a test: what ksft-run
# said of processes tests left behind, the last lines of its TAP (the
# test that never reported, vm-run's verdict) and of the kernel's log.
hung_suite_tail() {	# hung_suite_tail KVER TAP
	grep '^# ksft-run: ' "$2" | tail -n "$FAILURE_TAIL" | sed "s|^|$1 |"
	tail -n "$FAILURE_TAIL" "$2" | sed "s|^|$1 tap |"
	tail -n "$FAILURE_TAIL" "$FORKSTAT_BUILD/vm/$1.console.log" 2>/dev/null |
		sed "s|^|$1 console |"
}

# Prints a finished run_suite and adds its results to the tally; the
# tests that never reported (the guest died or hung) count as failed.
report_suite() {	# report_suite KVER NTESTS
	local tap=$FORKSTAT_BUILD/vm/$1.tap rc secs ok skip notok missing f
	read -r rc secs < "$tap.rc"
	echo "== linux $1 ($(kernel_flavour "$1"), $secs s)"
	cat "$tap"
	ok=$(grep -cE '^ok [0-9]+ ' "$tap")
	skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$tap")
	notok=$(grep -cE '^not ok [0-9]+ ' "$tap")
	passed=$((passed + ok - skip))
	skipped=$((skipped + skip))
	failed=$((failed + notok))
	while read -r f; do
		failures+=("$1: $f")
		failure_tails+=("$(failure_tail "$1" "${f%% *}" "$tap")")
	done < <(sed -n 's/^not ok [0-9]* selftests: forkstat: //p' "$tap")
	missing=$(($2 - ok - notok))
	if [ $missing -gt 0 ]; then
		fail "$1: $missing selftests did not report"
		failure_tails+=("$(hung_suite_tail "$1" "$tap")")
	elif [ "$rc" != 0 ] && [ $notok = 0 ]; then
		fail "$1: the VM run failed (status $rc), see above"
		failure_tails+=("$(hung_suite_tail "$1" "$tap")")
	fi
}
