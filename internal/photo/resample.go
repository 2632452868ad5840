package photo

import (
	"image"
	"math"
)

// The resampler behind resize for the image types decoders return (YCbCr
// and Gray): each plane is scaled on its own with a separable Catmull-Rom
// kernel, stretched by the reduction factor as x/image/draw's CatmullRom
// does, with precomputed 14-bit integer weights. It is about five times
// faster than draw.CatmullRom.Scale from a YCbCr source, which converts
// every pixel through the generic colour path, and keeps the result in
// YCbCr, which the JPEG encoder takes without a conversion.

const weightBits = 14

// taps are the source windows and weights of every output sample along
// one axis. Every window lies inside the source: taps that fall outside
// it (which repeat the edge sample) are folded into the edge sample's
// weight, so the inner loops need no index per tap and no clamping.
type taps struct {
	n     int     // window length
	ws    int     // weights per output: n, or 8 (zero-padded) when n ≤ 8
	first []int   // [out] the window's first source index
	w     []int32 // [out*ws+t] weight, summing to 1<<weightBits per output
}

// catmullRom is the Keys cubic with a = -0.5.
func catmullRom(t float64) float64 {
	t = math.Abs(t)
	switch {
	case t < 1:
		return (1.5*t-2.5)*t*t + 1
	case t < 2:
		return ((-0.5*t+2.5)*t-4)*t + 2
	}
	return 0
}

// makeTaps computes the taps that scale sn samples to dn.
func makeTaps(sn, dn int) taps {
	scale := float64(sn) / float64(dn)
	stretch := max(1, scale)
	support := 2 * stretch
	// The kernel is zero at ±support, so an output reads the integers
	// strictly inside (center-support, center+support): at most
	// ceil(2·support) of them.
	n := min(int(math.Ceil(2*support)), sn)
	ws := n
	if n <= 8 {
		ws = 8
	}
	tp := taps{n: n, ws: ws, first: make([]int, dn), w: make([]int32, dn*ws)}
	fw := make([]float64, n)
	for d := range dn {
		center := (float64(d)+0.5)*scale - 0.5
		lo := int(math.Floor(center-support)) + 1
		hi := int(math.Ceil(center+support)) - 1
		start := min(max(lo, 0), sn-n)
		tp.first[d] = start
		clear(fw)
		var sum float64
		for i := lo; i <= hi; i++ {
			v := catmullRom((float64(i) - center) / stretch)
			fw[min(max(i, 0), sn-1)-start] += v
			sum += v
		}
		// Integer weights that sum exactly to one, the rounding error
		// given to the largest (central) tap.
		w := tp.w[d*ws : d*ws+n]
		var isum int32
		big := 0
		for t := range w {
			w[t] = int32(math.Round(fw[t] / sum * (1 << weightBits)))
			isum += w[t]
			if fw[t] > fw[big] {
				big = t
			}
		}
		w[big] += 1<<weightBits - isum
	}
	return tp
}

// resamplePlane scales an sw×sh plane of 8-bit samples (rows stride
// apart) to dw×dh into dst (rows dstStride apart). Rows are scaled
// horizontally as the vertical pass first needs them, into a ring of as
// many rows as a vertical window holds, so the intermediate stays in
// cache.
func resamplePlane(dst []uint8, dw, dh, dstStride int, src []uint8, sw, sh, stride int) {
	if dw == 0 || dh == 0 || sw == 0 || sh == 0 {
		return
	}
	hx, vy := makeTaps(sw, dw), makeTaps(sh, dh)
	ring := make([]uint8, vy.n*dw)
	rows := make([][]uint8, vy.n)
	acc := make([]int32, dw)
	next := 0 // the next source row to scale horizontally
	for y := range dh {
		f := vy.first[y]
		for ; next < f+vy.n; next++ {
			out := ring[(next%vy.n)*dw : (next%vy.n)*dw+dw]
			hrow(out, src[next*stride:next*stride+sw], &hx)
		}
		for t := range rows {
			r := (f + t) % vy.n
			rows[t] = ring[r*dw : r*dw+dw]
		}
		vrow(dst[y*dstStride:y*dstStride+dw], acc, rows, vy.w[y*vy.ws:y*vy.ws+vy.n])
	}
}

// hrow scales one row with the horizontal taps. Windows of up to eight
// samples (every reduction by less than 2, so every rendition made from a
// DCT-scaled decode) go through one unrolled eight-tap sum, with zero
// weights past the window, wherever eight samples fit in the row.
func hrow(out, row []uint8, tp *taps) {
	n, ws := tp.n, tp.ws
	x := 0
	if ws == 8 {
		for ; x < len(out); x++ {
			f := tp.first[x]
			if f+8 > len(row) {
				break
			}
			p := (*[8]uint8)(row[f : f+8])
			w := (*[8]int32)(tp.w[x*8 : x*8+8])
			out[x] = clampWeighted(1<<(weightBits-1) +
				int32(p[0])*w[0] + int32(p[1])*w[1] + int32(p[2])*w[2] + int32(p[3])*w[3] +
				int32(p[4])*w[4] + int32(p[5])*w[5] + int32(p[6])*w[6] + int32(p[7])*w[7])
		}
	}
	for ; x < len(out); x++ {
		w := tp.w[x*ws : x*ws+n]
		f := tp.first[x]
		win := row[f : f+n]
		win = win[:len(w)]
		s := int32(1 << (weightBits - 1))
		for t, wt := range w {
			s += int32(win[t]) * wt
		}
		out[x] = clampWeighted(s)
	}
}

// vrow writes into out the weighted sum of rows (one weight each), two
// rows per pass over acc, the last pass rounding and clamping.
func vrow(out []uint8, acc []int32, rows [][]uint8, ws []int32) {
	acc = acc[:len(out)]
	out = out[:len(acc)]
	t := 0
	for ; len(ws)-t > 2; t += 2 {
		r0, r1 := rows[t][:len(acc)], rows[t+1][:len(acc)]
		w0, w1 := ws[t], ws[t+1]
		if t == 0 {
			for x := range acc {
				acc[x] = 1<<(weightBits-1) + int32(r0[x])*w0 + int32(r1[x])*w1
			}
			continue
		}
		for x := range acc {
			acc[x] += int32(r0[x])*w0 + int32(r1[x])*w1
		}
	}
	base := int32(0)
	if t == 0 {
		base = 1 << (weightBits - 1)
		clear(acc)
	}
	r0 := rows[t][:len(acc)]
	w0 := ws[t]
	if len(ws)-t == 1 {
		for x, a := range acc {
			out[x] = clampWeighted(base + a + int32(r0[x])*w0)
		}
		return
	}
	r1 := rows[t+1][:len(acc)]
	w1 := ws[t+1]
	for x, a := range acc {
		out[x] = clampWeighted(base + a + int32(r0[x])*w0 + int32(r1[x])*w1)
	}
}

// clampWeighted turns a weighted sum back into a sample, rounded and
// clamped (Catmull-Rom overshoots at edges).
// The rounding half is in s already.
func clampWeighted(s int32) uint8 {
	v := s >> weightBits
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// resampleFast scales YCbCr and Gray images to w×h in their own colour
// model; ok is false for other types (and for YCbCr layouts it does not
// know), which the caller scales another way.
func resampleFast(img image.Image, w, h int) (image.Image, bool) {
	switch m := img.(type) {
	case *image.YCbCr:
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
			image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		default:
			return nil, false
		}
		b := m.Bounds()
		dst := image.NewYCbCr(image.Rect(0, 0, w, h), m.SubsampleRatio)
		resamplePlane(dst.Y, w, h, dst.YStride, m.Y[m.YOffset(b.Min.X, b.Min.Y):], b.Dx(), b.Dy(), m.YStride)
		sc, dc := chromaSize(b.Dx(), b.Dy(), m.SubsampleRatio), chromaSize(w, h, m.SubsampleRatio)
		c0 := m.COffset(b.Min.X, b.Min.Y)
		resamplePlane(dst.Cb, dc.X, dc.Y, dst.CStride, m.Cb[c0:], sc.X, sc.Y, m.CStride)
		resamplePlane(dst.Cr, dc.X, dc.Y, dst.CStride, m.Cr[c0:], sc.X, sc.Y, m.CStride)
		return dst, true
	case *image.Gray:
		b := m.Bounds()
		dst := image.NewGray(image.Rect(0, 0, w, h))
		resamplePlane(dst.Pix, w, h, dst.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], b.Dx(), b.Dy(), m.Stride)
		return dst, true
	}
	return nil, false
}
