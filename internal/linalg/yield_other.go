//go:build !linux

package linalg

// osYield would give the CPU to another runnable thread; outside Linux the
// pollers just spin.
func osYield() {}
