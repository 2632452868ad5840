// Package raw recognises camera RAW files by their content and finds what a
// photo library can use in them without a RAW developer: the largest
// embedded JPEG preview (every camera writes one, from a thumbnail up to
// full size) and the metadata blocks that hold the RAW's own EXIF.
//
// Demosaicing sensor data is out of scope: a RAW whose previews were
// stripped is still a photo with its camera, date and settings, and the
// caller marks it as having no preview.
package raw

import (
	"bytes"
	"encoding/binary"
	"image"
	"path/filepath"
	"strings"

	"github.com/targetvision/targetvision/internal/bmff"
	"github.com/targetvision/targetvision/internal/exif"
	"github.com/targetvision/targetvision/internal/jpegdec"
)

// Extensions are the RAW file extensions a folder walk should offer (lower
// case, with the dot). The content, not the name, decides afterwards.
var Extensions = []string{
	".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".dng", ".raf", ".orf",
	".rw2", ".rwl", ".pef", ".srw", ".3fr", ".erf", ".kdc", ".dcr", ".mef", ".mos", ".iiq",
}

// IsExt reports whether name has a RAW extension (case-insensitive).
func IsExt(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range Extensions {
		if e == ext {
			return true
		}
	}
	return false
}

// Detect names the RAW format of data ("cr2", "cr3", "nef", "dng", "raf",
// "orf", "rw2", …) or returns "" for anything else. Formats with a
// signature of their own (CR3, RAF, ORF, RW2, CR2, DNG) are recognised
// whatever the file is called; the plain-TIFF RAW formats (NEF, ARW, PEF,
// …) are told from an ordinary TIFF by name's extension.
func Detect(data []byte, name string) string {
	switch {
	case bytes.HasPrefix(data, []byte("FUJIFILMCCD-RAW")):
		return "raf"
	case len(data) >= 12 && string(data[4:12]) == "ftypcrx ":
		return "cr3"
	case len(data) < 8:
		return ""
	}
	le, be := string(data[:2]) == "II", string(data[:2]) == "MM"
	if !le && !be {
		return ""
	}
	var order binary.ByteOrder = binary.BigEndian
	if le {
		order = binary.LittleEndian
	}
	switch order.Uint16(data[2:]) {
	case 0x55:
		return "rw2"
	case 0x4F52, 0x5352:
		return "orf"
	case 42:
	default:
		return ""
	}
	if len(data) >= 10 && string(data[8:10]) == "CR" {
		return "cr2"
	}
	if d, err := exif.Parse(data); err == nil {
		if _, ok := d.IFD0[exif.TagDNGVersion]; ok {
			return "dng"
		}
	}
	if IsExt(name) {
		return strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	}
	return ""
}

// Metadata is where a RAW file keeps its EXIF, as TIFF blocks.
type Metadata struct {
	// TIFF is a block whose IFD0 (and the sub-IFDs it points to) hold
	// the camera's tags; nil when the format keeps them elsewhere.
	TIFF []byte
	// ExifDir and GPSDir are TIFF blocks whose IFD0 is the EXIF and the
	// GPS directory, for formats that store them apart (CR3).
	ExifDir, GPSDir []byte
	// JPEG is a JPEG file whose APP1 segment holds the camera's EXIF
	// (RAF keeps it there, in the preview its header points to).
	JPEG []byte
}

// Meta returns where the RAW file of the given format keeps its EXIF.
func Meta(format string, data []byte) Metadata {
	switch format {
	case "cr3":
		ifd0, ex, gps := bmff.CR3(data)
		return Metadata{TIFF: ifd0, ExifDir: ex, GPSDir: gps}
	case "raf":
		// The header gives the preview JPEG's offset and length at 84.
		if len(data) < 92 {
			return Metadata{}
		}
		off, n := uint64(binary.BigEndian.Uint32(data[84:])), uint64(binary.BigEndian.Uint32(data[88:]))
		if off > uint64(len(data)) || n > uint64(len(data))-off {
			return Metadata{}
		}
		return Metadata{JPEG: data[off : off+n]}
	default:
		return Metadata{TIFF: data}
	}
}

// minPreviewEdge is the smallest width and height of a usable preview:
// stripped files keep 8×8 placeholders, which would make a grey thumbnail.
const minPreviewEdge = 32

// maxCandidates bounds how many JPEG starts Preview looks at: a RAW holds a
// handful of previews, and sensor data rarely looks like one.
const maxCandidates = 64

// Preview returns the embedded JPEG with the most pixels, its offset in
// data and its size, or ok false when there is none a JPEG decoder can
// read (lossless-JPEG sensor data is not a preview and is skipped) or none
// of at least minPreviewEdge pixels each way.
//
// It scans for JPEG start-of-image markers rather than following each
// maker's directory layout: CR2, NEF, ARW, DNG, PEF, ORF and RW2 keep
// previews in different IFDs and maker notes, CR3 in its own boxes and
// tracks, RAF behind its header, and a scan finds them all. The bytes
// returned run to the end of data: a JPEG decoder stops at its end marker.
func Preview(data []byte) (jpg []byte, cfg image.Config, ok bool) {
	soi := []byte{0xFF, 0xD8, 0xFF}
	best := -1
	seen := 0
	for p := 0; seen < maxCandidates; {
		i := bytes.Index(data[p:], soi)
		if i < 0 {
			break
		}
		at := p + i
		p = at + 2
		seen++
		c, err := configOf(data[at:])
		if err != nil || c.Width < minPreviewEdge || c.Height < minPreviewEdge {
			continue
		}
		if best < 0 || c.Width*c.Height > cfg.Width*cfg.Height {
			best, cfg = at, c
		}
	}
	if best < 0 {
		return nil, image.Config{}, false
	}
	return data[best:], cfg, true
}

// configOf reads a JPEG header, turning a decoder panic into an error.
func configOf(b []byte) (cfg image.Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = image.ErrFormat
		}
	}()
	return jpegdec.DecodeConfig(bytes.NewReader(b))
}
