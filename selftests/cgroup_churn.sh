#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A host that has run for months has seen thousands of cgroups come and
# go (a Kubernetes node: one per pod, one per container): what exited
# processes leave to their cgroup (procgone) must still be kept per
# cgroup for the cgroups that live now, and removed ones swept away,
# however fast or slowly they come and go. With the smallest table
# (max_procs=16), 320 short-lived cgroups, each with a process that
# forked once, have their rows evicted and are removed: more cgroups than
# procgone has lines. The module sweeps the removed ones' lines into
# "other" (cgroup=0). Then a live cgroup's 20 forkers have their rows
# evicted by 40 later ones: every one of its forks is in its own procgone
# line, none gone to "other"; and no fork is lost over all. Between the
# two, 24 cgroups come and go 2 s apart, and are swept all the same.
. "$(dirname "$0")/functions.sh"
require_env
skip_on_cloud
cg=/sys/fs/cgroup
[ "$(stat -f -c %T $cg 2>/dev/null)" = cgroup2fs ] || skip "no cgroup2 mount at $cg"
top=$cg/forkstat-churn-$$
# More cgroups than procgone has lines (256), then a few slowly.
CHURN=320
SLOW=24
readers=()
cleanup() {
	[ ${#readers[@]} = 0 ] || kill "${readers[@]}" 2>/dev/null
	wait 2>/dev/null
	rmdir "$top"/* "$top" 2>/dev/null
	is_loaded && rmmod $MOD
	load_mod
}
trap cleanup EXIT
unload_mod
insmod "$FORKSTAT_KO" max_procs=16 || die "insmod max_procs=16 failed"
mkdir "$top" || die "cannot make $top"

# forkers PREFIX N FORKS [KEEP]: N processes one after another, each in
# cgroup PREFIXi of its own (PREFIX itself when KEEP is set), forking
# FORKS times; the cgroups made here are removed once their process is
# reaped. Python, so that hundreds of cgroups take seconds, not minutes.
forkers() {
	python3 - "$@" <<'PY'
import os, sys
prefix, n, forks, keep = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), len(sys.argv) > 4
for i in range(n):
    path = prefix if keep else prefix + str(i)
    if not keep:
        os.mkdir(path)
    pid = os.fork()
    if pid == 0:
        with open(path + "/cgroup.procs", "w") as f:
            f.write(str(os.getpid()))
        for _ in range(forks):
            c = os.fork()
            if c == 0:
                os._exit(0)
            os.waitpid(c, 0)
        os._exit(0)
    os.waitpid(pid, 0)
    if not keep:
        os.rmdir(path)
PY
}

procs() {	# procs KEY: of the procs line
	rec_field procs max=16 "$1"
}

echo reset > $PROC
# Readers that never stop (a scraper on a busy host, whose reads take
# as long as the interval): the sweep must not wait for a moment
# without a read in progress.
readers=()
for i in 1 2 3; do
	while :; do cat $PROC > /dev/null; done &
	readers+=($!)
done
forkers "$top/c" $CHURN 1 || die "the churn of $CHURN cgroups failed"
# The sweeps come back while they free slots: once they have swept up
# the churn, every 16 places around a hash have a free one.
loop_until 60 eval '[ "$(procs gone_cgroups)" -lt 16 ]' ||
	die "$(procs gone_cgroups) procgone lines of $(procs gone_cgroups_max) still taken a minute after the churn, with readers reading all along"
kill "${readers[@]}"
wait "${readers[@]}" 2>/dev/null
swept=$(procs gone_cgroups_swept)
[ "$swept" -gt 0 ] || die "no procgone line swept"
# A slow churn (a pod every few seconds on a busy node, or any churn on a
# slow kernel: the PREEMPT_RT debugging one took 15 s a cgroup): never
# three quarters full, the table must still be swept of the removed ones
# within a couple of sweeps (a minute apart while lines are taken).
for ((i = 0; i < SLOW; i++)); do
	forkers "$top/s$i-" 1 1 || die "slow churn: cgroup $i failed"
	sleep 2		# the pace of the churn, not a wait
done
loop_until 150 eval '[ "$(procs gone_cgroups)" -lt 16 ]' ||
	die "$(procs gone_cgroups) procgone lines still taken 150 s after a slow churn of $SLOW cgroups"
mkdir "$top/live" "$top/later" || die "cannot make $top/live"
live=$(stat -c %i "$top/live")
forkers "$top/live" 20 1 keep || die "the live cgroup's forkers failed"
# Forking twice, each later row is worth about twice a live one's: the
# live cgroup's rows are the ones evicted.
forkers "$top/later" 40 2 keep || die "the later forkers failed"

snap=$(mktemp)
cat $PROC > "$snap"
sum() {	# sum TYPE SELECTOR KEY: over every matching record
	awk -v t="$1" -v s="$2" -v k="$3=" '$1 == t && (s == "" || index($0 " ", " " s " ")) {
		for (i = 2; i <= NF; i++) if (index($i, k) == 1) n += substr($i, length(k) + 1) }
		END { print n + 0 }' "$snap"
}
rows=$(sum proc cgroup=$live fork) gone=$(sum procgone cgroup=$live fork)
other=$(sum procgone cgroup=0 fork)
grep -E "^procs |^procgone cgroup=($live|0) " "$snap" | sed 's/^/#   /'
all=$(($(sum proc "" fork) + $(sum procgone "" fork)))
rm -f "$snap"
[ "$rows" -lt 20 ] || die "no row of the live cgroup was evicted ($rows in rows): nothing tested"
[ $((rows + gone)) = 20 ] ||
	die "the live cgroup's 20 forks: $rows in rows, $gone in its procgone, the rest in other ($other)"
# The churn's forkers and their parent's (python's) forks, the live and
# later ones: none lost.
want=$((2 * (CHURN + SLOW) + 2 * 20 + 3 * 40))
[ "$all" -ge "$want" ] || die "$all forks in rows and procgone, want at least $want"
log "$CHURN cgroups gone, $swept lines swept: the live cgroup's $gone evicted forks in its own procgone, $other forks in other"
