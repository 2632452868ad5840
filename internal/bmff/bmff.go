// Package bmff walks ISO base media files (ISO/IEC 14496-12) far enough to
// find the metadata photo formats built on them keep: the Exif item of a
// HEIF/HEIC/AVIF file and the CMT boxes of a Canon CR3. It reads only box
// headers and the few item tables it needs; every size and offset is
// checked against the data, so a hostile file ends the walk, never the
// process.
package bmff

import (
	"bytes"
	"encoding/binary"
)

// Box is one box: its four-character type and its payload (after the
// header, and after the 16-byte user type of a "uuid" box).
type Box struct {
	Type string
	// UUID is the user type of a "uuid" box, else nil.
	UUID []byte
	Data []byte
}

// maxBoxes bounds how many boxes one walk visits.
const maxBoxes = 4096

// Boxes splits data into the boxes it holds, stopping at the first box
// whose size does not fit.
func Boxes(data []byte) []Box {
	var out []Box
	for p := uint64(0); p+8 <= uint64(len(data)) && len(out) < maxBoxes; {
		size := uint64(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(data)) - p
		case 1:
			if p+16 > uint64(len(data)) {
				return out
			}
			size, hdr = binary.BigEndian.Uint64(data[p+8:]), 16
		}
		if size < hdr || size > uint64(len(data))-p {
			return out
		}
		b := Box{Type: typ, Data: data[p+hdr : p+size]}
		if typ == "uuid" {
			if len(b.Data) < 16 {
				return out
			}
			b.UUID, b.Data = b.Data[:16], b.Data[16:]
		}
		out = append(out, b)
		p += size
	}
	return out
}

// child returns the first box of type typ directly inside data.
func child(data []byte, typ string) (Box, bool) {
	for _, b := range Boxes(data) {
		if b.Type == typ {
			return b, true
		}
	}
	return Box{}, false
}

// Brand returns the major brand of the file's "ftyp" box and whether the
// file starts with one.
func Brand(data []byte) (string, bool) {
	if len(data) < 12 || string(data[4:8]) != "ftyp" {
		return "", false
	}
	return string(data[8:12]), true
}

// canonUUID is the user type of the CR3 "uuid" box holding the CMT boxes.
var canonUUID = []byte{0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48}

// CR3 returns the TIFF blocks of a Canon CR3's metadata: CMT1 (IFD0:
// camera, orientation), CMT2 (the EXIF directory) and CMT4 (GPS). Absent
// ones are nil.
func CR3(data []byte) (ifd0, exifDir, gps []byte) {
	moov, ok := child(data, "moov")
	if !ok {
		return nil, nil, nil
	}
	for _, b := range Boxes(moov.Data) {
		if b.Type != "uuid" || !bytes.Equal(b.UUID, canonUUID) {
			continue
		}
		for _, c := range Boxes(b.Data) {
			switch c.Type {
			case "CMT1":
				ifd0 = c.Data
			case "CMT2":
				exifDir = c.Data
			case "CMT4":
				gps = c.Data
			}
		}
	}
	return ifd0, exifDir, gps
}

// HEIFItem returns the bytes of the first item of the given type (such as
// "Exif" or "mime") in a HEIF file's "meta" box, located through "iinf"
// and "iloc" (file offsets, construction method 0); nil when absent.
func HEIFItem(data []byte, itemType string) []byte {
	meta, ok := child(data, "meta")
	if !ok || len(meta.Data) < 4 {
		return nil
	}
	inner := meta.Data[4:] // FullBox version and flags
	iinf, ok1 := child(inner, "iinf")
	iloc, ok2 := child(inner, "iloc")
	if !ok1 || !ok2 {
		return nil
	}
	id, ok := itemID(iinf.Data, itemType)
	if !ok {
		return nil
	}
	return itemData(data, iloc.Data, id)
}

// itemID finds the id of the first "infe" entry of the given item type.
func itemID(iinf []byte, itemType string) (uint32, bool) {
	if len(iinf) < 6 {
		return 0, false
	}
	skip := 6 // version+flags, u16 count
	if iinf[0] != 0 {
		skip = 8 // u32 count
	}
	if len(iinf) < skip {
		return 0, false
	}
	for _, b := range Boxes(iinf[skip:]) {
		d := b.Data
		if b.Type != "infe" || len(d) < 4 {
			continue
		}
		ver := d[0]
		switch {
		case ver == 2 && len(d) >= 12:
			if string(d[8:12]) == itemType {
				return uint32(binary.BigEndian.Uint16(d[4:])), true
			}
		case ver == 3 && len(d) >= 14:
			if string(d[10:14]) == itemType {
				return binary.BigEndian.Uint32(d[4:]), true
			}
		}
	}
	return 0, false
}

// itemData reads the extents of item id from an "iloc" box (versions 0-2)
// and joins them; nil when the item is not stored as plain file extents.
func itemData(file, iloc []byte, id uint32) []byte {
	r := reader{b: iloc}
	ver := r.u8()
	r.skip(3)
	sizes := r.u8()
	offSize, lenSize := int(sizes>>4), int(sizes&15)
	sizes2 := r.u8()
	baseSize, idxSize := int(sizes2>>4), int(sizes2&15)
	if ver == 0 {
		idxSize = 0
	}
	var count uint32
	if ver < 2 {
		count = uint32(r.uN(2))
	} else {
		count = uint32(r.uN(4))
	}
	for range min(count, 4096) {
		var itemID uint32
		if ver < 2 {
			itemID = uint32(r.uN(2))
		} else {
			itemID = uint32(r.uN(4))
		}
		method := uint64(0)
		if ver >= 1 {
			method = r.uN(2) & 15
		}
		r.skip(2) // data reference index
		base := r.uN(baseSize)
		extents := r.uN(2)
		var out []byte
		for range min(extents, 256) {
			r.uN(idxSize)
			off, n := r.uN(offSize), r.uN(lenSize)
			if r.bad {
				return nil
			}
			start := base + off
			if itemID != id {
				continue
			}
			if method != 0 || start > uint64(len(file)) || n > uint64(len(file))-start {
				return nil
			}
			if n == 0 { // the rest of the file
				n = uint64(len(file)) - start
			}
			out = append(out, file[start:start+n]...)
		}
		if r.bad {
			return nil
		}
		if itemID == id {
			return out
		}
	}
	return nil
}

// reader reads big-endian integers, remembering when it ran out.
type reader struct {
	b   []byte
	p   int
	bad bool
}

func (r *reader) skip(n int) {
	if r.p+n > len(r.b) {
		r.bad = true
		r.p = len(r.b)
		return
	}
	r.p += n
}

func (r *reader) u8() byte { return byte(r.uN(1)) }

// uN reads an n-byte unsigned integer (n of 0 reads nothing and is 0).
func (r *reader) uN(n int) uint64 {
	if n == 0 {
		return 0
	}
	if n > 8 || r.p+n > len(r.b) {
		r.bad = true
		r.p = len(r.b)
		return 0
	}
	var v uint64
	for _, c := range r.b[r.p : r.p+n] {
		v = v<<8 | uint64(c)
	}
	r.p += n
	return v
}
