//go:build unix

package linalg_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used, so
// that benchmarks can report throughput per CPU-second next to wall-clock
// GFLOP/s: on a machine shared with other work the former varies far less.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
