// SPDX-License-Identifier: GPL-2.0

// spawner: a Go program with a big heap that runs a command several
// times through os/exec, which clones with CLONE_VM|CLONE_VFORK.
//
//	spawner MIB COUNT
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

var heap []byte

func main() {
	mib, _ := strconv.Atoi(os.Args[1])
	count, _ := strconv.Atoi(os.Args[2])
	heap = make([]byte, mib<<20)
	for i := range heap {
		heap[i] = 1
	}
	fmt.Println("pid", os.Getpid())
	for i := 0; i < count; i++ {
		if err := exec.Command("/bin/true").Run(); err != nil {
			panic(err)
		}
	}
}
