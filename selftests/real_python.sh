#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A runtime's standard library switching a socket back to blocking mode:
# CPython's socket.setblocking() uses ioctl(FIONBIO). A TCP client made
# non-blocking and then blocking again is one set and one clear, filed
# against python3's pid and the socket's descriptor and connection.
. "$(dirname "$0")/functions.sh"
require_env
command -v python3 >/dev/null || skip "python3 is not installed"

out=$(python3 - <<'PY'
import os, socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
c = socket.create_connection(srv.getsockname())
c.setblocking(False)
c.setblocking(True)
print(os.getpid(), c.fileno(), "%s:%d" % c.getsockname(), "%s:%d" % srv.getsockname())
PY
) || die "python3 failed"
read -r pid fd local remote <<< "$out"
log "python3 pid $pid: fd $fd $local -> $remote"

rec=$(grep "^sockclear .* pid=$pid tgid=$pid fd=$fd path=ioctl " $PROC) ||
	die "no ioctl clear recorded for python3 pid $pid fd $fd"
[ "$(echo "$rec" | wc -l)" = 1 ] || die "more than one clear recorded: $rec"
for want in family=2 type=1 protocol=6 "local=$local" "remote=$remote" comm=python3; do
	case " $rec " in
	*" $want "*) ;;
	*) die "the clear lacks $want: $rec" ;;
	esac
done
row=$(grep "^proc tgid=$pid " $PROC) || die "no row for python3 pid $pid"
case " $row " in
*" sock_clears=1 sock_sets=1 "*) ;;
*) die "python3's row does not show one clear and one set: $row" ;;
esac
log "CPython's setblocking(True) recorded as an ioctl clear on its socket"
