package photo

import (
	"context"
	"fmt"
	"image"
	"image/color"

	"golang.org/x/sync/semaphore"
)

// DefaultMaxDecodeBytes bounds one photo's decoding when Limits has no
// Memory budget: the file's bytes plus its decoded pixels.
const DefaultMaxDecodeBytes int64 = 512 << 20

// Memory is a budget of bytes that every decode of a process draws from
// while it holds the file and its pixels: with it, the workers together
// never hold more than the budget, however large or deep the photos — a
// pixel limit alone let a 16-bit PNG of 100 MP take 1.7 GB. A photo that
// needs more than the whole budget is refused with ErrTooLarge.
type Memory struct {
	total int64
	sem   *semaphore.Weighted
}

// NewMemory returns a budget of total bytes.
func NewMemory(total int64) *Memory {
	return &Memory{total: total, sem: semaphore.NewWeighted(total)}
}

// limit is the most one decode may take.
func (m *Memory) limit() int64 {
	if m == nil {
		return DefaultMaxDecodeBytes
	}
	return m.total
}

// acquire waits for n bytes of the budget and returns their release; a nil
// budget only checks n against DefaultMaxDecodeBytes (already done by parse).
func (m *Memory) acquire(ctx context.Context, n int64) (func(), error) {
	if m == nil {
		return func() {}, nil
	}
	n = min(n, m.total)
	if err := m.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { m.sem.Release(n) }, nil
}

// decodeCost is what decoding costs in bytes beyond the file itself: the
// decoder's pixel buffers at the depth the header declares, and for a
// progressive JPEG its coefficient buffers (a 64-int32 block per 8×8
// pixels of each component).
func decodeCost(format string, cfg image.Config, data []byte) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	var perPixel int64
	switch cfg.ColorModel {
	case color.GrayModel, color.AlphaModel:
		perPixel = 1
	case color.Gray16Model, color.Alpha16Model:
		perPixel = 2
	case color.YCbCrModel:
		perPixel = 3 // 4:4:4 at worst; subsampled planes take less
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		perPixel = 4
	case color.RGBA64Model, color.NRGBA64Model:
		perPixel = 8
	default:
		if _, ok := cfg.ColorModel.(color.Palette); ok {
			perPixel = 1
		} else {
			perPixel = 8 // unknown: assume the deepest
		}
	}
	switch format {
	case "webp":
		perPixel = 4 // lossless WebP decodes to NRGBA
	case "heic", "avif":
		// Decoded inside the WebAssembly decoder's memory first, then
		// copied out: twice the pixels.
		perPixel *= 2
	}
	if format == "jpeg" && progressiveJPEG(data) {
		comps := int64(3)
		if cfg.ColorModel == color.GrayModel {
			comps = 1
		} else if cfg.ColorModel == color.CMYKModel {
			comps = 4
		}
		perPixel += 4 * comps
	}
	return px * perPixel
}

// progressiveJPEG reports whether the JPEG's frame header is progressive
// (SOF2), walking the marker segments up to the first frame header.
func progressiveJPEG(data []byte) bool {
	p := 2 // after SOI
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return false
		}
		marker := data[p+1]
		switch {
		case marker == 0xFF: // fill byte
			p++
			continue
		case marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE:
			return true
		case marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			return false // another frame type: baseline, extended, lossless
		case marker == 0xD8 || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01:
			p += 2 // markers without a length
			continue
		}
		p += 2 + (int(data[p+2])<<8 | int(data[p+3]))
	}
	return false
}

// tooBig is ErrTooLarge for a photo whose decoding needs more than limit.
func tooBig(path string, need, limit int64) error {
	return fmt.Errorf("photo: %s: %w: decoding it needs %d MiB, over the %d MiB decode budget (TARGETVISION_DECODE_MEMORY_MB)",
		path, ErrTooLarge, need>>20, limit>>20)
}
