package photo

import (
	"bytes"
	"encoding/binary"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/targetvision/targetvision/internal/xmp"
)

// embeddedMeta reads what the photographer wrote into the file itself: the
// embedded XMP packet, with IPTC-IIM (older tools, and many agencies) under
// it where XMP is silent.
func embeddedMeta(format string, data []byte) xmp.Meta {
	var m xmp.Meta
	if format == "jpeg" {
		m = iptcMeta(jpegIPTC(data))
	}
	if p := xmp.Packet(data); p != nil {
		if x, err := xmp.Parse(p); err == nil || !x.Empty() {
			m = m.Merge(x)
		}
	}
	return m
}

// jpegIPTC returns the IPTC-NAA resource (8BIM 0x0404) of a JPEG's
// Photoshop APP13 segment, or nil.
func jpegIPTC(d []byte) []byte {
	seg := jpegSegment(d, 0xED, []byte("Photoshop 3.0\x00"))
	if seg == nil {
		return nil
	}
	p := len("Photoshop 3.0\x00")
	for p+12 <= len(seg) && string(seg[p:p+4]) == "8BIM" {
		id := binary.BigEndian.Uint16(seg[p+4:])
		n := int(seg[p+6])
		p += 7 + n
		if n%2 == 0 { // the Pascal name with its length byte is padded to even
			p++
		}
		if p+4 > len(seg) {
			return nil
		}
		size := int(binary.BigEndian.Uint32(seg[p:]))
		p += 4
		if size < 0 || size > len(seg)-p {
			return nil
		}
		if id == 0x0404 {
			return seg[p : p+size]
		}
		p += size + size&1
	}
	return nil
}

// iptcMeta reads the IPTC-IIM application records a library uses: object
// name (title), keywords, caption, and date created.
func iptcMeta(b []byte) xmp.Meta {
	var m xmp.Meta
	var date string
	utf8Set := false
	for p := 0; p+5 <= len(b) && b[p] == 0x1C; {
		rec, ds := b[p+1], b[p+2]
		n := int(binary.BigEndian.Uint16(b[p+3:]))
		p += 5
		if n&0x8000 != 0 || n > len(b)-p { // extended lengths are not used for text
			break
		}
		v := b[p : p+n]
		p += n
		switch {
		case rec == 1 && ds == 90:
			utf8Set = bytes.Equal(v, []byte("\x1b%G"))
		case rec != 2:
		case ds == 5:
			m.Title = iptcText(v, utf8Set)
		case ds == 25:
			m.Keywords = xmp.AddKeywords(m.Keywords, iptcText(v, utf8Set))
		case ds == 120:
			m.Description = iptcText(v, utf8Set)
		case ds == 55:
			date = string(v)
		}
	}
	if t, err := time.Parse("20060102", date); err == nil && t.Year() > 1800 {
		m.TakenAt = t
	}
	return m
}

// iptcText decodes an IPTC string: UTF-8 when the record says so or the
// bytes are valid UTF-8, else Latin-1 (the IIM default in practice).
func iptcText(v []byte, utf8Set bool) string {
	if utf8Set || utf8.Valid(v) {
		return strings.TrimSpace(string(v))
	}
	r := make([]rune, len(v))
	for i, c := range v {
		r[i] = rune(c)
	}
	return strings.TrimSpace(string(r))
}
