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

	"github.com/rwcarlsen/goexif/exif"
	"github.com/rwcarlsen/goexif/tiff"
)

// maxExifBytes bounds the EXIF block we hand to the parser; real blocks are
// at most 64 KiB in JPEG and rarely more than a few hundred KiB elsewhere.
const maxExifBytes = 4 << 20

var exifHeader = []byte("Exif\x00\x00")

// readMetadata extracts the EXIF facts of a file of the given format. It
// never fails the photo: problems come back as a one-line warning and the
// fields that could be read.
func readMetadata(format string, data []byte) (info Info, warning string) {
	info.Orientation = 1
	defer func() {
		// A panic in locating or decoding the block costs the metadata,
		// never the process.
		if r := recover(); r != nil {
			info = Info{Orientation: 1}
			warning = fmt.Sprintf("EXIF ignored: parser panicked: %v", r)
		}
	}()
	raw := exifBlock(format, data)
	if raw == nil {
		return info, ""
	}
	if len(raw) < 8 || (string(raw[:4]) != "II*\x00" && string(raw[:4]) != "MM\x00*") {
		return info, fmt.Sprintf("EXIF ignored: malformed EXIF block (%d bytes, no TIFF header)", len(raw))
	}
	clean, fixed := sanitizeTIFF(raw)
	x, err := exif.Decode(bytes.NewReader(clean))
	if x == nil {
		if err == nil {
			return info, ""
		}
		return info, "EXIF ignored: " + oneLine(err.Error())
	}
	var warnings []string
	if fixed > 0 {
		warnings = append(warnings, fmt.Sprintf("EXIF: %d malformed entries ignored", fixed))
	}
	if err != nil {
		warnings = append(warnings, "EXIF partly read: "+oneLine(err.Error()))
	}
	// goexif panics on some malformed values (it indexes value arrays by
	// the count the tag should have), so each field is read on its own: a
	// bad GPS block costs the position, not the camera and date.
	field := func(name string, read func()) {
		defer func() {
			if r := recover(); r != nil {
				warnings = append(warnings, fmt.Sprintf("EXIF %s ignored: parser panicked: %v", name, r))
			}
		}()
		read()
	}
	field("time offsets", func() { loadOffsetTags(x) })
	field("Make", func() { info.CameraMake = tagString(x, exif.Make) })
	field("Model", func() { info.CameraModel = tagString(x, exif.Model) })
	field("LensModel", func() { info.Lens = tagString(x, exif.LensModel) })
	field("Orientation", func() {
		if o, ok := tagInt(x, exif.Orientation); ok && o >= 1 && o <= 8 {
			info.Orientation = o
		}
	})
	field("DateTimeOriginal", func() { info.TakenAt, info.TakenAtHasZone = takenAt(x) })
	field("ExposureTime", func() { info.ExposureTime = exposure(x) })
	field("FNumber", func() {
		if v, ok := tagFloat(x, exif.FNumber); ok && v > 0 && v < 1000 {
			info.FNumber = v
		}
	})
	field("FocalLength", func() {
		if v, ok := tagFloat(x, exif.FocalLength); ok && v > 0 && v < 100000 {
			info.FocalLength = v
		}
	})
	field("ISOSpeedRatings", func() {
		if v, ok := tagInt(x, exif.ISOSpeedRatings); ok && v > 0 {
			info.ISO = v
		}
	})
	field("GPS", func() { info.GPS = gps(x) })
	warning = strings.Join(warnings, "; ")
	return info, warning
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
	}
	if b == nil {
		return nil
	}
	b = bytes.TrimPrefix(b, exifHeader)
	if len(b) > maxExifBytes {
		// goexif copies the whole block; the IFDs of a huge TIFF are near
		// its start in practice, and a cut block only loses far-away tags.
		b = b[:maxExifBytes]
	}
	return b
}

// jpegExif walks the JPEG marker segments up to the start of scan and
// returns the payload of the first APP1 segment holding EXIF.
func jpegExif(d []byte) []byte {
	if len(d) < 4 || d[0] != 0xFF || d[1] != 0xD8 {
		return nil
	}
	p := 2
	for p+4 <= len(d) {
		if d[p] != 0xFF {
			return nil
		}
		m := d[p+1]
		switch {
		case m == 0xFF: // fill byte
			p++
			continue
		case m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			p += 2
			continue
		case m == 0xDA || m == 0xD9: // start of scan, end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(d[p+2:]))
		if n < 2 || p+2+n > len(d) {
			return nil
		}
		seg := d[p+4 : p+2+n]
		if m == 0xE1 && bytes.HasPrefix(seg, exifHeader) {
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

// offsetFields are EXIF 2.31 tags goexif does not know; loadOffsetTags adds
// them under these names.
var offsetFields = map[uint16]exif.FieldName{
	0x9010: "OffsetTime",
	0x9011: "OffsetTimeOriginal",
	0x9012: "OffsetTimeDigitized",
}

// loadOffsetTags reads the EXIF sub-IFD again to pick up the UTC offset tags.
func loadOffsetTags(x *exif.Exif) {
	ptr, ok := tagInt(x, exif.ExifIFDPointer)
	if !ok || ptr <= 0 || ptr >= len(x.Raw) || x.Tiff == nil {
		return
	}
	r := bytes.NewReader(x.Raw)
	if _, err := r.Seek(int64(ptr), io.SeekStart); err != nil {
		return
	}
	if dir, _, err := tiff.DecodeDir(r, x.Tiff.Order); err == nil {
		x.LoadTags(dir, offsetFields, false)
	}
}

func tagString(x *exif.Exif, name exif.FieldName) string {
	t, err := x.Get(name)
	if err != nil {
		return ""
	}
	s, err := t.StringVal()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.Trim(s, "\x00 "))
}

func tagInt(x *exif.Exif, name exif.FieldName) (int, bool) {
	t, err := x.Get(name)
	if err != nil || t.Count == 0 {
		return 0, false
	}
	v, err := t.Int(0)
	return v, err == nil
}

func tagFloat(x *exif.Exif, name exif.FieldName) (float64, bool) {
	t, err := x.Get(name)
	if err != nil || t.Count == 0 {
		return 0, false
	}
	num, den, err := t.Rat2(0)
	if err != nil || den == 0 {
		return 0, false
	}
	v := float64(num) / float64(den)
	return v, !math.IsNaN(v) && !math.IsInf(v, 0)
}

// takenAt reads the capture time; see Info.TakenAt for the zone rules.
func takenAt(x *exif.Exif) (time.Time, bool) {
	for _, f := range []struct{ at, off exif.FieldName }{
		{exif.DateTimeOriginal, "OffsetTimeOriginal"},
		{exif.DateTimeDigitized, "OffsetTimeDigitized"},
	} {
		s := tagString(x, f.at)
		if s == "" {
			continue
		}
		local, err := time.ParseInLocation("2006:01:02 15:04:05", s, time.UTC)
		if err != nil || local.Year() < 1826 { // all-zero or garbage dates
			continue
		}
		off := tagString(x, f.off)
		if off == "" {
			off = tagString(x, "OffsetTime")
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
func exposure(x *exif.Exif) string {
	t, err := x.Get(exif.ExposureTime)
	if err != nil || t.Count == 0 {
		return ""
	}
	num, den, err := t.Rat2(0)
	if err != nil || num <= 0 || den <= 0 {
		return ""
	}
	v := float64(num) / float64(den)
	switch {
	case v > 3600: // nonsense such as 4294967295 s
		return ""
	case v < 0.25001:
		return "1/" + strconv.FormatFloat(math.Round(1/v), 'f', -1, 64)
	default:
		return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
	}
}

// gps returns the position, or nil when absent or implausible.
func gps(x *exif.Exif) *GPS {
	lat, lon, err := x.LatLong()
	if err != nil || math.IsNaN(lat) || math.IsNaN(lon) ||
		math.Abs(lat) > 90 || math.Abs(lon) > 180 || (lat == 0 && lon == 0) {
		return nil
	}
	g := &GPS{Lat: lat, Lon: lon}
	if alt, ok := tagFloat(x, exif.GPSAltitude); ok && math.Abs(alt) < 1e6 {
		if ref, ok := tagInt(x, exif.GPSAltitudeRef); ok && ref == 1 {
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
