package clip

import (
	"image"
	"image/color"
	"image/draw"
	"math"
)

// ImageMean and ImageStd are the CLIP normalisation constants shared by the
// OpenAI, open_clip (LAION) and Hugging Face pipelines.
var (
	ImageMean = [3]float32{0.48145466, 0.4578275, 0.40821073}
	ImageStd  = [3]float32{0.26862954, 0.26130258, 0.27577711}
)

// Preprocess turns an already decoded and oriented image into the CLIP input
// tensor: Pillow-exact bicubic resize of the short side to size, centre crop
// size×size (torchvision rounding), alpha dropped after resizing a
// premultiplied copy (as OpenAI's pipeline does), /255 and mean/std, laid out
// CHW as float32 (length 3·size·size).
//
// Known deviation: Pillow resizes palette ("P") images with NEAREST; here
// every image, *image.Paletted included, goes through bicubic. Photos are
// never palette images, so this only affects GIF-like inputs.
func Preprocess(img image.Image, size int) []float32 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	// Resize short side to size, long side truncated (torchvision).
	nw, nh := size, size
	if w <= h {
		nh = int(float64(size) * float64(h) / float64(w))
	} else {
		nw = int(float64(size) * float64(w) / float64(h))
	}
	left := int(math.RoundToEven(float64(nw-size) / 2))
	top := int(math.RoundToEven(float64(nh-size) / 2))
	// Only the output pixels that survive the crop are computed (each output
	// pixel's coefficients are independent of the others, so this is exact),
	// and only the source pixels they read are converted.
	hc := axisCoeffs(w, nw, left, size)
	vc := axisCoeffs(h, nh, top, size)
	x0, x1 := hc.span()
	y0, y1 := vc.span()
	pix, alpha := toNRGBA(img, image.Rect(b.Min.X+x0, b.Min.Y+y0, b.Min.X+x1, b.Min.Y+y1))
	// Pillow returns a plain copy when the size is unchanged, so only a real
	// resize goes through premultiplied alpha.
	alpha = alpha && (nw != w || nh != h)
	if alpha {
		premultiply(pix)
	}
	out := resample(pix, x1-x0, hc.shift(x0), vc.shift(y0), alpha)
	if alpha {
		unpremultiply(out)
	}
	plane := size * size
	t := make([]float32, 3*plane)
	for i := 0; i < plane; i++ {
		for c := 0; c < 3; c++ {
			v := float32(out[4*i+c]) / 255
			t[c*plane+i] = (v - ImageMean[c]) / ImageStd[c]
		}
	}
	return t
}

// toNRGBA returns the 8-bit non-premultiplied RGBA pixels of rectangle r of
// img and whether any of them is not fully opaque.
func toNRGBA(img image.Image, r image.Rectangle) (pix []uint8, alpha bool) {
	w, h := r.Dx(), r.Dy()
	if n, ok := img.(*image.NRGBA); ok {
		pix = make([]uint8, 4*w*h)
		for y := 0; y < h; y++ {
			off := n.PixOffset(r.Min.X, r.Min.Y+y)
			copy(pix[4*w*y:4*w*(y+1)], n.Pix[off:off+4*w])
		}
	} else if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		// Opaque: premultiplied and straight RGBA coincide; draw.Draw has
		// fast paths for YCbCr (JPEG) and Gray.
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(dst, dst.Bounds(), img, r.Min, draw.Src)
		return dst.Pix, false
	} else {
		pix = make([]uint8, 4*w*h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBAModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.NRGBA)
				i := 4 * (y*w + x)
				pix[i], pix[i+1], pix[i+2], pix[i+3] = c.R, c.G, c.B, c.A
			}
		}
	}
	for i := 3; i < len(pix); i += 4 {
		if pix[i] != 255 {
			return pix, true
		}
	}
	return pix, false
}

// premultiply is Pillow's RGBA→RGBa conversion (MULDIV255).
func premultiply(pix []uint8) {
	for i := 0; i < len(pix); i += 4 {
		a := uint32(pix[i+3])
		for c := 0; c < 3; c++ {
			t := uint32(pix[i+c])*a + 128
			pix[i+c] = uint8((t + t>>8) >> 8)
		}
	}
}

// unpremultiply is Pillow's RGBa→RGBA conversion (rgba2rgbA).
func unpremultiply(pix []uint8) {
	for i := 0; i < len(pix); i += 4 {
		a := uint32(pix[i+3])
		if a == 0 || a == 255 {
			continue
		}
		for c := 0; c < 3; c++ {
			pix[i+c] = uint8(min(255, 255*uint32(pix[i+c])/a))
		}
	}
}

// bicubic is Pillow's cubic kernel with a = −0.5, written in its exact form.
func bicubic(x float64) float64 {
	const a = -0.5
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return ((a+2)*x-(a+3))*x*x + 1
	}
	if x < 2 {
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}

const precisionBits = 32 - 8 - 2

// coeffs holds Pillow fixed-point resampling weights for some output indices.
type coeffs struct {
	xmin []int
	k    [][]int32
	// identity marks an axis that keeps its size: Pillow skips that pass,
	// and xmin[i] is then simply the source index of output i.
	identity bool
}

// axisCoeffs returns the coefficients for outputs [from, from+n) of a
// resize from in to out, or an identity mapping when in == out.
func axisCoeffs(in, out, from, n int) coeffs {
	if in != out {
		return precompute(in, out, from, n)
	}
	c := coeffs{xmin: make([]int, n), identity: true}
	for i := range c.xmin {
		c.xmin[i] = from + i
	}
	return c
}

// span is the range of source indices the outputs read.
func (c coeffs) span() (lo, hi int) {
	last := len(c.xmin) - 1
	if c.identity {
		return c.xmin[0], c.xmin[last] + 1
	}
	return c.xmin[0], c.xmin[last] + len(c.k[last])
}

// shift re-bases the source indices for a buffer that starts at source index by.
func (c coeffs) shift(by int) coeffs {
	out := c
	out.xmin = make([]int, len(c.xmin))
	for i, v := range c.xmin {
		out.xmin[i] = v - by
	}
	return out
}

// precompute reproduces Pillow's precompute_coeffs + normalize_coeffs_8bpc
// for output indices [from, from+n) of a resize from in to out.
func precompute(in, out, from, n int) coeffs {
	scale := float64(in) / float64(out)
	filterscale := max(scale, 1)
	support := 2 * filterscale
	ss := 1 / filterscale
	c := coeffs{xmin: make([]int, n), k: make([][]int32, n)}
	w := make([]float64, 0, int(math.Ceil(support))*2+1)
	for i := 0; i < n; i++ {
		xx := from + i
		center := (float64(xx) + 0.5) * scale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), in)
		w = w[:0]
		ww := 0.0
		for x := xmin; x < xmax; x++ {
			v := bicubic((float64(x) - center + 0.5) * ss)
			w = append(w, v)
			ww += v
		}
		k := make([]int32, len(w))
		for j, v := range w {
			if ww != 0 {
				v /= ww
			}
			if v < 0 {
				k[j] = int32(-0.5 + v*(1<<precisionBits))
			} else {
				k[j] = int32(0.5 + v*(1<<precisionBits))
			}
		}
		c.xmin[i], c.k[i] = xmin, k
	}
	return c
}

func clip8(acc int32) uint8 {
	v := acc >> precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// resample applies Pillow's two-pass bicubic to 4-channel pixels (stride
// w pixels) with precomputed horizontal and vertical coefficients whose
// source indices are relative to pix: horizontal first, uint8 rounding
// between passes, identity axes skipped. Without alpha the fourth channel
// is not computed.
func resample(pix []uint8, w int, hc, vc coeffs, alpha bool) []uint8 {
	cw, ch := len(hc.xmin), len(vc.xmin)
	y0, y1 := vc.span()
	rows := y1 - y0
	tmp := make([]uint8, 4*cw*rows)
	if !hc.identity {
		for y := 0; y < rows; y++ {
			src := pix[4*w*(y0+y):]
			dst := tmp[4*cw*y:]
			for x := 0; x < cw; x++ {
				xmin, k := hc.xmin[x], hc.k[x]
				var s0, s1, s2, s3 int32 = 1 << (precisionBits - 1), 1 << (precisionBits - 1), 1 << (precisionBits - 1), 1 << (precisionBits - 1)
				px := src[4*xmin : 4*(xmin+len(k))]
				if alpha {
					for j, kv := range k {
						p := px[4*j : 4*j+4]
						s0 += int32(p[0]) * kv
						s1 += int32(p[1]) * kv
						s2 += int32(p[2]) * kv
						s3 += int32(p[3]) * kv
					}
				} else {
					for j, kv := range k {
						p := px[4*j : 4*j+3]
						s0 += int32(p[0]) * kv
						s1 += int32(p[1]) * kv
						s2 += int32(p[2]) * kv
					}
					s3 = 255 << precisionBits
				}
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = clip8(s0), clip8(s1), clip8(s2), clip8(s3)
			}
		}
	} else {
		x0 := hc.xmin[0]
		for y := 0; y < rows; y++ {
			copy(tmp[4*cw*y:4*cw*(y+1)], pix[4*(w*(y0+y)+x0):])
		}
	}
	if vc.identity {
		return tmp
	}
	out := make([]uint8, 4*cw*ch)
	for y := 0; y < ch; y++ {
		ymin, k := vc.xmin[y]-y0, vc.k[y]
		dst := out[4*cw*y:]
		for x := 0; x < 4*cw; x++ {
			if !alpha && x&3 == 3 {
				dst[x] = 255
				continue
			}
			var s int32 = 1 << (precisionBits - 1)
			for j, kv := range k {
				s += int32(tmp[4*cw*(ymin+j)+x]) * kv
			}
			dst[x] = clip8(s)
		}
	}
	return out
}
