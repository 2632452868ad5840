// Package photo is the photo-file layer of the local indexer: it reads one
// image file, tells what it is (format, displayed size, EXIF facts, content
// hash), decodes it upright, and writes the JPEG thumbnail and analysis
// rendition the rest of TargetVision works from.
//
// Photo libraries contain hostile and broken files as a matter of course
// (truncated uploads, odd cameras, decompression bombs), so every entry point
// bounds the work it does by Limits before decoding, turns decoder panics into
// errors, and reports failures as one of three sentinels the caller can
// branch on: ErrTooLarge, ErrUnsupported and ErrCorrupt.
package photo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registers "gif" with image.Decode
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gen2brain/avif"
	"github.com/gen2brain/heic"
	_ "golang.org/x/image/bmp" // registers "bmp" with image.Decode
	"golang.org/x/image/tiff"
	_ "golang.org/x/image/webp" // registers "webp" with image.Decode

	"github.com/targetvision/targetvision/internal/jpegdec"
	"github.com/targetvision/targetvision/internal/raw"
	"github.com/targetvision/targetvision/internal/xmp"
)

// Sentinel errors. Every error returned by this package that concerns the
// file's content wraps exactly one of them, so the indexer can decide
// whether to skip a file for good (all three) or retry it (anything else,
// such as an I/O error or a cancelled context).
var (
	// ErrTooLarge means the file or its declared pixel dimensions exceed
	// Limits; nothing was decoded.
	ErrTooLarge = errors.New("image too large")
	// ErrUnsupported means the file is not an image this package can read:
	// an unknown format or a format feature the decoders lack.
	ErrUnsupported = errors.New("unsupported image")
	// ErrCorrupt means the file claims a known format but its data cannot
	// be decoded (truncated, malformed, or it made a decoder panic).
	ErrCorrupt = errors.New("corrupt image")
	// ErrNoPreview means a camera RAW file holds no embedded image the
	// decoders can read (its previews were stripped, or it has only sensor
	// data). It is not a failure of the photo: the Info that comes with it
	// is complete (camera, date, settings), there are just no pixels.
	ErrNoPreview = errors.New("RAW file without a usable preview")
)

// Default limits, used for the zero fields of Limits.
const (
	// DefaultMaxPixels (100 megapixels) admits every current camera
	// (the largest produce about 100-150 MP only in pixel-shift modes)
	// while keeping one decoded image under about 400 MB of RAM.
	DefaultMaxPixels int64 = 100_000_000
	// DefaultMaxBytes (256 MiB) bounds how much of a file is read into
	// memory; camera JPEGs and even 16-bit TIFFs are well under it.
	DefaultMaxBytes int64 = 256 << 20
)

// Limits bound the memory one file may cost. A zero (or negative) field
// means its default, so Limits{} is the usual choice.
type Limits struct {
	// MaxPixels is the largest width×height accepted, checked against the
	// header before any pixel is decoded. Default DefaultMaxPixels.
	MaxPixels int64
	// MaxBytes is the largest file size accepted; the whole file is read
	// into memory once (hash, metadata and decode share that one read).
	// Default DefaultMaxBytes.
	MaxBytes int64
	// Memory is the process's decode budget, shared by its workers; nil
	// bounds each photo by DefaultMaxDecodeBytes alone.
	Memory *Memory
}

func (l Limits) withDefaults() Limits {
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// GPS is where the photo was taken, in WGS84 decimal degrees (south and west
// negative).
type GPS struct {
	Lat, Lon float64
	// Alt is metres above sea level (negative below); nil when unknown.
	Alt *float64
}

// Info is what the indexer stores about a file without keeping its pixels.
// Fields the file does not tell are left at their zero value.
type Info struct {
	// Format is what the content is: "jpeg", "png", "gif", "webp",
	// "tiff", "bmp", "heic" or "avif", or for a camera RAW file its kind
	// ("cr2", "cr3", "nef", "dng", "raf", …; see package raw), whose
	// pixels are its largest embedded JPEG preview. An MPO file reads as
	// "jpeg" (its first frame).
	Format string
	// Width and Height are the size as displayed, that is after the EXIF
	// orientation is applied (swapped for orientations 5-8).
	Width, Height int
	// Orientation is the EXIF orientation 1-8 (1 when absent or invalid).
	Orientation int
	// TakenAt is EXIF DateTimeOriginal (falling back to DateTimeDigitized;
	// never to DateTime, which editors set to the export time). With
	// OffsetTimeOriginal (or OffsetTime) present it is
	// the exact instant in that fixed zone; without it the camera's
	// wall-clock reading is returned as if it were UTC, because EXIF does not
	// say which zone the camera clock was set to. Zero when unknown.
	TakenAt time.Time
	// TakenAtHasZone reports whether TakenAt carries a real UTC offset
	// (true) or is a local wall-clock time labelled UTC (false).
	TakenAtHasZone bool
	// CameraMake and CameraModel are EXIF Make and Model, trimmed.
	CameraMake, CameraModel string
	// Lens is EXIF LensModel, trimmed.
	Lens string
	// ExposureTime is written as photographers read it: "1/250", "1/2660",
	// "0.5" or "2".
	ExposureTime string
	// FNumber and FocalLength (millimetres) are 0 when unknown.
	FNumber, FocalLength float64
	// ISO is EXIF ISOSpeedRatings (first value); 0 when unknown.
	ISO int
	// GPS is nil when the file has no usable position (absent, out of range,
	// or exactly 0,0 which cameras write when they had no fix).
	GPS *GPS
	// Size is the file size in bytes.
	Size int64
	// SHA256 is the lower-case hex SHA-256 of the file's bytes; it identifies
	// the content across renames and moves.
	SHA256 string
	// Truncated says the file ended early (a cut upload or copy): the
	// image shows the part that was decoded, the rest grey, as libjpeg
	// shows it. Set by decoding, not by Inspect.
	Truncated bool
	// Written is what the photographer wrote into the file: its embedded
	// XMP packet and IPTC record (keywords, title, caption, rating…).
	// Sidecar files are the caller's to read and lay over it.
	Written xmp.Meta
	// MetadataWarning says, in one line, why EXIF was missing parts or was
	// ignored (a malformed or hostile EXIF block never fails the photo).
	// Empty when the metadata read cleanly or there was none.
	MetadataWarning string
}

// supportedExts are the extensions of the non-RAW images the directory
// walker should offer to Inspect; the content, not the name, decides the
// format afterwards.
var supportedExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".jpe": true, ".png": true, ".webp": true, ".gif": true,
	".tif": true, ".tiff": true, ".mpo": true, ".bmp": true,
	".heic": true, ".heif": true, ".hif": true, ".avif": true,
}

// IsSupportedExt reports whether a file name has an extension this package
// can read (case-insensitive; camera RAW included), so a directory walk
// can tell sidecars and videos from photos without opening them.
func IsSupportedExt(name string) bool {
	return supportedExts[strings.ToLower(filepath.Ext(name))] || raw.IsExt(name)
}

// IsRAWExt reports whether a file name has a camera RAW extension.
func IsRAWExt(name string) bool { return raw.IsExt(name) }

// isRAWFormat reports whether an Info.Format names a camera RAW kind.
func isRAWFormat(format string) bool {
	switch format {
	case "", "jpeg", "png", "gif", "webp", "tiff", "bmp", "heic", "avif":
		return false
	}
	return true
}

// Inspect reads a file once and returns its Info without decoding pixels: the
// header dimensions are checked against lim.MaxPixels, EXIF is parsed and the
// content hashed. On error the returned Info still holds whatever was learned
// (Size and SHA256 whenever the file could be read), so a caller can record a
// bad file by its hash.
func Inspect(ctx context.Context, path string, lim Limits) (Info, error) {
	f, err := load(ctx, path, lim.withDefaults())
	return f.info, err
}

// Decode returns the full image, upright (EXIF orientation 1-8 applied), and
// its Info. The header is checked against lim before decoding. A YCbCr or
// Gray image stays one when turned upright (4:1:1 and 4:1:0 chroma aside);
// other images with an orientation other than 1 become an *image.RGBA.
func Decode(ctx context.Context, path string, lim Limits) (image.Image, Info, error) {
	f, err := load(ctx, path, lim.withDefaults())
	if err != nil {
		return nil, f.info, err
	}
	need := f.need
	if f.info.Orientation > 1 {
		need += 8 * int64(f.info.Width) * int64(f.info.Height) // turning it upright copies it twice at 4 bytes a pixel
	}
	release, err := lim.Memory.acquire(ctx, need)
	if err != nil {
		return nil, f.info, fmt.Errorf("photo: %s: %w", path, err)
	}
	defer release()
	img, err := f.decode(ctx, 8)
	if err != nil {
		return nil, f.info, err
	}
	return orient(img, f.info.Orientation), f.info, nil
}

// file is one file read into memory with its Info.
type file struct {
	path string
	data []byte
	// pixels are the bytes to decode: data itself, or a RAW file's
	// embedded preview JPEG.
	pixels []byte
	info   Info
	// need is the memory decoding it takes: the file's bytes and the
	// decoder's buffers (decodeCost).
	need int64
}

// load reads the file, hashes it, reads its header and EXIF, and enforces the
// limits. It is the first half of Inspect, Decode and Process.
func load(ctx context.Context, path string, lim Limits) (file, error) {
	if err := ctx.Err(); err != nil {
		return file{path: path}, fmt.Errorf("photo: %s: %w", path, err)
	}
	data, err := readLimited(path, lim.MaxBytes)
	if err != nil {
		return file{path: path}, err
	}
	if err := ctx.Err(); err != nil {
		return file{path: path}, fmt.Errorf("photo: %s: %w", path, err)
	}
	return parse(path, data, lim)
}

// parse fills Info from the file's bytes and checks the declared size
// against the limits, before anything is decoded. Any panic in the
// container walking is reported as ErrCorrupt, like a decoder panic.
func parse(path string, data []byte, lim Limits) (f file, err error) {
	f.path, f.data, f.pixels = path, data, data
	sum := sha256.Sum256(data)
	f.info.Size = int64(len(data))
	f.info.SHA256 = hex.EncodeToString(sum[:])
	f.info.Orientation = 1
	defer func() {
		if r := recover(); r != nil {
			err = decodeErr(path, panicError{r})
		}
	}()

	if kind := raw.Detect(data, path); kind != "" {
		return parseRAW(f, kind, lim)
	}
	cfg, format, err := decodeConfig(data)
	f.info.Format = format
	if err != nil {
		return f, decodeErr(path, err)
	}
	meta, warn := readMetadata(exifBlocks(format, data))
	f.setMeta(meta, warn)

	w, h := int64(cfg.Width), int64(cfg.Height)
	if format == "gif" {
		// The GIF logical screen may be tiny while a frame declares a huge
		// rectangle; the extent of the first frame is what a decoder would
		// allocate.
		if gw, gh, ok := gifExtent(data); ok {
			w, h = max(w, gw), max(h, gh)
		}
	}
	return f, f.checkSize(w, h, cfg.ColorModel, format, lim)
}

// parseRAW fills Info from a camera RAW file: the RAW's own EXIF, and the
// largest embedded JPEG preview as the pixels to decode.
func parseRAW(f file, kind string, lim Limits) (file, error) {
	f.info.Format = kind
	meta, warn := readMetadata(exifBlocks(kind, f.data))
	jpg, cfg, ok := raw.Preview(f.data)
	f.setMeta(meta, warn)
	if !ok {
		return f, fmt.Errorf("photo: %s: %w: no embedded JPEG found", f.path, ErrNoPreview)
	}
	f.pixels = jpg
	return f, f.checkSize(int64(cfg.Width), int64(cfg.Height), cfg.ColorModel, "jpeg", lim)
}

// setMeta takes the metadata read from the file, keeping what parse
// already knows (format, size, hash).
func (f *file) setMeta(meta Info, warn string) {
	meta.Format, meta.Size, meta.SHA256 = f.info.Format, f.info.Size, f.info.SHA256
	meta.MetadataWarning = warn
	meta.Written = embeddedMeta(f.info.Format, f.data)
	f.info = meta
}

// checkSize is the one place where an image's declared size is known
// before anything is decoded: it records the displayed size, refuses images
// over the pixel limit, and works out what decoding the pixels (of format,
// at model's depth) will cost in bytes, refusing what the decode budget
// cannot hold.
func (f *file) checkSize(w, h int64, model color.Model, format string, lim Limits) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("photo: %s: %w: header declares %dx%d pixels", f.path, ErrCorrupt, w, h)
	}
	f.info.Width, f.info.Height = int(w), int(h)
	if f.info.Orientation >= 5 {
		f.info.Width, f.info.Height = int(h), int(w)
	}
	if w*h > lim.MaxPixels {
		return fmt.Errorf("photo: %s: %w: header declares %dx%d pixels (%.1f MP), over the %.1f MP limit",
			f.path, ErrTooLarge, w, h, float64(w*h)/1e6, float64(lim.MaxPixels)/1e6)
	}
	f.need = int64(len(f.data)) + decodeCost(format, image.Config{ColorModel: model, Width: int(w), Height: int(h)}, f.pixels)
	if f.need > lim.Memory.limit() {
		return tooBig(f.path, f.need, lim.Memory.limit())
	}
	return nil
}

// readLimited reads the whole file, refusing files over maxBytes before
// reading them (by Stat) and while reading (the file may grow).
func readLimited(path string, maxBytes int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("photo: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("photo: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("photo: %s: %w: not a regular file", path, ErrUnsupported)
	}
	if st.Size() > maxBytes {
		return nil, fmt.Errorf("photo: %s: %w: file is %d bytes, over the %d-byte limit", path, ErrTooLarge, st.Size(), maxBytes)
	}
	buf := bytes.NewBuffer(make([]byte, 0, st.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(fh, maxBytes+1)); err != nil {
		return nil, fmt.Errorf("photo: %s: read: %w", path, err)
	}
	if int64(buf.Len()) > maxBytes {
		return nil, fmt.Errorf("photo: %s: %w: file grew over the %d-byte limit while being read", path, ErrTooLarge, maxBytes)
	}
	return buf.Bytes(), nil
}

// decodeConfig reads the image header, sniffing the format from the
// content, with panics recovered.
func decodeConfig(data []byte) (cfg image.Config, format string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError{r}
		}
	}()
	switch k := heifKind(data); k {
	case "heic":
		cfg, err = heic.DecodeConfig(bytes.NewReader(data))
		return cfg, k, err
	case "avif":
		cfg, err = avif.DecodeConfig(bytes.NewReader(data))
		return cfg, k, err
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
		cfg, err = jpegdec.DecodeConfig(bytes.NewReader(data))
		return cfg, "jpeg", err
	}
	return image.DecodeConfig(bytes.NewReader(data))
}

// heifKind tells HEIF files apart by the brands of their "ftyp" box:
// "avif" for AV1 images, "heic" for HEVC (and plain "mif1") ones, "" for
// anything else.
func heifKind(data []byte) string {
	if len(data) < 16 || string(data[4:8]) != "ftyp" {
		return ""
	}
	n := min(int(binary.BigEndian.Uint32(data)), len(data), 256)
	brands := []string{string(data[8:12])}
	for p := 16; p+4 <= n; p += 4 {
		brands = append(brands, string(data[p:p+4]))
	}
	kind := ""
	for _, b := range brands {
		switch b {
		case "avif", "avis":
			return "avif"
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1":
			kind = "heic"
		}
	}
	return kind
}

// decode decodes the file's first frame, a JPEG at eighths/8 of its size
// (1 to 8; other formats ignore it); the limits were checked
// by load.
func (f *file) decode(ctx context.Context, eighths int) (img image.Image, err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("photo: %s: %w", f.path, err)
	}
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, decodeErr(f.path, panicError{r})
		}
	}()
	switch {
	case f.info.Format == "heic":
		img, err = heic.Decode(bytes.NewReader(f.pixels))
	case f.info.Format == "avif":
		img, err = avif.Decode(bytes.NewReader(f.pixels))
	case bytes.HasPrefix(f.pixels, []byte{0xFF, 0xD8}):
		// JPEG (and MPO, and RAW previews) decode like libjpeg: a cut
		// file shows what arrived, any sampling factors work.
		img, f.info.Truncated, err = jpegdec.DecodeEighths(bytes.NewReader(f.pixels), eighths)
	default:
		img, _, err = image.Decode(bytes.NewReader(f.pixels))
	}
	if err != nil {
		return nil, decodeErr(f.path, err)
	}
	return img, nil
}

// panicError carries a recovered decoder panic as an error.
type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprintf("decoder panicked: %v", p.v) }

// decodeErr classifies a decoder error into one of the sentinels.
func decodeErr(path string, err error) error {
	var (
		jpegUnsup jpegdec.UnsupportedError
		stdUnsup  jpeg.UnsupportedError
		pngUnsup  png.UnsupportedError
		tiffUnsup tiff.UnsupportedError
	)
	switch {
	case errors.Is(err, image.ErrFormat):
		return fmt.Errorf("photo: %s: %w: not a known image format", path, ErrUnsupported)
	case errors.As(err, &jpegUnsup), errors.As(err, &stdUnsup), errors.As(err, &pngUnsup), errors.As(err, &tiffUnsup):
		return fmt.Errorf("photo: %s: %w: %w", path, ErrUnsupported, err)
	default:
		return fmt.Errorf("photo: %s: %w: %w", path, ErrCorrupt, err)
	}
}

// gifExtent returns the bounding box of the logical screen and the first
// image descriptor of a GIF: a frame may declare far more pixels than the
// screen (the classic GIF decompression bomb), so that box, not the screen
// size image.DecodeConfig reports, is checked against MaxPixels.
func gifExtent(data []byte) (w, h int64, ok bool) {
	if len(data) < 13 {
		return 0, 0, false
	}
	u16 := func(b []byte) int64 { return int64(b[0]) | int64(b[1])<<8 }
	w, h = u16(data[6:]), u16(data[8:])
	p := 13
	if data[10]&0x80 != 0 {
		p += 3 << (data[10]&7 + 1)
	}
	for p < len(data) {
		switch data[p] {
		case 0x2C: // image descriptor
			if p+9 > len(data) {
				return w, h, true
			}
			left, top := u16(data[p+1:]), u16(data[p+3:])
			fw, fh := u16(data[p+5:]), u16(data[p+7:])
			return max(w, left+fw), max(h, top+fh), true
		case 0x21: // extension: label, then sub-blocks until a zero length
			p += 2
			for p < len(data) && data[p] != 0 {
				p += int(data[p]) + 1
			}
			p++
		default: // trailer or garbage
			return w, h, true
		}
	}
	return w, h, true
}
