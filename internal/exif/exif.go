// Package exif reads TIFF-structured metadata: the EXIF block of a JPEG,
// PNG, WebP or HEIC, and the directories of TIFF-based camera RAW files
// (CR2, NEF, ARW, DNG, PEF, ORF, RW2) and of Canon CR3's CMT boxes.
//
// It is written for photo libraries, where hostile and broken blocks are
// normal: nothing is copied (values are slices of the block), every offset
// is checked against the block, directory chains are followed once each
// (no loops), and a bad entry costs only itself. Malformed entries are
// counted, not fatal, so a caller can say "EXIF partly read" and keep the
// tags that were fine.
package exif

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrNoTIFF means the block does not start with a TIFF header.
var ErrNoTIFF = errors.New("exif: no TIFF header")

// Well-known tags, by the directory they live in.
const (
	TagImageWidth       uint16 = 0x0100
	TagImageLength      uint16 = 0x0101
	TagCompression      uint16 = 0x0103
	TagMake             uint16 = 0x010F
	TagModel            uint16 = 0x0110
	TagOrientation      uint16 = 0x0112
	TagDateTime         uint16 = 0x0132
	TagSubIFDs          uint16 = 0x014A
	TagXMP              uint16 = 0x02BC
	TagIPTC             uint16 = 0x83BB
	TagExifIFD          uint16 = 0x8769
	TagGPSIFD           uint16 = 0x8825
	TagExposureTime     uint16 = 0x829A
	TagFNumber          uint16 = 0x829D
	TagISO              uint16 = 0x8827
	TagDateTimeOriginal uint16 = 0x9003
	TagDateTimeDigit    uint16 = 0x9004
	TagOffsetTime       uint16 = 0x9010
	TagOffsetTimeOrig   uint16 = 0x9011
	TagOffsetTimeDigit  uint16 = 0x9012
	TagFocalLength      uint16 = 0x920A
	TagInteropIFD       uint16 = 0xA005
	TagLensModel        uint16 = 0xA434
	TagDNGVersion       uint16 = 0xC612

	TagGPSLatitudeRef  uint16 = 0x0001
	TagGPSLatitude     uint16 = 0x0002
	TagGPSLongitudeRef uint16 = 0x0003
	TagGPSLongitude    uint16 = 0x0004
	TagGPSAltitudeRef  uint16 = 0x0005
	TagGPSAltitude     uint16 = 0x0006
)

// typeSize is the byte size of each TIFF field type (BYTE … DOUBLE, and
// 13 = IFD); 0 marks an unknown type.
var typeSize = [14]uint32{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4}

// Entry is one directory entry whose value lies wholly inside the block.
type Entry struct {
	Type  uint16
	Count uint32
	// Value is the entry's bytes (Count × the type's size), a slice of
	// the block.
	Value []byte
	order binary.ByteOrder
}

// Dir is one image file directory: tag → entry.
type Dir map[uint16]Entry

// Data is a parsed block: IFD0 with the EXIF and GPS sub-directories it
// points to, and the further IFDs of the chain and of SubIFDs (RAW files
// keep their previews there).
type Data struct {
	Order binary.ByteOrder
	// IFD0 describes the main image (camera make and model, orientation).
	IFD0 Dir
	// Exif holds the capture settings and times; GPS the position.
	Exif, GPS Dir
	// More are IFD1… of the chain and the SubIFDs, in the order found.
	More []Dir
	// Malformed counts entries ignored because their type, count or
	// offset made no sense, and directories cut short by the block's end.
	Malformed int
}

// maxDirs bounds how many directories one block may hold: real files have
// fewer than ten, and each costs a map.
const maxDirs = 64

// Parse reads a TIFF-structured block (starting at its "II"/"MM" header).
// Besides the standard magic 42 it accepts Panasonic RW2's 0x55 and
// Olympus ORF's "RO"/"RS". Only a missing header is an error: everything
// else that is wrong is counted in Malformed.
func Parse(block []byte) (*Data, error) {
	if len(block) < 8 {
		return nil, ErrNoTIFF
	}
	var order binary.ByteOrder
	switch string(block[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return nil, ErrNoTIFF
	}
	switch order.Uint16(block[2:]) {
	case 42, 0x55, 0x4F52, 0x5352:
	default:
		return nil, ErrNoTIFF
	}
	p := &parser{b: block, order: order, seen: map[uint32]bool{}}
	d := &Data{Order: order}
	d.IFD0, _ = p.dir(order.Uint32(block[4:]), true, d)
	d.Malformed = p.malformed
	return d, nil
}

type parser struct {
	b         []byte
	order     binary.ByteOrder
	seen      map[uint32]bool
	malformed int
}

// dir reads the directory at off and what it points to. chain says whether
// its next-IFD pointer is followed (IFD0's and its successors' are; the
// sub-directories' are not).
func (p *parser) dir(off uint32, chain bool, d *Data) (Dir, bool) {
	size := uint64(len(p.b))
	if off < 8 || uint64(off)+2 > size || p.seen[off] || len(p.seen) >= maxDirs {
		if off != 0 && !p.seen[off] {
			p.malformed++
		}
		return nil, false
	}
	p.seen[off] = true
	n := uint64(p.order.Uint16(p.b[off:]))
	if fit := (size - uint64(off) - 2) / 12; n > fit {
		p.malformed++
		n = fit
	}
	out := make(Dir, n)
	var subs []uint32
	for i := range n {
		e := uint64(off) + 2 + 12*i
		tag, typ := p.order.Uint16(p.b[e:]), p.order.Uint16(p.b[e+2:])
		count := p.order.Uint32(p.b[e+4:])
		var ts uint32
		if int(typ) < len(typeSize) {
			ts = typeSize[typ]
		}
		total := uint64(ts) * uint64(count)
		if ts == 0 || count == 0 || total > size {
			p.malformed++
			continue
		}
		var val []byte
		if total <= 4 {
			val = p.b[e+8 : e+8+total]
		} else {
			at := uint64(p.order.Uint32(p.b[e+8:]))
			if at+total > size {
				p.malformed++
				continue
			}
			val = p.b[at : at+total]
		}
		ent := Entry{Type: typ, Count: count, Value: val, order: p.order}
		switch tag {
		case TagExifIFD, TagGPSIFD, TagInteropIFD:
			// Interoperability IFDs hold nothing a library needs; they are
			// read only so that a broken one is counted.
			if ptr, ok := ent.Uint(0); ok && count == 1 {
				sub, ok := p.dir(uint32(ptr), false, d)
				if ok && tag == TagExifIFD && d.Exif == nil {
					d.Exif = sub
				} else if ok && tag == TagGPSIFD && d.GPS == nil {
					d.GPS = sub
				}
			} else {
				p.malformed++
			}
			continue
		case TagSubIFDs:
			for j := range min(count, 8) {
				if ptr, ok := ent.Uint(int(j)); ok {
					subs = append(subs, uint32(ptr))
				}
			}
		}
		out[tag] = ent
	}
	for _, s := range subs {
		if sub, ok := p.dir(s, false, d); ok {
			d.More = append(d.More, sub)
		}
	}
	if next := uint64(off) + 2 + 12*n; chain && next+4 <= size {
		if nx := p.order.Uint32(p.b[next:]); nx != 0 {
			if sub, ok := p.dir(nx, true, d); ok {
				d.More = append(d.More, sub)
			}
		}
	}
	return out, true
}

// String returns an ASCII (or UNDEFINED/BYTE) value trimmed of NULs and
// spaces; "" when absent.
func (d *Data) String(dir Dir, tag uint16) string {
	e, ok := dir[tag]
	if !ok {
		return ""
	}
	s := string(e.Value)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// Uint returns the i-th value of an integer entry (BYTE, SHORT, LONG, IFD).
func (d *Data) Uint(dir Dir, tag uint16, i int) (uint64, bool) {
	e, ok := dir[tag]
	if !ok {
		return 0, false
	}
	return e.Uint(i)
}

// Rational returns the i-th value of a RATIONAL or SRATIONAL entry as a
// float (also accepting integer types); false when absent, out of range or
// the denominator is zero.
func (d *Data) Rational(dir Dir, tag uint16, i int) (float64, bool) {
	e, ok := dir[tag]
	if !ok || i < 0 || uint32(i) >= e.Count {
		return 0, false
	}
	var v float64
	switch e.Type {
	case 5, 10:
		num, den := e.order.Uint32(e.Value[8*i:]), e.order.Uint32(e.Value[8*i+4:])
		if den == 0 {
			return 0, false
		}
		if e.Type == 10 {
			v = float64(int32(num)) / float64(int32(den))
		} else {
			v = float64(num) / float64(den)
		}
	default:
		u, ok := d.Uint(dir, tag, i)
		if !ok {
			return 0, false
		}
		v = float64(u)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// Uint reads the i-th integer value (BYTE, SHORT, LONG or IFD) in the
// byte order of the block it came from.
func (e Entry) Uint(i int) (uint64, bool) {
	if i < 0 || uint32(i) >= e.Count {
		return 0, false
	}
	order := e.order
	switch e.Type {
	case 1, 7:
		return uint64(e.Value[i]), true
	case 3:
		return uint64(order.Uint16(e.Value[2*i:])), true
	case 4, 13:
		return uint64(order.Uint32(e.Value[4*i:])), true
	}
	return 0, false
}

// GoString describes the data briefly, for debugging.
func (d *Data) GoString() string {
	return fmt.Sprintf("exif.Data{IFD0: %d tags, Exif: %d, GPS: %d, more: %d, malformed: %d}",
		len(d.IFD0), len(d.Exif), len(d.GPS), len(d.More), d.Malformed)
}
