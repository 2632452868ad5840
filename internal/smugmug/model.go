package smugmug

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// User is the authenticated SmugMug user.
type User struct {
	NickName string // the key of every user URI (not the e-mail or display name)
	Name     string
	WebURI   string
}

// Album is one SmugMug album (gallery) as the sync needs it.
type Album struct {
	AlbumKey          string
	Name              string
	URLName           string
	URLPath           string // folder path + URL name, e.g. /Travel/2020/Iceland
	WebURI            string
	NodeID            string
	Description       string
	Keywords          []string
	Privacy           string // Public, Unlisted or Private (Full access only)
	Date              time.Time
	LastUpdated       time.Time // album settings/metadata changed
	ImagesLastUpdated time.Time // images added, removed or re-ordered
	ImageCount        int
}

// Image is one photo of an album as the sync needs it.
type Image struct {
	ImageKey string // stable id across albums and replacements
	Serial   int    // bumped when the photo is replaced
	AlbumKey string // the album it was listed in

	FileName string
	Title    string
	Caption  string
	Keywords []string

	Uploaded    time.Time // DateTimeUploaded (or the deprecated Date)
	Taken       time.Time // DateTimeOriginal from EXIF; zero when absent
	LastUpdated time.Time // content or properties changed

	Format string // JPG, PNG, HEIC, MP4, ...
	Width  int    // original pixels
	Height int
	Size   int64  // original bytes
	MD5    string // ArchivedMD5, the best content hash; empty without original access

	Latitude    float64
	Longitude   float64
	Altitude    int
	HasLocation bool // false for SmugMug's "0,0 = no location"

	ThumbnailURL string // 150 px square
	WebURL       string // public page of the photo
	ArchivedURL  string // untouched original, when the token may fetch it

	IsVideo    bool
	Hidden     bool
	Processing bool // just uploaded; URIs may not exist yet
	CanEdit    bool // whether this token may PATCH it

	// URI is the image's API URI (/api/v2/image/{key}-{serial}), the target
	// of size look-ups and write-back.
	URI string

	// Analysis is the rendition to download for analysis (see
	// Client.Sizes), filled by AlbumImages when SmugMug expanded the size
	// details in the listing; zero otherwise, and then Client.Sizes finds it.
	Analysis Rendition
}

// SizeDetailsURI is the !sizedetails endpoint of the image.
func (im Image) SizeDetailsURI() string { return im.URI + "!sizedetails" }

// ---- wire types ---------------------------------------------------------

// envelope is SmugMug's response wrapper. Unknown members (Options,
// Timing, Request) are ignored. Expansions holds objects asked for with
// _expand, keyed by their URI.
type envelope struct {
	Response   json.RawMessage            `json:"Response"`
	Expansions map[string]json.RawMessage `json:"Expansions"`
	Code       int                        `json:"Code"`
	Message    string                     `json:"Message"`
}

type pages struct {
	Total          int    `json:"Total"`
	Start          int    `json:"Start"`
	Count          int    `json:"Count"`
	RequestedCount int    `json:"RequestedCount"`
	NextPage       string `json:"NextPage"`
}

// apiTime accepts RFC 3339 timestamps, zone-less local ones, "" and null.
type apiTime struct{ time.Time }

func (t *apiTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("smugmug: bad timestamp %q", s)
}

// coordinate accepts "46.4427", 46.4427 and 0.
type coordinate float64

func (c *coordinate) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*c = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*c = coordinate(v)
	return nil
}

// flexInt accepts 428, "428" and 428.0 (Altitude is sometimes odd).
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*n = flexInt(v)
	return nil
}

// uris decodes a Uris map in either form: {"Name": "/api/v2/..."} with
// _shorturis, {"Name": {"Uri": "/api/v2/...", ...}} without.
type uris map[string]string

func (u *uris) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(uris, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
			continue
		}
		var obj struct {
			URI string `json:"Uri"`
		}
		if json.Unmarshal(v, &obj) == nil {
			out[k] = obj.URI
		}
	}
	*u = out
	return nil
}

type wireUser struct {
	NickName string `json:"NickName"`
	Name     string `json:"Name"`
	WebURI   string `json:"WebUri"`
	URIs     uris   `json:"Uris"`
}

type wireAlbum struct {
	AlbumKey          string  `json:"AlbumKey"`
	Name              string  `json:"Name"`
	Title             string  `json:"Title"`
	URLName           string  `json:"UrlName"`
	URLPath           string  `json:"UrlPath"`
	WebURI            string  `json:"WebUri"`
	NodeID            string  `json:"NodeID"`
	Description       string  `json:"Description"`
	Keywords          string  `json:"Keywords"`
	Privacy           string  `json:"Privacy"`
	Date              apiTime `json:"Date"`
	LastUpdated       apiTime `json:"LastUpdated"`
	ImagesLastUpdated apiTime `json:"ImagesLastUpdated"`
	ImageCount        int     `json:"ImageCount"`
}

func (w wireAlbum) album() Album {
	name := w.Name
	if name == "" {
		name = w.Title
	}
	return Album{
		AlbumKey: w.AlbumKey, Name: name, URLName: w.URLName, URLPath: w.URLPath,
		WebURI: w.WebURI, NodeID: w.NodeID, Description: w.Description,
		Keywords: SplitKeywords(w.Keywords), Privacy: w.Privacy, Date: w.Date.Time,
		LastUpdated: w.LastUpdated.Time, ImagesLastUpdated: w.ImagesLastUpdated.Time,
		ImageCount: w.ImageCount,
	}
}

type wireImage struct {
	URI              string     `json:"Uri"`
	URIs             uris       `json:"Uris"`
	ImageKey         string     `json:"ImageKey"`
	Serial           int        `json:"Serial"`
	AlbumKey         string     `json:"AlbumKey"`
	FileName         string     `json:"FileName"`
	Title            string     `json:"Title"`
	Caption          string     `json:"Caption"`
	Keywords         string     `json:"Keywords"`
	KeywordArray     []string   `json:"KeywordArray"`
	Date             apiTime    `json:"Date"`
	DateTimeUploaded apiTime    `json:"DateTimeUploaded"`
	DateTimeOriginal apiTime    `json:"DateTimeOriginal"`
	LastUpdated      apiTime    `json:"LastUpdated"`
	Format           string     `json:"Format"`
	OriginalWidth    int        `json:"OriginalWidth"`
	OriginalHeight   int        `json:"OriginalHeight"`
	OriginalSize     int64      `json:"OriginalSize"`
	ArchivedURI      string     `json:"ArchivedUri"`
	ArchivedMD5      string     `json:"ArchivedMD5"`
	ThumbnailURL     string     `json:"ThumbnailUrl"`
	WebURI           string     `json:"WebUri"`
	IsVideo          bool       `json:"IsVideo"`
	Hidden           bool       `json:"Hidden"`
	Processing       bool       `json:"Processing"`
	CanEdit          bool       `json:"CanEdit"`
	Latitude         coordinate `json:"Latitude"`
	Longitude        coordinate `json:"Longitude"`
	Altitude         flexInt    `json:"Altitude"`
}

func (w wireImage) image(albumKey string) Image {
	kw := SplitKeywords(w.Keywords)
	if len(kw) == 0 && len(w.KeywordArray) > 0 {
		kw = normalizeKeywords(w.KeywordArray)
	}
	uploaded := w.DateTimeUploaded.Time
	if uploaded.IsZero() {
		uploaded = w.Date.Time
	}
	uri := w.URIs["Image"]
	if uri == "" && w.ImageKey != "" {
		// _filter may strip Uris; the canonical image URI is key-serial.
		uri = "/api/v2/image/" + w.ImageKey + "-" + strconv.Itoa(w.Serial)
	}
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	if w.AlbumKey != "" {
		albumKey = w.AlbumKey
	}
	lat, lon := float64(w.Latitude), float64(w.Longitude)
	return Image{
		ImageKey: w.ImageKey, Serial: w.Serial, AlbumKey: albumKey,
		FileName: w.FileName, Title: w.Title, Caption: w.Caption, Keywords: kw,
		Uploaded: uploaded, Taken: w.DateTimeOriginal.Time, LastUpdated: w.LastUpdated.Time,
		Format: w.Format, Width: w.OriginalWidth, Height: w.OriginalHeight, Size: w.OriginalSize,
		MD5: w.ArchivedMD5, Latitude: lat, Longitude: lon, Altitude: int(w.Altitude),
		HasLocation:  lat != 0 || lon != 0,
		ThumbnailURL: w.ThumbnailURL, WebURL: w.WebURI, ArchivedURL: w.ArchivedURI,
		IsVideo: w.IsVideo || isVideoFormat(w.Format), Hidden: w.Hidden, Processing: w.Processing,
		CanEdit: w.CanEdit, URI: uri,
	}
}

func isVideoFormat(format string) bool {
	switch strings.ToUpper(format) {
	case "MP4", "MOV", "M4V", "AVI", "MTS", "M2TS", "3GP", "WMV", "MPG", "MPEG", "MKV", "WEBM":
		return true
	}
	return false
}

// SplitKeywords parses SmugMug's keyword string ("a; b; c", legacy commas
// tolerated when no semicolon is present) into trimmed, de-duplicated
// (case-insensitively, first spelling kept) keywords.
func SplitKeywords(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	sep := ";"
	if !strings.Contains(s, ";") && strings.Contains(s, ",") {
		sep = ","
	}
	return normalizeKeywords(strings.Split(s, sep))
}

// JoinKeywords formats keywords the way SmugMug returns them ("a; b; c").
func JoinKeywords(kw []string) string { return strings.Join(normalizeKeywords(kw), "; ") }

func normalizeKeywords(in []string) []string {
	var out []string
	seen := make(map[string]bool, len(in))
	for _, k := range in {
		k = strings.Join(strings.Fields(strings.ReplaceAll(k, ";", " ")), " ")
		if k == "" {
			continue
		}
		key := strings.ToLower(k)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, k)
	}
	return out
}

// sizeDetails is the ImageSizeDetails object.
type sizeDetails struct {
	ImageURLTemplate string                     `json:"ImageUrlTemplate"`
	UsableSizes      []string                   `json:"UsableSizes"`
	Sizes            map[string]json.RawMessage `json:"-"`
}

type wireSize struct {
	URL    string `json:"Url"`
	Ext    string `json:"Ext"`
	Width  int    `json:"Width"`
	Height int    `json:"Height"`
	Size   int64  `json:"Size"`
	MD5    string `json:"MD5"`
}
