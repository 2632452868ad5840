package photo

import (
	"image"
)

// shrinkFor returns img reduced by an integer factor k with a k×k box
// average, so that the Catmull-Rom pass that follows works on a smaller
// image: for a 6000×4000 photo and a 2200 px rendition that is four times
// less work and memory. The box average is the ideal pre-filter for an exact
// integer reduction (libvips shrinks the same way before its kernel reduce).
//
// k is the largest factor up to the whole reduction ratio that divides both
// edges exactly (camera sizes such as 6000×4000, 8192×5464 or 4032×3024
// usually have one), so the box grid lines up with the original. Failing
// that, k is half the ratio: the dropped remainder (< k pixels at the right
// and bottom) then shifts the far edge by a fraction of the Catmull-Rom
// support, which the test bounds.
func shrinkFor(img image.Image, w, h int) image.Image {
	b := img.Bounds()
	ratio := min(b.Dx()/max(w, 1), b.Dy()/max(h, 1))
	k := ratio / 2
	for d := ratio; d >= 2; d-- {
		if b.Dx()%d == 0 && b.Dy()%d == 0 {
			k = d
			break
		}
	}
	if k < 2 {
		return img
	}
	return boxShrink(img, k)
}

// boxShrink averages k×k blocks. YCbCr and Gray images are shrunk plane by
// plane in their own colour model (no conversion of the full-size image);
// anything else goes through RGBA first.
func boxShrink(img image.Image, k int) image.Image {
	b := img.Bounds()
	dw, dh := max(1, b.Dx()/k), max(1, b.Dy()/k)
	switch m := img.(type) {
	case *image.YCbCr:
		dst := image.NewYCbCr(image.Rect(0, 0, dw, dh), m.SubsampleRatio)
		y0 := m.YOffset(b.Min.X, b.Min.Y)
		boxPlane(dst.Y, dst.YStride, dw, dh, m.Y[y0:], m.YStride, b.Dx(), b.Dy(), 1, k)
		// Chroma planes keep the same subsampling, so they shrink by k too.
		sc := chromaSize(b.Dx(), b.Dy(), m.SubsampleRatio)
		dc := chromaSize(dw, dh, m.SubsampleRatio)
		c0 := m.COffset(b.Min.X, b.Min.Y)
		boxPlane(dst.Cb, dst.CStride, dc.X, dc.Y, m.Cb[c0:], m.CStride, sc.X, sc.Y, 1, k)
		boxPlane(dst.Cr, dst.CStride, dc.X, dc.Y, m.Cr[c0:], m.CStride, sc.X, sc.Y, 1, k)
		return dst
	case *image.Gray:
		dst := image.NewGray(image.Rect(0, 0, dw, dh))
		boxPlane(dst.Pix, dst.Stride, dw, dh, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy(), 1, k)
		return dst
	default:
		src := toRGBA(img)
		dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
		boxPlane(dst.Pix, dst.Stride, dw, dh, src.Pix, src.Stride, b.Dx(), b.Dy(), 4, k)
		return dst
	}
}

// chromaSize is the size of the Cb and Cr planes of a w×h YCbCr image.
func chromaSize(w, h int, r image.YCbCrSubsampleRatio) image.Point {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return image.Pt((w+1)/2, h)
	case image.YCbCrSubsampleRatio420:
		return image.Pt((w+1)/2, (h+1)/2)
	case image.YCbCrSubsampleRatio440:
		return image.Pt(w, (h+1)/2)
	case image.YCbCrSubsampleRatio411:
		return image.Pt((w+3)/4, h)
	case image.YCbCrSubsampleRatio410:
		return image.Pt((w+3)/4, (h+1)/2)
	default:
		return image.Pt(w, h)
	}
}

// boxPlane writes into dst (dw×dh samples of c interleaved channels) the
// average of each k×k block of src (sw×sh samples). Blocks at the right and
// bottom edges are clipped to the source, so every dst sample is defined
// even when the plane sizes do not divide evenly (odd chroma planes).
func boxPlane(dst []uint8, dstStride, dw, dh int, src []uint8, srcStride, sw, sh, c, k int) {
	if c == 1 && k == 2 && dw == sw/2 && dh == sh/2 {
		box2(dst, dstStride, dw, dh, src, srcStride)
		return
	}
	sums := make([]uint32, dw*c)
	counts := make([]uint32, dw)
	for dy := range dh {
		clear(sums)
		clear(counts)
		y0, y1 := dy*k, min(dy*k+k, sh)
		for sy := y0; sy < y1; sy++ {
			row := src[sy*srcStride:]
			for dx := range dw {
				x0, x1 := dx*k, min(dx*k+k, sw)
				s := sums[dx*c : dx*c+c]
				for sx := x0; sx < x1; sx++ {
					p := row[sx*c : sx*c+c]
					for ch := range c {
						s[ch] += uint32(p[ch])
					}
				}
				counts[dx] += uint32(x1 - x0)
			}
		}
		out := dst[dy*dstStride:]
		for dx := range dw {
			n := counts[dx]
			if n == 0 {
				continue
			}
			for ch := range c {
				out[dx*c+ch] = uint8((sums[dx*c+ch] + n/2) / n)
			}
		}
	}
}

// box2 is boxPlane for one channel halved exactly (the dropped odd last
// row and column aside): the common case of a thumbnail made from a
// rendition.
func box2(dst []uint8, dstStride, dw, dh int, src []uint8, srcStride int) {
	for y := range dh {
		r0 := src[2*y*srcStride : 2*y*srcStride+2*dw]
		r1 := src[(2*y+1)*srcStride : (2*y+1)*srcStride+2*dw]
		out := dst[y*dstStride : y*dstStride+dw]
		for x := range out {
			out[x] = uint8((uint32(r0[2*x]) + uint32(r0[2*x+1]) + uint32(r1[2*x]) + uint32(r1[2*x+1]) + 2) >> 2)
		}
	}
}
