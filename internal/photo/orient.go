package photo

import (
	"image"
	"image/draw"
)

// orient returns img turned upright for EXIF orientation o (1-8). Orientation
// 1 (or an invalid value) returns img unchanged; the others return a new
// *image.RGBA, rotated and/or mirrored as the tag prescribes.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	src := toRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	// For each displayed pixel (x, y), the stored pixel (sx, sy) it shows.
	var at func(x, y int) (sx, sy int)
	switch o {
	case 2: // mirror horizontal
		at = func(x, y int) (int, int) { return w - 1 - x, y }
	case 3: // rotate 180
		at = func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }
	case 4: // mirror vertical
		at = func(x, y int) (int, int) { return x, h - 1 - y }
	case 5: // transpose: mirror horizontal, then rotate 270 CW
		at = func(x, y int) (int, int) { return y, x }
	case 6: // rotate 90 CW
		at = func(x, y int) (int, int) { return y, h - 1 - x }
	case 7: // transverse: mirror horizontal, then rotate 90 CW
		at = func(x, y int) (int, int) { return w - 1 - y, h - 1 - x }
	case 8: // rotate 270 CW
		at = func(x, y int) (int, int) { return w - 1 - y, x }
	}
	for y := range dh {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+dw*4]
		for x := range dw {
			sx, sy := at(x, y)
			i := sy*src.Stride + sx*4
			copy(row[x*4:x*4+4], src.Pix[i:i+4])
		}
	}
	return dst
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
