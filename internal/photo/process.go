package photo

import (
	"context"
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"

	"github.com/targetvision/targetvision/internal/jpegenc"
)

// Default output sizes, used for the zero fields of Outputs.
const (
	// DefaultThumbEdge is the long edge of the grid thumbnail the web UI shows.
	DefaultThumbEdge = 400
	// DefaultRenditionEdge is the long edge of the analysis rendition, the
	// same bound SmugMug renditions are fetched at, so local and SmugMug
	// photos reach Claude and CLIP at the same size.
	DefaultRenditionEdge = 2200
)

// JPEG qualities of the outputs: the rendition feeds models, so it keeps more
// detail; the thumbnail is for eyes at small size.
const (
	thumbQuality     = 82
	renditionQuality = 90
)

// Outputs says which derived files Process writes. An empty path skips that
// output.
type Outputs struct {
	// ThumbPath receives a JPEG whose long edge is ThumbEdge (default
	// DefaultThumbEdge), or the photo's own size if smaller: never upscaled.
	ThumbPath string
	ThumbEdge int
	// RenditionPath receives a JPEG whose long edge is at most RenditionEdge
	// (default DefaultRenditionEdge); never upscaled.
	RenditionPath string
	RenditionEdge int
}

// Process reads and decodes the file once and writes the requested
// thumbnail and rendition, upright, each atomically (a temporary file in the
// target directory renamed into place, so a reader never sees half a JPEG),
// creating directories as needed. The rendition is resampled from the
// original with Catmull-Rom and the thumbnail from the rendition, which
// costs one full-resolution pass instead of two with no visible loss.
func Process(ctx context.Context, path string, lim Limits, out Outputs) (Info, error) {
	f, err := load(ctx, path, lim.withDefaults())
	if err != nil {
		return f.info, err
	}
	if out.ThumbPath == "" && out.RenditionPath == "" {
		return f.info, nil
	}
	release, err := lim.Memory.acquire(ctx, f.need)
	if err != nil {
		return f.info, fmt.Errorf("photo: %s: %w", path, err)
	}
	defer release()
	thumbEdge := orDefault(out.ThumbEdge, DefaultThumbEdge)
	rendEdge := orDefault(out.RenditionEdge, DefaultRenditionEdge)
	// A JPEG is decoded only as large as the largest output needs (DCT
	// scaling): a 6000×4000 photo for a 2200 px rendition is decoded at
	// 2250×1500, for a thumbnail alone at 750×500.
	need := thumbEdge
	if out.RenditionPath != "" {
		need = rendEdge
	}
	img, err := f.decode(ctx, decodeEighths(f.info, need))
	if err != nil {
		return f.info, err
	}
	f.data, f.pixels = nil, nil // the file's bytes are not needed past decoding; let the GC have them

	// Resample once from the original, then orient the small result. The
	// rendition size is the first step when the rendition is wanted or the
	// original is so large that a rendition-sized intermediate makes the
	// thumbnail cheaper; otherwise the thumbnail is made straight away.
	first := thumbEdge
	if out.RenditionPath != "" || longEdge(img.Bounds()) > 2*rendEdge {
		first = rendEdge
	}
	if err := ctx.Err(); err != nil {
		return f.info, fmt.Errorf("photo: %s: %w", path, err)
	}
	base := flatten(orient(resize(img, first), f.info.Orientation))
	if out.RenditionPath != "" {
		if err := writeJPEG(base, out.RenditionPath, renditionQuality); err != nil {
			return f.info, fmt.Errorf("photo: %s: rendition: %w", path, err)
		}
	}
	if out.ThumbPath != "" {
		if err := ctx.Err(); err != nil {
			return f.info, fmt.Errorf("photo: %s: %w", path, err)
		}
		if err := writeJPEG(resize(base, thumbEdge), out.ThumbPath, thumbQuality); err != nil {
			return f.info, fmt.Errorf("photo: %s: thumbnail: %w", path, err)
		}
	}
	return f.info, nil
}

// decodeEighths is the smallest JPEG DCT scale m/8 at which the image's
// long edge stays at least need pixels: a 6000×4000 photo for a 2200 px
// rendition is decoded at 3/8 (2250×1500), a 12 MP one at 5/8. Only the
// scales whose transforms are unrolled are chosen: at 6/8 and 7/8 the
// table-driven transform costs more than a full decode saves in
// resampling, so those photos are decoded whole.
func decodeEighths(in Info, need int) int {
	long := max(in.Width, in.Height)
	for _, m := range []int{1, 2, 3, 4, 5} {
		if (long*m+7)/8 >= need {
			return m
		}
	}
	return 8
}

// orDefault returns v, or def when v is not positive.
func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func longEdge(r image.Rectangle) int { return max(r.Dx(), r.Dy()) }

// fitWithin returns the size of r scaled so its long edge is edge, keeping
// the aspect ratio; sizes already within edge are returned unchanged.
func fitWithin(r image.Rectangle, edge int) (w, h int) {
	w, h = r.Dx(), r.Dy()
	if w <= edge && h <= edge {
		return w, h
	}
	if w >= h {
		return edge, max(1, int((int64(h)*int64(edge)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(edge)+int64(h)/2)/int64(h))), edge
}

// resize scales img so its long edge is at most edge with Catmull-Rom
// (bicubic) resampling; an image already small enough is returned as is.
// YCbCr and Gray images stay in their colour model (resampleFast); others
// come back as RGBA.
func resize(img image.Image, edge int) image.Image {
	b := img.Bounds()
	w, h := fitWithin(b, edge)
	if w == b.Dx() && h == b.Dy() {
		return img
	}
	img = shrinkFor(img, w, h)
	if out, ok := resampleFast(img, w, h); ok {
		return out
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Rect, img, img.Bounds(), draw.Src, nil)
	return dst
}

// flatten composites an image with transparency onto white, since JPEG has
// no alpha and transparent pixels would otherwise turn black.
func flatten(img image.Image) image.Image {
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		return img
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	stddraw.Draw(dst, dst.Rect, image.NewUniform(color.White), image.Point{}, stddraw.Src)
	stddraw.Draw(dst, dst.Rect, img, b.Min, stddraw.Over)
	return dst
}

// writeJPEG encodes img to path atomically: it writes a temporary file in the
// same directory and renames it over path. It does not fsync: outputs are
// derived data that the indexer recreates if a crash loses them.
func writeJPEG(img image.Image, path string, quality int) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// One write: the encoder builds the file in memory.
	if err := jpegenc.Encode(tmp, img, quality); err != nil {
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
