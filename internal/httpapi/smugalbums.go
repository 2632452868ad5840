package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/store"
)

// RemoteAlbums creates albums on a remote source (SmugMug) from a
// selection of its photos, with the source owner's token, and records
// every attempt (store.RemoteAlbumWrite) — smugsync.Source implements it.
// Failures that say why implement RemoteFailure (see RemoteOriginals).
type RemoteAlbums interface {
	CreateAlbum(ctx context.Context, src store.Source, actor, name string, photos []store.Photo) (store.RemoteAlbumWrite, error)
}

// maxRemoteAlbumPhotos bounds one "Create SmugMug album" selection.
const maxRemoteAlbumPhotos = 1000

// remoteAlbumRequest is POST /api/v1/photos/smugmug-album's body.
type remoteAlbumRequest struct {
	PhotoIDs []int64 `json:"photo_ids" required:"true" minItems:"1" maxItems:"1000" description:"Your photos, all from one SmugMug account whose album writes are on."`
	Name     string  `json:"name" required:"true" minLength:"1" maxLength:"255" description:"The new album's name; its web address is made from it."`
}

// remoteAlbumJSON is one album TargetVision made (or tried to make) on a
// SmugMug account.
type remoteAlbumJSON struct {
	ID        int64     `json:"id"`
	SourceID  int64     `json:"source_id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor" description:"Who asked: the account, and the API token when one was used."`
	Name      string    `json:"name"`
	AlbumKey  string    `json:"album_key" description:"SmugMug's key of the album; empty when none was made."`
	WebURL    string    `json:"web_url" description:"The album on SmugMug; empty when none was made."`
	Photos    int       `json:"photos" description:"Photos asked for."`
	Collected int       `json:"collected" description:"Photos SmugMug put in the album."`
	Result    string    `json:"result" enum:"created,partial,failed"`
	Error     string    `json:"error,omitempty" description:"Why it is not created, in words."`
}

func toRemoteAlbumJSON(w store.RemoteAlbumWrite) remoteAlbumJSON {
	return remoteAlbumJSON{ID: w.ID, SourceID: w.SourceID, At: w.At, Actor: plaintext.Line(w.Actor), Name: plaintext.Line(w.Name),
		AlbumKey: w.AlbumKey, WebURL: w.WebURL, Photos: w.Photos, Collected: w.Collected, Result: w.Result, Error: plaintext.Line(w.Error)}
}

// createRemoteAlbum serves POST /api/v1/photos/smugmug-album: the selected
// photos, every one the user's and all of one SmugMug source whose owner
// switched album writes on, become a new private album there.
func (s *Server) createRemoteAlbum(w http.ResponseWriter, r *http.Request) error {
	var in remoteAlbumRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := checkSelection(in.PhotoIDs); err != nil {
		return err
	}
	name := strings.TrimSpace(plaintext.Line(in.Name))
	if name == "" || utf8.RuneCountInString(name) > 255 {
		return errBadRequest("name must be 1 to 255 characters")
	}
	if len(in.PhotoIDs) > maxRemoteAlbumPhotos {
		return errBadRequest("at most %d photos in one album at once", maxRemoteAlbumPhotos)
	}
	uid := userID(r)
	ps, err := s.ownPhotos(r.Context(), uid, uniqueIDs(in.PhotoIDs))
	if err != nil {
		return err
	}
	var src store.Source
	for _, p := range ps {
		if src.ID == p.SourceID {
			continue
		}
		if src.ID != 0 {
			return &apiError{status: http.StatusBadRequest, code: "mixed_sources",
				msg: "the photos come from more than one source: a SmugMug album takes the photos of one SmugMug account"}
		}
		if src, err = s.d.DB.Source(r.Context(), uid, p.SourceID); err != nil {
			return err
		}
	}
	if src.Kind != store.SourceSmugMug {
		return &apiError{status: http.StatusBadRequest, code: "not_smugmug", msg: "only photos from a SmugMug account can go in a SmugMug album"}
	}
	if !src.WriteBack.Albums {
		return &apiError{status: http.StatusForbidden, code: "smugmug_writes_off",
			msg: "creating albums on " + plaintext.Line(src.Name) + " is switched off; switch it on for the account on the Sources page"}
	}
	if s.d.Albums == nil {
		return &apiError{status: http.StatusNotImplemented, code: "smugmug_not_configured",
			msg: "SmugMug is not set up on this server: the administrator sets SMUGMUG_API_KEY and SMUGMUG_API_SECRET"}
	}
	actor, err := s.actor(r)
	if err != nil {
		return err
	}
	rec, err := s.d.Albums.CreateAlbum(r.Context(), src, actor, name, ps)
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "smugmug album created", "user_id", uid, "source_id", src.ID, "album_key", rec.AlbumKey,
		"photos", rec.Photos, "collected", rec.Collected, "result", rec.Result)
	writeJSON(w, http.StatusCreated, toRemoteAlbumJSON(rec))
	return nil
}

// actor names who made a request, for audit trails: the account's e-mail,
// and the API token's name when one was used.
func (s *Server) actor(r *http.Request) (string, error) {
	u, err := s.d.DB.UserByID(r.Context(), userID(r))
	if err != nil {
		return "", err
	}
	c, _ := auth.ClaimsFrom(r.Context())
	if !c.ViaAPIToken {
		return u.Email, nil
	}
	toks, err := s.d.DB.APITokens(r.Context(), u.ID)
	if err != nil {
		return "", err
	}
	for _, t := range toks {
		if t.ID == c.APITokenID {
			return fmt.Sprintf("%s (API token %q)", u.Email, t.Name), nil
		}
	}
	return u.Email + " (API token)", nil
}

// albumWritesParams are GET /api/v1/sources/{id}/album-writes's parameters.
type albumWritesParams struct {
	sourceParams
	Limit int `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

// sourceAlbumWrites is GET /api/v1/sources/{id}/album-writes's answer.
type sourceAlbumWrites struct {
	SourceID int64             `json:"source_id"`
	Albums   []remoteAlbumJSON `json:"albums" nullable:"false" description:"Newest first."`
}

// listAlbumWrites is the trail of albums made on one of the user's sources.
func (s *Server) listAlbumWrites(w http.ResponseWriter, r *http.Request) error {
	var p albumWritesParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	src, err := s.d.DB.Source(r.Context(), userID(r), p.ID)
	if err != nil {
		return err
	}
	ws, err := s.d.DB.RemoteAlbumWrites(r.Context(), src.UserID, src.ID, p.Limit)
	if err != nil {
		return err
	}
	out := sourceAlbumWrites{SourceID: src.ID, Albums: make([]remoteAlbumJSON, 0, len(ws))}
	for _, x := range ws {
		out.Albums = append(out.Albums, toRemoteAlbumJSON(x))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
