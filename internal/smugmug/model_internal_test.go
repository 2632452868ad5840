package smugmug

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// Two images in the shapes real responses have (spec §4.4): long-form Uris,
// coordinates as strings, a missing EXIF date, ComponentFileTypes as an
// object on one and an array on the other.
const realAlbumImages = `[
{"ImageKey":"B2fHSt7","Serial":0,"FileName":"C14A0468_heic.JPG","Title":"","Caption":"","Keywords":"Beans; 2021; 132","KeywordArray":["Beans","2021","132"],
 "Date":"2020-09-06T01:34:49+00:00","DateTimeUploaded":"2020-09-06T01:34:49+00:00","DateTimeOriginal":"2020-08-25T21:36:13+00:00",
 "LastUpdated":"2021-08-17T14:49:49+00:00","Format":"JPG","OriginalWidth":4032,"OriginalHeight":3024,"OriginalSize":3854336,
 "ArchivedUri":"https://photos.smugmug.com/photos/i-B2fHSt7/0/abd96907/D/i-B2fHSt7-D.jpg","ArchivedSize":3854336,"ArchivedMD5":"3004be323291d2512c55bbc4c5536194",
 "ThumbnailUrl":"https://photos.smugmug.com/photos/i-B2fHSt7/0/Th/i-B2fHSt7-Th.jpg","IsVideo":false,"Hidden":false,"Processing":false,
 "Latitude":"46.44270833333300","Longitude":"-121.77849444444000","Altitude":428,"ComponentFileTypes":{"Image":["jpg"]},"CanEdit":true,
 "WebUri":"https://photos.gravl.cc/Activities/2020/2020-08-25-Babyshoe-Pass/n-t7jTf7/i-B2fHSt7",
 "Uri":"/api/v2/album/S45Qsz/image/B2fHSt7-0",
 "Uris":{"Image":{"Uri":"/api/v2/image/B2fHSt7-0","Locator":"Image","LocatorType":"Object"},"ImageSizeDetails":{"Uri":"/api/v2/image/B2fHSt7-0!sizedetails"}}},
{"ImageKey":"qS99d3S","Serial":2,"FileName":"7P1A1463.MP4","Title":"","Caption":"","Keywords":"","KeywordArray":[],
 "Date":"2019-07-09T16:34:35+00:00","LastUpdated":"2019-07-09T16:34:38+00:00","Format":"MP4","OriginalWidth":3474,"OriginalHeight":2779,"OriginalSize":7068498,
 "ThumbnailUrl":"https://photos.smugmug.com/photos/i-qS99d3S/0/Th/i-qS99d3S-Th.jpg","IsVideo":true,"Latitude":0,"Longitude":"0.00000000000000","Altitude":0,
 "ComponentFileTypes":[],"CanEdit":false,"Uri":"/api/v2/album/S45Qsz/image/qS99d3S-2"}
]`

func TestDecodeRealShapes(t *testing.T) {
	t.Parallel()
	var ws []wireImage
	if err := json.Unmarshal([]byte(realAlbumImages), &ws); err != nil {
		t.Fatal(err)
	}
	a, b := ws[0].image("S45Qsz"), ws[1].image("S45Qsz")
	if a.URI != "/api/v2/image/B2fHSt7-0" || a.AlbumKey != "S45Qsz" || !slices.Equal(a.Keywords, []string{"Beans", "2021", "132"}) ||
		!a.HasLocation || a.Latitude != 46.442708333333 || a.Altitude != 428 || a.MD5 != "3004be323291d2512c55bbc4c5536194" ||
		!a.Taken.Equal(time.Date(2020, 8, 25, 21, 36, 13, 0, time.UTC)) || a.Width != 4032 || a.IsVideo {
		t.Fatalf("first image %+v", a)
	}
	if b.URI != "/api/v2/image/qS99d3S-2" || b.HasLocation || !b.Taken.IsZero() || !b.IsVideo || b.Keywords != nil ||
		!b.Uploaded.Equal(time.Date(2019, 7, 9, 16, 34, 35, 0, time.UTC)) {
		t.Fatalf("second image %+v", b)
	}
}

func TestKeywordsFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"Beans; 2021; 132", []string{"Beans", "2021", "132"}},
		{"Ivan Makarov;onboardingsamplephoto; ;samplephoto;", []string{"Ivan Makarov", "onboardingsamplephoto", "samplephoto"}},
		{"a, b, c", []string{"a", "b", "c"}},
		{"Snow; snow; SNOW;  red   barn ", []string{"Snow", "red barn"}},
	}
	for _, tt := range tests {
		if got := SplitKeywords(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SplitKeywords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := JoinKeywords([]string{"a;b", " c ", "A B", ""}); got != "a b; c" {
		t.Errorf("JoinKeywords = %q", got)
	}
}

func TestPickRenditions(t *testing.T) {
	t.Parallel()
	obj := map[string]json.RawMessage{
		"ImageSizeThumb":   json.RawMessage(`{"Url":"th","Width":150,"Height":150}`),
		"ImageSizeX3Large": json.RawMessage(`{"Url":"x3","Width":1600,"Height":1067}`),
		"ImageSizeX4Large": json.RawMessage(`{"Url":"x4","Width":2048,"Height":1366}`),
		"ImageSizeX5Large": json.RawMessage(`{"Url":"x5","Width":2560,"Height":1707}`),
		"ImageSize4K":      json.RawMessage(`{"Url":"4k","Width":3840,"Height":2560}`),
	}
	tests := []struct {
		usable   []string
		analysis string
		thumb    string
	}{
		{[]string{"ImageSizeThumb", "ImageSizeX3Large", "ImageSizeX4Large", "ImageSizeX5Large", "ImageSize4K"}, "x4", "th"},
		{[]string{"ImageSizeThumb", "ImageSizeX3Large"}, "x3", "th"}, // album LargestSize caps it
		{[]string{"ImageSizeX5Large", "ImageSize4K"}, "x5", "x5"},    // nothing ≤ 2200: the smallest
		{[]string{"ImageSizeX4Large", "ImageSizeMissing"}, "x4", "x4"},
	}
	for _, tt := range tests {
		r, err := pickRenditions(obj, tt.usable)
		if err != nil || r.Analysis.URL != tt.analysis || r.Thumbnail.URL != tt.thumb {
			t.Errorf("usable %v: %+v, %v", tt.usable, r, err)
		}
	}
	if _, err := pickRenditions(obj, []string{"ImageSizeNope"}); err == nil {
		t.Error("no usable size accepted")
	}
}
