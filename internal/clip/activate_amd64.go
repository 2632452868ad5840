//go:build amd64 && !purego

package clip

import "golang.org/x/sys/cpu"

// hasActivateSIMD selects the AVX2 activation kernels, which compute the
// same float32 operations as the Go loops eight lanes at a time.
var hasActivateSIMD = cpu.X86.HasAVX2

//go:noescape
func quickGELUAVX2(x, bias *float32, n int)

//go:noescape
func geluAVX2(x, bias *float32, n int)

// activateSIMD applies the activation to the first len(row)&^7 values and
// returns how many it did.
func activateSIMD(row, bias []float32, act Activation) int {
	n := len(row) &^ 7
	if !hasActivateSIMD || n == 0 {
		return 0
	}
	if act == GELU {
		geluAVX2(&row[0], &bias[0], n)
	} else {
		quickGELUAVX2(&row[0], &bias[0], n)
	}
	return n
}
