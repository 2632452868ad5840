package smugmug

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Rendition is one size of an image SmugMug serves.
type Rendition struct {
	Label  string // size key without the prefix: X4Large, Thumb, ...
	URL    string
	Width  int
	Height int
	Size   int64 // bytes; 0 when SmugMug generated the size on demand
	Ext    string
}

// Renditions is the outcome of a size look-up: the rendition to analyse and
// the thumbnail.
type Renditions struct {
	Analysis  Rendition // largest usable size with max(Width, Height) ≤ MaxAnalysisEdge
	Thumbnail Rendition // 150 px square (Thumb), or the smallest size
	All       []Rendition
}

// Sizes reads the image's !sizedetails and picks the rendition for analysis
// (the largest usable one no larger than MaxAnalysisEdge on its long edge,
// else the smallest one) and the thumbnail. URLs come from the API; they are
// never guessed (some carry a per-image hash segment).
func (c *Client) Sizes(ctx context.Context, im Image) (Renditions, error) {
	if im.URI == "" {
		return Renditions{}, errors.New("smugmug: sizes: image has no URI")
	}
	r, err := c.getJSON(ctx, request{method: http.MethodGet, ref: im.SizeDetailsURI(), query: shaped(""), limited: true})
	if err != nil {
		return Renditions{}, fmt.Errorf("smugmug: sizes of %s: %w", im.ImageKey, err)
	}
	var obj map[string]json.RawMessage
	if err := r.object(&obj); err != nil {
		return Renditions{}, fmt.Errorf("smugmug: sizes of %s: %w", im.ImageKey, err)
	}
	out, err := sizesFromObject(obj)
	if err != nil {
		return Renditions{}, fmt.Errorf("smugmug: sizes of %s: %w", im.ImageKey, err)
	}
	return out, nil
}

// expandedSizes finds an image's expanded ImageSizeDetails ({"Locator":
// "ImageSizeDetails", "ImageSizeDetails": {...}}) under the URI the image's
// Uris name, or its canonical !sizedetails URI when _filter dropped Uris.
func expandedSizes(exp map[string]json.RawMessage, uris ...string) (Renditions, bool) {
	for _, uri := range uris {
		raw, ok := exp[uri]
		if uri == "" || !ok {
			continue
		}
		var wrapper map[string]json.RawMessage
		if json.Unmarshal(raw, &wrapper) != nil {
			continue
		}
		var locator string
		_ = json.Unmarshal(wrapper["Locator"], &locator)
		var obj map[string]json.RawMessage
		if json.Unmarshal(wrapper[cmp.Or(locator, "ImageSizeDetails")], &obj) != nil {
			continue
		}
		r, err := sizesFromObject(obj)
		return r, err == nil
	}
	return Renditions{}, false
}

func sizesFromObject(obj map[string]json.RawMessage) (Renditions, error) {
	var usable []string
	if raw, ok := obj["UsableSizes"]; ok {
		_ = json.Unmarshal(raw, &usable)
	}
	if len(usable) == 0 {
		for k := range obj {
			if strings.HasPrefix(k, "ImageSize") {
				usable = append(usable, k)
			}
		}
	}
	return pickRenditions(obj, usable)
}

func pickRenditions(obj map[string]json.RawMessage, usable []string) (Renditions, error) {
	var out Renditions
	for _, key := range usable {
		raw, ok := obj[key]
		if !ok {
			continue
		}
		var w wireSize
		if err := json.Unmarshal(raw, &w); err != nil || w.URL == "" {
			continue
		}
		out.All = append(out.All, Rendition{
			Label: strings.TrimPrefix(key, "ImageSize"), URL: w.URL, Width: w.Width, Height: w.Height, Size: w.Size, Ext: w.Ext,
		})
	}
	if len(out.All) == 0 {
		return Renditions{}, errors.New("no usable sizes")
	}
	edge := func(r Rendition) int { return max(r.Width, r.Height) }
	best, smallest := -1, 0
	for i, r := range out.All {
		if edge(r) < edge(out.All[smallest]) {
			smallest = i
		}
		if edge(r) <= MaxAnalysisEdge && (best < 0 || edge(r) > edge(out.All[best])) {
			best = i
		}
		if r.Label == "Thumb" {
			out.Thumbnail = r
		}
	}
	if best < 0 {
		best = smallest
	}
	out.Analysis = out.All[best]
	if out.Thumbnail.URL == "" {
		out.Thumbnail = out.All[smallest]
	}
	return out, nil
}

// Download errors.
var (
	ErrTooLarge = errors.New("smugmug: download exceeds the size cap")
	ErrNotImage = errors.New("smugmug: download is not an image")
)

// Downloaded describes a file written by Download.
type Downloaded struct {
	Path        string
	Bytes       int64
	ContentType string // sniffed from the bytes: image/jpeg, image/png, ...
}

// Media is an image SmugMug is sending: its body, to be read and closed
// by the caller, at most MaxBytes long.
type Media struct {
	// Body yields the image's bytes and fails with ErrTooLarge past
	// MaxBytes; closing it ends the download.
	Body io.ReadCloser
	// Size is the length SmugMug declared, or -1 when it did not.
	Size int64
	// ContentType is sniffed from the first bytes (image/jpeg, ...), or
	// "application/octet-stream" for a format SmugMug keeps as uploaded
	// that is not one of the formats renditions come in (a RAW, a TIFF).
	ContentType string
}

// OpenMedia starts the download of the media at rawURL (absolute, or an
// API-relative /path), signed with the account's token (non-public media
// need it). It refuses a body SmugMug declares larger than maxBytes
// (ErrTooLarge; the returned Body also stops there) and one that is no
// image by its Content-Type (ErrNotImage). The request is retried like an
// API call until the answer starts; being served by SmugMug's media
// hosts, it does not count against the API rate budget.
func (c *Client) OpenMedia(ctx context.Context, rawURL string, maxBytes int64) (Media, error) {
	resp, err := c.send(ctx, request{method: http.MethodGet, ref: rawURL, accept: "image/*"})
	if err != nil {
		return Media{}, err
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if !strings.HasPrefix(mt, "image/") && mt != "application/octet-stream" {
			resp.Body.Close()
			return Media{}, fmt.Errorf("%w: content type %q", ErrNotImage, ct)
		}
	}
	if maxBytes > 0 && resp.ContentLength > maxBytes {
		resp.Body.Close()
		return Media{}, fmt.Errorf("%w: %d > %d bytes", ErrTooLarge, resp.ContentLength, maxBytes)
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(resp.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		resp.Body.Close()
		return Media{}, fmt.Errorf("smugmug: read media: %w", err)
	}
	head = head[:n]
	var body io.Reader = io.MultiReader(bytes.NewReader(head), resp.Body)
	if maxBytes > 0 {
		body = &capReader{r: body, left: maxBytes}
	}
	return Media{Body: readCloser{Reader: body, Closer: resp.Body}, Size: resp.ContentLength,
		ContentType: cmp.Or(sniffImage(head), "application/octet-stream")}, nil
}

// capReader fails with ErrTooLarge once more than left bytes come.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, fmt.Errorf("%w: more bytes than the cap", ErrTooLarge)
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n - 1, fmt.Errorf("%w: more bytes than the cap", ErrTooLarge)
	}
	return n, err
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Download streams the rendition at rawURL (see OpenMedia) into dst. It
// refuses bodies larger than maxBytes (ErrTooLarge) and bodies that are
// not an image by header and magic bytes (ErrNotImage). The file appears
// at dst only when complete (temporary file + rename in dst's directory).
func (c *Client) Download(ctx context.Context, rawURL, dst string, maxBytes int64) (Downloaded, error) {
	m, err := c.OpenMedia(ctx, rawURL, maxBytes)
	if err != nil {
		return Downloaded{}, fmt.Errorf("smugmug: download: %w", err)
	}
	defer m.Body.Close()
	kind := m.ContentType
	if kind == "application/octet-stream" {
		return Downloaded{}, fmt.Errorf("%w: unrecognised magic bytes", ErrNotImage)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".part-*")
	if err != nil {
		return Downloaded{}, fmt.Errorf("smugmug: download: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	written, err := io.Copy(tmp, m.Body)
	if errors.Is(err, ErrTooLarge) {
		return Downloaded{}, fmt.Errorf("smugmug: download: %w", err)
	}
	if err != nil {
		return Downloaded{}, fmt.Errorf("smugmug: download: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return Downloaded{}, fmt.Errorf("smugmug: download: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Downloaded{}, fmt.Errorf("smugmug: download: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Downloaded{}, fmt.Errorf("smugmug: download: %w", err)
	}
	ok = true
	return Downloaded{Path: dst, Bytes: written, ContentType: kind}, nil
}

// sniffImage recognises the formats SmugMug serves renditions in.
func sniffImage(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		switch string(b[8:12]) {
		case "heic", "heix", "heim", "heis", "mif1", "msf1":
			return "image/heic"
		case "avif", "avis":
			return "image/avif"
		}
	}
	return ""
}

// PatchImage changes the given fields of an image (PATCH Image.URI with a
// JSON body; only the fields sent change) and returns the image as SmugMug
// stored it. The token needs Modify permission.
func (c *Client) PatchImage(ctx context.Context, uri string, fields map[string]string) (Image, error) {
	body, err := json.Marshal(fields)
	if err != nil {
		return Image{}, fmt.Errorf("smugmug: patch %s: %w", uri, err)
	}
	r, err := c.getJSON(ctx, request{method: http.MethodPatch, ref: uri, query: shaped(imageFields), body: body, limited: true})
	if err != nil {
		return Image{}, fmt.Errorf("smugmug: patch %s: %w", uri, err)
	}
	var w wireImage
	if err := r.object(&w); err != nil {
		return Image{}, fmt.Errorf("smugmug: patch %s: %w", uri, err)
	}
	return w.image(""), nil
}
