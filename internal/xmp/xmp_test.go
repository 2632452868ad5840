package xmp

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/testshared"
)

// TestSidecars reads the real sidecars of the shared library.
func TestSidecars(t *testing.T) {
	t.Parallel()
	dir := testshared.Path(t, "testdata", "library", "sidecar")
	tests := []struct {
		file        string
		title, desc string
		keywords    []string // must all be there
		rating      int
	}{
		{file: "door-knocker.xmp", title: "Ladybug", keywords: []string{"Ladybug"}, rating: 1},
		{file: "flower.webp.xmp", title: "Botanischer Garten", desc: "Tulpen am See", keywords: []string{"Krokus", "Blume", "Schöne Wiese"}},
		{file: "simple.xmp", title: "Night Shift / Berlin / 2020", desc: "Example file for development",
			keywords: []string{"desk", "coffee", "computer"}, rating: 4},
	}
	for _, tt := range tests {
		m, err := ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if m.Title != tt.title || m.Description != tt.desc || m.Rating != tt.rating {
			t.Errorf("%s: title %q desc %q rating %d; want %q %q %d", tt.file, m.Title, m.Description, m.Rating, tt.title, tt.desc, tt.rating)
		}
		for _, k := range tt.keywords {
			if !slices.Contains(m.Keywords, k) {
				t.Errorf("%s: keywords %q lack %q", tt.file, m.Keywords, k)
			}
		}
	}
}

// TestParseForms: attributes and elements, hierarchical keywords, labels,
// corrected dates and positions, and XML that breaks off.
func TestParseForms(t *testing.T) {
	t.Parallel()
	packet := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
  xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
  xmlns:d="http://purl.org/dc/elements/1.1/"
  xmp:Rating="5" xmp:Label="Red" exif:GPSLatitude="52,31.2N" exif:GPSLongitude="13,24,36W"
  photoshop:DateCreated="2019-06-01T10:20:30+02:00">
 <lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Germany|Berlin</rdf:li><rdf:li>places|Paris</rdf:li></rdf:Bag></lr:hierarchicalSubject>
 <d:subject><rdf:Bag><rdf:li>berlin</rdf:li><rdf:li>Wall</rdf:li></rdf:Bag></d:subject>
 <d:title><rdf:Alt><rdf:li xml:lang="de">Mauer</rdf:li><rdf:li xml:lang="x-default">The Wall</rdf:li></rdf:Alt></d:title>
</rdf:Description></rdf:RDF></x:xmpmeta>`
	m, err := Parse([]byte("junk before" + packet + "junk after"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Places", "Germany", "Berlin", "Paris", "Wall"}
	if !slices.Equal(m.Keywords, want) {
		t.Errorf("keywords %q, want %q", m.Keywords, want)
	}
	if m.Title != "The Wall" || m.Rating != 5 || m.Label != "Red" {
		t.Errorf("title %q rating %d label %q", m.Title, m.Rating, m.Label)
	}
	if !m.HasGPS || m.Lat != 52.52 || m.Lon > -13.40999 || m.Lon < -13.41001 {
		t.Errorf("GPS %v %v %v", m.HasGPS, m.Lat, m.Lon)
	}
	if !m.TakenAtHasZone || !m.TakenAt.Equal(time.Date(2019, 6, 1, 8, 20, 30, 0, time.UTC)) {
		t.Errorf("taken %v zone %v", m.TakenAt, m.TakenAtHasZone)
	}
	if _, err := Parse([]byte("no metadata here")); err == nil {
		t.Error("plain text parsed as XMP")
	}
	cut := packet[:len(packet)/2]
	if _, err := Parse([]byte(cut)); err == nil {
		t.Error("half a packet parsed without error")
	}
}
