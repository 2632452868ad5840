package photo

import (
	"bytes"
	"encoding/binary"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// entry is one TIFF IFD entry; val holds the value bytes, little-endian.
type entry struct {
	tag, typ uint16
	count    uint32
	val      []byte
}

func ascii(tag uint16, s string) entry {
	return entry{tag, 2, uint32(len(s) + 1), append([]byte(s), 0)}
}
func short(tag uint16, v uint16) entry {
	return entry{tag, 3, 1, binary.LittleEndian.AppendUint16(nil, v)}
}
func byteVal(tag uint16, v byte) entry { return entry{tag, 1, 1, []byte{v}} }

// rational takes numerator, denominator pairs.
func rational(tag uint16, nd ...uint32) entry {
	var b []byte
	for _, v := range nd {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return entry{tag, 5, uint32(len(nd) / 2), b}
}

// buildTIFF lays out a little-endian EXIF TIFF block: IFD0, then the EXIF
// and GPS sub-IFDs (pointed to from IFD0 when not empty), then the values
// longer than four bytes.
func buildTIFF(ifd0, exifIFD, gpsIFD []entry) []byte {
	if len(exifIFD) > 0 {
		ifd0 = append(ifd0, entry{0x8769, 4, 1, nil})
	}
	if len(gpsIFD) > 0 {
		ifd0 = append(ifd0, entry{0x8825, 4, 1, nil})
	}
	ifdSize := func(es []entry) int { return 2 + 12*len(es) + 4 }
	off0 := 8
	offExif := off0 + ifdSize(ifd0)
	offGPS := offExif + ifdSize(exifIFD)
	data := offGPS + ifdSize(gpsIFD)
	for i := range ifd0 {
		switch ifd0[i].tag {
		case 0x8769:
			ifd0[i].val = binary.LittleEndian.AppendUint32(nil, uint32(offExif))
		case 0x8825:
			ifd0[i].val = binary.LittleEndian.AppendUint32(nil, uint32(offGPS))
		}
	}
	var out, blobs []byte
	out = append(out, "II*\x00"...)
	out = binary.LittleEndian.AppendUint32(out, uint32(off0))
	for _, ifd := range [][]entry{ifd0, exifIFD, gpsIFD} {
		out = binary.LittleEndian.AppendUint16(out, uint16(len(ifd)))
		for _, e := range ifd {
			out = binary.LittleEndian.AppendUint16(out, e.tag)
			out = binary.LittleEndian.AppendUint16(out, e.typ)
			out = binary.LittleEndian.AppendUint32(out, e.count)
			if len(e.val) <= 4 {
				v := make([]byte, 4)
				copy(v, e.val)
				out = append(out, v...)
				continue
			}
			out = binary.LittleEndian.AppendUint32(out, uint32(data+len(blobs)))
			blobs = append(blobs, e.val...)
			if len(blobs)%2 == 1 {
				blobs = append(blobs, 0)
			}
		}
		out = binary.LittleEndian.AppendUint32(out, 0)
	}
	return append(out, blobs...)
}

// jpegWithExif returns a small real JPEG carrying the given EXIF block in
// an APP1 segment right after SOI.
func jpegWithExif(t *testing.T, tiff []byte) []byte {
	t.Helper()
	var img bytes.Buffer
	if err := jpeg.Encode(&img, gradient(32, 24), nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	out = append(out, payload...)
	return append(out, img.Bytes()[2:]...)
}

func TestEXIFFields(t *testing.T) {
	t.Parallel()
	camera := []entry{ascii(0x010F, "Acme"), ascii(0x0110, "Snap 1")}
	north := []entry{
		ascii(0x0001, "N"), rational(0x0002, 48, 1, 51, 1, 2400, 100),
		ascii(0x0003, "E"), rational(0x0004, 2, 1, 17, 1, 4000, 100),
	}
	tests := []struct {
		name     string
		ifd0     []entry
		exif     []entry
		gps      []entry
		check    func(t *testing.T, info Info)
		warnPart string // "" for no warning
	}{
		{
			name: "offset time gives a real instant",
			ifd0: camera,
			exif: []entry{ascii(0x9003, "2021:03:04 05:06:07"), ascii(0x9011, "-05:00")},
			check: func(t *testing.T, info Info) {
				want := time.Date(2021, 3, 4, 10, 6, 7, 0, time.UTC)
				if !info.TakenAt.Equal(want) || !info.TakenAtHasZone || info.TakenAt.Format("-07:00") != "-05:00" {
					t.Errorf("TakenAt = %v (zone %v), want %v in -05:00", info.TakenAt, info.TakenAtHasZone, want)
				}
			},
		},
		{
			name: "no offset: wall clock labelled UTC",
			exif: []entry{ascii(0x9003, "2021:03:04 05:06:07")},
			check: func(t *testing.T, info Info) {
				if info.TakenAt != time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC) || info.TakenAtHasZone {
					t.Errorf("TakenAt = %v (zone %v)", info.TakenAt, info.TakenAtHasZone)
				}
			},
		},
		{
			name: "digitized time when original is missing; modify time never",
			ifd0: []entry{ascii(0x0132, "2030:01:01 00:00:00")},
			exif: []entry{ascii(0x9004, "2019:12:31 23:59:59")},
			check: func(t *testing.T, info Info) {
				if info.TakenAt != time.Date(2019, 12, 31, 23, 59, 59, 0, time.UTC) {
					t.Errorf("TakenAt = %v, want the DateTimeDigitized", info.TakenAt)
				}
			},
		},
		{
			name: "all-zero date is unknown",
			exif: []entry{ascii(0x9003, "0000:00:00 00:00:00")},
			check: func(t *testing.T, info Info) {
				if !info.TakenAt.IsZero() {
					t.Errorf("TakenAt = %v, want zero", info.TakenAt)
				}
			},
		},
		{
			name: "exposure, aperture, focal length, ISO, orientation",
			ifd0: []entry{short(0x0112, 8)},
			exif: []entry{rational(0x829A, 1, 4000), rational(0x829D, 28, 10), rational(0x920A, 500, 10), short(0x8827, 3200)},
			check: func(t *testing.T, info Info) {
				if info.ExposureTime != "1/4000" || info.FNumber != 2.8 || info.FocalLength != 50 || info.ISO != 3200 || info.Orientation != 8 {
					t.Errorf("got %s f/%v %vmm ISO %d orientation %d", info.ExposureTime, info.FNumber, info.FocalLength, info.ISO, info.Orientation)
				}
				if info.Width != 24 || info.Height != 32 {
					t.Errorf("displayed size %dx%d, want 24x32 (rotated)", info.Width, info.Height)
				}
			},
		},
		{
			name: "invalid orientation is ignored",
			ifd0: []entry{short(0x0112, 9)},
			check: func(t *testing.T, info Info) {
				if info.Orientation != 1 {
					t.Errorf("Orientation = %d, want 1", info.Orientation)
				}
			},
		},
		{
			name: "GPS with altitude below sea level",
			gps:  append(append([]entry{}, north...), rational(0x0006, 1550, 10), byteVal(0x0005, 1)),
			check: func(t *testing.T, info Info) {
				g := info.GPS
				if g == nil || math.Abs(g.Lat-48.856667) > 1e-6 || math.Abs(g.Lon-2.294444) > 1e-6 || g.Alt == nil || *g.Alt != -155 {
					t.Errorf("GPS = %+v", g)
				}
			},
		},
		{
			name: "south and west are negative",
			gps: []entry{
				ascii(0x0001, "S"), rational(0x0002, 33, 1, 52, 1, 0, 1),
				ascii(0x0003, "W"), rational(0x0004, 70, 1, 30, 1, 0, 1),
			},
			check: func(t *testing.T, info Info) {
				if g := info.GPS; g == nil || g.Lat != -(33+52.0/60) || g.Lon != -70.5 || g.Alt != nil {
					t.Errorf("GPS = %+v", g)
				}
			},
		},
		{
			name: "0,0 means no fix",
			gps: []entry{
				ascii(0x0001, "N"), rational(0x0002, 0, 1, 0, 1, 0, 1),
				ascii(0x0003, "E"), rational(0x0004, 0, 1, 0, 1, 0, 1),
			},
			check: func(t *testing.T, info Info) {
				if info.GPS != nil {
					t.Errorf("GPS = %+v, want none", *info.GPS)
				}
			},
		},
		{
			name: "degrees-only latitude is read as whole degrees",
			gps: []entry{
				ascii(0x0001, "N"), rational(0x0002, 48, 1),
				ascii(0x0003, "E"), rational(0x0004, 2, 1, 17, 1, 40, 1),
			},
			check: func(t *testing.T, info Info) {
				if g := info.GPS; g == nil || g.Lat != 48 || math.Abs(g.Lon-(2+17/60.0+40/3600.0)) > 1e-9 {
					t.Errorf("GPS = %+v", g)
				}
			},
		},
		{
			// goexif would size this as 4×0xC0000001 bytes wrapped to 4, then
			// allocate 0xC0000001 int64s: an unrecoverable out-of-memory crash.
			name:     "huge count costs only its tag",
			ifd0:     []entry{ascii(0x010F, "Acme"), {0x0110, 4, 0xC0000001, []byte{1, 2, 3, 4}}},
			exif:     []entry{ascii(0x9003, "2021:03:04 05:06:07")},
			check:    func(t *testing.T, info Info) { wantCamera(t, info, "Acme", "", true) },
			warnPart: "EXIF: 1 malformed entries ignored",
		},
		{
			name: "unknown type, zero count and value past the end cost only their tags",
			ifd0: []entry{
				{0x0110, 99, 1, []byte{1}},
				{0xA434, 2, 0, nil},
				{0x0131, 2, 5000, []byte("past the end of the block")},
				ascii(0x010F, "Acme"),
			},
			exif:     []entry{ascii(0x9003, "2021:03:04 05:06:07")},
			check:    func(t *testing.T, info Info) { wantCamera(t, info, "Acme", "", true) },
			warnPart: "EXIF: 3 malformed entries ignored",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeTemp(t, "x.jpg", jpegWithExif(t, buildTIFF(tt.ifd0, tt.exif, tt.gps)))
			info, err := Inspect(t.Context(), path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, info)
			if tt.warnPart == "" && info.MetadataWarning != "" || !strings.Contains(info.MetadataWarning, tt.warnPart) {
				t.Errorf("MetadataWarning = %q, want %q", info.MetadataWarning, tt.warnPart)
			}
		})
	}
}

func TestExposureFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		num, den uint32
		want     string
	}{
		{1, 8000, "1/8000"}, {10, 2500, "1/250"}, {1, 4, "1/4"}, {3, 10, "0.3"}, {1, 2, "0.5"},
		{15, 10, "1.5"}, {30, 1, "30"}, {4294967295, 1, ""}, {0, 1, ""}, {1, 0, ""},
	}
	for _, tt := range tests {
		path := writeTemp(t, "x.jpg", jpegWithExif(t, buildTIFF(nil, []entry{rational(0x829A, tt.num, tt.den)}, nil)))
		info, err := Inspect(t.Context(), path, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if info.ExposureTime != tt.want {
			t.Errorf("%d/%d s = %q, want %q", tt.num, tt.den, info.ExposureTime, tt.want)
		}
	}
}

func wantCamera(t *testing.T, info Info, make, model string, taken bool) {
	t.Helper()
	if info.CameraMake != make || info.CameraModel != model || info.TakenAt.IsZero() == taken {
		t.Errorf("camera %q %q taken %v; want %q %q, taken known: %v", info.CameraMake, info.CameraModel, info.TakenAt, make, model, taken)
	}
}

// TestEXIFIFDCycle: IFD0 and the EXIF IFD name each other as the next IFD.
// goexif followed such a chain forever; each directory is read once.
func TestEXIFIFDCycle(t *testing.T) {
	t.Parallel()
	b := buildTIFF([]entry{ascii(0x010F, "Acme")}, []entry{ascii(0x9003, "2021:03:04 05:06:07")}, nil)
	const ifd0, entries0 = 8, 2 // Make and the EXIF IFD pointer
	offExif := ifd0 + 2 + 12*entries0 + 4
	binary.LittleEndian.PutUint32(b[ifd0+2+12*entries0:], uint32(offExif))
	binary.LittleEndian.PutUint32(b[offExif+2+12:], ifd0)
	info, err := Inspect(t.Context(), writeTemp(t, "cycle.jpg", jpegWithExif(t, b)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	wantCamera(t, info, "Acme", "", true)
}

// TestEXIFBadPointers: a sub-IFD pointer of type SHORT is followed (and the
// huge count behind it costs only its tag); a GPS pointer with two values
// is not a pointer and is ignored.
func TestEXIFBadPointers(t *testing.T) {
	t.Parallel()
	huge := entry{0x829A, 4, 0xC0000001, []byte{1, 2, 3, 4}}
	b := buildTIFF([]entry{ascii(0x010F, "Acme"), {0x8825, 4, 2, []byte{8, 0, 0, 0, 8, 0, 0, 0}}},
		[]entry{huge, ascii(0x9003, "2021:03:04 05:06:07")}, nil)
	const ifd0 = 8
	ptr := ifd0 + 2 + 12*2 // the third IFD0 entry: the EXIF pointer buildTIFF appended
	if binary.LittleEndian.Uint16(b[ptr:]) != 0x8769 {
		t.Fatal("fixture layout changed")
	}
	binary.LittleEndian.PutUint16(b[ptr+2:], 3) // SHORT; the offset is small, so it still fits
	info, err := Inspect(t.Context(), writeTemp(t, "ptr.jpg", jpegWithExif(t, b)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	wantCamera(t, info, "Acme", "", true)
	if !strings.Contains(info.MetadataWarning, "2 malformed entries ignored") {
		t.Errorf("warning %q, want the GPS pointer and the huge count counted", info.MetadataWarning)
	}
}

// TestEXIFTruncatedBlocks feeds cut copies of a real EXIF block to the
// reader: whatever the cut, it reads what is there and never panics.
func TestEXIFTruncatedBlocks(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(photos(t), "camera/issue-exifr-59.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	block := bytes.TrimPrefix(jpegExif(data), exifHeader)
	if len(block) < 1000 {
		t.Fatalf("EXIF block of %d bytes; expected a real one", len(block))
	}
	for n := 8; n <= len(block); n += 7 {
		info, warn := readMetadata(blocks{main: block[:n]})
		if info.Orientation < 1 || strings.Contains(warn, "panicked") {
			t.Fatalf("cut at %d: orientation %d, warning %q", n, info.Orientation, warn)
		}
	}
	if info, _ := readMetadata(blocks{main: block}); info.CameraModel != "Canon EOS 600D" {
		t.Fatalf("whole block: model %q", info.CameraModel)
	}
}
