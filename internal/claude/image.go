package claude

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"os"

	_ "image/png" // analysis renditions are JPEG, but local folders may hold PNG

	"golang.org/x/image/draw"

	"github.com/targetvision/targetvision/internal/photo"
)

const (
	// DefaultImageLongEdge is the long edge, in pixels, a photo is scaled to
	// before it is sent. See docs/cost.md: at 3:2 it is 640×427 ≈ 364 image
	// tokens, enough for subject, setting, light, colour and large text, and it
	// keeps a batch description under $0.001.
	DefaultImageLongEdge = 640

	// DefaultJPEGQuality is the re-encoding quality: artefacts at 80 are
	// invisible to the model and the file stays ~40–80 KB.
	DefaultJPEGQuality = 80

	maxImageBytes = 5 << 20 // the API's per-image limit
	maxImageSide  = 8000    // the API's per-image dimension limit
)

// ImageTokens is the input-token cost of a w×h image by the classic formula
// tokens ≈ w·h/750 (rounded up). The newer 28-px patch formula,
// ceil(w/28)·ceil(h/28), gives nearly the same number.
func ImageTokens(w, h int) int {
	return (w*h + 749) / 750
}

// prepared is an image ready to send.
type prepared struct {
	JPEG          []byte
	Width, Height int
	// SHA256 is the hex SHA-256 of the source bytes (the file as read), or of
	// the re-encoded JPEG when the caller handed us an image.Image.
	SHA256 string
}

// prepareFile reads a JPEG/PNG file, applies its EXIF orientation, scales it
// so the long edge is at most longEdge and re-encodes it as JPEG.
func prepareFile(path string, longEdge, quality int) (prepared, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return prepared{}, fmt.Errorf("claude: read image: %w", err)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return prepared{}, fmt.Errorf("claude: decode image %s: %w", path, err)
	}
	p, err := prepareImage(img, photo.Orientation(raw), longEdge, quality)
	if err != nil {
		return prepared{}, err
	}
	sum := sha256.Sum256(raw)
	p.SHA256 = hex.EncodeToString(sum[:])
	return p, nil
}

// prepareImage scales img (never up), turns it upright for the EXIF
// orientation o (1 = as stored) and encodes it as JPEG. Scaling comes first so
// the per-pixel rotation runs on the small image.
func prepareImage(img image.Image, o, longEdge, quality int) (prepared, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return prepared{}, fmt.Errorf("claude: empty image")
	}
	nw, nh := fitLongEdge(w, h, longEdge)
	if nw != w || nh != h {
		dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		img = dst
	}
	img = applyOrientation(img, o)
	if o >= 5 {
		nw, nh = nh, nw
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return prepared{}, fmt.Errorf("claude: encode jpeg: %w", err)
	}
	if buf.Len() > maxImageBytes {
		return prepared{}, fmt.Errorf("claude: encoded image is %d bytes, over the API's 5 MB limit", buf.Len())
	}
	sum := sha256.Sum256(buf.Bytes())
	return prepared{JPEG: buf.Bytes(), Width: nw, Height: nh, SHA256: hex.EncodeToString(sum[:])}, nil
}

// fitLongEdge returns w×h scaled so that max(w,h) ≤ longEdge, keeping the
// aspect ratio; images already small enough are left alone.
func fitLongEdge(w, h, longEdge int) (int, int) {
	if longEdge <= 0 {
		longEdge = DefaultImageLongEdge
	}
	longEdge = min(longEdge, maxImageSide)
	if w <= longEdge && h <= longEdge {
		return w, h
	}
	if w >= h {
		return longEdge, max(1, (h*longEdge+w/2)/w)
	}
	return max(1, (w*longEdge+h/2)/h), longEdge
}

// applyOrientation turns img upright for EXIF orientations 2–8, so Claude
// sees what the photographer saw.
func applyOrientation(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.Set(dx, dy, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}
