#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# promtool on what the fuzzer found: every corpus file that parses (up to
# MAX, 300 by default) goes through --prometheus --per-process and --json,
# and promtool and jq must accept each output.
#
#   prom_corpus.sh FORKSTATCTL CORPUS_DIR
ctl=$1 dir=$2 max=${MAX:-300}
command -v promtool >/dev/null || { echo "prom_corpus: promtool is not installed"; exit 1; }
n=0 bad=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for f in $(ls "$dir" | head -n "$max"); do
	"$ctl" -f "$dir/$f" --prometheus --per-process > "$out" 2>/dev/null || continue
	n=$((n + 1))
	if ! promtool check metrics < "$out" > /dev/null 2>&1; then
		bad=$((bad + 1))
		echo "prom_corpus: promtool rejects the output of $dir/$f:"
		promtool check metrics < "$out" 2>&1 | head -3
	fi
	"$ctl" -f "$dir/$f" --json | jq -e . > /dev/null 2>&1 ||
		{ bad=$((bad + 1)); echo "prom_corpus: jq rejects --json of $dir/$f"; }
done
echo "prom_corpus: $n parsed inputs, $bad outputs rejected"
[ $bad = 0 ]
