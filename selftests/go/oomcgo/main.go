// SPDX-License-Identifier: GPL-2.0

// oomcgo: the OOM seed, a Go program that fills a slice of float64 and
// hands it to C++ (through cgo), which builds a matrix of it, row by row,
// with new. oom_cgo.sh runs it in a memory cgroup until the OOM killer
// stops it, in the Go fill or in the C++ allocation.
//
//	oomcgo gofill|cxx MIB
//
// It fills MIB MiB in Go, 4 MiB a slice, printing after each
// "goheap KB": what the runtime holds from the OS and has not returned
// (HeapSys - HeapReleased), the figure forkstat's Go heap class is
// checked against. Then "pid N" and, for cxx, the matrix: "cxx KB" after
// each 1 MiB row (matrix.cc). The garbage collector is off (every byte
// stays live) and the mapped files are locked in memory: near the limit
// the kernel drops file pages, and any thread that then fetches its code
// again (sysmon does, every few milliseconds) may be the one whose
// fault finds the cgroup full. So the only thread that faults is the
// filling one, the trigger the test expects.
package main

// #include "matrix.h"
import "C"

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

const chunk = 4 << 20 / 8 // float64s in a 4 MiB slice

var data [][]float64

//go:noinline
func fill(s []float64, base int) {
	for i := range s {
		s[i] = float64(base + i)
	}
}

func goHeapKB() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return (m.HeapSys - m.HeapReleased) >> 10
}

//go:noinline
func buildMatrix(src []float64) {
	C.cxx_build_matrix((*C.double)(unsafe.Pointer(&src[0])), C.size_t(len(src)))
}

// lockFiles mlocks every file mapping: the program's and its
// libraries' code and data stay resident.
func lockFiles() error {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || !strings.HasPrefix(fields[5], "/") {
			continue
		}
		var start, end uintptr
		if _, err := fmt.Sscanf(fields[0], "%x-%x", &start, &end); err != nil {
			return err
		}
		if err := syscall.Mlock(unsafe.Slice((*byte)(unsafe.Pointer(start)), end-start)); err != nil {
			return fmt.Errorf("mlock %s %s: %v", fields[0], fields[5], err)
		}
	}
	return sc.Err()
}

func main() {
	if len(os.Args) != 3 || (os.Args[1] != "gofill" && os.Args[1] != "cxx") {
		fmt.Fprintln(os.Stderr, "usage: oomcgo gofill|cxx MIB")
		os.Exit(2)
	}
	mib, err := strconv.Atoi(os.Args[2])
	if err != nil || mib < 4 {
		fmt.Fprintln(os.Stderr, "oomcgo: MIB must be a number, 4 or more")
		os.Exit(2)
	}
	debug.SetGCPercent(-1)
	if err := lockFiles(); err != nil {
		fmt.Fprintln(os.Stderr, "oomcgo:", err)
		os.Exit(1)
	}
	fmt.Println("pid", os.Getpid())
	for n := 0; n < mib/4; n++ {
		s := make([]float64, chunk)
		fill(s, n*chunk)
		data = append(data, s)
		fmt.Println("goheap", goHeapKB())
	}
	if os.Args[1] == "cxx" {
		buildMatrix(data[0])
	}
	fmt.Println("done")
}
