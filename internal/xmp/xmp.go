// Package xmp reads the metadata photographers write themselves, in XMP
// packets: sidecar files (name.xmp, name.ext.xmp) beside a photo, and the
// packets embedded in JPEG, TIFF, HEIF and RAW files. It keeps what a
// library searches and filters by: keywords (flat and hierarchical), title,
// description, rating, colour label, and capture date and position when
// the photographer corrected them.
//
// Parsing is by namespace, not by prefix, so Lightroom, Capture One,
// darktable, digiKam and Photoshop packets read alike.
package xmp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Namespaces of the properties read.
const (
	nsRDF       = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsDC        = "http://purl.org/dc/elements/1.1/"
	nsXMP       = "http://ns.adobe.com/xap/1.0/"
	nsLR        = "http://ns.adobe.com/lightroom/1.0/"
	nsPhotoshop = "http://ns.adobe.com/photoshop/1.0/"
	nsEXIF      = "http://ns.adobe.com/exif/1.0/"
	nsDigiKam   = "http://www.digikam.org/ns/1.0/"
)

// MaxSidecarBytes bounds a sidecar file read into memory: real ones are a
// few kilobytes, Lightroom's with develop settings some hundreds.
const MaxSidecarBytes = 8 << 20

// Meta is what a packet says. Zero fields were not said.
type Meta struct {
	Title       string
	Description string
	// Keywords are the flat keywords (dc:subject) and every level of the
	// hierarchical ones (lr:hierarchicalSubject "Places|Germany|Berlin"
	// gives Places, Germany and Berlin), without duplicates.
	Keywords []string
	// Rating is xmp:Rating: 1-5 stars, -1 rejected, 0 not rated.
	Rating int
	// Label is the colour label (xmp:Label), as written ("Red", "Green"…).
	Label string
	// TakenAt overrides the camera's capture time (photoshop:DateCreated,
	// exif:DateTimeOriginal or xmp:CreateDate); TakenAtHasZone says whether
	// it carried a UTC offset.
	TakenAt        time.Time
	TakenAtHasZone bool
	// Lat, Lon is a corrected position (exif:GPSLatitude/GPSLongitude);
	// HasGPS says whether one was given.
	Lat, Lon float64
	HasGPS   bool
}

// Empty reports whether m says nothing.
func (m Meta) Empty() bool {
	return m.Title == "" && m.Description == "" && len(m.Keywords) == 0 && m.Rating == 0 &&
		m.Label == "" && m.TakenAt.IsZero() && !m.HasGPS
}

// Merge returns m with the fields over says laid over it: over's scalar
// fields win where set, and keywords are the union (m's first).
func (m Meta) Merge(over Meta) Meta {
	if over.Title != "" {
		m.Title = over.Title
	}
	if over.Description != "" {
		m.Description = over.Description
	}
	if over.Rating != 0 {
		m.Rating = over.Rating
	}
	if over.Label != "" {
		m.Label = over.Label
	}
	if !over.TakenAt.IsZero() {
		m.TakenAt, m.TakenAtHasZone = over.TakenAt, over.TakenAtHasZone
	}
	if over.HasGPS {
		m.Lat, m.Lon, m.HasGPS = over.Lat, over.Lon, true
	}
	m.Keywords = AddKeywords(m.Keywords, over.Keywords...)
	return m
}

// AddKeywords appends the keywords not already in list (compared without
// case), trimmed, skipping empty ones.
func AddKeywords(list []string, kws ...string) []string {
	for _, k := range kws {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		dup := false
		for _, have := range list {
			if strings.EqualFold(have, k) {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, k)
		}
	}
	return list
}

// ReadFile parses a sidecar file.
func ReadFile(path string) (Meta, error) {
	f, err := os.Open(path)
	if err != nil {
		return Meta{}, fmt.Errorf("xmp: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxSidecarBytes+1)); err != nil {
		return Meta{}, fmt.Errorf("xmp: %s: %w", path, err)
	}
	if buf.Len() > MaxSidecarBytes {
		return Meta{}, fmt.Errorf("xmp: %s: over %d bytes", path, MaxSidecarBytes)
	}
	m, err := Parse(buf.Bytes())
	if err != nil {
		return m, fmt.Errorf("xmp: %s: %w", path, err)
	}
	return m, nil
}

// Packet finds the XMP packet embedded in a file's bytes (any container:
// XMP is stored as plain text everywhere), or nil.
func Packet(data []byte) []byte {
	for _, tags := range [][2]string{{"<x:xmpmeta", "</x:xmpmeta>"}, {"<rdf:RDF", "</rdf:RDF>"}} {
		i := bytes.Index(data, []byte(tags[0]))
		if i < 0 {
			continue
		}
		j := bytes.Index(data[i:], []byte(tags[1]))
		if j < 0 {
			continue
		}
		return data[i : i+j+len(tags[1])]
	}
	return nil
}

// ErrNotXMP means the data holds no RDF at all.
var ErrNotXMP = errors.New("no XMP packet")

// Parse reads an XMP packet or sidecar. Unknown properties are ignored;
// malformed XML is an error, with whatever was read before it.
func Parse(data []byte) (Meta, error) {
	if p := Packet(data); p != nil {
		data = p
	} else if !bytes.Contains(data, []byte(nsRDF)) {
		return Meta{}, ErrNotXMP
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		m     Meta
		stack []xml.Name
		prop  xml.Name // the property being read, when inside one
		depth int      // the stack depth of prop
		vals  []string // its rdf:li values (or its own text)
		text  strings.Builder
		lang  string // xml:lang of the current rdf:li
		langs []string
	)
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return m, nil
			}
			return m, fmt.Errorf("xmp: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name)
			if t.Name.Space == nsRDF && t.Name.Local == "Description" {
				for _, a := range t.Attr {
					m.set(a.Name, []string{a.Value}, nil)
				}
				continue
			}
			if prop.Local == "" && len(stack) >= 2 && stack[len(stack)-2].Space == nsRDF && stack[len(stack)-2].Local == "Description" {
				prop, depth, vals, langs = t.Name, len(stack), nil, nil
				text.Reset()
				continue
			}
			if prop.Local != "" && t.Name.Space == nsRDF && t.Name.Local == "li" {
				text.Reset()
				lang = ""
				for _, a := range t.Attr {
					if a.Name.Local == "lang" {
						lang = a.Value
					}
				}
			}
		case xml.CharData:
			if prop.Local != "" {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch {
			case prop.Local != "" && top.Space == nsRDF && top.Local == "li":
				vals = append(vals, strings.TrimSpace(text.String()))
				langs = append(langs, lang)
				text.Reset()
			case prop.Local != "" && len(stack)+1 == depth:
				if len(vals) == 0 {
					vals = []string{strings.TrimSpace(text.String())}
					langs = []string{""}
				}
				m.set(prop, vals, langs)
				prop = xml.Name{}
			}
		}
	}
}

// set records one property's values.
func (m *Meta) set(name xml.Name, vals, langs []string) {
	one := func() string {
		// An rdf:Alt's x-default wins; else the first value.
		for i, l := range langs {
			if l == "x-default" && vals[i] != "" {
				return vals[i]
			}
		}
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	switch name.Space + name.Local {
	case nsDC + "title", nsPhotoshop + "Headline":
		if v := one(); v != "" && (m.Title == "" || name.Space == nsDC) {
			m.Title = v
		}
	case nsDC + "description":
		if v := one(); v != "" {
			m.Description = v
		}
	case nsDC + "subject":
		m.Keywords = AddKeywords(m.Keywords, vals...)
	case nsLR + "hierarchicalSubject":
		for _, v := range vals {
			m.Keywords = AddKeywords(m.Keywords, strings.Split(v, "|")...)
		}
	case nsDigiKam + "TagsList":
		for _, v := range vals {
			m.Keywords = AddKeywords(m.Keywords, strings.Split(v, "/")...)
		}
	case nsXMP + "Rating":
		if f, err := strconv.ParseFloat(one(), 64); err == nil && f >= -1 && f <= 5 {
			m.Rating = int(math.Round(f))
		}
	case nsXMP + "Label":
		m.Label = one()
	case nsPhotoshop + "DateCreated", nsEXIF + "DateTimeOriginal", nsXMP + "CreateDate":
		// The first said wins, in this order of preference.
		if t, zone, ok := parseDate(one()); ok && (m.TakenAt.IsZero() || name.Space == nsPhotoshop) {
			m.TakenAt, m.TakenAtHasZone = t, zone
		}
	case nsEXIF + "GPSLatitude":
		if v, ok := parseCoord(one(), 'S'); ok && math.Abs(v) <= 90 {
			m.Lat = v
			m.HasGPS = m.HasGPS || m.Lon != 0
		}
	case nsEXIF + "GPSLongitude":
		if v, ok := parseCoord(one(), 'W'); ok && math.Abs(v) <= 180 {
			m.Lon = v
			m.HasGPS = true
		}
	}
}

// parseDate reads an XMP date: "2020", "2020-01", "2020-01-02",
// "2020-01-02T03:04", "…:05", with fractions and a zone ("Z", "+01:00").
func parseDate(s string) (time.Time, bool, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true, t.Year() > 1800
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, false, t.Year() > 1800
		}
	}
	return time.Time{}, false, false
}

// parseCoord reads an XMP GPS coordinate, "DDD,MM.mmk" or "DDD,MM,SSk"
// (k the hemisphere letter), as signed decimal degrees; neg is the letter
// that makes it negative.
func parseCoord(s string, neg byte) (float64, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, false
	}
	ref := s[len(s)-1]
	if ref >= 'a' {
		ref -= 'a' - 'A'
	}
	var v float64
	parts := strings.Split(s[:len(s)-1], ",")
	if len(parts) > 3 {
		return 0, false
	}
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 0 {
			return 0, false
		}
		v += f / []float64{1, 60, 3600}[i]
	}
	if ref == neg {
		v = -v
	}
	return v, !math.IsNaN(v) && utf8.ValidString(s)
}
