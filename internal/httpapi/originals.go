package httpapi

import (
	"archive/zip"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/store"
)

// Downloads of originals: one photo's source file (the viewer's Download),
// or a zip of many (bulk work). Both check that every photo is the
// signed-in user's before reading a byte, and open the file inside its
// source's folder (os.Root), so neither a stored key nor a symbolic link
// in the folder can reach a file outside it. A SmugMug photo's original
// streams from SmugMug through the server (RemoteOriginals), with its
// source owner's token.

const (
	// maxZipPhotos bounds one zip download's selection.
	maxZipPhotos = 500
	// downloadWriteWindow is how long one write of a download may take: a
	// client that stops reading is let go, one that reads slowly is not
	// cut by the server's write timeout.
	downloadWriteWindow = 30 * time.Second
)

// errOriginalUnavailable is the answer for a photo whose original this
// server cannot hand out.
func errOriginalUnavailable(msg string) error {
	return &apiError{status: http.StatusNotFound, code: "original_unavailable", msg: msg}
}

// remoteError is an error of a remote source (RemoteOriginals,
// RemoteAlbums) that says why, in a reason and a sentence.
type remoteError interface {
	error
	RemoteFailure() (reason, message string, retryAfter time.Duration)
}

// remoteAPIError is the answer to what a remote source (SmugMug) refused
// or failed to do, by its reason (smugsync.OriginalError, AlbumError).
func remoteAPIError(e remoteError) *apiError {
	reason, msg, wait := e.RemoteFailure()
	switch reason {
	case "writes_off":
		return &apiError{status: http.StatusForbidden, code: "smugmug_writes_off", msg: msg}
	case "write_failed":
		return &apiError{status: http.StatusBadGateway, code: "smugmug_write_failed", msg: msg}
	case "rate_limited":
		return &apiError{status: http.StatusServiceUnavailable, code: "smugmug_rate_limited", msg: msg, retryAfter: max(wait, time.Second)}
	case "reconnect":
		return &apiError{status: http.StatusBadGateway, code: "smugmug_reconnect", msg: msg}
	case "unavailable":
		return &apiError{status: http.StatusBadGateway, code: "smugmug_unavailable", msg: msg}
	case "too_large":
		return &apiError{status: http.StatusRequestEntityTooLarge, code: "original_too_large", msg: msg}
	}
	// not_recorded, not_offered, gone
	return errOriginalUnavailable(msg).(*apiError)
}

// Why a SmugMug photo offers no download, as the photo's original_note and
// the original route's answer (the same words as smugsync's errors).
const (
	noteNotRecorded = "This photo was synced before TargetVision kept SmugMug originals: the next full sync of its account " +
		"(daily, or targetvision sync --full) makes it downloadable."
	noteNotOffered = "SmugMug does not offer this photo's original to TargetVision (its owner may have turned off original " +
		"downloads): download it on SmugMug."
	noteNoSmugMug = "This server has no SmugMug API key, so it cannot fetch SmugMug originals: download it on SmugMug."
)

// originalFile is a photo's original, found and not yet opened: a file in
// a local source's folder, or (remote) one a remote source keeps.
type originalFile struct {
	photo  store.Photo
	root   *os.Root // the source's folder
	key    string   // the file's path inside it
	name   string   // the file name offered to the browser
	size   int64    // for a remote original, what its sync recorded (0: unknown)
	mtime  time.Time
	remote *store.Source
}

// originalResolver finds originals of one user's photos, opening each
// source's folder once.
type originalResolver struct {
	db    *store.DB
	uid   int64
	roots map[int64]*os.Root
	srcs  map[int64]store.Source
	// remote: the server can stream remote (SmugMug) originals.
	remote bool
}

func (s *Server) newOriginalResolver(uid int64) *originalResolver {
	return &originalResolver{db: s.d.DB, uid: uid, roots: map[int64]*os.Root{}, srcs: map[int64]store.Source{}, remote: s.d.Originals != nil}
}

// remoteOriginalNote is why a remote (SmugMug) photo offers no download,
// or "" when it does.
func remoteOriginalNote(ctx context.Context, db *store.DB, configured bool, src store.Source, p store.Photo) (string, error) {
	if !configured {
		return noteNoSmugMug, nil
	}
	ref, err := db.RemoteImage(ctx, p.UserID, src.ID, p.SourceKey)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "SmugMug no longer lists this photo; the next sync removes it.", nil
	case err != nil:
		return "", err
	case !ref.OriginalKnown:
		return noteNotRecorded, nil
	case ref.OriginalURL == "":
		return noteNotOffered, nil
	}
	return "", nil
}

func (o *originalResolver) Close() {
	for _, r := range o.roots {
		r.Close()
	}
}

// find locates p's original: an error with code original_unavailable says
// why there is none (a SmugMug photo, a file gone from its folder).
func (o *originalResolver) find(ctx context.Context, p store.Photo) (originalFile, error) {
	src, ok := o.srcs[p.SourceID]
	if !ok {
		var err error
		if src, err = o.db.Source(ctx, o.uid, p.SourceID); err != nil {
			return originalFile{}, err
		}
		o.srcs[p.SourceID] = src
	}
	if src.Kind != store.SourceLocal {
		note, err := remoteOriginalNote(ctx, o.db, o.remote, src, p)
		if err != nil {
			return originalFile{}, err
		}
		if note != "" {
			return originalFile{}, errOriginalUnavailable(note)
		}
		return originalFile{photo: p, name: cmp.Or(plainName(p.FileName), p.SourceKey), size: p.Size, mtime: p.RemoteUpdated, remote: &src}, nil
	}
	key := filepath.FromSlash(p.SourceKey)
	if !filepath.IsLocal(key) {
		return originalFile{}, errOriginalUnavailable("this photo's file is not inside its source's folder")
	}
	root, ok := o.roots[src.ID]
	if !ok {
		var err error
		if root, err = os.OpenRoot(src.Path); err != nil {
			return originalFile{}, errOriginalUnavailable("the photo's folder cannot be read on the server: " + src.Path + " is gone or unreadable")
		}
		o.roots[src.ID] = root
	}
	st, err := root.Stat(key)
	if err != nil || !st.Mode().IsRegular() {
		return originalFile{}, errOriginalUnavailable("the original file is no longer in its folder; sync the source to update the library")
	}
	return originalFile{photo: p, root: root, key: key, name: cmp.Or(path.Base(p.SourceKey), p.FileName), size: st.Size(), mtime: st.ModTime()}, nil
}

// original serves GET /api/v1/photos/{id}/original: the file the photo was
// indexed from, as an attachment named like it.
func (s *Server) original(w http.ResponseWriter, r *http.Request) error {
	var pp photoParams
	if err := bindParams(r, &pp); err != nil {
		return err
	}
	uid := userID(r)
	p, err := s.d.DB.Photo(r.Context(), uid, pp.ID)
	if err != nil {
		return err
	}
	res := s.newOriginalResolver(uid)
	defer res.Close()
	of, err := res.find(r.Context(), p)
	if err != nil {
		return err
	}
	if of.remote != nil {
		return s.remoteOriginal(w, r, of)
	}
	f, err := of.root.Open(of.key)
	if err != nil {
		return errOriginalUnavailable("the original file is no longer in its folder; sync the source to update the library")
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", originalType(of.name))
	h.Set("Content-Disposition", attachment(of.name))
	h.Set("Cache-Control", "private, no-cache")
	dw := newDeadlineWriter(w, time.Time{})
	http.ServeContent(&rangeErrorWriter{ResponseWriter: dw, s: s, r: r}, r, "", of.mtime, f)
	return nil
}

// remoteOriginal streams a remote source's original through the server,
// for at most MaxZipDuration with a window per write.
func (s *Server) remoteOriginal(w http.ResponseWriter, r *http.Request, of originalFile) error {
	ctx, cancel := context.WithTimeout(r.Context(), s.d.MaxZipDuration)
	defer cancel()
	body, size, err := s.d.Originals.OpenOriginal(ctx, *of.remote, of.photo)
	if err != nil {
		return err
	}
	defer body.Close()
	deadline, _ := ctx.Deadline()
	h := w.Header()
	h.Set("Content-Type", originalType(of.name))
	h.Set("Content-Disposition", attachment(of.name))
	h.Set("Cache-Control", "private, no-cache")
	if size >= 0 {
		h.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	dw := newDeadlineWriter(w, deadline)
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(dw, &ctxReader{ctx: ctx, r: body}); err != nil {
		// The status is sent: the cut body tells the client.
		s.log.WarnContext(r.Context(), "remote original cut", "user_id", of.photo.UserID, "photo_id", of.photo.ID, "err", err)
	}
	return nil
}

// plainName is a remote file name safe to offer as a download's name.
func plainName(name string) string {
	return strings.NewReplacer("/", "_", "\\", "_").Replace(plaintext.Line(name))
}

// zipParams are GET /api/v1/photos/originals.zip's parameters.
type zipParams struct {
	IDs string `query:"ids" maxLength:"8000" description:"The photos, as comma-separated ids (at most 500)."`
}

// parseIDs reads a comma-separated list of photo ids, without repeats.
func parseIDs(s string, max int) ([]int64, error) {
	var ids []int64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id < 1 {
			return nil, errBadRequest("ids must be photo ids separated by commas; %q is not one", f)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, errBadRequest("ids names no photo")
	}
	if len(ids) > max {
		return nil, errBadRequest("at most %d photos at once, not %d", max, len(ids))
	}
	return ids, nil
}

// ownPhotos returns the user's photos with these ids in the order given,
// or not_found when any of them is not the user's: a request naming
// another user's photo does nothing at all, and tells nothing.
func (s *Server) ownPhotos(ctx context.Context, uid int64, ids []int64) ([]store.Photo, error) {
	ps, err := s.d.DB.PhotosByIDs(ctx, uid, ids)
	if err != nil {
		return nil, err
	}
	if len(ps) != len(ids) {
		return nil, errNotFound()
	}
	byID := make(map[int64]store.Photo, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	out := make([]store.Photo, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// originalsZip serves GET /api/v1/photos/originals.zip: the originals of
// the selected photos, streamed into a zip as they are read (stored, not
// compressed again: photos are compressed already). Its size is bounded
// before the first byte (MaxZipBytes) and its time while streaming
// (MaxZipDuration, and a window per write for a client that stops reading).
func (s *Server) originalsZip(w http.ResponseWriter, r *http.Request) error {
	var zp zipParams
	if err := bindParams(r, &zp); err != nil {
		return err
	}
	ids, err := parseIDs(zp.IDs, maxZipPhotos)
	if err != nil {
		return err
	}
	uid := userID(r)
	ps, err := s.ownPhotos(r.Context(), uid, ids)
	if err != nil {
		return err
	}
	res := s.newOriginalResolver(uid)
	defer res.Close()
	var files []originalFile
	var skipped []string
	var total int64
	for _, p := range ps {
		of, err := res.find(r.Context(), p)
		var ae *apiError
		if errors.As(err, &ae) && ae.code == "original_unavailable" {
			skipped = append(skipped, fmt.Sprintf("%s (photo %d): %s", title(p), p.ID, ae.msg))
			continue
		}
		if err != nil {
			return err
		}
		files = append(files, of)
		total += of.size
	}
	if len(files) == 0 {
		return errOriginalUnavailable("none of these photos has an original this server can send: " + strings.Join(skipped, "; "))
	}
	if total > s.d.MaxZipBytes {
		return &apiError{status: http.StatusRequestEntityTooLarge, code: "zip_too_large",
			msg: fmt.Sprintf("these originals are %s; one download takes at most %s: select fewer photos", byteSize(total), byteSize(s.d.MaxZipBytes))}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.d.MaxZipDuration)
	defer cancel()
	deadline, _ := ctx.Deadline()
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", attachment(fmt.Sprintf("targetvision-%d-photos.zip", len(files))))
	h.Set("Cache-Control", "no-store")
	dw := newDeadlineWriter(w, deadline)
	w.WriteHeader(http.StatusOK)
	zw := zip.NewWriter(dw)
	names := map[string]bool{}
	var written int64 // bytes of originals so far, against MaxZipBytes
	for _, of := range files {
		if err := ctx.Err(); err != nil {
			s.log.WarnContext(r.Context(), "zip download cut", "user_id", uid, "photos", len(files), "err", err)
			return nil // the status is sent; the truncated zip tells the client
		}
		if of.remote != nil {
			// Asked for when its turn comes; one SmugMug refuses is listed
			// with the others left out, and the zip goes on.
			body, _, err := s.d.Originals.OpenOriginal(ctx, *of.remote, of.photo)
			var ro remoteError
			if errors.As(err, &ro) {
				_, msg, _ := ro.RemoteFailure()
				skipped = append(skipped, fmt.Sprintf("%s (photo %d): %s", title(of.photo), of.photo.ID, msg))
				continue
			}
			if err != nil {
				s.log.WarnContext(r.Context(), "zip download failed", "user_id", uid, "photo_id", of.photo.ID, "err", err)
				return nil
			}
			err = addStreamToZip(ctx, zw, body, uniqueName(names, of.name), of.mtime, s.d.MaxZipBytes-written)
			body.Close()
			if err != nil {
				s.log.WarnContext(r.Context(), "zip download failed", "user_id", uid, "photo_id", of.photo.ID, "err", err)
				return nil
			}
			written += max(of.size, 0)
			continue
		}
		if err := addToZip(ctx, zw, of, uniqueName(names, of.name)); err != nil {
			s.log.WarnContext(r.Context(), "zip download failed", "user_id", uid, "photo_id", of.photo.ID, "err", err)
			return nil
		}
		written += of.size
	}
	if len(skipped) > 0 {
		if f, err := zw.Create(uniqueName(names, "not-included.txt")); err == nil {
			fmt.Fprintf(f, "These photos' originals are not in this zip:\n\n%s\n", strings.Join(skipped, "\n"))
		}
	}
	if err := zw.Close(); err != nil {
		s.log.WarnContext(r.Context(), "zip download failed", "user_id", uid, "err", err)
	}
	return nil
}

// addToZip copies one original into the zip, stopping when ctx ends.
func addToZip(ctx context.Context, zw *zip.Writer, of originalFile, name string) error {
	f, err := of.root.Open(of.key)
	if err != nil {
		return fmt.Errorf("open %s: %w", of.key, err)
	}
	defer f.Close()
	out, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: of.mtime})
	if err != nil {
		return err
	}
	// At most the size found when the zip was planned: a file growing
	// meanwhile cannot push the download past its bound.
	_, err = io.Copy(out, &ctxReader{ctx: ctx, r: io.LimitReader(f, of.size)})
	return err
}

// addStreamToZip copies a remote original into the zip, at most limit
// bytes (what is left of the zip's bound: the size a sync recorded is not
// trusted), stopping when ctx ends.
func addStreamToZip(ctx context.Context, zw *zip.Writer, body io.Reader, name string, mtime time.Time, limit int64) error {
	out, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: mtime})
	if err != nil {
		return err
	}
	n, err := io.Copy(out, &ctxReader{ctx: ctx, r: io.LimitReader(body, limit+1)})
	if err == nil && n > limit {
		return fmt.Errorf("%s is past the zip's bound", name)
	}
	return err
}

// ctxReader ends a copy when its context does.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// uniqueName returns name, or "name (2).ext" and so on when the zip has it.
func uniqueName(taken map[string]bool, name string) string {
	name = strings.ReplaceAll(name, "/", "_")
	out := name
	ext := path.Ext(name)
	for i := 2; taken[strings.ToLower(out)]; i++ {
		out = fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(name, ext), i, ext)
	}
	taken[strings.ToLower(out)] = true
	return out
}

// deadlineWriter gives each write its own window past the server's write
// timeout, never past end (zero: no end).
type deadlineWriter struct {
	http.ResponseWriter
	rc  *http.ResponseController
	end time.Time
}

func newDeadlineWriter(w http.ResponseWriter, end time.Time) *deadlineWriter {
	d := &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w), end: end}
	d.extend()
	return d
}

func (d *deadlineWriter) extend() {
	t := time.Now().Add(downloadWriteWindow)
	if !d.end.IsZero() && t.After(d.end) {
		t = d.end
	}
	_ = d.rc.SetWriteDeadline(t) // not every ResponseWriter has deadlines (httptest's)
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	d.extend()
	return d.ResponseWriter.Write(b)
}

func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// attachment is a Content-Disposition that saves the answer as name.
func attachment(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}

// originalType is the media type of an original by its extension, spelled
// out for the photo formats so it does not depend on the host's mime
// database; anything else is a plain download.
func originalType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".jpg", ".jpeg", ".jpe":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".heic":
		return "image/heic"
	case ".heif":
		return "image/heif"
	case ".avif":
		return "image/avif"
	case ".tif", ".tiff":
		return "image/tiff"
	case ".dng":
		return "image/x-adobe-dng"
	}
	return "application/octet-stream"
}

// byteSize renders a byte count for people (1.5 GB).
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+1023)/1024)
}
