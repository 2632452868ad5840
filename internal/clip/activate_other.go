//go:build !amd64 || purego

package clip

const hasActivateSIMD = false

// activateSIMD has no vector kernel on this platform (or with -tags purego).
func activateSIMD(row, bias []float32, act Activation) int { return 0 }
