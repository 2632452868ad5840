package smugmug

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// CollectBatch is how many images one !collectimages request names.
const CollectBatch = 100

// NewAlbum is an album to create.
type NewAlbum struct {
	Name string
	// URLName is the album's name in its web address: unique among its
	// folder's children, at most 60 characters of letters, digits and
	// hyphens, starting with a capital letter or a digit. Empty: made
	// from Name (URLNameFor).
	URLName string
	// Privacy is Public, Unlisted or Private; empty is Private, so that
	// nothing TargetVision makes is published without the owner's say.
	Privacy string
}

// CreatedAlbum is an album CreateAlbum made.
type CreatedAlbum struct {
	AlbumKey string
	URI      string // /api/v2/album/{key}, where images are collected
	NodeID   string
	Name     string
	URLName  string
	WebURI   string
}

// RootNode returns the URI of the user's root folder node (User.Uris.Node),
// the parent of albums created at the top level.
func (c *Client) RootNode(ctx context.Context) (string, error) {
	r, err := c.getJSON(ctx, request{method: http.MethodGet, ref: "!authuser", query: shaped(""), limited: true})
	if err != nil {
		return "", fmt.Errorf("smugmug: root node: %w", err)
	}
	var w wireUser
	if err := r.object(&w); err != nil {
		return "", fmt.Errorf("smugmug: root node: %w", err)
	}
	if w.URIs["Node"] == "" {
		return "", errors.New("smugmug: root node: the user has no Node URI")
	}
	return w.URIs["Node"], nil
}

// CreateAlbum creates an album under the folder node parentURI (POST
// {node}!children with Type Album) and returns it. The token needs Add or
// Modify permission. The request is sent once (see request.once): a
// failure that may have created the album is not repeated.
func (c *Client) CreateAlbum(ctx context.Context, parentURI string, a NewAlbum) (CreatedAlbum, error) {
	if a.URLName == "" {
		a.URLName = URLNameFor(a.Name)
	}
	if a.Privacy == "" {
		a.Privacy = "Private"
	}
	body, err := json.Marshal(map[string]string{"Type": "Album", "Name": a.Name, "UrlName": a.URLName, "Privacy": a.Privacy})
	if err != nil {
		return CreatedAlbum{}, fmt.Errorf("smugmug: create album: %w", err)
	}
	r, err := c.getJSON(ctx, request{method: http.MethodPost, ref: parentURI + "!children", query: shaped(""), body: body, limited: true, once: true})
	if err != nil {
		return CreatedAlbum{}, fmt.Errorf("smugmug: create album %q: %w", a.Name, err)
	}
	var node struct {
		NodeID  string `json:"NodeID"`
		Name    string `json:"Name"`
		URLName string `json:"UrlName"`
		WebURI  string `json:"WebUri"`
		URIs    uris   `json:"Uris"`
	}
	if err := r.object(&node); err != nil {
		return CreatedAlbum{}, fmt.Errorf("smugmug: create album %q: %w", a.Name, err)
	}
	uri := node.URIs["Album"]
	key, ok := strings.CutPrefix(uri, "/api/v2/album/")
	if !ok || key == "" {
		return CreatedAlbum{}, fmt.Errorf("smugmug: create album %q: the new node names no album (%q)", a.Name, uri)
	}
	return CreatedAlbum{AlbumKey: key, URI: uri, NodeID: node.NodeID, Name: node.Name, URLName: node.URLName, WebURI: node.WebURI}, nil
}

// CollectImages shows the images (their AlbumImage or Image URIs) in the
// album too, leaving them where they are (POST {album}!collectimages with
// CollectUris in a JSON body), CollectBatch at a time. It returns how many
// were collected before an error. Each request is sent once.
func (c *Client) CollectImages(ctx context.Context, albumURI string, imageURIs []string) (int, error) {
	done := 0
	for len(imageURIs) > 0 {
		n := min(len(imageURIs), CollectBatch)
		body, err := json.Marshal(map[string]string{"CollectUris": strings.Join(imageURIs[:n], ",")})
		if err != nil {
			return done, fmt.Errorf("smugmug: collect images: %w", err)
		}
		if _, err := c.getJSON(ctx, request{method: http.MethodPost, ref: albumURI + "!collectimages", query: shaped(""), body: body, limited: true, once: true}); err != nil {
			return done, fmt.Errorf("smugmug: collect images into %s: %w", albumURI, err)
		}
		done += n
		imageURIs = imageURIs[n:]
	}
	return done, nil
}

// AlbumImageURI is the URI of an image as listed in an album
// (/api/v2/album/{AlbumKey}/image/{ImageKey}-{Serial}).
func AlbumImageURI(albumKey, imageKey string, serial int) string {
	return fmt.Sprintf("/api/v2/album/%s/image/%s-%d", albumKey, imageKey, serial)
}

// URLNameFor makes an album URL name from a display name: its letters
// (accents dropped) and digits, words joined by hyphens and capitalised,
// at most 60 characters; "Album" when nothing is left.
func URLNameFor(name string) string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			cur.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	out := strings.Join(words, "-")
	if len(out) > 60 {
		out = strings.TrimRight(out[:60], "-")
	}
	if out == "" {
		return "Album"
	}
	return out
}
