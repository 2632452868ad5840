package linalg

import "syscall"

// osYield gives the CPU to another runnable thread, if there is one, and
// returns at once otherwise: polling with it costs little when the machine
// is idle and lets other processes (and this one's other threads) run when
// it is not.
func osYield() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
