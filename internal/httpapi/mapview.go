package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/targetvision/targetvision/internal/plaintext"
)

// MapTiles is the map page's tile server. The Content-Security-Policy
// lets pages load images from its origin and no other.
type MapTiles struct {
	// URL is the template ({z}/{x}/{y}, optionally {s}); "" shows no tiles.
	URL string
	// Attribution is the credit the map shows for the tiles.
	Attribution string
	// origin is what the CSP allows: scheme and host, a "{s}" subdomain
	// becoming "*".
	origin string
}

// DefaultMapTiles is OpenStreetMap's tile server.
const DefaultMapTiles = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

// ParseMapTiles checks a tile URL template ("off" or "" for none) and
// works out the origin the CSP must allow for it.
func ParseMapTiles(tmpl, attribution string) (MapTiles, error) {
	if tmpl == "" || strings.EqualFold(tmpl, "off") {
		return MapTiles{}, nil
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(tmpl, p) {
			return MapTiles{}, fmt.Errorf("%q lacks %s: want a URL template like %s", tmpl, p, DefaultMapTiles)
		}
	}
	u, err := url.Parse(strings.NewReplacer("{s}", "s", "{z}", "0", "{x}", "0", "{y}", "0", "{r}", "").Replace(tmpl))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return MapTiles{}, fmt.Errorf("%q is not an http(s) URL template", tmpl)
	}
	host := u.Host
	if i := strings.Index(tmpl, "{s}"); i >= 0 {
		// "https://{s}.tile.example.org/…": any subdomain of that host.
		if !strings.HasPrefix(tmpl, u.Scheme+"://{s}.") {
			return MapTiles{}, errors.New("{s} may only stand first in the host name ({s}.tile.example.org)")
		}
		host = "*" + strings.TrimPrefix(host, "s")
	}
	return MapTiles{URL: tmpl, Attribution: attribution, origin: u.Scheme + "://" + host}, nil
}

// mapParams are GET /api/v1/map's parameters.
type mapParams struct {
	Limit int `query:"limit" minimum:"1" maximum:"20000" default:"5000" description:"At most this many photos, newest first."`
	filterParams
}

type mapTilesJSON struct {
	URL         string `json:"url" description:"Tile URL template ({z}/{x}/{y}); empty: the server shows no tiles."`
	Attribution string `json:"attribution"`
}

// mapPoint is one photo on the map.
type mapPoint struct {
	PhotoID      int64   `json:"photo_id"`
	Lat          float64 `json:"lat"`
	Lon          float64 `json:"lon"`
	Title        string  `json:"title"`
	Place        string  `json:"place"`
	ThumbnailURL string  `json:"thumbnail_url"`
}

// mapJSON is GET /api/v1/map's answer.
type mapJSON struct {
	Tiles     mapTilesJSON `json:"tiles"`
	Points    []mapPoint   `json:"points" nullable:"false"`
	Total     int          `json:"total" description:"Your photos with a GPS position that match the filters."`
	Truncated bool         `json:"truncated" description:"More photos have a position than limit: the newest are shown."`
}

// mapView answers the map page: its tile server and the user's photos
// with a GPS position.
func (s *Server) mapView(w http.ResponseWriter, r *http.Request) error {
	var p mapParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	f, err := p.filter()
	if err != nil {
		return err
	}
	f.HasGPS = true
	ps, total, err := s.d.DB.ListPhotos(r.Context(), userID(r), f, p.Limit, 0)
	if err != nil {
		return err
	}
	out := mapJSON{Tiles: mapTilesJSON{URL: s.d.MapTiles.URL, Attribution: s.d.MapTiles.Attribution},
		Points: make([]mapPoint, 0, len(ps)), Total: total, Truncated: total > len(ps)}
	for _, ph := range ps {
		if ph.GPS == nil {
			continue
		}
		out.Points = append(out.Points, mapPoint{PhotoID: ph.ID, Lat: ph.GPS.Lat, Lon: ph.GPS.Lon, Title: title(ph),
			Place: plaintext.Line(ph.Place), ThumbnailURL: thumbURL(ph)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
