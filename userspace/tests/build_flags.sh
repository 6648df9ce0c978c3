#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# forkstatctl builds, warning-free under -Werror, with whatever CFLAGS a
# packager passes (make CFLAGS=-O1 once dropped the include path): each
# set in a copy of the tree, so the developer's objects stay.
#
#   build_flags.sh USERSPACE_DIR
src=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
mkdir -p "$tmp/module"
cp -a "$src/../module/uapi" "$tmp/module/"
cp "$src/../dkms.conf" "$tmp/"
for flags in -O0 -O1 -O3 "-Os -g"; do
	rm -rf "$tmp/userspace"
	mkdir "$tmp/userspace"
	cp -a "$src"/*.c "$src"/*.h "$src/Makefile" "$tmp/userspace/"
	mkdir "$tmp/userspace/tests"
	cp -a "$src/tests/test_parse.c" "$tmp/userspace/tests/"
	if ! make -s -C "$tmp/userspace" CFLAGS="$flags" forkstatctl tests/test_parse \
			> "$tmp/log" 2>&1; then
		echo "FAIL: make CFLAGS='$flags':"
		sed 's/^/  | /' "$tmp/log" | grep -m 8 -A 3 'error'
		failed=$((failed + 1))
	fi
done
echo "build_flags.sh: 4 builds, $failed failed"
[ $failed = 0 ]
