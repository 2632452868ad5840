package photo

import (
	"fmt"
	"image"
	"image/color"
	"testing"
)

// packed returns img's samples as 4-byte pixels (Y, Cb, Cr, 0 with the
// chroma each pixel uses, or the grey value three times): a 4:4:4 copy
// that orientPlane turns with no colour conversion.
func packed(img image.Image) *image.RGBA {
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			var c [3]uint8
			switch v := img.At(b.Min.X+x, b.Min.Y+y).(type) {
			case color.YCbCr:
				c = [3]uint8{v.Y, v.Cb, v.Cr}
			case color.Gray:
				c = [3]uint8{v.Y, v.Y, v.Y}
			}
			copy(m.Pix[m.PixOffset(x, y):], c[:])
		}
	}
	return m
}

// TestOrientPlanes: turning YCbCr and Gray images plane by plane gives
// every pixel its luma (or grey) value exactly where turning all samples
// at full resolution puts it; chroma too at even sizes, and at odd sizes,
// where a flipped axis cannot keep 2×2 chroma squares aligned, the chroma
// of a neighbouring pixel.
func TestOrientPlanes(t *testing.T) {
	t.Parallel()
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	for _, size := range []image.Point{{16, 10}, {7, 5}} {
		var imgs []image.Image
		for _, r := range ratios {
			m := image.NewYCbCr(image.Rect(0, 0, size.X, size.Y), r)
			for i := range m.Y {
				m.Y[i] = uint8(i * 37)
			}
			for i := range m.Cb {
				m.Cb[i], m.Cr[i] = uint8(60+i*11), uint8(200-i*7)
			}
			imgs = append(imgs, m)
		}
		g := image.NewGray(image.Rect(0, 0, size.X, size.Y))
		for i := range g.Pix {
			g.Pix[i] = uint8(i * 29)
		}
		imgs = append(imgs, g, g.SubImage(image.Rect(1, 1, size.X, size.Y)))
		for i, img := range imgs {
			for o := 2; o <= 8; o++ {
				t.Run(fmt.Sprintf("%v/%d/%d", size, i, o), func(t *testing.T) {
					got := orient(img, o)
					m, ok := img.(*image.YCbCr)
					if ok && (m.SubsampleRatio == image.YCbCrSubsampleRatio411 || m.SubsampleRatio == image.YCbCrSubsampleRatio410) && o >= 5 {
						if _, ok := got.(*image.RGBA); !ok {
							t.Fatalf("4:1:x turned a quarter into %T, want RGBA", got)
						}
						return
					}
					src := packed(img)
					dw, dh := turned(src.Rect.Dx(), src.Rect.Dy(), o >= 5)
					want := image.NewRGBA(image.Rect(0, 0, dw, dh))
					orientPlane(want.Pix, want.Stride, src.Pix, src.Stride, src.Rect.Dx(), src.Rect.Dy(), 4, o)
					if got.Bounds() != want.Rect {
						t.Fatalf("bounds %v, want %v", got.Bounds(), want.Rect)
					}
					gp := packed(got)
					for y := range dh {
						for x := range dw {
							g, w := gp.Pix[gp.PixOffset(x, y):], want.Pix[want.PixOffset(x, y):]
							if g[0] != w[0] {
								t.Fatalf("(%d,%d): luma %d, want %d", x, y, g[0], w[0])
							}
							if g[1] == w[1] && g[2] == w[2] {
								continue
							}
							near := false
							for dy := -1; dy <= 1 && size.X%2 == 1; dy++ {
								for dx := -1; dx <= 1; dx++ {
									if p := image.Pt(x+dx, y+dy); p.In(want.Rect) {
										n := want.Pix[want.PixOffset(p.X, p.Y):]
										near = near || n[1] == g[1] && n[2] == g[2]
									}
								}
							}
							if !near {
								t.Fatalf("(%d,%d): chroma %d,%d, want %d,%d", x, y, g[1], g[2], w[1], w[2])
							}
						}
					}
				})
			}
		}
	}
}
