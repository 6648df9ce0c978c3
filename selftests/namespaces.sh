#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a container sees. As nobody in new PID and network namespaces, a
# forker and a server that switches its sockets to blocking run; a root
# process of the same namespace forks too; the host runs a server of its
# own. At each access level the container's read must show what
# docs/format.md promises and nothing more, numbered as the container
# numbers its processes; root on the host sees everything.
. "$(dirname "$0")/functions.sh"
require_env
dir=$(cd "$(dirname "$0")" && pwd)
command -v unshare >/dev/null && command -v setpriv >/dev/null || skip "no unshare/setpriv"
access=/sys/module/forkstat/parameters/access
old_access=$(cat $access)
work=$(mktemp -d)
chmod 777 "$work"
host_pids=()	# the host's server, then the container's unshare

# Ends a container: its PID namespace dies with its init, the unshare's
# child. (unshare --kill-child cannot do it: setpriv's change of user
# clears the init's parent-death signal, and a surviving "sleep 600" keeps
# the runner's pipe open.)
end_container() {
	pkill -KILL -P "$1"
	kill -KILL "$1"
	wait "$1"
} 2>/dev/null

trap '[ ${#host_pids[@]} -lt 2 ] || end_container "${host_pids[1]}"
      kill "${host_pids[@]:0:1}" 2>/dev/null; wait; echo $old_access > $access; rm -rf "$work"' EXIT

"$dir/blockers" 2 600 > /dev/null &
host_blk=$!
host_pids+=($host_blk)
loop_until 120 eval '[ "$(rec_field blocked tgid=$host_blk blocked)" = 2 ]' ||
	die "the host's 2 readers are not blocked: blocked=$(rec_field blocked tgid=$host_blk blocked)"
host_port=$(awk -v t="tgid=$host_blk" '$1 == "sockclear" && $4 == t { for (i = 2; i <= NF; i++) if ($i ~ /^local=/) print substr($i, 7) }' $PROC | head -n 1)
[ -n "$host_port" ] || die "the host's server made no clear"

# The container: root forks once and sleeps, then nobody runs a forker
# and a server, writes the pids it knows itself by, and reads the file.
# $1 is the output directory.
container() {
	unshare --pid --net --fork --kill-child --mount-proc bash -c '
		ip link set lo up
		("$0/bigfork" 1 1 > /dev/null; exec sleep 600) &
		echo $! > "$1/rootpid"
		# In this PID namespace but a network namespace of its own: its
		# row is the container'"'"'s, its sockets are not.
		unshare --net bash -c "ip link set lo up; exec \"\$0/blockers\" 2 600 > /dev/null" "$0" &
		np=$!
		echo $np > "$1/netpid"
		# (At access=0 the file numbers pids as the host does: no wait.)
		loop_until 120 grep -Eq "^proc tgid=$np .* sock_clears=2 |^reader access=0 " /proc/forkstat ||
			{ echo "its server in a network namespace of its own has no row with 2 clears" > "$1/failed"; exit 1; }
		sleep 0.5
		exec setpriv --reuid=65534 --regid=65534 --clear-groups -- bash -c "
			\"\$0/bigfork\" 4 2 | sed -n \"s/^pid=\([0-9]*\) .*/\1/p\" | head -n 1 > \"\$1/forker\"
			\"\$0/blockers\" 2 600 > /dev/null &
			srv=\$!
			echo \$srv > \"\$1/server\"
			# At access=0 the server shows under its host pid: wait
			# for the reader line and the three servers instead.
			parked() {
				grep -q \"^blocked tgid=\$srv blocked=2 \" /proc/forkstat ||
				[ \$(grep -Ec \"^reader access=0 |^blocked .* blocked=2 .*comm=blockers\$\" /proc/forkstat) -ge 4 ]
			}
			loop_until 120 parked ||
				{ echo \"its server'"'"'s two readers did not park\" > \"\$1/failed\"; exit 1; }
			cat /proc/forkstat > \"\$1/view\"
			echo \$\$ > \"\$1/self\"
			touch \"\$1/done\"
			exec sleep 600
		" "$0" "$1"' "$dir" "$1" &
	host_pids+=($!)
	# Minutes on the PREEMPT_RT debugging kernel beside other guests
	# (180 s were not enough there).
	loop_until 600 eval "[ -e '$1/done' ] || [ -e '$1/failed' ]" ||
		die "the container did not get going in 600 s"
	[ ! -e "$1/failed" ] || die "in the container: $(cat "$1/failed")"
}

has() { grep -Eq "$2" "$1"; }
tgids() { awk '$1 == "proc" { sub("tgid=", "", $2); print $2 }' "$1" | sort -n | tr '\n' ' '; }

for level in 1 2 0; do
	echo $level > $access
	out=$work/$level
	mkdir -p "$out"
	chmod 777 "$out"
	container "$out"
	v=$out/view forker=$(cat "$out/forker") server=$(cat "$out/server") self=$(cat "$out/self")
	log "access=$level: container rows for tgids $(tgids "$v")(forker $forker, server $server, itself $self)"
	case $level in
	0)
		has "$v" '^reader access=0 sees=all ' || die "access=0: $(head -n 2 "$v" | tail -n 1)"
		has "$v" "^proc tgid=$host_blk " || die "access=0: the host's server is not shown"
		has "$v" "^sockclear .* local=$host_port " || die "access=0: the host's clears are not shown"
		;;
	1|2)
		has "$v" "^proc tgid=$forker .* comm=bigfork$" || die "access=$level: no row for the forker as pid $forker"
		has "$v" "^proc tgid=$server .* sock_clears=2 " || die "access=$level: no row for the server as pid $server"
		has "$v" "^blocked tgid=$server blocked=2 on_cleared=2 " || die "access=$level: the server's blocked readers"
		[ "$(grep -c "^sockclear .* tgid=$server " "$v")" = 2 ] || die "access=$level: not the server's 2 clears"
		has "$v" "^proc tgid=$host_blk .*comm=blockers" && [ "$host_blk" != "$server" ] &&
			die "access=$level: the host's server is shown"
		has "$v" "local=$host_port" && die "access=$level: a socket of the host's network namespace is shown"
		# Every pid shown is one the container can name: none above its own.
		max=$(awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^(tgid|pid|child)=/) { split($i, kv, "="); if (kv[2] > m) m = kv[2] } } END { print m + 0 }' "$v")
		[ "$max" -le 100 ] || die "access=$level: pid $max shown, beyond the container's"
		has "$v" '^sockclear .* comm=blockers$' || die "access=$level: clears lack their name"
		;;
	esac
	case $level in
	1)
		has "$v" '^reader access=1 sees=namespace pidns_level=1 totals=host details=ptraceable hidepid=0$' || die "access=1: $(grep ^reader "$v")"
		has "$v" '^flavour name=fork ' || die "access=1: no host-wide totals"
		has "$v" "^proc tgid=$(cat "$out/rootpid") " || die "access=1: root's process in the container is not shown"
		netpid=$(cat "$out/netpid")
		has "$v" "^proc tgid=$netpid .* sock_clears=2 " || die "access=1: no row for pid $netpid of the other network namespace"
		has "$v" "^(sockclear|blockedthread) .*tgid=$netpid " &&
			die "access=1: sockets of another network namespace are shown"
		;;
	2)
		has "$v" '^reader access=2 sees=own pidns_level=1 totals=none details=ptraceable hidepid=0$' || die "access=2: $(grep ^reader "$v")"
		has "$v" '^(flavour|hist|probe|fail|sockmode|health|method) ' && die "access=2: host-wide figures shown"
		has "$v" "^proc tgid=$(cat "$out/rootpid") " && die "access=2: root's process shown to nobody"
		;;
	esac
	# Root on the host sees the container's processes, by their host pids.
	hserver=$(pgrep -n -x blockers)
	[ "$hserver" != "$host_blk" ] || die "cannot find the container's server from the host"
	rec_field blocked tgid="$hserver" blocked | grep -qx 2 || die "access=$level: root does not see the container's server"
	end_container "${host_pids[1]}"
	host_pids=("$host_blk")
done
log "each level shows what it promises; root on the host sees all"
