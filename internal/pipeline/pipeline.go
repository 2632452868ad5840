// Package pipeline is what happens to a photo after a source finds it: the
// job handlers for syncing a source, processing a file (EXIF, thumbnail,
// analysis rendition), embedding it with CLIP and describing it with Claude.
// Every step is a durable job, so a crash or restart loses nothing and a
// finished step is never paid for twice.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/localsource"
	"github.com/targetvision/targetvision/internal/photo"
	"github.com/targetvision/targetvision/internal/source"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/xmp"
)

// Job kinds.
const (
	KindSync      = "sync"
	KindProcess   = "process"
	KindEmbed     = "embed"
	KindDescribe  = "describe"
	KindWriteBack = "writeback"
)

// ImageEmbedder computes CLIP image embeddings (internal/clip's *Model).
type ImageEmbedder interface {
	EmbedImages(ctx context.Context, imgs []image.Image) ([][]float32, error)
	Name() string
}

// VectorIndex is told about new embeddings (the search engine's in-process
// index on SQLite); nil when the store indexes by itself.
type VectorIndex interface {
	Index(ctx context.Context, userID, photoID int64, vec []float32) error
}

// RemoteSource syncs and fetches the photos of a non-local source kind
// (SmugMug). Sync brings the store up to date with the remote library and
// reports what changed; Fetch downloads a photo's analysis rendition to dst
// (the pipeline then reads EXIF, makes the thumbnail and so on from it).
type RemoteSource interface {
	Sync(ctx context.Context, src store.Source, progress source.Progress) (source.Result, error)
	Fetch(ctx context.Context, src store.Source, p store.Photo, dst string) error
}

// Options configure a Pipeline. Embedder may be nil (no CLIP model yet):
// embed jobs then wait in the queue.
type Options struct {
	// DataDir holds files being made (DataDir/tmp) and, without Blobs,
	// the thumbnails and renditions.
	DataDir string
	// Blobs keeps thumbnails and renditions; nil means the data directory.
	Blobs    blob.Store
	Limits   photo.Limits
	Embedder ImageEmbedder
	Index    VectorIndex
	// Remote maps source kinds other than local to their implementation.
	Remote map[store.SourceKind]RemoteSource
	// Defaults are the deployment's Claude model and monthly budget
	// (CLAUDE_MODEL, CLAUDE_MONTHLY_BUDGET_USD): what a user's settings
	// leave to the deployment, and the budget's ceiling (see Settings).
	// A zero budget means no cap here.
	Defaults store.UserSettings
	// DescribeInBulk leaves describe jobs to DescribeQueued (batch mode)
	// instead of running them one by one.
	DescribeInBulk bool
	// Describer may be nil (no ANTHROPIC_API_KEY): describe jobs then wait.
	Describer Describer
	Logger    *slog.Logger
	// OnSync, if set, is told each file a sync looks at (progress bars).
	OnSync source.Progress
}

// Pipeline holds the job handlers' dependencies.
type Pipeline struct {
	db   *store.DB
	opts Options
	log  *slog.Logger
	// embedder is opts.Embedder, or the model EnableEmbedding installed
	// later; nil without one.
	embedder atomic.Pointer[embedderRef]
}

// embedderRef boxes an ImageEmbedder for atomic.Pointer.
type embedderRef struct{ ImageEmbedder }

// New makes a pipeline on a store.
func New(db *store.DB, opts Options) *Pipeline {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Blobs == nil {
		opts.Blobs = blob.NewDir(opts.DataDir)
	}
	p := &Pipeline{db: db, opts: opts, log: opts.Logger}
	if opts.Embedder != nil {
		p.embedder.Store(&embedderRef{opts.Embedder})
	}
	return p
}

// EnableEmbedding gives a pipeline made without a CLIP model one (a model
// installed while the server runs) and registers the embed handler on r,
// whose workers then take the embed jobs that were waiting. r may be nil
// (a server without workers).
func (p *Pipeline) EnableEmbedding(r *jobs.Runner, m ImageEmbedder) {
	p.embedder.Store(&embedderRef{m})
	if r != nil {
		r.Handle(KindEmbed, p.forPhoto(p.handleEmbed))
	}
}

// Register installs the handlers this pipeline can run on a runner.
func (p *Pipeline) Register(r *jobs.Runner) {
	r.Handle(KindSync, p.handleSync)
	r.Handle(KindProcess, p.forPhoto(p.handleProcess))
	if p.embedder.Load() != nil {
		r.Handle(KindEmbed, p.forPhoto(p.handleEmbed))
	}
	if p.opts.Describer != nil && !p.opts.DescribeInBulk {
		r.Handle(KindDescribe, p.forPhoto(p.handleDescribe))
	}
	r.Handle(KindWriteBack, p.forPhoto(p.handleWriteBack))
}

// forPhoto adapts a handler of one photo's job: it loads the photo, and a
// photo deleted since its job was queued leaves nothing to do.
func (p *Pipeline) forPhoto(h func(ctx context.Context, j store.Job, ph store.Photo) error) jobs.Handler {
	return func(ctx context.Context, j store.Job) error {
		ph, err := p.db.Photo(ctx, j.UserID, j.PhotoID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return h(ctx, j, ph)
	}
}

type syncPayload struct {
	SourceID int64 `json:"source_id"`
}

// EnqueueSync queues a sync of one source (at most one queued per source).
func (p *Pipeline) EnqueueSync(ctx context.Context, userID, sourceID int64) (store.Job, error) {
	payload, _ := json.Marshal(syncPayload{SourceID: sourceID})
	j, _, err := p.db.Enqueue(ctx, store.Job{UserID: userID, Kind: KindSync, Payload: payload, Priority: 10,
		DedupeKey: "sync:" + strconv.FormatInt(sourceID, 10), MaxAttempts: 3})
	if err != nil {
		return store.Job{}, fmt.Errorf("pipeline: %w", err)
	}
	return j, nil
}

func (p *Pipeline) enqueuePhoto(ctx context.Context, userID, photoID int64, kind string, priority int) error {
	_, _, err := p.db.Enqueue(ctx, store.Job{UserID: userID, Kind: kind, PhotoID: photoID, Priority: priority,
		DedupeKey: kind + ":" + strconv.FormatInt(photoID, 10)})
	if err != nil {
		return fmt.Errorf("pipeline: enqueue %s of photo %d: %w", kind, photoID, err)
	}
	return nil
}

// WriteBacker is a RemoteSource that can push generated keywords and
// captions back to the photo's home (opt-in per source).
type WriteBacker interface {
	// WantsWriteBack reports whether the source has opted in.
	WantsWriteBack(src store.Source) bool
	// WriteBackPhoto merges keywords into the owner's (never replacing them)
	// and sets the caption only where it is empty; every write is recorded.
	WriteBackPhoto(ctx context.Context, src store.Source, photoID int64, keywords []string, caption string) error
}

// DeepSyncer is a RemoteSource that can also re-list everything (SmugMug
// does not bump album times for caption or keyword edits).
type DeepSyncer interface {
	SyncDeep(ctx context.Context, src store.Source, progress source.Progress) (source.Result, error)
}

// SyncSource runs a sync now (the CLI's `index` and `sync` use it directly
// for their progress bar) and queues processing of what changed. deep asks
// a remote source to re-list everything.
func (p *Pipeline) SyncSource(ctx context.Context, src store.Source, deep bool) (source.Result, error) {
	if err := p.db.SetSourceStatus(ctx, src.UserID, src.ID, store.SourceSyncing, "", time.Time{}); err != nil {
		return source.Result{}, err
	}
	var res source.Result
	var err error
	switch src.Kind {
	case store.SourceLocal:
		res, err = localsource.Sync(ctx, p.db, src, p.opts.OnSync)
	default:
		rs := p.opts.Remote[src.Kind]
		if ds, ok := rs.(DeepSyncer); ok && deep {
			res, err = ds.SyncDeep(ctx, src, p.opts.OnSync)
		} else if rs != nil {
			res, err = rs.Sync(ctx, src, p.opts.OnSync)
		} else {
			err = jobs.Permanent(fmt.Errorf("pipeline: syncing %s sources is not available yet", src.Kind))
		}
	}
	if err == nil {
		for _, id := range res.ToProcess {
			if err = p.enqueuePhoto(ctx, src.UserID, id, KindProcess, 5); err != nil {
				break
			}
		}
		for _, id := range res.DeletedIDs {
			p.removeDerived(ctx, src.UserID, id)
		}
	}
	status, msg, when := store.SourceOK, "", time.Now()
	if err != nil {
		status, msg, when = store.SourceError, err.Error(), time.Time{}
		// A source can say more precisely what is wrong (SmugMug: reconnect).
		var ss interface{ SourceStatus() (string, string) }
		if errors.As(err, &ss) {
			status, msg = ss.SourceStatus()
		}
	}
	if serr := p.db.SetSourceStatus(context.WithoutCancel(ctx), src.UserID, src.ID, status, msg, when); serr != nil && err == nil {
		err = serr
	}
	return res, err
}

func (p *Pipeline) handleSync(ctx context.Context, j store.Job) error {
	var pl syncPayload
	if err := json.Unmarshal(j.Payload, &pl); err != nil {
		return jobs.Permanent(fmt.Errorf("pipeline: bad sync payload: %w", err))
	}
	src, err := p.db.Source(ctx, j.UserID, pl.SourceID)
	if errors.Is(err, store.ErrNotFound) {
		return jobs.Permanent(err)
	}
	if err != nil {
		return err
	}
	res, err := p.SyncSource(ctx, src, false)
	if err != nil {
		return err
	}
	p.log.InfoContext(ctx, "source synced", "source_id", src.ID, "files", res.Files, "new", res.New,
		"changed", res.Changed, "moved", res.Moved, "deleted", res.Deleted)
	return nil
}

// Key prefixes of the derived files in the blob store: everything the
// pipeline makes lives under one of them (`blobs migrate` and `backup`
// copy exactly these).
const (
	ThumbPrefix     = "thumbs/"
	RenditionPrefix = "renditions/"
)

// ThumbPath and RenditionPath are a photo's blob keys (which are also its
// files' paths relative to the data dir when blobs live there).
func ThumbPath(userID, photoID int64) string {
	return path.Join(ThumbPrefix, strconv.FormatInt(userID, 10), strconv.FormatInt(photoID, 10)+".jpg")
}

// RenditionPath is the key of the ≤2200 px analysis image of a photo.
func RenditionPath(userID, photoID int64) string {
	return path.Join(RenditionPrefix, strconv.FormatInt(userID, 10), strconv.FormatInt(photoID, 10)+".jpg")
}

// RemoveSource removes one of the user's sources with its photos, their
// thumbnails, renditions, descriptions and embeddings, and its queued jobs
// (store.DeleteSource; the describe ledger stays). It returns how many
// photos went.
func (p *Pipeline) RemoveSource(ctx context.Context, userID, sourceID int64) (int, error) {
	ids, err := p.db.DeleteSource(ctx, userID, sourceID)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		p.removeDerived(ctx, userID, id)
	}
	p.log.InfoContext(ctx, "source removed", "source_id", sourceID, "photos", len(ids))
	return len(ids), nil
}

func (p *Pipeline) removeDerived(ctx context.Context, userID, photoID int64) {
	for _, key := range []string{ThumbPath(userID, photoID), RenditionPath(userID, photoID)} {
		if err := p.opts.Blobs.Delete(ctx, key); err != nil {
			p.log.WarnContext(ctx, "remove a deleted photo's derived file", "photo_id", photoID, "key", key, "err", err)
		}
	}
}

// workDir is a fresh directory under DataDir/tmp for one job's files;
// the caller removes it.
func (p *Pipeline) workDir() (string, error) {
	tmp := filepath.Join(p.opts.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return "", fmt.Errorf("pipeline: %w", err)
	}
	dir, err := os.MkdirTemp(tmp, "job-")
	if err != nil {
		return "", fmt.Errorf("pipeline: %w", err)
	}
	return dir, nil
}

// RemoveStaleWork deletes work directories that a crashed process left in
// DataDir/tmp, if older than maxAge (a live job's are younger: several
// processes may share the data directory).
func (p *Pipeline) RemoveStaleWork(maxAge time.Duration) error {
	tmp := filepath.Join(p.opts.DataDir, "tmp")
	entries, err := os.ReadDir(tmp)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < maxAge {
			continue
		}
		if err := os.RemoveAll(filepath.Join(tmp, e.Name())); err != nil {
			return fmt.Errorf("pipeline: %w", err)
		}
	}
	return nil
}

// localBlob gives a file name holding the blob at key, for readers that
// take one (the decoder, Claude's request): the file itself when blobs live
// in a directory, else a copy in dir.
func (p *Pipeline) localBlob(ctx context.Context, key, dir string) (string, error) {
	if d, ok := p.opts.Blobs.(*blob.Dir); ok {
		return d.LocalPath(key)
	}
	r, err := p.opts.Blobs.Open(ctx, key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	dst := filepath.Join(dir, path.Base(key))
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("pipeline: copy of %s: %w", key, err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return "", fmt.Errorf("pipeline: copy of %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("pipeline: copy of %s: %w", key, err)
	}
	return dst, nil
}

// handleProcess reads a photo's file once: EXIF, hash, thumbnail and
// analysis rendition; then queues embedding and description. A corrupt or
// oversized file marks the photo failed with the reason and fails the job
// for good (the user can retry it after fixing the file).
func (p *Pipeline) handleProcess(ctx context.Context, j store.Job, ph store.Photo) error {
	src, err := p.db.Source(ctx, j.UserID, ph.SourceID)
	if err != nil {
		return err
	}
	thumb, rend := ThumbPath(j.UserID, ph.ID), RenditionPath(j.UserID, ph.ID)
	// The files are made in a work directory, then put in the blob store.
	work, err := p.workDir()
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	file := localsource.Path(src, ph)
	if src.Kind != store.SourceLocal {
		rs := p.opts.Remote[src.Kind]
		if rs == nil {
			return jobs.Permanent(fmt.Errorf("pipeline: processing %s photos is not available yet", src.Kind))
		}
		file = filepath.Join(work, "download")
		if err := rs.Fetch(ctx, src, ph, file); err != nil {
			return err
		}
	}
	out := photo.Outputs{ThumbPath: filepath.Join(work, "thumb.jpg"), RenditionPath: filepath.Join(work, "rendition.jpg")}
	info, err := photo.Process(ctx, file, p.opts.Limits, out)
	noPreview := errors.Is(err, photo.ErrNoPreview)
	if err != nil && !noPreview {
		if ctx.Err() != nil {
			return err
		}
		issue := issueOf(err)
		if serr := p.db.SetPhotoStatus(ctx, j.UserID, ph.ID, store.PhotoFailed, issue, err.Error()); serr != nil {
			return serr
		}
		if issue != "" || errors.Is(err, os.ErrNotExist) {
			return jobs.Permanent(err)
		}
		return err
	}
	if info.Truncated {
		p.log.WarnContext(ctx, "photo file ends early; indexed what it holds, the rest grey", "photo_id", ph.ID, "file", ph.SourceKey)
	}
	if !noPreview {
		for key, file := range map[string]string{thumb: out.ThumbPath, rend: out.RenditionPath} {
			if err := blob.PutFile(ctx, p.opts.Blobs, key, file); err != nil {
				return fmt.Errorf("pipeline: store photo %d's derived file: %w", ph.ID, err)
			}
		}
	}
	applyInfo(&ph, info, src.Kind == store.SourceLocal)
	if src.Kind == store.SourceLocal {
		p.applyWritten(ctx, &ph, info, src)
	}
	if implausibleDate(ph.TakenAt, time.Now()) {
		// A camera clock set to 2099 did not take the photo in 2099: as
		// the newest photo it would head every listing. Unknown instead.
		p.log.InfoContext(ctx, "capture date in the future ignored", "photo_id", ph.ID, "taken_at", ph.TakenAt)
		ph.TakenAt = time.Time{}
	}
	ph.ThumbPath, ph.RenditionPath, ph.Status, ph.Error, ph.Issue = thumb, rend, store.PhotoReady, "", ""
	if noPreview {
		// A RAW whose previews were stripped is a photo all the same: its
		// camera, date and the photographer's words are searchable. There
		// are no pixels to show, embed or describe.
		p.removeDerived(ctx, j.UserID, ph.ID)
		ph.ThumbPath, ph.RenditionPath, ph.Issue, ph.Error = "", "", store.IssueNoPreview, err.Error()
	}
	if _, _, err := p.db.UpsertPhoto(ctx, ph); err != nil {
		return err
	}
	if noPreview {
		return nil
	}
	if err := p.enqueuePhoto(ctx, j.UserID, ph.ID, KindEmbed, 3); err != nil {
		return err
	}
	return p.enqueuePhoto(ctx, j.UserID, ph.ID, KindDescribe, 1)
}

// issueOf names the reason a photo error is counted under in the index
// summary (a store.Issue constant), or "" for an error that is not the
// file's fault (I/O, cancellation).
func issueOf(err error) string {
	switch {
	case errors.Is(err, photo.ErrTooLarge):
		return store.IssueTooLarge
	case errors.Is(err, photo.ErrUnsupported):
		return store.IssueUnsupported
	case errors.Is(err, photo.ErrCorrupt):
		return store.IssueCorrupt
	case errors.Is(err, photo.ErrNoPreview):
		return store.IssueNoPreview
	}
	return ""
}

// applyWritten lays what the photographer wrote over a local photo: the
// file's embedded XMP and IPTC, then its sidecars (name.xmp, then
// name.ext.xmp), each winning over the one before. They become the
// photo's own title, caption, keywords, rating and label (searchable like
// a SmugMug owner's); a sidecar's date and position correct the camera's,
// embedded ones only fill what EXIF lacks. An unreadable sidecar is
// logged and skipped: it never fails the photo.
func (p *Pipeline) applyWritten(ctx context.Context, ph *store.Photo, info photo.Info, src store.Source) {
	var side xmp.Meta
	for _, c := range ph.Companions {
		if c.Role != store.CompanionSidecar {
			continue
		}
		m, err := xmp.ReadFile(localsource.CompanionPath(src, *ph, c))
		if err != nil {
			p.log.WarnContext(ctx, "sidecar ignored", "photo_id", ph.ID, "sidecar", c.Key, "err", err)
			continue
		}
		side = side.Merge(m)
	}
	emb := info.Written
	all := emb.Merge(side)
	ph.Title, ph.Caption, ph.Keywords, ph.Rating, ph.Label = all.Title, all.Description, all.Keywords, all.Rating, all.Label
	switch {
	case !side.TakenAt.IsZero():
		ph.TakenAt = side.TakenAt
	case ph.TakenAt.IsZero():
		ph.TakenAt = emb.TakenAt
	}
	switch {
	case side.HasGPS:
		ph.GPS = &store.GPS{Lat: side.Lat, Lon: side.Lon}
	case ph.GPS == nil && emb.HasGPS:
		ph.GPS = &store.GPS{Lat: emb.Lat, Lon: emb.Lon}
	}
}

// implausibleDate reports a capture time later than tomorrow: a camera
// clock that was wrong (time zones put honest photos up to a day ahead).
func implausibleDate(t, now time.Time) bool {
	return t.After(now.Add(36 * time.Hour))
}

// applyInfo copies what the file says into the photo row. For a local
// file the file is the truth. For a remote photo the file is a downsized
// rendition: the source's own size, format and dates stay, and EXIF only
// fills what the source left empty.
func applyInfo(ph *store.Photo, in photo.Info, local bool) {
	if in.SHA256 != "" {
		ph.ContentHash = in.SHA256
	}
	if local {
		ph.Format, ph.Width, ph.Height, ph.Size = in.Format, in.Width, in.Height, in.Size
		ph.TakenAt = in.TakenAt
		ph.CameraMake, ph.CameraModel, ph.Lens = in.CameraMake, in.CameraModel, in.Lens
		ph.ExposureTime, ph.FNumber, ph.ISO, ph.FocalLength = in.ExposureTime, in.FNumber, in.ISO, in.FocalLength
		ph.GPS = nil
		if in.GPS != nil {
			ph.GPS = &store.GPS{Lat: in.GPS.Lat, Lon: in.GPS.Lon}
		}
		return
	}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&ph.Format, in.Format)
	fill(&ph.CameraMake, in.CameraMake)
	fill(&ph.CameraModel, in.CameraModel)
	fill(&ph.Lens, in.Lens)
	fill(&ph.ExposureTime, in.ExposureTime)
	if ph.Width == 0 || ph.Height == 0 {
		ph.Width, ph.Height = in.Width, in.Height
	}
	if ph.TakenAt.IsZero() {
		ph.TakenAt = in.TakenAt
	}
	if ph.FNumber == 0 {
		ph.FNumber = in.FNumber
	}
	if ph.ISO == 0 {
		ph.ISO = in.ISO
	}
	if ph.FocalLength == 0 {
		ph.FocalLength = in.FocalLength
	}
	if ph.GPS == nil && in.GPS != nil {
		ph.GPS = &store.GPS{Lat: in.GPS.Lat, Lon: in.GPS.Lon}
	}
}

// handleEmbed computes the CLIP embedding of a processed photo's rendition.
func (p *Pipeline) handleEmbed(ctx context.Context, j store.Job, ph store.Photo) error {
	if ph.RenditionPath == "" {
		return jobs.Permanent(fmt.Errorf("pipeline: photo %d has no rendition to embed", ph.ID))
	}
	work, err := p.workDir()
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	file, err := p.localBlob(ctx, ph.RenditionPath, work)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return jobs.Permanent(fmt.Errorf("pipeline: embed photo %d: %w", ph.ID, err))
		}
		return fmt.Errorf("pipeline: embed photo %d: %w", ph.ID, err)
	}
	img, _, err := photo.Decode(ctx, file, p.opts.Limits)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return jobs.Permanent(fmt.Errorf("pipeline: embed photo %d: %w", ph.ID, err))
	}
	emb := p.embedder.Load()
	if emb == nil {
		return jobs.Snooze(errors.New("pipeline: no CLIP model"), time.Minute)
	}
	vecs, err := emb.EmbedImages(ctx, []image.Image{img})
	if err != nil {
		return fmt.Errorf("pipeline: embed photo %d: %w", ph.ID, err)
	}
	if err := p.db.SaveEmbedding(ctx, store.Embedding{PhotoID: ph.ID, UserID: j.UserID, Model: emb.Name(), Vector: vecs[0]}); err != nil {
		return err
	}
	if p.opts.Index != nil {
		return p.opts.Index.Index(ctx, j.UserID, ph.ID, vecs[0])
	}
	return nil
}

// RemoveUser removes an account with everything it owns (store.DeleteUser)
// and its photos' thumbnails and renditions. It returns how many photos
// went.
func (p *Pipeline) RemoveUser(ctx context.Context, userID int64) (int, error) {
	ids, err := p.db.DeleteUser(ctx, userID)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		p.removeDerived(ctx, userID, id)
	}
	for _, dir := range []string{filepath.Dir(ThumbPath(userID, 0)), filepath.Dir(RenditionPath(userID, 0))} {
		os.Remove(filepath.Join(p.opts.DataDir, dir)) // empty now (a directory store); a leftover file keeps it
	}
	p.log.InfoContext(ctx, "user removed", "user_id", userID, "photos", len(ids))
	return len(ids), nil
}
