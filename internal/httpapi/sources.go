package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/targetvision/targetvision/internal/localsource"
	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/store"
)

type sourceJSON struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind" enum:"local,smugmug"`
	Name         string     `json:"name" description:"The folder path or the SmugMug nickname."`
	Status       string     `json:"status" enum:"ok,syncing,error,needs_reconnect"`
	LastError    string     `json:"last_error"`
	LastSyncedAt *time.Time `json:"last_synced_at"`
	PhotoCount   int        `json:"photo_count"`
	// Issues counts the files that are not photos with pixels, by reason.
	Issues  map[string]int `json:"issues" nullable:"false" description:"Files not indexed as photos with pixels, by reason: unsupported, excluded (skipped by the sync), no_preview (RAW photos without an embedded image), corrupt, too_large (failed photos). GET /api/v1/sources/{id}/issues lists them."`
	Exclude []string       `json:"exclude,omitempty" description:"The folder's own exclude patterns (besides the defaults: hidden files, trash, @eaDir, *.lrdata, .thumbnails)."`
	// Merged are the sources this folder took over when it was added.
	Merged []int64 `json:"merged_source_ids,omitempty" description:"Sources inside the new folder that it took over (their photos keep descriptions and embeddings)."`
	// WriteBack is set for sources that can be written back to (SmugMug).
	WriteBack *writeBackJSON `json:"writeback,omitempty" description:"What TargetVision writes back to this source (SmugMug only); off until switched on with PUT /api/v1/sources/{id}/writeback."`
}

// writeBackJSON is a source's write-back choice.
type writeBackJSON struct {
	Keywords bool `json:"keywords" description:"Add generated keywords after the owner's own (never replacing or removing any)."`
	Captions bool `json:"captions" description:"Set the generated description as the caption of photos that have none."`
	DryRun   bool `json:"dry_run" description:"Plan and record the writes (GET /api/v1/sources/{id}/writes) without changing anything."`
	// Albums is a pointer so that a client that does not know it leaves
	// it as it is.
	Albums *bool `json:"albums,omitempty" description:"Let the bulk toolbar create albums on this SmugMug account from selected photos (POST /api/v1/photos/smugmug-album), each recorded (GET /api/v1/sources/{id}/album-writes). Absent: unchanged."`
}

// toSourceJSON is src as the API shows it, with its photo and file-issue
// counts (from SourceStats; a source missing from stats has none).
func toSourceJSON(src store.Source, stats map[int64]store.SourceStats) sourceJSON {
	st := stats[src.ID]
	j := sourceJSON{ID: src.ID, Kind: string(src.Kind), Name: plaintext.Line(src.Name), Status: src.Status, LastError: plaintext.Line(src.LastError),
		LastSyncedAt: timePtr(src.LastSyncedAt), PhotoCount: st.Photos, Issues: st.Issues}
	if j.Issues == nil {
		j.Issues = map[string]int{}
	}
	if src.Kind == store.SourceLocal {
		if set, err := localsource.ParseSettings(src.Settings); err == nil {
			j.Exclude = set.Exclude
		}
	}
	if src.Kind == store.SourceSmugMug {
		albums := src.WriteBack.Albums
		j.WriteBack = &writeBackJSON{Keywords: src.WriteBack.Keywords, Captions: src.WriteBack.Captions, DryRun: src.WriteBack.DryRun, Albums: &albums}
	}
	return j
}

// setWriteBack switches a SmugMug source's write-back on or off. The
// change is logged; the writes themselves are in the source's audit trail.
func (s *Server) setWriteBack(w http.ResponseWriter, r *http.Request) error {
	var p sourceParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	var in writeBackJSON
	if err := decode(r, &in); err != nil {
		return err
	}
	src, err := s.d.DB.Source(r.Context(), userID(r), p.ID)
	if err != nil {
		return err
	}
	if src.Kind != store.SourceSmugMug {
		return &apiError{status: http.StatusBadRequest, code: "writeback_unsupported",
			msg: "only SmugMug sources can be written back to; a folder's files are never changed"}
	}
	wb := store.WriteBack{Keywords: in.Keywords, Captions: in.Captions, DryRun: in.DryRun, Albums: src.WriteBack.Albums}
	if in.Albums != nil {
		wb.Albums = *in.Albums
	}
	if err := s.d.DB.SetSourceWriteBack(r.Context(), src.UserID, src.ID, wb); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "write-back changed", "user_id", src.UserID, "source_id", src.ID,
		"keywords", wb.Keywords, "captions", wb.Captions, "dry_run", wb.DryRun, "albums", wb.Albums, "was", src.WriteBack)
	src.WriteBack = wb
	j, err := s.oneSourceJSON(r, src)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// writesParams are GET /api/v1/sources/{id}/writes's parameters.
type writesParams struct {
	sourceParams
	Limit int `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

// sourceWrites is GET /api/v1/sources/{id}/writes's answer.
type sourceWrites struct {
	SourceID int64             `json:"source_id"`
	Writes   []remoteWriteJSON `json:"writes" nullable:"false" description:"Newest first."`
}

// remoteWriteJSON is one write-back as recorded.
type remoteWriteJSON struct {
	ID      int64             `json:"id"`
	PhotoID int64             `json:"photo_id"`
	At      time.Time         `json:"at"`
	Before  remoteTextJSON    `json:"before" description:"The image's caption and keywords on SmugMug before."`
	After   remoteTextJSON    `json:"after" description:"As written (or, in a dry run, as it would have been)."`
	Fields  map[string]string `json:"fields" nullable:"false" description:"The fields sent; empty when there was nothing to change."`
	DryRun  bool              `json:"dry_run"`
	Written bool              `json:"written" description:"SmugMug was changed."`
}

type remoteTextJSON struct {
	Caption  string   `json:"caption"`
	Keywords []string `json:"keywords" nullable:"false"`
}

// nonNil is xs, or an empty list for nil (JSON [] rather than null).
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// listWrites is a source's write-back audit trail.
func (s *Server) listWrites(w http.ResponseWriter, r *http.Request) error {
	var p writesParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	src, err := s.d.DB.Source(r.Context(), userID(r), p.ID)
	if err != nil {
		return err
	}
	ws, err := s.d.DB.RemoteWrites(r.Context(), src.UserID, src.ID, p.Limit)
	if err != nil {
		return err
	}
	text := func(t store.RemoteText) remoteTextJSON {
		return remoteTextJSON{Caption: plaintext.Clean(t.Caption), Keywords: nonNil(plaintext.Lines(t.Keywords))}
	}
	out := sourceWrites{SourceID: src.ID, Writes: make([]remoteWriteJSON, 0, len(ws))}
	for _, x := range ws {
		f := map[string]string{}
		for k, v := range x.Fields {
			f[k] = plaintext.Clean(v)
		}
		out.Writes = append(out.Writes, remoteWriteJSON{ID: x.ID, PhotoID: x.PhotoID, At: x.At, Before: text(x.Before), After: text(x.After),
			Fields: f, DryRun: x.DryRun, Written: x.Written})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// oneSourceJSON is toSourceJSON for a single source.
func (s *Server) oneSourceJSON(r *http.Request, src store.Source) (sourceJSON, error) {
	stats, err := s.d.DB.SourceStats(r.Context(), src.UserID)
	if err != nil {
		return sourceJSON{}, err
	}
	return toSourceJSON(src, stats), nil
}

// sourceList is GET /api/v1/sources's answer.
type sourceList struct {
	Sources []sourceJSON `json:"sources" nullable:"false"`
	// SmugMugConfigured says whether /smugmug/connect can work here.
	SmugMugConfigured bool `json:"smugmug_configured" description:"The server has SmugMug API credentials, so an account can be connected (/smugmug/connect)."`
}

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.d.DB.Sources(r.Context(), userID(r))
	if err != nil {
		return err
	}
	stats, err := s.d.DB.SourceStats(r.Context(), userID(r))
	if err != nil {
		return err
	}
	out := make([]sourceJSON, 0, len(srcs))
	for _, src := range srcs {
		out = append(out, toSourceJSON(src, stats))
	}
	writeJSON(w, http.StatusOK, sourceList{Sources: out, SmugMugConfigured: s.d.SmugMug != nil})
	return nil
}

// sourceRequest is the body of POST /api/v1/sources.
type sourceRequest struct {
	Kind string `json:"kind" required:"true" enum:"local" description:"Only local folders are added here; SmugMug is connected from the Sources page."`
	Path string `json:"path" required:"true" description:"Absolute path of a folder on the server."`
	// Exclude, when given, replaces the folder's own exclude patterns.
	Exclude []string `json:"exclude,omitempty" maxItems:"100" description:"Glob patterns to skip besides the defaults; a pattern with / matches the path from the folder, one without matches any file or folder name. Given, it replaces the folder's patterns."`
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
	var settings *localsource.Settings
	if in.Exclude != nil {
		settings = &localsource.Settings{Exclude: in.Exclude}
		if err := settings.Validate(); err != nil {
			return errBadRequest("%s", err.Error())
		}
	}
	added, err := localsource.Add(r.Context(), s.d.DB, u.ID, path, settings)
	var overlap *localsource.OverlapError
	if errors.As(err, &overlap) {
		return &apiError{status: http.StatusConflict, code: "source_overlap", msg: overlap.Error()}
	}
	if err != nil {
		return err
	}
	src := added.Source
	if _, err := s.d.Pipeline.EnqueueSync(r.Context(), u.ID, src.ID); err != nil {
		return err
	}
	j, err := s.oneSourceJSON(r, src)
	if err != nil {
		return err
	}
	for _, m := range added.Merged {
		j.Merged = append(j.Merged, m.ID)
	}
	writeJSON(w, http.StatusCreated, j)
	return nil
}

// deleteSource removes a source with its photos, their thumbnails,
// renditions, descriptions and embeddings, and its queued jobs; a SmugMug
// source's tokens go with it. The describe ledger stays, so adding the
// photos again costs nothing.
func (s *Server) deleteSource(w http.ResponseWriter, r *http.Request) error {
	var p sourceParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	if _, err := s.d.Pipeline.RemoveSource(r.Context(), userID(r), p.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sourceIssues is GET /api/v1/sources/{id}/issues's answer.
type sourceIssues struct {
	SourceID int64          `json:"source_id"`
	Counts   map[string]int `json:"counts" nullable:"false" description:"Files by reason."`
	Files    []issueJSON    `json:"files" nullable:"false"`
}

// issueJSON is one file that is not a photo with pixels.
type issueJSON struct {
	Path    string `json:"path" description:"Relative to the source's folder; a folder ends in /."`
	Reason  string `json:"reason" enum:"unsupported,excluded,no_preview,corrupt,too_large"`
	Detail  string `json:"detail,omitempty" description:"The error of a failed photo."`
	PhotoID int64  `json:"photo_id,omitempty" description:"Set when the file is a photo (failed, or a RAW without preview)."`
}

// listSourceIssues accounts for every file of a source that is not a
// photo with pixels, with the reason.
func (s *Server) listSourceIssues(w http.ResponseWriter, r *http.Request) error {
	src, err := s.pathSource(r)
	if err != nil {
		return err
	}
	issues, err := s.d.DB.FileIssues(r.Context(), src.UserID, src.ID)
	if err != nil {
		return err
	}
	out := sourceIssues{SourceID: src.ID, Counts: map[string]int{}, Files: make([]issueJSON, 0, len(issues))}
	for _, is := range issues {
		out.Counts[is.Reason]++
		out.Files = append(out.Files, issueJSON{Path: is.Path, Reason: is.Reason, Detail: is.Detail, PhotoID: is.PhotoID})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// sourceParams name one source.
type sourceParams struct {
	ID int64 `path:"id" minimum:"1" description:"Source id."`
}

// pathSource is the signed-in user's source the path names.
func (s *Server) pathSource(r *http.Request) (store.Source, error) {
	var p sourceParams
	if err := bindParams(r, &p); err != nil {
		return store.Source{}, err
	}
	return s.d.DB.Source(r.Context(), userID(r), p.ID)
}

// syncAccepted is POST /api/v1/sources/{id}/sync's answer.
type syncAccepted struct {
	JobID    int64 `json:"job_id" description:"The queued sync job (an already queued one is reused)."`
	SourceID int64 `json:"source_id"`
}

func (s *Server) syncSource(w http.ResponseWriter, r *http.Request) error {
	src, err := s.pathSource(r)
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
