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

// taps are the source indexes and weights of every output sample along
// one axis.
type taps struct {
	n   int     // taps per output sample
	idx []int32 // [out*n+t] source index (edge samples repeated)
	w   []int32 // [out*n+t] weight, summing to 1<<weightBits per output
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
	n := int(math.Ceil(2*support)) + 1
	tp := taps{n: n, idx: make([]int32, dn*n), w: make([]int32, dn*n)}
	fw := make([]float64, n)
	for d := range dn {
		center := (float64(d)+0.5)*scale - 0.5
		first := int(math.Ceil(center - support))
		var sum float64
		for t := range n {
			fw[t] = catmullRom((float64(first+t) - center) / stretch)
			sum += fw[t]
		}
		// Integer weights that sum exactly to one, the rounding error
		// given to the largest (central) tap.
		var isum int32
		big := 0
		for t := range n {
			i := min(max(first+t, 0), sn-1)
			tp.idx[d*n+t] = int32(i)
			w := int32(math.Round(fw[t] / sum * (1 << weightBits)))
			tp.w[d*n+t] = w
			isum += w
			if fw[t] > fw[big] {
				big = t
			}
		}
		tp.w[d*n+big] += 1<<weightBits - isum
	}
	return tp
}

// resamplePlane scales an sw×sh plane of 8-bit samples (rows stride
// apart) to dw×dh into dst (rows dstStride apart).
func resamplePlane(dst []uint8, dw, dh, dstStride int, src []uint8, sw, sh, stride int) {
	if dw == 0 || dh == 0 || sw == 0 || sh == 0 {
		return
	}
	hx, vy := makeTaps(sw, dw), makeTaps(sh, dh)
	// Horizontal pass: every source row to dw samples.
	tmp := make([]uint8, dw*sh)
	for y := range sh {
		row := src[y*stride : y*stride+sw]
		out := tmp[y*dw : y*dw+dw]
		for x := range dw {
			idx, w := hx.idx[x*hx.n:x*hx.n+hx.n], hx.w[x*hx.n:x*hx.n+hx.n]
			var s int32
			for t, i := range idx {
				s += int32(row[i]) * w[t]
			}
			out[x] = clampWeighted(s)
		}
	}
	// Vertical pass, a row at a time so memory is read in order.
	acc := make([]int32, dw)
	for y := range dh {
		clear(acc)
		idx, w := vy.idx[y*vy.n:y*vy.n+vy.n], vy.w[y*vy.n:y*vy.n+vy.n]
		for t, i := range idx {
			wt := w[t]
			if wt == 0 {
				continue
			}
			in := tmp[int(i)*dw : int(i)*dw+dw]
			for x, v := range in {
				acc[x] += int32(v) * wt
			}
		}
		out := dst[y*dstStride : y*dstStride+dw]
		for x, s := range acc {
			out[x] = clampWeighted(s)
		}
	}
}

// clampWeighted turns a weighted sum back into a sample, rounded and
// clamped (Catmull-Rom overshoots at edges).
func clampWeighted(s int32) uint8 {
	v := (s + 1<<(weightBits-1)) >> weightBits
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
