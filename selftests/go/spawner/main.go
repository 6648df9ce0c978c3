// SPDX-License-Identifier: GPL-2.0

// spawner: a Go program with a big heap that runs a command several
// times through os/exec, which clones with CLONE_VM|CLONE_VFORK, from
// GOROUTINES goroutines at once (default 1). It prints its pid first,
// then, once done, the spawns it made, the sum of their cmd.Start()
// durations and the wall time of them all, each in ns:
//
//	spawner MIB COUNT [GOROUTINES [hold]]
//	pid 4242
//	spawns 40 start_ns 81234567 wall_ns 90123456
//
// With "hold" it then reads its standard input to the end before it
// exits: a test reads the program's row in /proc/forkstat while the
// program lives, since the row of an exited process is the first one a
// new forker may take once the table is full.
package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var heap []byte

func main() {
	mib, _ := strconv.Atoi(os.Args[1])
	count, _ := strconv.Atoi(os.Args[2])
	workers := 1
	if len(os.Args) > 3 {
		workers, _ = strconv.Atoi(os.Args[3])
	}
	heap = make([]byte, mib<<20)
	for i := range heap {
		heap[i] = 1
	}
	fmt.Println("pid", os.Getpid())
	var started atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < count; i++ {
				cmd := exec.Command("/bin/true")
				t := time.Now()
				if err := cmd.Start(); err != nil {
					panic(err)
				}
				started.Add(int64(time.Since(t)))
				if err := cmd.Wait(); err != nil {
					panic(err)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Println("spawns", workers*count, "start_ns", started.Load(),
		"wall_ns", int64(time.Since(t0)))
	if len(os.Args) > 4 && os.Args[4] == "hold" {
		io.Copy(io.Discard, os.Stdin)
	}
}
