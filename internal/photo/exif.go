package photo

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/bmff"
	"github.com/targetvision/targetvision/internal/exif"
	"github.com/targetvision/targetvision/internal/raw"
)

// maxExifBytes bounds the EXIF profile decoded from a PNG text chunk; real
// blocks are at most 64 KiB in JPEG and rarely more than a few hundred KiB
// elsewhere.
const maxExifBytes = 4 << 20

var exifHeader = []byte("Exif\x00\x00")

// readMetadata extracts the EXIF facts from the TIFF-structured blocks a
// container holds (see exifBlocks). It never fails the photo: problems come
// back as a one-line warning and the fields that could be read.
func readMetadata(b blocks) (info Info, warning string) {
	info.Orientation = 1
	defer func() {
		// A panic in reading the block costs the metadata, never the process.
		if r := recover(); r != nil {
			info = Info{Orientation: 1}
			warning = fmt.Sprintf("EXIF ignored: parser panicked: %v", r)
		}
	}()
	if b.main == nil {
		return info, ""
	}
	x, err := exif.Parse(b.main)
	if err != nil {
		return info, fmt.Sprintf("EXIF ignored: malformed EXIF block (%d bytes, no TIFF header)", len(b.main))
	}
	malformed := x.Malformed
	// Formats that keep the EXIF and GPS directories in blocks of their
	// own (CR3) supply them apart.
	for _, sub := range []struct {
		block []byte
		dir   *exif.Dir
	}{{b.exifDir, &x.Exif}, {b.gpsDir, &x.GPS}} {
		if sub.block == nil || *sub.dir != nil {
			continue
		}
		if d, err := exif.Parse(sub.block); err == nil {
			*sub.dir, malformed = d.IFD0, malformed+d.Malformed
		}
	}
	if malformed > 0 {
		warning = fmt.Sprintf("EXIF: %d malformed entries ignored", malformed)
	}
	info.CameraMake = x.String(x.IFD0, exif.TagMake)
	info.CameraModel = x.String(x.IFD0, exif.TagModel)
	info.Lens = x.String(x.Exif, exif.TagLensModel)
	if info.Lens == "" { // some writers (Sony's WebP export) put it in IFD0
		info.Lens = x.String(x.IFD0, exif.TagLensModel)
	}
	if o, ok := x.Uint(x.IFD0, exif.TagOrientation, 0); ok && o >= 1 && o <= 8 {
		info.Orientation = int(o)
	}
	info.TakenAt, info.TakenAtHasZone = takenAt(x)
	info.ExposureTime = exposure(x)
	if v, ok := x.Rational(x.Exif, exif.TagFNumber, 0); ok && v > 0 && v < 1000 {
		info.FNumber = v
	}
	if v, ok := x.Rational(x.Exif, exif.TagFocalLength, 0); ok && v > 0 && v < 100000 {
		info.FocalLength = v
	}
	if v, ok := x.Uint(x.Exif, exif.TagISO, 0); ok && v > 0 {
		info.ISO = int(v)
	}
	info.GPS = gps(x)
	return info, warning
}

// blocks are the TIFF-structured metadata blocks of a file: main holds
// IFD0 and what it points to; exifDir and gpsDir, when set, hold the EXIF
// and GPS directories as their own IFD0 (CR3 keeps them apart).
type blocks struct {
	main, exifDir, gpsDir []byte
}

// exifBlocks finds the EXIF of a file of the given format.
func exifBlocks(format string, data []byte) blocks {
	if isRAWFormat(format) {
		rm := raw.Meta(format, data)
		if rm.JPEG != nil {
			return blocks{main: exifBlock("jpeg", rm.JPEG)}
		}
		return blocks{main: trimExif(rm.TIFF), exifDir: rm.ExifDir, gpsDir: rm.GPSDir}
	}
	return blocks{main: exifBlock(format, data)}
}

// exifBlock finds the raw EXIF block (TIFF-structured if well formed)
// inside a container, or nil when there is none.
func exifBlock(format string, data []byte) []byte {
	var b []byte
	switch format {
	case "jpeg":
		b = jpegExif(data)
	case "png":
		b = pngExif(data)
	case "webp":
		b = webpExif(data)
	case "tiff":
		b = data
	case "heic", "avif":
		b = heifExif(data)
	}
	return trimExif(b)
}

// trimExif drops the "Exif\0\0" prefix some containers keep.
func trimExif(b []byte) []byte {
	if b == nil {
		return nil
	}
	return bytes.TrimPrefix(b, exifHeader)
}

// heifExif returns the TIFF block of a HEIF file's Exif item, which starts
// with the offset of the TIFF header in the rest of the item.
func heifExif(data []byte) []byte {
	item := bmff.HEIFItem(data, "Exif")
	if len(item) < 4 {
		return nil
	}
	off := uint64(binary.BigEndian.Uint32(item))
	if off > uint64(len(item)-4) {
		return nil
	}
	return item[4+off:]
}

// jpegExif returns the payload of the first APP1 segment holding EXIF.
func jpegExif(d []byte) []byte { return jpegSegment(d, 0xE1, exifHeader) }

// jpegSegment walks the JPEG marker segments up to the start of scan and
// returns the payload of the first one with marker m whose payload starts
// with prefix.
func jpegSegment(d []byte, m byte, prefix []byte) []byte {
	if len(d) < 4 || d[0] != 0xFF || d[1] != 0xD8 {
		return nil
	}
	p := 2
	for p+4 <= len(d) {
		if d[p] != 0xFF {
			return nil
		}
		mk := d[p+1]
		switch {
		case mk == 0xFF: // fill byte
			p++
			continue
		case mk == 0xD8 || mk == 0x01 || (mk >= 0xD0 && mk <= 0xD7):
			p += 2
			continue
		case mk == 0xDA || mk == 0xD9: // start of scan, end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(d[p+2:]))
		if n < 2 || p+2+n > len(d) {
			return nil
		}
		seg := d[p+4 : p+2+n]
		if mk == m && bytes.HasPrefix(seg, prefix) {
			return seg
		}
		p += 2 + n
	}
	return nil
}

// pngExif returns the eXIf chunk, or the EXIF in an ImageMagick "Raw profile
// type exif/APP1" text chunk, which older tools wrote before eXIf existed.
func pngExif(d []byte) []byte {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(d, []byte(sig)) {
		return nil
	}
	var profile []byte
	for p := len(sig); p+12 <= len(d); {
		n := int(binary.BigEndian.Uint32(d[p:]))
		typ := string(d[p+4 : p+8])
		if n < 0 || n > len(d)-p-12 {
			break
		}
		body := d[p+8 : p+8+n]
		switch typ {
		case "eXIf":
			return body
		case "tEXt", "zTXt", "iTXt":
			if profile == nil {
				profile = rawProfile(typ, body)
			}
		case "IEND":
			return profile
		}
		p += 12 + n
	}
	return profile
}

// rawProfile decodes ImageMagick's hex-encoded EXIF profile from a PNG text
// chunk: keyword "Raw profile type exif" (or APP1), then
// "\nexif\n<length>\n<hex digits in lines>".
func rawProfile(typ string, body []byte) []byte {
	key, rest, ok := bytes.Cut(body, []byte{0})
	if !ok {
		return nil
	}
	k := string(key)
	if k != "Raw profile type exif" && k != "Raw profile type APP1" {
		return nil
	}
	switch typ {
	case "zTXt": // compression method byte, then zlib
		if len(rest) < 1 {
			return nil
		}
		zr, err := zlib.NewReader(bytes.NewReader(rest[1:]))
		if err != nil {
			return nil
		}
		defer zr.Close()
		rest, err = io.ReadAll(io.LimitReader(zr, 2*maxExifBytes+1024))
		if err != nil {
			return nil
		}
	case "iTXt": // only uncompressed iTXt: flag, method, language\0, translated\0
		if len(rest) < 2 || rest[0] != 0 {
			return nil
		}
		parts := bytes.SplitN(rest[2:], []byte{0}, 3)
		if len(parts) != 3 {
			return nil
		}
		rest = parts[2]
	}
	fields := strings.Fields(string(rest))
	if len(fields) < 3 {
		return nil
	}
	n, err := strconv.Atoi(fields[1])
	if err != nil || n <= 0 || n > maxExifBytes {
		return nil
	}
	out, err := hex.DecodeString(strings.Join(fields[2:], ""))
	if err != nil || len(out) < n {
		return nil
	}
	return out[:n]
}

// webpExif returns the payload of the RIFF "EXIF" chunk of a WebP file.
func webpExif(d []byte) []byte {
	if len(d) < 12 || string(d[:4]) != "RIFF" || string(d[8:12]) != "WEBP" {
		return nil
	}
	for p := 12; p+8 <= len(d); {
		n := int(binary.LittleEndian.Uint32(d[p+4:]))
		if n < 0 || n > len(d)-p-8 {
			return nil
		}
		if string(d[p:p+4]) == "EXIF" {
			return d[p+8 : p+8+n]
		}
		p += 8 + n + n&1
	}
	return nil
}

// takenAt reads the capture time; see Info.TakenAt for the zone rules.
func takenAt(x *exif.Data) (time.Time, bool) {
	for _, f := range []struct{ at, off uint16 }{
		{exif.TagDateTimeOriginal, exif.TagOffsetTimeOrig},
		{exif.TagDateTimeDigit, exif.TagOffsetTimeDigit},
	} {
		s := x.String(x.Exif, f.at)
		if s == "" {
			continue
		}
		local, err := time.ParseInLocation("2006:01:02 15:04:05", s, time.UTC)
		if err != nil || local.Year() < 1826 { // all-zero or garbage dates
			continue
		}
		off := x.String(x.Exif, f.off)
		if off == "" {
			off = x.String(x.Exif, exif.TagOffsetTime)
		}
		if zone, err := time.Parse("-07:00", off); err == nil {
			_, secs := zone.Zone()
			loc := time.FixedZone(off, secs)
			return time.Date(local.Year(), local.Month(), local.Day(), local.Hour(),
				local.Minute(), local.Second(), 0, loc), true
		}
		return local, false
	}
	return time.Time{}, false
}

// exposure formats ExposureTime as photographers (and exiftool) write it:
// "1/250" up to a quarter second, then "0.3", "1.5", "30".
func exposure(x *exif.Data) string {
	v, ok := x.Rational(x.Exif, exif.TagExposureTime, 0)
	if !ok || v <= 0 {
		return ""
	}
	switch {
	case v > 3600: // nonsense such as 4294967295 s
		return ""
	case v < 0.25001:
		return "1/" + strconv.FormatFloat(math.Round(1/v), 'f', -1, 64)
	default:
		return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
	}
}

// gps returns the position, or nil when absent or implausible. A
// coordinate with fewer than three values is read as far as it goes
// (degrees, then minutes).
func gps(x *exif.Data) *GPS {
	coord := func(tag, refTag uint16, neg string) (float64, bool) {
		e, ok := x.GPS[tag]
		if !ok {
			return 0, false
		}
		var v float64
		for i, scale := range []float64{1, 60, 3600} {
			if uint32(i) >= e.Count {
				break
			}
			f, ok := x.Rational(x.GPS, tag, i)
			if !ok {
				return 0, false
			}
			v += f / scale
		}
		if strings.EqualFold(x.String(x.GPS, refTag), neg) {
			v = -v
		}
		return v, true
	}
	lat, ok1 := coord(exif.TagGPSLatitude, exif.TagGPSLatitudeRef, "S")
	lon, ok2 := coord(exif.TagGPSLongitude, exif.TagGPSLongitudeRef, "W")
	if !ok1 || !ok2 || math.IsNaN(lat) || math.IsNaN(lon) ||
		math.Abs(lat) > 90 || math.Abs(lon) > 180 || (lat == 0 && lon == 0) {
		return nil
	}
	g := &GPS{Lat: lat, Lon: lon}
	if alt, ok := x.Rational(x.GPS, exif.TagGPSAltitude, 0); ok && math.Abs(alt) < 1e6 {
		if ref, ok := x.Uint(x.GPS, exif.TagGPSAltitudeRef, 0); ok && ref == 1 {
			alt = -alt
		}
		g.Alt = &alt
	}
	return g
}

// oneLine keeps error text from parsers on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Orientation returns the EXIF orientation (1-8) of an encoded image held
// in memory, or 1 when it has none or it cannot be read.
func Orientation(data []byte) int {
	_, format, err := decodeConfig(data)
	if err != nil {
		return 1
	}
	info, _ := readMetadata(exifBlocks(format, data))
	return info.Orientation
}
