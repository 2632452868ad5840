package httpapi

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/search"
	"github.com/targetvision/targetvision/internal/store"
)

// filterParams are the filters shared by search and the photo listing.
type filterParams struct {
	Album   string `query:"album" maxLength:"200" description:"Only photos in the album of this name (case-insensitive, exact)."`
	Camera  string `query:"camera" maxLength:"200" description:"Only photos whose camera make or model contains this (case-insensitive)."`
	Keyword string `query:"keyword" maxLength:"200" description:"Only photos with this keyword, the owner's or a generated one (case-insensitive)."`
	From    string `query:"from" maxLength:"40" description:"Only photos taken on or after this day (2024-06-30) or instant (RFC 3339)."`
	To      string `query:"to" maxLength:"40" description:"Only photos taken up to this day, inclusive (2024-06-30), or before this instant (RFC 3339)."`
	Source  int64  `query:"source" minimum:"1" description:"Only photos of this source id."`
	HasGPS  bool   `query:"has_gps" description:"Only photos with a GPS position."`
	Rating  int    `query:"rating" minimum:"1" maximum:"5" description:"Only photos the photographer rated at least this many stars (XMP rating)."`
	Place   string `query:"place" maxLength:"200" description:"Only photos whose place, named from their GPS position (\"Berlin, Germany\"), contains this (case-insensitive)."`
	// Collection is one of the user's own albums (GET /api/v1/collections).
	Collection int64 `query:"collection" minimum:"1" description:"Only photos in this collection of yours (GET /api/v1/collections)."`
	// Lens and exposure come from the files' EXIF; a photo whose file
	// does not say passes no bound.
	Lens        string  `query:"lens" maxLength:"200" description:"Only photos whose lens (EXIF) contains this (case-insensitive), e.g. 50mm."`
	ISOMin      int     `query:"iso_min" minimum:"1" maximum:"10000000" description:"Only photos taken at this ISO speed or higher."`
	ISOMax      int     `query:"iso_max" minimum:"1" maximum:"10000000" description:"Only photos taken at this ISO speed or lower (photos without an ISO in their EXIF are left out)."`
	ApertureMin float64 `query:"aperture_min" minimum:"0.5" maximum:"1000" description:"Only photos taken at this f-number or higher (stopped down at least this far: 8 for f/8)."`
	ApertureMax float64 `query:"aperture_max" minimum:"0.5" maximum:"1000" description:"Only photos taken at this f-number or lower (at least this wide open: 2.8 for f/2.8; photos without one in their EXIF are left out)."`
	Favorite    bool    `query:"favorite" description:"Only the photos you marked as favourites."`
}

func (p filterParams) filter() (store.Filter, error) {
	f := store.Filter{Album: p.Album, Camera: p.Camera, Keyword: p.Keyword, SourceID: p.Source, HasGPS: p.HasGPS, MinRating: p.Rating,
		CollectionID: p.Collection, Place: p.Place, Lens: p.Lens, MinISO: p.ISOMin, MaxISO: p.ISOMax,
		MinFNumber: p.ApertureMin, MaxFNumber: p.ApertureMax, Favorite: p.Favorite}
	var err error
	if f.From, err = parseDate("from", p.From); err != nil {
		return f, err
	}
	if f.To, err = parseDate("to", p.To); err != nil {
		return f, err
	}
	if !f.To.IsZero() && len(p.To) == len("2006-01-02") {
		f.To = f.To.AddDate(0, 0, 1) // "to" is inclusive of that day
	}
	return f, nil
}

// searchParams are GET /api/v1/search's parameters.
type searchParams struct {
	Q      string `query:"q" maxLength:"500" description:"Plain-language query; quoted phrases, -excluded words and field filters (album:, camera:, lens:, keyword:, place:, rating:, iso:400 or iso:100-400, aperture:2.8 or aperture:1.4-2.8, is:favorite, before:, after: with 2019, 2019-06, \"June 2019\" or 2019-06-30) work too. Stop words (the, in, at) are left out; a word finds its other forms. Empty lists photos newest first."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"20"`
	Offset int    `query:"offset" minimum:"0" maximum:"10000" default:"0"`
	filterParams
}

func (s *Server) searchHandler(w http.ResponseWriter, r *http.Request) error {
	var p searchParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	f, err := p.filter()
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := s.d.Search.Search(r.Context(), userID(r), search.Request{Query: p.Q, Limit: p.Limit, Offset: p.Offset, Filter: f})
	if err != nil {
		return err
	}
	s.d.Metrics.SearchDuration.Observe(time.Since(start).Seconds())
	writeJSON(w, http.StatusOK, res)
	return nil
}

// photoParams name one photo.
type photoParams struct {
	ID int64 `path:"id" minimum:"1" description:"Photo id."`
}

// similarParams are GET /api/v1/photos/{id}/similar's parameters.
type similarParams struct {
	photoParams
	Limit int `query:"limit" minimum:"1" maximum:"100" default:"12"`
}

func (s *Server) similar(w http.ResponseWriter, r *http.Request) error {
	var p similarParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	if _, err := s.d.DB.Photo(r.Context(), userID(r), p.ID); err != nil {
		return err
	}
	res, err := s.d.Search.Similar(r.Context(), userID(r), p.ID, p.Limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// photoSummary is a photo in listings: a search result minus score and why.
type photoSummary struct {
	PhotoID      int64      `json:"photo_id"`
	Title        string     `json:"title"`
	ThumbnailURL string     `json:"thumbnail_url"`
	WebURL       string     `json:"web_url"`
	Description  string     `json:"description"`
	Keywords     []string   `json:"keywords" nullable:"false" description:"The owner's keywords and the generated ones, without duplicates."`
	TakenAt      *time.Time `json:"taken_at"`
	Album        string     `json:"album"`
	SourceID     int64      `json:"source_id"`
	Status       string     `json:"status" enum:"pending,ready,failed" description:"ready once the thumbnail and metadata are made."`
}

// title is what a photo is called: its title, else its file name, safe to
// show (see package plaintext).
func title(p store.Photo) string {
	return plaintext.Line(cmp.Or(p.Title, p.FileName))
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// listParams are GET /api/v1/photos's parameters.
type listParams struct {
	Limit   int  `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Offset  int  `query:"offset" minimum:"0" maximum:"1000000000" default:"0"`
	Undated bool `query:"undated" description:"Only photos without a capture time (the timeline's last section)."`
	filterParams
}

// photoList is a page of the photo listing.
type photoList struct {
	Total  int            `json:"total" description:"Photos matching the filters, all pages."`
	Photos []photoSummary `json:"photos" nullable:"false"`
}

func (s *Server) listPhotos(w http.ResponseWriter, r *http.Request) error {
	var p listParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	f, err := p.filter()
	if err != nil {
		return err
	}
	f.Undated = p.Undated
	uid := userID(r)
	ps, total, err := s.d.DB.ListPhotos(r.Context(), uid, f, p.Limit, p.Offset)
	if err != nil {
		return err
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	ai, err := s.d.DB.AIMetadataFor(r.Context(), uid, ids)
	if err != nil {
		return err
	}
	out := make([]photoSummary, len(ps))
	for i, p := range ps {
		m := ai[p.ID]
		out[i] = photoSummary{PhotoID: p.ID, Title: title(p), ThumbnailURL: thumbURL(p), WebURL: p.WebURL,
			Description: plaintext.Line(m.Description), Keywords: plaintext.Lines(p.ShownKeywords(m.Keywords)),
			TakenAt: timePtr(p.TakenAt), Album: plaintext.Line(p.AlbumName), SourceID: p.SourceID, Status: p.Status}
	}
	writeJSON(w, http.StatusOK, photoList{Total: total, Photos: out})
	return nil
}

type exposureJSON struct {
	Time        string  `json:"time"`
	FNumber     float64 `json:"f_number"`
	ISO         int     `json:"iso"`
	FocalLength float64 `json:"focal_length"`
}

type gpsJSON struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type photoDetail struct {
	PhotoID      int64        `json:"photo_id"`
	Title        string       `json:"title"`
	Caption      string       `json:"caption"`
	FileName     string       `json:"file_name"`
	Album        string       `json:"album"`
	Description  string       `json:"description"`
	Keywords     []string     `json:"keywords" nullable:"false" description:"The owner's keywords and the generated ones, without duplicates."`
	TakenAt      *time.Time   `json:"taken_at"`
	Width        int          `json:"width"`
	Height       int          `json:"height"`
	Camera       string       `json:"camera"`
	Lens         string       `json:"lens"`
	Exposure     exposureJSON `json:"exposure"`
	GPS          *gpsJSON     `json:"gps" nullable:"true" description:"Where the photo was taken; null when unknown."`
	Place        string       `json:"place" description:"The place named from the GPS position, offline (\"Berlin, Germany\", or just the country far from towns); empty without GPS."`
	ThumbnailURL string       `json:"thumbnail_url"`
	ImageURL     string       `json:"image_url"`
	OriginalURL  string       `json:"original_url" description:"Downloads the original file (GET /api/v1/photos/{id}/original): the local file, or SmugMug's original streamed through the server; empty when this server cannot, and original_note says why."`
	OriginalNote string       `json:"original_note,omitempty" description:"Why there is no original_url, in words: a SmugMug photo synced before originals were kept (the next full sync fixes it), one whose original SmugMug does not offer, or a server without SmugMug credentials."`
	WebURL       string       `json:"web_url"`
	SourceID     int64        `json:"source_id"`
	Status       string       `json:"status" enum:"pending,ready,failed"`
	Error        string       `json:"error,omitempty" description:"Why the photo failed."`
	Issue        string       `json:"issue,omitempty" enum:"no_preview,corrupt,too_large,unsupported" description:"Why the photo has no pixels (a RAW without preview: still a photo, with its metadata) or failed."`
	Rating       int          `json:"rating" minimum:"-1" maximum:"5" description:"The photographer's stars (XMP): 1-5, -1 rejected, 0 none."`
	Label        string       `json:"label,omitempty" description:"The photographer's colour label (XMP), as written."`
	Favorite     bool         `json:"favorite"`
	Edited       editedJSON   `json:"edited" description:"Which of caption, keywords and rating are your own edits (PATCH /api/v1/photos/{id}), winning over the file's and Claude's."`
	Files        []fileJSON   `json:"files" nullable:"false" description:"The photo's files: the one shown first, then a RAW of the same name and XMP sidecars."`
	AI           *aiJSON      `json:"ai,omitempty"`
}

// fileJSON is one file of a photo.
type fileJSON struct {
	Name string `json:"name"`
	Role string `json:"role" enum:"image,raw,sidecar"`
}

// photoFiles lists a photo's files, its own first.
func photoFiles(p store.Photo) []fileJSON {
	out := []fileJSON{{Name: plaintext.Line(p.FileName), Role: "image"}}
	for _, c := range p.Companions {
		out = append(out, fileJSON{Name: plaintext.Line(c.Key), Role: c.Role})
	}
	return out
}

type aiJSON struct {
	Model       string   `json:"model"`
	Objects     []string `json:"objects"`
	Scene       string   `json:"scene"`
	TextInImage string   `json:"text_in_image"`
	PeopleCount int      `json:"people_count"`
	Colors      []string `json:"colors"`
	CostUSD     float64  `json:"cost_usd"`
}

func (s *Server) getPhoto(w http.ResponseWriter, r *http.Request) error {
	var pp photoParams
	if err := bindParams(r, &pp); err != nil {
		return err
	}
	id, uid := pp.ID, userID(r)
	p, err := s.d.DB.Photo(r.Context(), uid, id)
	if err != nil {
		return err
	}
	d := photoDetail{PhotoID: p.ID, Title: title(p), Caption: plaintext.Clean(p.ShownCaption()), FileName: plaintext.Line(p.FileName),
		Album: plaintext.Line(p.AlbumName), Keywords: plaintext.Lines(p.ShownKeywords(nil)), TakenAt: timePtr(p.TakenAt), Width: p.Width, Height: p.Height,
		Camera: plaintext.Line(cameraName(p.CameraMake, p.CameraModel)), Lens: plaintext.Line(p.Lens), Place: p.Place,
		Exposure:     exposureJSON{Time: p.ExposureTime, FNumber: p.FNumber, ISO: p.ISO, FocalLength: p.FocalLength},
		ThumbnailURL: thumbURL(p), ImageURL: imageURL(p),
		WebURL: p.WebURL, SourceID: p.SourceID, Status: p.Status, Error: plaintext.Line(p.Error),
		Issue: p.Issue, Rating: p.ShownRating(), Label: p.Label, Files: photoFiles(p), Favorite: p.Favorite,
		Edited: editedJSON{Caption: p.Edits.Caption != nil, Keywords: p.Edits.Keywords != nil, Rating: p.Edits.Rating != nil}}
	if d.Keywords == nil {
		d.Keywords = []string{}
	}
	if p.GPS != nil {
		d.GPS = &gpsJSON{Lat: p.GPS.Lat, Lon: p.GPS.Lon}
	}
	src, err := s.d.DB.Source(r.Context(), uid, p.SourceID)
	if err != nil {
		return err
	}
	if src.Kind == store.SourceLocal {
		d.OriginalURL = fmt.Sprintf("/api/v1/photos/%d/original", p.ID)
	} else if d.OriginalNote, err = remoteOriginalNote(r.Context(), s.d.DB, s.d.Originals != nil, src, p); err != nil {
		return err
	} else if d.OriginalNote == "" {
		d.OriginalURL = fmt.Sprintf("/api/v1/photos/%d/original", p.ID)
	}
	if m, err := s.d.DB.AIMetadata(r.Context(), uid, id); err == nil {
		d.Description = plaintext.Line(m.Description)
		d.Keywords = plaintext.Lines(p.ShownKeywords(m.Keywords))
		d.AI = &aiJSON{Model: m.Model, Objects: plaintext.Lines(m.Objects), Scene: plaintext.Line(m.Scene),
			TextInImage: plaintext.Clean(m.TextInImage), PeopleCount: m.PeopleCount, Colors: plaintext.Lines(m.Colors), CostUSD: m.CostUSD}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// thumbnail and image serve a photo's derived JPEGs, after checking the
// photo belongs to the signed-in user.
func (s *Server) thumbnail(w http.ResponseWriter, r *http.Request) error {
	return s.serveDerived(w, r, func(p store.Photo) string { return p.ThumbPath })
}

func (s *Server) image(w http.ResponseWriter, r *http.Request) error {
	return s.serveDerived(w, r, func(p store.Photo) string { return p.RenditionPath })
}

func (s *Server) serveDerived(w http.ResponseWriter, r *http.Request, which func(store.Photo) string) error {
	var pp photoParams
	if err := bindParams(r, &pp); err != nil {
		return err
	}
	p, err := s.d.DB.Photo(r.Context(), userID(r), pp.ID)
	if err != nil {
		return err
	}
	key := which(p)
	notReady := &apiError{status: http.StatusNotFound, code: "not_ready", msg: "this photo has no image yet"}
	if blob.ValidKey(key) != nil {
		return notReady
	}
	if s.presign != nil {
		u, err := s.presign.PresignGet(r.Context(), key, s.d.BlobRedirect)
		if err != nil {
			return err
		}
		// The browser may reuse the redirect for half the URL's life.
		w.Header().Set("Cache-Control", fmt.Sprintf("private, max-age=%d", int(s.d.BlobRedirect.Seconds()/2)))
		w.Header().Set("Location", u)
		w.WriteHeader(http.StatusFound)
		return nil
	}
	f, err := s.d.Blobs.Open(r.Context(), key)
	if errors.Is(err, blob.ErrNotFound) {
		return notReady
	}
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	http.ServeContent(&rangeErrorWriter{ResponseWriter: w, s: s, r: r}, r, "", f.ModTime, f)
	return nil
}

// rangeErrorWriter turns http.ServeContent's plain-text 416 (a Range
// outside the file) into the API's JSON error.
type rangeErrorWriter struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	replied bool
}

func (w *rangeErrorWriter) WriteHeader(code int) {
	if code != http.StatusRequestedRangeNotSatisfiable {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.replied = true
	w.s.writeError(w.ResponseWriter, w.r, &apiError{status: code, code: "range_not_satisfiable", msg: "the range is outside the file"})
}

func (w *rangeErrorWriter) Write(b []byte) (int, error) {
	if w.replied {
		return len(b), nil // ServeContent's plain-text body, replaced
	}
	return w.ResponseWriter.Write(b)
}

// albumJSON is an album in the album listing.
type albumJSON struct {
	ID         int64  `json:"id"`
	Name       string `json:"name" description:"What the album= filter matches."`
	PhotoCount int    `json:"photo_count"`
	SourceID   int64  `json:"source_id"`
	WebURL     string `json:"web_url" description:"The album on SmugMug; empty for local folders."`
}

// albumList is GET /api/v1/albums's answer, albums by name.
type albumList struct {
	Albums []albumJSON `json:"albums" nullable:"false"`
}

func (s *Server) albums(w http.ResponseWriter, r *http.Request) error {
	as, err := s.d.DB.Albums(r.Context(), userID(r))
	if err != nil {
		return err
	}
	out := make([]albumJSON, len(as))
	for i, a := range as {
		out[i] = albumJSON{ID: a.ID, Name: plaintext.Line(a.Name), PhotoCount: a.PhotoCount, SourceID: a.SourceID, WebURL: a.WebURL}
	}
	writeJSON(w, http.StatusOK, albumList{Albums: out})
	return nil
}

// thumbURL links a photo's thumbnail, or is empty while it has none (a
// failed or unprocessed photo): the UI then shows a placeholder instead of
// requesting a 404.
func thumbURL(p store.Photo) string {
	if p.ThumbPath == "" {
		return ""
	}
	return search.ThumbnailURL(p.ID)
}

func imageURL(p store.Photo) string {
	if p.RenditionPath == "" {
		return ""
	}
	return fmt.Sprintf("/api/v1/photos/%d/image", p.ID)
}

// cameraName joins EXIF make and model without repeating the make, which
// many cameras also put in the model ("Canon" + "Canon EOS 40D").
func cameraName(make, model string) string {
	if make == "" || strings.HasPrefix(strings.ToLower(model), strings.ToLower(make)) {
		return strings.TrimSpace(model)
	}
	return strings.TrimSpace(make + " " + model)
}
