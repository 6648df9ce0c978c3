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

# A Debian kernel release's flavour: rt, cloud, or generic (plain -amd64).
kernel_flavour() {
	case $1 in
	*-rt-amd64) echo rt ;;
	*-cloud-amd64) echo cloud ;;
	*) echo generic ;;
	esac
}

# The newest installed kernel of a series and flavour (default generic),
# or nothing: an rt or cloud kernel never stands in for the generic one.
newest_kernel() {
	local kver
	installed_kernels | while read -r kver; do
		if [ "$(kernel_series "$kver")" = "$1" ] &&
		   [ "$(kernel_flavour "$kver")" = "${2:-generic}" ]; then
			echo "$kver"
		fi
	done | tail -n 1
}
