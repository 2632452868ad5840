package httpapi

import (
	"image/color"
	"path/filepath"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

func TestParseMapTiles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, origin string
		bad        bool
	}{
		{DefaultMapTiles, "https://tile.openstreetmap.org", false},
		{"https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org", false},
		{"http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8081", false},
		{"off", "", false},
		{"", "", false},
		{"https://tile.example.org/{z}/{x}.png", "", true},
		{"ftp://tile.example.org/{z}/{x}/{y}.png", "", true},
		{"https://a.{s}.example.org/{z}/{x}/{y}.png", "", true},
		{"https://user:pw@tile.example.org/{z}/{x}/{y}.png", "", true},
	} {
		got, err := ParseMapTiles(tt.in, "credit")
		if (err != nil) != tt.bad || got.origin != tt.origin {
			t.Errorf("ParseMapTiles(%q) = %q, %v; want %q (error %v)", tt.in, got.origin, err, tt.origin, tt.bad)
		}
	}
}

// TestMapTilesInCSP: pages may load images from the tile server's host
// and no other; without tiles the policy is the strict one.
func TestMapTilesInCSP(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t, store.Options{})
	tiles, err := ParseMapTiles("https://{s}.tiles.example.org/{z}/{x}/{y}.png", "© Example")
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, db, func(d *Deps) { d.MapTiles = tiles })
	csp := ts.do(req{method: "GET", path: "/healthz"}).Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "img-src 'self' data: https://*.tiles.example.org;") || !strings.Contains(csp, "connect-src 'self' https://*.tiles.example.org;") ||
		strings.Count(csp, "example.org") != 2 {
		t.Errorf("CSP with a tile server: %s", csp)
	}
	plain := newTestServer(t, db).do(req{method: "GET", path: "/healthz"}).Header().Get("Content-Security-Policy")
	if !strings.Contains(plain, "img-src 'self' data:;") || strings.Contains(plain, "example") {
		t.Errorf("CSP without tiles: %s", plain)
	}

	// The map's data: the tile server and the photos with a position.
	alice := ts.signup("alice@example.com")
	A := seedLibrary(t, ts, alice, filepath.Join(t.TempDir(), "a"), "Trips", color.RGBA{1, 2, 3, 255}, []photoSpec{
		{"berlin.jpg", "Gate", "a gate", nil}, {"nowhere.jpg", "Room", "a room", nil},
	}, false)
	p := A.photos[0]
	p.GPS = &store.GPS{Lat: 52.5163, Lon: 13.3777}
	if _, _, err := db.UpsertPhoto(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	var m mapJSON
	decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/map", cookie: alice.cookie}), &m)
	if m.Tiles.URL != tiles.URL || m.Tiles.Attribution != "© Example" || m.Total != 1 || len(m.Points) != 1 ||
		m.Points[0].PhotoID != p.ID || m.Points[0].Place != "Berlin, Germany" || m.Truncated {
		t.Errorf("map: %+v", m)
	}
}

// TestCSPOrigins: the object store a photo redirect points at may serve
// images only; the tile server may serve images and be fetched; neither
// appears when it is not configured.
func TestCSPOrigins(t *testing.T) {
	t.Parallel()
	const blobO, tileO = "https://bucket.example.net", "https://*.tiles.example.org"
	for _, c := range []struct {
		blob, tile, img, connect string
	}{
		{"", "", "img-src 'self' data:;", "connect-src 'self';"},
		{blobO, "", "img-src 'self' data: " + blobO + ";", "connect-src 'self';"},
		{"", tileO, "img-src 'self' data: " + tileO + ";", "connect-src 'self' " + tileO + ";"},
		{blobO, tileO, "img-src 'self' data: " + blobO + " " + tileO + ";", "connect-src 'self' " + tileO + ";"},
	} {
		csp := contentSecurityPolicy(c.blob, c.tile)
		if !strings.Contains(csp, c.img) || !strings.Contains(csp, c.connect) || !strings.Contains(csp, "script-src 'self';") {
			t.Errorf("contentSecurityPolicy(%q, %q) = %s; want %s and %s", c.blob, c.tile, csp, c.img, c.connect)
		}
	}
}
