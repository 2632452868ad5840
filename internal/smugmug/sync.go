package smugmug

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"
)

// Store is what the Syncer needs from the database, for ONE source: the
// caller binds its store to the source's id (e.g. a small adapter struct).
// Keys are SmugMug's AlbumKey and ImageKey, unique within a source.
//
// Deletes are soft: a "deleted" mark that a later upsert of the same key
// clears. Every method must be idempotent, because a sync that crashed is
// simply run again and repeats the calls of the album it was in.
type Store interface {
	// LoadCursor returns the cursor last saved for the source, or the zero
	// Cursor (and a nil error) when none was ever saved.
	LoadCursor(ctx context.Context) (Cursor, error)
	// SaveCursor durably replaces the source's cursor. The Syncer calls it
	// after each album it completes and at the end of a sync; everything
	// it stored before the call must be durable when the call returns.
	// Cursor is plain data and round-trips through encoding/json.
	SaveCursor(ctx context.Context, c Cursor) error

	// UpsertAlbum inserts the album or updates every field of the album
	// with the same AlbumKey, and clears its deleted mark.
	UpsertAlbum(ctx context.Context, a Album) error
	// AlbumKeys returns the keys of the source's albums not marked deleted.
	AlbumKeys(ctx context.Context) ([]string, error)
	// DeleteAlbum marks the album deleted (unknown keys are a no-op). The
	// Syncer deletes the album's images first with DeleteImages.
	DeleteAlbum(ctx context.Context, albumKey string) error

	// UpsertImages inserts each image or updates every field of the image
	// with the same ImageKey (AlbumKey included: that is how a move is
	// stored) and clears its deleted mark, preferably in one transaction.
	// It returns, for each image in order, the row as it was before the
	// call: its AlbumKey and deleted mark, or the zero ImageBefore if the
	// image was unknown. The store decides from the changed fields
	// (LastUpdated, Serial, MD5) whether the photo needs analysing again;
	// the Syncer passes every listed image, changed or not.
	UpsertImages(ctx context.Context, images []Image) ([]ImageBefore, error)
	// AlbumImageKeys returns the keys of the images not marked deleted
	// whose AlbumKey is albumKey.
	AlbumImageKeys(ctx context.Context, albumKey string) ([]string, error)
	// DeleteImages marks deleted each listed image whose AlbumKey is still
	// albumKey (an image meanwhile upserted into another album is left
	// alone) and returns how many it marked.
	DeleteImages(ctx context.Context, albumKey string, imageKeys []string) (int, error)
}

// ImageBefore is the stored state of an image before an upsert.
type ImageBefore struct {
	AlbumKey string // "" when the image was unknown
	Deleted  bool
}

// Cursor is a source's sync state, owned by the Syncer and stored by the
// Store as an opaque value (e.g. a JSON column).
type Cursor struct {
	// NickName of the account, cached to save a request per sync.
	NickName string `json:"nick_name,omitempty"`
	// Albums holds, per AlbumKey, the album as last seen by a sync that
	// completed its images.
	Albums map[string]AlbumCursor `json:"albums,omitempty"`
	// DeepStarted is set while a deep sync (every album re-listed) is in
	// progress, so a resumed deep sync skips the albums it already did.
	DeepStarted time.Time `json:"deep_started,omitzero"`
	// LastDeep is when the last completed deep sync started.
	LastDeep time.Time `json:"last_deep,omitzero"`
	// LastSync is when the last completed sync started.
	LastSync time.Time `json:"last_sync,omitzero"`
}

// AlbumCursor is what the Syncer compares to decide an album is unchanged.
type AlbumCursor struct {
	LastUpdated       time.Time `json:"last_updated"`
	ImagesLastUpdated time.Time `json:"images_last_updated"`
	ImageCount        int       `json:"image_count"`
	Name              string    `json:"name,omitempty"`
	URLPath           string    `json:"url_path,omitempty"`
	SyncedAt          time.Time `json:"synced_at"`
}

func albumCursor(a Album, at time.Time) AlbumCursor {
	return AlbumCursor{
		LastUpdated: a.LastUpdated, ImagesLastUpdated: a.ImagesLastUpdated, ImageCount: a.ImageCount,
		Name: a.Name, URLPath: a.URLPath, SyncedAt: at,
	}
}

// unchanged compares exactly (spec §7: bulk operations stamp many albums
// with one time, so "newer than the cursor" alone is not enough).
func (ac AlbumCursor) unchanged(a Album) bool {
	return ac.LastUpdated.Equal(a.LastUpdated) && ac.ImagesLastUpdated.Equal(a.ImagesLastUpdated) &&
		ac.ImageCount == a.ImageCount && ac.Name == a.Name && ac.URLPath == a.URLPath
}

// Progress is reported after the album list and after each album.
type Progress struct {
	AlbumsDone  int // albums handled (synced or skipped as unchanged)
	AlbumsTotal int
	ImagesSeen  int    // images listed so far in this sync
	Album       string // name of the album just handled
}

// SyncResult summarises one sync.
type SyncResult struct {
	Deep              bool // every album was re-listed
	Albums            int  // albums on SmugMug
	AlbumsSynced      int  // albums whose images were listed
	AlbumsSkipped     int  // unchanged since the last sync
	AlbumsDeleted     int
	Images            int // images listed and upserted
	ImagesNew         int
	ImagesMoved       int // now in another album than before
	ImagesDeleted     int // gone from SmugMug
	VideosSkipped     int // videos are not indexed
	ProcessingSkipped int // still processing on SmugMug; picked up next sync
}

// SyncerConfig configures a Syncer.
type SyncerConfig struct {
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Progress, if set, is called from the syncing goroutine.
	Progress func(Progress)
	// DeepEvery is how often a sync re-lists every album regardless of
	// album timestamps, to catch owner edits to image text that SmugMug
	// does not reflect in the album's timestamps (spec §7). Default 24h;
	// negative disables automatic deep syncs (SyncOptions.Deep still works).
	DeepEvery time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// SyncOptions are per-run options.
type SyncOptions struct {
	// Deep re-lists the images of every album (sync --full).
	Deep bool
}

// Syncer mirrors one SmugMug account into a Store incrementally: albums
// whose timestamps, image count, name and path are unchanged since the last
// sync are not listed again, so an unchanged library costs one request per
// 100 albums. It detects new, changed, moved and deleted images and deleted
// albums, and it is resumable: the cursor is saved after every album, so a
// sync that failed or was cancelled continues where it stopped, and running
// it twice never duplicates anything.
type Syncer struct {
	client *Client
	store  Store
	cfg    SyncerConfig
}

// NewSyncer returns a Syncer; run at most one Sync per source at a time.
func NewSyncer(client *Client, store Store, cfg SyncerConfig) *Syncer {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.DeepEvery = cmp.Or(cfg.DeepEvery, 24*time.Hour)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Syncer{client: client, store: store, cfg: cfg}
}

const upsertBatch = 500

// Sync runs one sync. On error the work done so far is kept and the next
// Sync resumes; errors.Is(err, ErrUnauthorized) means the token was revoked.
func (s *Syncer) Sync(ctx context.Context, opts SyncOptions) (SyncResult, error) {
	var res SyncResult
	log := s.cfg.Logger
	cur, err := s.store.LoadCursor(ctx)
	if err != nil {
		return res, fmt.Errorf("smugmug: sync: load cursor: %w", err)
	}
	if cur.Albums == nil {
		cur.Albums = map[string]AlbumCursor{}
	}
	started := s.cfg.Now().UTC()
	if cur.NickName == "" {
		me, err := s.client.AuthUser(ctx)
		if err != nil {
			return res, fmt.Errorf("smugmug: sync: %w", err)
		}
		cur.NickName = me.NickName
	}
	albums, err := s.client.Albums(ctx, cur.NickName)
	if IsNotFound(err) {
		// The cached nickname may have been changed by the user.
		me, err2 := s.client.AuthUser(ctx)
		if err2 != nil {
			return res, fmt.Errorf("smugmug: sync: %w", err2)
		}
		cur.NickName = me.NickName
		albums, err = s.client.Albums(ctx, cur.NickName)
	}
	if err != nil {
		return res, fmt.Errorf("smugmug: sync: %w", err)
	}

	res.Deep = opts.Deep || !cur.DeepStarted.IsZero() ||
		(s.cfg.DeepEvery > 0 && started.Sub(cur.LastDeep) >= s.cfg.DeepEvery)
	if res.Deep && cur.DeepStarted.IsZero() {
		cur.DeepStarted = started
	}
	res.Albums = len(albums)
	log.InfoContext(ctx, "smugmug sync started", slog.String("nickname", cur.NickName),
		slog.Int("albums", len(albums)), slog.Bool("deep", res.Deep))
	report := func(done int, name string) {
		if s.cfg.Progress != nil {
			s.cfg.Progress(Progress{AlbumsDone: done, AlbumsTotal: len(albums), ImagesSeen: res.Images, Album: name})
		}
	}
	report(0, "")

	run := &albumRun{seen: map[string]string{}, deletedFrom: map[string]string{}, unchanged: map[string]bool{}}
	for _, a := range albums {
		prev, known := cur.Albums[a.AlbumKey]
		if known && prev.unchanged(a) && !(res.Deep && prev.SyncedAt.Before(cur.DeepStarted)) {
			run.unchanged[a.AlbumKey] = true
		}
	}
	for i, a := range albums {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("smugmug: sync: %w", err)
		}
		if run.unchanged[a.AlbumKey] {
			res.AlbumsSkipped++
			report(i+1, a.Name)
			continue
		}
		complete, err := s.syncAlbum(ctx, a, run, &res)
		if err != nil {
			return res, fmt.Errorf("smugmug: sync album %s: %w", a.AlbumKey, err)
		}
		res.AlbumsSynced++
		if complete {
			cur.Albums[a.AlbumKey] = albumCursor(a, started)
		} else {
			delete(cur.Albums, a.AlbumKey) // list it again next time
		}
		if err := s.store.SaveCursor(ctx, cur); err != nil {
			return res, fmt.Errorf("smugmug: sync: save cursor: %w", err)
		}
		report(i+1, a.Name)
	}

	// Albums gone from a complete listing are deleted, after every listed
	// album is done so images moved out of them were upserted first.
	listed := make(map[string]bool, len(albums))
	for _, a := range albums {
		listed[a.AlbumKey] = true
	}
	stored, err := s.store.AlbumKeys(ctx)
	if err != nil {
		return res, fmt.Errorf("smugmug: sync: album keys: %w", err)
	}
	gone := map[string]bool{}
	for _, k := range stored {
		gone[k] = true
	}
	for k := range cur.Albums {
		gone[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(gone)) {
		if listed[k] {
			continue
		}
		keys, err := s.store.AlbumImageKeys(ctx, k)
		if err != nil {
			return res, fmt.Errorf("smugmug: sync: images of deleted album %s: %w", k, err)
		}
		n, err := s.store.DeleteImages(ctx, k, keys)
		if err != nil {
			return res, fmt.Errorf("smugmug: sync: delete images of album %s: %w", k, err)
		}
		if err := s.store.DeleteAlbum(ctx, k); err != nil {
			return res, fmt.Errorf("smugmug: sync: delete album %s: %w", k, err)
		}
		res.ImagesDeleted += n
		res.AlbumsDeleted++
		delete(cur.Albums, k)
	}

	if res.Deep {
		cur.LastDeep, cur.DeepStarted = cur.DeepStarted, time.Time{}
	}
	cur.LastSync = started
	if err := s.store.SaveCursor(ctx, cur); err != nil {
		return res, fmt.Errorf("smugmug: sync: save cursor: %w", err)
	}
	log.InfoContext(ctx, "smugmug sync finished", slog.String("nickname", cur.NickName),
		slog.Int("albums_synced", res.AlbumsSynced), slog.Int("albums_skipped", res.AlbumsSkipped),
		slog.Int("albums_deleted", res.AlbumsDeleted), slog.Int("images", res.Images),
		slog.Int("images_new", res.ImagesNew), slog.Int("images_moved", res.ImagesMoved),
		slog.Int("images_deleted", res.ImagesDeleted), slog.Int("videos_skipped", res.VideosSkipped))
	return res, nil
}

// albumRun is the state of one sync shared across albums.
type albumRun struct {
	seen        map[string]string // ImageKey → album it was listed in during this run
	deletedFrom map[string]string // ImageKey → album it was deleted from during this run
	unchanged   map[string]bool   // albums skipped in this run
}

// syncAlbum lists one album's images into the store. complete is false
// when some images were still processing and the album must be listed
// again next time.
func (s *Syncer) syncAlbum(ctx context.Context, a Album, run *albumRun, res *SyncResult) (complete bool, err error) {
	imgs, err := s.client.AlbumImages(ctx, a.AlbumKey)
	if IsNotFound(err) {
		// Deleted since the album list; the next listing drops it.
		s.cfg.Logger.WarnContext(ctx, "smugmug album vanished during sync", slog.String("album_key", a.AlbumKey))
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := s.store.UpsertAlbum(ctx, a); err != nil {
		return false, fmt.Errorf("upsert album: %w", err)
	}
	complete = true
	listed := make(map[string]bool, len(imgs))
	batch := make([]Image, 0, len(imgs))
	for _, im := range imgs {
		listed[im.ImageKey] = true
		switch {
		case im.IsVideo:
			res.VideosSkipped++
			s.cfg.Logger.DebugContext(ctx, "smugmug video skipped", slog.String("image_key", im.ImageKey))
			continue
		case im.Processing:
			res.ProcessingSkipped++
			complete = false
			continue
		}
		if other, dup := run.seen[im.ImageKey]; dup && other != a.AlbumKey {
			continue // in several albums: the first album listed keeps it
		}
		run.seen[im.ImageKey] = a.AlbumKey
		batch = append(batch, im)
	}
	for chunk := range slices.Chunk(batch, upsertBatch) {
		prevs, err := s.store.UpsertImages(ctx, chunk)
		if err != nil {
			return false, fmt.Errorf("upsert images: %w", err)
		}
		if len(prevs) != len(chunk) {
			return false, fmt.Errorf("upsert images: store returned %d previous albums for %d images", len(prevs), len(chunk))
		}
		var keep []Image
		for i, before := range prevs {
			key, p := chunk[i].ImageKey, before.AlbumKey
			switch {
			case p == "":
				res.ImagesNew++
			case p != a.AlbumKey && !before.Deleted && run.unchanged[p]:
				// Its album did not change, so the image did not leave
				// it: it is in both albums (collected). It stays where
				// it was.
				im := chunk[i]
				im.AlbumKey = p
				keep = append(keep, im)
			case p != a.AlbumKey:
				res.ImagesMoved++
				if run.deletedFrom[key] == p {
					res.ImagesDeleted-- // deleted from its old album earlier in this run: a move, not a delete
					delete(run.deletedFrom, key)
				}
			}
		}
		if len(keep) > 0 {
			if _, err := s.store.UpsertImages(ctx, keep); err != nil {
				return false, fmt.Errorf("upsert images: %w", err)
			}
		}
		res.Images += len(chunk)
	}
	known, err := s.store.AlbumImageKeys(ctx, a.AlbumKey)
	if err != nil {
		return false, fmt.Errorf("album image keys: %w", err)
	}
	var gone []string
	for _, k := range known {
		if !listed[k] {
			gone = append(gone, k)
		}
	}
	if len(gone) > 0 {
		n, err := s.store.DeleteImages(ctx, a.AlbumKey, gone)
		if err != nil {
			return false, fmt.Errorf("delete images: %w", err)
		}
		res.ImagesDeleted += n
		for _, k := range gone {
			run.deletedFrom[k] = a.AlbumKey
		}
	}
	return complete, nil
}
