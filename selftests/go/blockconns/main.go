// SPDX-License-Identifier: GPL-2.0

// blockconns: a Go server holding N loopback connections with one
// goroutine reading each.
//
//	blockconns file|control N SECONDS
//
// "file" gets each connection's descriptor the way many libraries do,
// conn.File() then Fd(): Fd() switches the duplicate, and so the shared
// socket, to blocking mode, and every read then parks an OS thread.
// "control" sets its socket option through SyscallConn().Control
// instead, which leaves the socket alone. It prints its pid, then its
// thread count once all reads are waiting, and exits after SECONDS.
package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func threads() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Threads:") {
			n, _ := strconv.Atoi(strings.TrimSpace(l[len("Threads:"):]))
			return n
		}
	}
	return -1
}

// dialAll makes n connections to ln and accepts them, each with a
// goroutine reading it; in "file" mode it takes each accepted
// connection's descriptor with File() then Fd(), the line ustack.sh
// expects forkstat to name.
func dialAll(ln net.Listener, mode string, n int) ([]net.Conn, []*os.File) {
	var clients []net.Conn
	var files []*os.File
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			panic(err)
		}
		clients = append(clients, c)
		s, err := ln.Accept()
		if err != nil {
			panic(err)
		}
		tc := s.(*net.TCPConn)
		if mode == "file" {
			f, err := tc.File()
			if err != nil {
				panic(err)
			}
			_ = f.Fd()
			files = append(files, f) // keep the duplicate open
		} else {
			rc, err := tc.SyscallConn()
			if err != nil {
				panic(err)
			}
			rc.Control(func(fd uintptr) {
				syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
			})
		}
		go func(c net.Conn) {
			buf := make([]byte, 1)
			c.Read(buf)
		}(s)
	}
	return clients, files
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: blockconns file|control N SECONDS")
		os.Exit(2)
	}
	mode := os.Args[1]
	n, _ := strconv.Atoi(os.Args[2])
	secs, _ := strconv.Atoi(os.Args[3])
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println("pid", os.Getpid())
	clients, files := dialAll(ln, mode, n)
	time.Sleep(2 * time.Second)
	fmt.Println("threads", threads())
	time.Sleep(time.Duration(secs) * time.Second)
	for _, c := range clients {
		c.Write([]byte("x"))
	}
	_ = files
}
