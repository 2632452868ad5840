package exif

import (
	"encoding/binary"
	"testing"
)

// block builds a big-endian TIFF block: IFD0 with Make and a pointer to an
// EXIF IFD holding an ISO value, the EXIF IFD naming IFD0 as its next
// directory (a loop), and one entry whose value lies past the end.
func block() []byte {
	be := binary.BigEndian
	b := []byte("MM\x00\x2a\x00\x00\x00\x08")
	entry := func(tag, typ uint16, count, val uint32) {
		b = be.AppendUint16(b, tag)
		b = be.AppendUint16(b, typ)
		b = be.AppendUint32(b, count)
		b = be.AppendUint32(b, val)
	}
	// IFD0 at 8: 3 entries, next IFD 0.
	b = be.AppendUint16(b, 3)
	entry(TagMake, 2, 4, be.Uint32([]byte("Acm\x00")))
	entry(TagExifIFD, 4, 1, 8+2+3*12+4)
	entry(TagModel, 2, 100, 5000) // past the end
	b = be.AppendUint32(b, 0)
	// EXIF IFD: 1 entry, next = IFD0 again.
	b = be.AppendUint16(b, 1)
	entry(TagISO, 3, 1, 400<<16)
	b = be.AppendUint32(b, 8)
	return b
}

func TestParse(t *testing.T) {
	t.Parallel()
	d, err := Parse(block())
	if err != nil {
		t.Fatal(err)
	}
	if got := d.String(d.IFD0, TagMake); got != "Acm" {
		t.Errorf("Make %q", got)
	}
	if iso, ok := d.Uint(d.Exif, TagISO, 0); !ok || iso != 400 {
		t.Errorf("ISO %d %v", iso, ok)
	}
	if _, ok := d.IFD0[TagModel]; ok || d.Malformed != 1 {
		t.Errorf("the entry past the end: kept %v, malformed %d", ok, d.Malformed)
	}
	for _, bad := range [][]byte{nil, []byte("II*\x00"), []byte("XX*\x00\x08\x00\x00\x00"), []byte("II+\x00\x08\x00\x00\x00")} {
		if _, err := Parse(bad); err != ErrNoTIFF {
			t.Errorf("Parse(% x) = %v, want ErrNoTIFF", bad, err)
		}
	}
	// Every cut of the block parses without panicking.
	full := block()
	for n := 8; n <= len(full); n++ {
		if _, err := Parse(full[:n]); err != nil {
			t.Fatalf("cut at %d: %v", n, err)
		}
	}
}
