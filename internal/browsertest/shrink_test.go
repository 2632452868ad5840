package browsertest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"slices"
)

// maxDocShot bounds a committed README screenshot.
const maxDocShot = 290 << 10

// shrinkPNG re-encodes a screenshot as a 256-colour PNG (median-cut palette,
// Floyd–Steinberg dithering, or none when dithering makes it too large), so
// the README's screenshots stay small in git.
func shrinkPNG(in []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(in))
	if err != nil {
		return nil, fmt.Errorf("shrink: %w", err)
	}
	b := img.Bounds()
	pal := medianCut(img, 256)
	var out []byte
	for _, drawer := range []draw.Drawer{draw.FloydSteinberg, draw.Src} {
		pm := image.NewPaletted(b, pal)
		drawer.Draw(pm, b, img, b.Min)
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, pm); err != nil {
			return nil, fmt.Errorf("shrink: %w", err)
		}
		out = buf.Bytes()
		if len(out) <= maxDocShot {
			break
		}
	}
	return out, nil
}

// medianCut picks n colours for img by median cut over every other pixel of
// every other row.
func medianCut(img image.Image, n int) color.Palette {
	b := img.Bounds()
	var px [][3]uint8
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			px = append(px, [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)})
		}
	}
	// widest returns a box's population-weighted widest range and its channel.
	widest := func(box [][3]uint8) (score, channel int) {
		lo, hi := [3]uint8{255, 255, 255}, [3]uint8{}
		for _, p := range box {
			for c := range 3 {
				lo[c], hi[c] = min(lo[c], p[c]), max(hi[c], p[c])
			}
		}
		best := -1
		for c := range 3 {
			if d := int(hi[c]) - int(lo[c]); d > best {
				best, channel = d, c
			}
		}
		return best * len(box), channel
	}
	boxes := [][][3]uint8{px}
	for len(boxes) < n {
		split, splitScore, splitCh := -1, 0, 0
		for i, box := range boxes {
			if len(box) < 2 {
				continue
			}
			if s, ch := widest(box); s > splitScore {
				split, splitScore, splitCh = i, s, ch
			}
		}
		if split < 0 {
			break
		}
		box := boxes[split]
		slices.SortFunc(box, func(a, b [3]uint8) int { return int(a[splitCh]) - int(b[splitCh]) })
		boxes[split] = box[:len(box)/2]
		boxes = append(boxes, box[len(box)/2:])
	}
	pal := make(color.Palette, 0, len(boxes))
	for _, box := range boxes {
		var s [3]int
		for _, p := range box {
			for c := range 3 {
				s[c] += int(p[c])
			}
		}
		k := max(len(box), 1)
		pal = append(pal, color.RGBA{uint8(s[0] / k), uint8(s[1] / k), uint8(s[2] / k), 255})
	}
	return pal
}
