package httpapi

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/localsource"
	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/search"
	"github.com/targetvision/targetvision/internal/store"
)

// healthStatus is /healthz's answer.
type healthStatus struct {
	Status string `json:"status" enum:"ok"`
}

// readyStatus is /readyz's answer.
type readyStatus struct {
	Status string `json:"status" enum:"ready"`
	Store  string `json:"store" enum:"sqlite,postgres" description:"The store in use."`
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, healthStatus{Status: "ok"})
}

// readyz is ready when the store answers and its schema is current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.DB.Ping(r.Context()); err != nil {
		return &apiError{status: http.StatusServiceUnavailable, code: "store_unreachable", msg: "the database does not answer"}
	}
	pending, err := s.d.DB.Pending(r.Context())
	if err != nil || pending {
		return &apiError{status: http.StatusServiceUnavailable, code: "migrations_pending", msg: "database migrations are not applied"}
	}
	writeJSON(w, http.StatusOK, readyStatus{Status: "ready", Store: string(s.d.DB.Dialect())})
	return nil
}

// --- search and photos ---

// filterParams are the filters shared by search and the photo listing.
type filterParams struct {
	Album   string `query:"album" maxLength:"200" description:"Only photos in the album of this name (case-insensitive, exact)."`
	Camera  string `query:"camera" maxLength:"200" description:"Only photos whose camera make or model contains this (case-insensitive)."`
	Keyword string `query:"keyword" maxLength:"200" description:"Only photos with this keyword, the owner's or a generated one (case-insensitive)."`
	From    string `query:"from" maxLength:"40" description:"Only photos taken on or after this day (2024-06-30) or instant (RFC 3339)."`
	To      string `query:"to" maxLength:"40" description:"Only photos taken up to this day, inclusive (2024-06-30), or before this instant (RFC 3339)."`
	Source  int64  `query:"source" minimum:"1" description:"Only photos of this source id."`
	HasGPS  bool   `query:"has_gps" description:"Only photos with a GPS position."`
}

func (p filterParams) filter() (store.Filter, error) {
	f := store.Filter{Album: p.Album, Camera: p.Camera, Keyword: p.Keyword, SourceID: p.Source, HasGPS: p.HasGPS}
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
	Q      string `query:"q" maxLength:"500" description:"Plain-language query; quoted phrases, -excluded words and field filters (album:, camera:, keyword:, before:, after:) work too. Empty lists photos newest first."`
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
	Status       string     `json:"status" enum:"pending,ready,failed" description:"ready once the thumbnail and metadata are made."`
}

// title is what a photo is called: its title, else its file name, safe to
// show (see package plaintext).
func title(p store.Photo) string {
	return plaintext.Line(cmp.Or(p.Title, p.FileName))
}

func mergeKeywords(a, b []string) []string {
	out := []string{}
	for _, k := range append(append([]string{}, a...), b...) {
		if !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, k) }) {
			out = append(out, k)
		}
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// listParams are GET /api/v1/photos's parameters.
type listParams struct {
	Limit  int `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Offset int `query:"offset" minimum:"0" maximum:"1000000000" default:"0"`
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
			Description: plaintext.Line(m.Description), Keywords: plaintext.Lines(mergeKeywords(p.Keywords, m.Keywords)),
			TakenAt: timePtr(p.TakenAt), Album: plaintext.Line(p.AlbumName), Status: p.Status}
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
	ThumbnailURL string       `json:"thumbnail_url"`
	ImageURL     string       `json:"image_url"`
	WebURL       string       `json:"web_url"`
	SourceID     int64        `json:"source_id"`
	Status       string       `json:"status" enum:"pending,ready,failed"`
	Error        string       `json:"error,omitempty" description:"Why the photo failed."`
	AI           *aiJSON      `json:"ai,omitempty"`
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
	d := photoDetail{PhotoID: p.ID, Title: title(p), Caption: plaintext.Clean(p.Caption), FileName: plaintext.Line(p.FileName),
		Album: plaintext.Line(p.AlbumName), Keywords: plaintext.Lines(p.Keywords), TakenAt: timePtr(p.TakenAt), Width: p.Width, Height: p.Height,
		Camera: plaintext.Line(cameraName(p.CameraMake, p.CameraModel)), Lens: plaintext.Line(p.Lens),
		Exposure:     exposureJSON{Time: p.ExposureTime, FNumber: p.FNumber, ISO: p.ISO, FocalLength: p.FocalLength},
		ThumbnailURL: thumbURL(p), ImageURL: imageURL(p),
		WebURL: p.WebURL, SourceID: p.SourceID, Status: p.Status, Error: plaintext.Line(p.Error)}
	if d.Keywords == nil {
		d.Keywords = []string{}
	}
	if p.GPS != nil {
		d.GPS = &gpsJSON{Lat: p.GPS.Lat, Lon: p.GPS.Lon}
	}
	if m, err := s.d.DB.AIMetadata(r.Context(), uid, id); err == nil {
		d.Description = plaintext.Line(m.Description)
		d.Keywords = plaintext.Lines(mergeKeywords(p.Keywords, m.Keywords))
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

// --- sources ---

type sourceJSON struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind" enum:"local,smugmug"`
	Name         string     `json:"name" description:"The folder path or the SmugMug nickname."`
	Status       string     `json:"status" enum:"ok,syncing,error,needs_reconnect"`
	LastError    string     `json:"last_error"`
	LastSyncedAt *time.Time `json:"last_synced_at"`
	PhotoCount   int        `json:"photo_count"`
}

func (s *Server) sourceJSON(r *http.Request, src store.Source) (sourceJSON, error) {
	_, n, err := s.d.DB.ListPhotos(r.Context(), src.UserID, store.Filter{SourceID: src.ID}, 1, 0)
	return sourceJSON{ID: src.ID, Kind: string(src.Kind), Name: plaintext.Line(src.Name), Status: src.Status, LastError: plaintext.Line(src.LastError),
		LastSyncedAt: timePtr(src.LastSyncedAt), PhotoCount: n}, err
}

// sourceList is GET /api/v1/sources's answer.
type sourceList struct {
	Sources []sourceJSON `json:"sources" nullable:"false"`
}

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.d.DB.Sources(r.Context(), userID(r))
	if err != nil {
		return err
	}
	out := make([]sourceJSON, 0, len(srcs))
	for _, src := range srcs {
		j, err := s.sourceJSON(r, src)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, sourceList{Sources: out})
	return nil
}

// sourceRequest is the body of POST /api/v1/sources.
type sourceRequest struct {
	Kind string `json:"kind" required:"true" enum:"local" description:"Only local folders are added here; SmugMug is connected from the Sources page."`
	Path string `json:"path" required:"true" description:"Absolute path of a folder on the server."`
}

// createSource adds a local folder (admins only: it reads the server's
// disk) and queues its first sync. SmugMug sources come from /smugmug/connect.
func (s *Server) createSource(w http.ResponseWriter, r *http.Request) error {
	var in sourceRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Kind != string(store.SourceLocal) {
		return errBadRequest("kind must be \"local\"; connect SmugMug from the Sources page")
	}
	u, err := s.d.DB.UserByID(r.Context(), userID(r))
	if err != nil {
		return err
	}
	if !u.IsAdmin {
		return errForbidden("only an administrator can add server folders")
	}
	policy := localsource.Policy{DataDir: s.d.DataDir, Roots: s.d.FolderRoots}
	if policy.Roots == nil {
		policy.Roots = []string{} // over the web, no roots means no folders
	}
	path, err := policy.Allowed(in.Path)
	if na := (*localsource.NotAllowedError)(nil); errors.As(err, &na) {
		return &apiError{status: http.StatusBadRequest, code: "folder_not_allowed", msg: na.Reason}
	}
	if err != nil {
		return err
	}
	src, err := s.d.DB.CreateSource(r.Context(), store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: path, Path: path})
	if err != nil {
		return err
	}
	if _, err := s.d.Pipeline.EnqueueSync(r.Context(), u.ID, src.ID); err != nil {
		return err
	}
	j, err := s.sourceJSON(r, src)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, j)
	return nil
}

// sourceParams name one source.
type sourceParams struct {
	ID int64 `path:"id" minimum:"1" description:"Source id."`
}

// syncAccepted is POST /api/v1/sources/{id}/sync's answer.
type syncAccepted struct {
	JobID    int64 `json:"job_id" description:"The queued sync job (an already queued one is reused)."`
	SourceID int64 `json:"source_id"`
}

func (s *Server) syncSource(w http.ResponseWriter, r *http.Request) error {
	var p sourceParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	src, err := s.d.DB.Source(r.Context(), userID(r), p.ID)
	if err != nil {
		return err
	}
	j, err := s.d.Pipeline.EnqueueSync(r.Context(), src.UserID, src.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, syncAccepted{JobID: j.ID, SourceID: src.ID})
	return nil
}

// --- jobs and progress ---

type jobJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind" description:"sync, process, embed, describe, …"`
	State     string    `json:"state" enum:"queued,running,done,failed"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	PhotoID   int64     `json:"photo_id,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// jobParams are GET /api/v1/jobs's parameters.
type jobParams struct {
	State string `query:"state" enum:"queued,running,done,failed" description:"Only jobs in this state; default all."`
	Limit int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

// jobList is GET /api/v1/jobs's answer: counts by state, and the most
// recently updated jobs.
type jobList struct {
	Counts map[string]int `json:"counts" description:"Jobs by state: queued, running, done, failed."`
	Jobs   []jobJSON      `json:"jobs" nullable:"false"`
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) error {
	var p jobParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	uid := userID(r)
	js, err := s.d.DB.Jobs(r.Context(), uid, p.State, p.Limit)
	if err != nil {
		return err
	}
	counts, err := s.d.DB.JobCounts(r.Context(), uid)
	if err != nil {
		return err
	}
	out := make([]jobJSON, len(js))
	for i, j := range js {
		out[i] = jobJSON{ID: j.ID, Kind: j.Kind, State: j.State, Attempts: j.Attempts, LastError: plaintext.Line(j.LastError), PhotoID: j.PhotoID, UpdatedAt: j.UpdatedAt}
	}
	writeJSON(w, http.StatusOK, jobList{Counts: counts, Jobs: out})
	return nil
}

// jobIDParams name one job.
type jobIDParams struct {
	ID int64 `path:"id" minimum:"1" description:"Job id."`
}

func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) error {
	var p jobIDParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	if err := s.d.DB.RetryJob(r.Context(), userID(r), p.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// progressEvent is the data of each "progress" event of GET /api/v1/events.
type progressEvent struct {
	Queued  int    `json:"queued"`
	Running int    `json:"running"`
	Done    int    `json:"done"`
	Failed  int    `json:"failed"`
	Current string `json:"current" description:"Kind of a running job (sync, process, embed, describe), or empty."`
}

// events streams the user's job progress as Server-Sent Events. It reads
// the counts from the store (not from this process's workers), so it shows
// the work of every worker process of a scaled-out deployment.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	uid := userID(r)
	if !s.openStream(uid) {
		return &apiError{status: http.StatusTooManyRequests, code: "too_many_streams", retryAfter: 10 * time.Second,
			msg: "too many open progress streams for this account; close some tabs"}
	}
	defer s.closeStream(uid)
	rc := http.NewResponseController(w)
	// The server's write timeout would cut the stream: each write gets its
	// own window instead, so a stalled client is still let go.
	extend := func() { _ = rc.SetWriteDeadline(time.Now().Add(streamWriteWindow)) }
	extend()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	// A stream ends after streamLifetime; EventSource reconnects at once,
	// through the authentication and limits of a new request.
	end := time.NewTimer(streamLifetime)
	defer end.Stop()
	last, idle := "", 0
	for {
		counts, err := s.d.DB.JobCounts(r.Context(), uid)
		if err != nil {
			return nil // client gone or store down: end the stream; EventSource reconnects
		}
		current := ""
		if running, err := s.d.DB.Jobs(r.Context(), uid, store.JobRunning, 1); err == nil && len(running) > 0 {
			current = running[0].Kind
		}
		msg, _ := json.Marshal(progressEvent{Queued: counts[store.JobQueued], Running: counts[store.JobRunning],
			Done: counts[store.JobDone], Failed: counts[store.JobFailed], Current: current})
		if string(msg) != last {
			extend()
			fmt.Fprintf(w, "event: progress\ndata: %s\n\n", msg)
			last, idle = string(msg), 0
			if rc.Flush() != nil {
				return nil
			}
		} else if idle++; idle >= 15 {
			extend()
			fmt.Fprint(w, ": keep-alive\n\n")
			idle = 0
			if rc.Flush() != nil {
				return nil
			}
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-end.C:
			return nil
		case <-tick.C:
		}
	}
}

// streamWriteWindow is how long one write to an event stream may take;
// streamLifetime is how long a stream lasts before the client reconnects.
const (
	streamWriteWindow = 30 * time.Second
	streamLifetime    = time.Hour
)

// openStream counts one more open event stream for uid, unless the user
// has MaxStreamsPerUser open already.
func (s *Server) openStream(uid int64) bool {
	s.streamsMu.Lock()
	defer s.streamsMu.Unlock()
	if s.streams[uid] >= s.d.MaxStreamsPerUser {
		return false
	}
	s.streams[uid]++
	return true
}

func (s *Server) closeStream(uid int64) {
	s.streamsMu.Lock()
	defer s.streamsMu.Unlock()
	if s.streams[uid]--; s.streams[uid] <= 0 {
		delete(s.streams, uid)
	}
}

// --- usage, settings, models ---

// UserSettings are a user's preferences. An empty claude_model or a zero
// monthly_budget_usd takes the deployment's default (Deps.Defaults), which
// reads answer filled in; writes store what the user sent, so a changed
// default reaches everyone who never chose their own.
type UserSettings struct {
	ClaudeModel       string  `json:"claude_model" maxLength:"100" description:"Claude model that describes this user's photos; empty for the server's default."`
	MonthlyBudgetUSD  float64 `json:"monthly_budget_usd" minimum:"0" description:"Claude spending cap per calendar month, in US dollars; 0 for the server's default. The server's operator sets the ceiling (CLAUDE_MONTHLY_BUDGET_USD): a user may lower their budget, not raise it above that."`
	WritebackKeywords bool    `json:"writeback_keywords" description:"Write generated keywords back to SmugMug (never replacing the owner's own)."`
	WritebackCaptions bool    `json:"writeback_captions" description:"Write generated captions back to SmugMug where the owner wrote none."`
}

func (s *Server) settings(r *http.Request) (UserSettings, error) {
	raw, err := s.d.DB.UserSettings(r.Context(), userID(r))
	if err != nil {
		return UserSettings{}, err
	}
	var st UserSettings
	if err := json.Unmarshal(raw, &st); err != nil {
		return UserSettings{}, fmt.Errorf("httpapi: stored settings: %w", err)
	}
	st.ClaudeModel = cmp.Or(st.ClaudeModel, s.d.Defaults.ClaudeModel)
	st.MonthlyBudgetUSD = cmp.Or(st.MonthlyBudgetUSD, s.d.Defaults.MonthlyBudgetUSD)
	return st, nil
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.settings(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
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

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	var st UserSettings
	if err := decode(r, &st); err != nil {
		return err
	}
	if st.MonthlyBudgetUSD < 0 {
		return errBadRequest("monthly_budget_usd must not be negative")
	}
	// The budget spends the operator's API key: users may only lower it.
	if ceiling := s.d.Defaults.MonthlyBudgetUSD; st.MonthlyBudgetUSD > ceiling {
		return &apiError{status: http.StatusBadRequest, code: "budget_above_ceiling",
			msg: fmt.Sprintf("monthly_budget_usd may be at most $%.2f, the ceiling this server's operator set", ceiling)}
	}
	if len(st.ClaudeModel) > 100 {
		return errBadRequest("claude_model is too long")
	}
	raw, _ := json.Marshal(st)
	if err := s.d.DB.SetUserSettings(r.Context(), userID(r), raw); err != nil {
		return err
	}
	if err := s.applyWriteBack(r, st); err != nil {
		return err
	}
	return s.getSettings(w, r) // the settings in effect, defaults filled in
}

// usageJSON is this calendar month's (UTC) Claude spending.
type usageJSON struct {
	MonthCostUSD    float64 `json:"month_cost_usd"`
	BudgetUSD       float64 `json:"budget_usd" description:"The user's monthly budget from the settings."`
	PhotosDescribed int     `json:"photos_described" description:"Photos described this month."`
}

func (s *Server) usage(w http.ResponseWriter, r *http.Request) error {
	st, err := s.settings(r)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	_, n, err := s.d.DB.AICostSince(r.Context(), userID(r), month)
	if err != nil {
		return err
	}
	// Spend comes from the ledger: it also counts answers that were paid
	// for but unusable, which no photo's metadata carries.
	cost, err := s.d.DB.LedgerSpent(r.Context(), strconv.FormatInt(userID(r), 10), month)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, usageJSON{MonthCostUSD: cost, BudgetUSD: st.MonthlyBudgetUSD, PhotosDescribed: n})
	return nil
}

// modelsJSON is GET /api/v1/models's answer.
type modelsJSON struct {
	CLIP ModelStatus `json:"clip"`
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, modelsJSON{CLIP: s.d.Models()})
	return nil
}

// applyWriteBack carries the write-back choices to each of the user's
// SmugMug sources, whose settings the pipeline reads, keeping any other
// per-source setting (such as a dry run).
func (s *Server) applyWriteBack(r *http.Request, st UserSettings) error {
	srcs, err := s.d.DB.Sources(r.Context(), userID(r))
	if err != nil {
		return err
	}
	for _, src := range srcs {
		if src.Kind != store.SourceSmugMug {
			continue
		}
		set := map[string]any{}
		if len(src.Settings) > 0 {
			if err := json.Unmarshal(src.Settings, &set); err != nil {
				set = map[string]any{}
			}
		}
		set["writeback_keywords"], set["writeback_captions"] = st.WritebackKeywords, st.WritebackCaptions
		raw, _ := json.Marshal(set)
		if err := s.d.DB.SetSourceSettings(r.Context(), src.UserID, src.ID, raw); err != nil {
			return err
		}
	}
	return nil
}
