package clip

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/targetvision/targetvision/internal/linalg"
)

// matMulTransB is C = A·Bᵀ through the shared kernels.
func matMulTransB(c, a, b []float32, m, n, k int) {
	linalg.MatMulTransB(c, a, b, m, n, k, false)
}

type layerNorm struct {
	g, b []float32
	eps  float32
}

// apply normalises one row (dst may alias src), accumulating in float64 so
// the result does not depend on summation order more than necessary.
func (ln layerNorm) apply(dst, src []float32) {
	var s float64
	for _, v := range src {
		s += float64(v)
	}
	mean := s / float64(len(src))
	var vs float64
	for _, v := range src {
		d := float64(v) - mean
		vs += d * d
	}
	inv := float32(1 / math.Sqrt(vs/float64(len(src))+float64(ln.eps)))
	mf := float32(mean)
	for i, v := range src {
		dst[i] = (v-mf)*inv*ln.g[i] + ln.b[i]
	}
}

func (ln layerNorm) rows(dst, src []float32, rows, d int) {
	parallelFor(rows, 32, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ln.apply(dst[r*d:(r+1)*d], src[r*d:(r+1)*d])
		}
	})
}

// block is one pre-norm residual block with q, k and v fused into one
// [3D, D] weight so they cost one GEMM.
type block struct {
	ln1, ln2   layerNorm
	wqkv, bqkv []float32
	wo, bo     []float32
	w1, b1     []float32
	w2, b2     []float32
}

type tower struct {
	layers []block
	dim    int
	heads  int
	mlp    int
	act    Activation
}

func addBias(x, bias []float32, rows int) {
	n := len(bias)
	parallelFor(rows, 64, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := x[r*n : (r+1)*n]
			for j, b := range bias {
				row[j] += b
			}
		}
	})
}

// forward runs every block over x, which holds nseq sequences of T tokens
// each ([nseq·T, D], row-major), in place. causal selects the text mask.
func (tw *tower) forward(ctx context.Context, x []float32, nseq, T int, causal bool) error {
	d, f := tw.dim, tw.mlp
	rows := nseq * T
	h, qkv, att, mid, heads := getBuf(rows*d), getBuf(rows*3*d), getBuf(rows*d), getBuf(rows*f), getBuf(rows*3*d)
	defer func() {
		for _, b := range [][]float32{h, qkv, att, mid, heads} {
			putBuf(b)
		}
	}()
	for li := range tw.layers {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("clip: forward layer %d: %w", li, err)
		}
		b := &tw.layers[li]
		b.ln1.rows(h, x, rows, d)
		matMulTransB(qkv, h, b.wqkv, rows, 3*d, d)
		addBias(qkv, b.bqkv, rows)
		tw.attention(att, qkv, heads, nseq, T, causal)
		linalg.MatMulTransB(x, att, b.wo, rows, d, d, true)
		addBias(x, b.bo, rows)

		b.ln2.rows(h, x, rows, d)
		matMulTransB(mid, h, b.w1, rows, f, d)
		activate(mid, b.b1, rows, tw.act)
		linalg.MatMulTransB(x, mid, b.w2, rows, d, f, true)
		addBias(x, b.b2, rows)
	}
	return nil
}

// attention computes multi-head self-attention for every (sequence, head)
// pair in parallel. qkv rows hold [q | k | v]; heads is scratch of the same
// size that receives q, k and v head-major ([3][nseq][H][T][hd]) so each
// head's products are two small contiguous GEMMs; out receives the
// concatenated heads, ready for the output projection.
func (tw *tower) attention(out, qkv, heads []float32, nseq, T int, causal bool) {
	d, H := tw.dim, tw.heads
	hd := d / H
	rows := nseq * T
	scale := float32(1 / math.Sqrt(float64(hd)))
	parallelFor(rows, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			s, t := r/T, r%T
			row := qkv[r*3*d : (r+1)*3*d]
			for part := 0; part < 3; part++ {
				for h := 0; h < H; h++ {
					dst := heads[((part*nseq+s)*H+h)*T*hd+t*hd:]
					copy(dst[:hd], row[part*d+h*hd:part*d+(h+1)*hd])
				}
			}
		}
	})
	per := nseq * H * T * hd
	scratch := make([][]float32, runtime.GOMAXPROCS(0))
	parallelWorkers(nseq*H, func(worker, task int) {
		if scratch[worker] == nil {
			scratch[worker] = make([]float32, T*T+T*hd)
		}
		sc, o := scratch[worker][:T*T], scratch[worker][T*T:]
		base := task * T * hd
		q, k, v := heads[base:base+T*hd], heads[per+base:per+base+T*hd], heads[2*per+base:2*per+base+T*hd]
		matMulTransB(sc, q, k, T, T, hd)
		for i := 0; i < T; i++ {
			row := sc[i*T : (i+1)*T]
			n := T
			if causal {
				n = i + 1
			}
			mx := float32(math.Inf(-1))
			for j := 0; j < n; j++ {
				row[j] *= scale
				mx = max(mx, row[j])
			}
			var sum float32
			for j := 0; j < n; j++ {
				row[j] = expf(row[j] - mx)
				sum += row[j]
			}
			inv := 1 / sum
			for j := 0; j < n; j++ {
				row[j] *= inv
			}
			for j := n; j < T; j++ {
				row[j] = 0
			}
		}
		linalg.MatMul(o, sc, v, T, hd, T, false)
		s, hh := task/H, task%H
		for t := 0; t < T; t++ {
			copy(out[(s*T+t)*d+hh*hd:(s*T+t)*d+(hh+1)*hd], o[t*hd:(t+1)*hd])
		}
	})
}

// activate adds the bias and applies the MLP nonlinearity to every row
// (it runs rows·4D times per layer): AVX2 kernels where available, and these
// Go loops, which compute the same float32 operations, for the rest.
func activate(mid, bias []float32, rows int, act Activation) {
	f := len(bias)
	parallelFor(rows, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := mid[r*f : (r+1)*f]
			done := activateSIMD(row, bias, act)
			activateGo(row[done:], bias[done:], act)
		}
	})
}

func activateGo(row, bias []float32, act Activation) {
	if act == GELU {
		for j, bv := range bias {
			v := row[j] + bv
			row[j] = 0.5 * v * (1 + erff(v*0.70710678118654752))
		}
		return
	}
	for j, bv := range bias {
		v := row[j] + bv
		row[j] = v / (1 + expf(-1.702*v))
	}
}
