package photo

import (
	"image"
	"image/draw"
)

// orient returns img turned upright for EXIF orientation o (1-8).
// Orientation 1 (or an invalid value) returns img unchanged. YCbCr (with
// chroma subsampled evenly, or 4:2:2/4:4:0, which a quarter turn swaps)
// and Gray images are turned plane by plane in their own colour model, so
// the encoder and the resampler keep their fast paths; anything else
// becomes a new *image.RGBA.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	transpose := o >= 5
	switch m := img.(type) {
	case *image.Gray:
		b := m.Bounds()
		dw, dh := turned(b.Dx(), b.Dy(), transpose)
		dst := image.NewGray(image.Rect(0, 0, dw, dh))
		orientPlane(dst.Pix, dst.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy(), 1, o)
		return dst
	case *image.YCbCr:
		ratio, ok := turnedRatio(m.SubsampleRatio, transpose)
		b := m.Bounds()
		if !ok || b.Min.X%2 != 0 || b.Min.Y%2 != 0 {
			break
		}
		dw, dh := turned(b.Dx(), b.Dy(), transpose)
		dst := image.NewYCbCr(image.Rect(0, 0, dw, dh), ratio)
		orientPlane(dst.Y, dst.YStride, m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, b.Dx(), b.Dy(), 1, o)
		sc := chromaSize(b.Dx(), b.Dy(), m.SubsampleRatio)
		c0 := m.COffset(b.Min.X, b.Min.Y)
		orientPlane(dst.Cb, dst.CStride, m.Cb[c0:], m.CStride, sc.X, sc.Y, 1, o)
		orientPlane(dst.Cr, dst.CStride, m.Cr[c0:], m.CStride, sc.X, sc.Y, 1, o)
		return dst
	}
	src := toRGBA(img)
	dw, dh := turned(src.Rect.Dx(), src.Rect.Dy(), transpose)
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	orientPlane(dst.Pix, dst.Stride, src.Pix, src.Stride, src.Rect.Dx(), src.Rect.Dy(), 4, o)
	return dst
}

// turned is the size of a w×h plane after the orientation, which swaps
// width and height when it transposes.
func turned(w, h int, transpose bool) (int, int) {
	if transpose {
		return h, w
	}
	return w, h
}

// turnedRatio is the chroma subsampling of a YCbCr image after the
// orientation; ok is false for 4:1:1 and 4:1:0, whose quarter turn
// image.YCbCr cannot hold.
func turnedRatio(r image.YCbCrSubsampleRatio, transpose bool) (image.YCbCrSubsampleRatio, bool) {
	switch r {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420:
		return r, true
	case image.YCbCrSubsampleRatio422:
		if transpose {
			return image.YCbCrSubsampleRatio440, true
		}
		return r, true
	case image.YCbCrSubsampleRatio440:
		if transpose {
			return image.YCbCrSubsampleRatio422, true
		}
		return r, true
	}
	return r, !transpose
}

// orientPlane writes into dst the w×h plane src (bpp bytes a sample)
// turned for orientation o: each displayed row is read from the stored
// plane along a row or a column, from one end or the other.
func orientPlane(dst []byte, dstStride int, src []byte, stride, w, h, bpp, o int) {
	dw, dh := turned(w, h, o >= 5)
	for y := range dh {
		// The stored sample shown at (0, y), and the step to the one
		// shown at (x+1, y).
		var base, step int
		switch o {
		case 2: // mirror horizontal
			base, step = y*stride+(w-1)*bpp, -bpp
		case 3: // rotate 180
			base, step = (h-1-y)*stride+(w-1)*bpp, -bpp
		case 4: // mirror vertical
			base, step = (h-1-y)*stride, bpp
		case 5: // transpose
			base, step = y*bpp, stride
		case 6: // rotate 90 CW
			base, step = (h-1)*stride+y*bpp, -stride
		case 7: // transverse
			base, step = (h-1)*stride+(w-1-y)*bpp, -stride
		case 8: // rotate 270 CW
			base, step = (w-1-y)*bpp, stride
		}
		row := dst[y*dstStride : y*dstStride+dw*bpp]
		if bpp == 1 {
			for x := range row {
				row[x] = src[base+x*step]
			}
			continue
		}
		for x := 0; x < dw; x++ {
			copy(row[x*bpp:x*bpp+bpp], src[base+x*step:base+x*step+bpp])
		}
	}
}

// toRGBA returns img as an *image.RGBA whose bounds start at (0, 0),
// converting with the standard library's fast paths (YCbCr, Gray, CMYK…).
func toRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	return dst
}
