package photo

import (
	"bytes"
	"encoding/binary"
)

// tiffTypeSize is the byte size of each TIFF field type goexif knows
// (BYTE … DOUBLE); any other type is unknown.
var tiffTypeSize = [13]uint64{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8}

// Pointer tags to the sub-IFDs goexif follows.
const (
	tagExifIFD    = 0x8769
	tagGPSIFD     = 0x8825
	tagInteropIFD = 0xA005
	// tagUnknown replaces the id of a pointer that must not be followed; no
	// goexif field map has it.
	tagUnknown = 0xFFFF
)

// sanitizeTIFF returns a copy of an EXIF block that goexif can parse safely.
// goexif trusts the file in ways a photo library cannot afford:
//   - it follows the IFD chain detecting only a self-loop, so two IFDs that
//     point at each other make it loop forever; we end the chain after IFD0
//     (IFD1 only describes the embedded thumbnail);
//   - it sizes a value as type size × count in uint32, so a huge count wraps
//     around and then allocates count×8 bytes (gigabytes): an out-of-memory
//     crash no recover can catch;
//   - it copies each value, and any number of entries may point at the same
//     bytes, so a small block can make it copy gigabytes; the values kept
//     may add up to at most twice the block;
//   - one bad entry (unknown type, zero count, value past the end) aborts its
//     whole directory, losing every good tag next to it.
//
// Each bad entry is turned into a harmless one-byte BYTE value, a bad
// sub-IFD pointer (wrong type or count, or past the end) is renamed so
// nothing follows it, and an entry table running past the block is cut to
// the entries that fit.
//
// It also returns how many entries it neutralised.
func sanitizeTIFF(block []byte) (clean []byte, fixed int) {
	b := bytes.Clone(block)
	if len(b) < 8 {
		return b, 0
	}
	var order binary.ByteOrder = binary.LittleEndian
	if b[0] == 'M' {
		order = binary.BigEndian
	}
	size := uint64(len(b))
	// goexif copies every value, and many entries may point at the same
	// bytes: a 64 KiB block could otherwise make it copy gigabytes. Real
	// EXIF values never add up to more than the block itself.
	budget := 2 * size
	seen := map[uint32]bool{}
	var visit func(off uint32, isIFD0 bool)
	visit = func(off uint32, isIFD0 bool) {
		if off < 8 || uint64(off)+2 > size || seen[off] {
			return
		}
		seen[off] = true
		n := int(order.Uint16(b[off:]))
		if n > 0x7FFF { // goexif reads the count as int16: negative means none
			return
		}
		fit := int((size - uint64(off) - 2) / 12)
		if n > fit {
			fixed += n - fit
			n = fit
			order.PutUint16(b[off:], uint16(n))
		}
		var subs []uint32
		for i := range n {
			e := uint64(off) + 2 + 12*uint64(i)
			tag, typ := order.Uint16(b[e:]), order.Uint16(b[e+2:])
			count, val := order.Uint32(b[e+4:]), order.Uint32(b[e+8:])
			var ts uint64
			if int(typ) < len(tiffTypeSize) {
				ts = tiffTypeSize[typ]
			}
			total := ts * uint64(count)
			if tag == tagExifIFD || tag == tagGPSIFD || tag == tagInteropIFD {
				// goexif follows any integer pointer; only the ones visited
				// here (and so sanitised) may stay pointers.
				target, ok := val, count == 1 && (typ == 3 || typ == 4)
				if typ == 3 {
					target = uint32(order.Uint16(b[e+8:]))
				}
				if !ok || uint64(target)+2 > size {
					order.PutUint16(b[e:], tagUnknown)
					order.PutUint16(b[e+2:], 1) // BYTE
					order.PutUint32(b[e+4:], 1)
					fixed++
					continue
				}
				subs = append(subs, target)
				continue
			}
			if ts == 0 || count == 0 || total > size || total > 4 && (uint64(val)+total > size || total > budget) {
				order.PutUint16(b[e+2:], 1) // BYTE
				order.PutUint32(b[e+4:], 1) // one value, held inline
				fixed++
				continue
			}
			if total > 4 {
				budget -= total
			}
		}
		if next := uint64(off) + 2 + 12*uint64(n); isIFD0 && next+4 <= size {
			order.PutUint32(b[next:], 0)
		}
		for _, s := range subs {
			visit(s, false)
		}
	}
	visit(order.Uint32(b[4:]), true)
	return b, fixed
}
