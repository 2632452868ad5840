package smugsync

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/store"
)

// syncStore is smugmug.Store over the store's source-neutral remote rows:
// the one place SmugMug's meaning (AlbumKey, Serial, ArchivedMD5, "0,0 is
// no location", the md5: content hash) meets persistence.
type syncStore struct{ r *store.RemoteSource }

// newSyncStore binds the SmugMug sync store to one source.
func newSyncStore(db *store.DB, src store.Source) syncStore { return syncStore{db.Remote(src)} }

var _ smugmug.Store = syncStore{}

// LoadCursor implements smugmug.Store: the cursor is the source's sync
// state, as JSON.
func (s syncStore) LoadCursor(ctx context.Context) (smugmug.Cursor, error) {
	var c smugmug.Cursor
	raw, err := s.r.Cursor(ctx)
	if err != nil || len(raw) == 0 {
		return c, err
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return smugmug.Cursor{}, fmt.Errorf("smugsync: cursor: %w", err)
	}
	return c, nil
}

// SaveCursor implements smugmug.Store.
func (s syncStore) SaveCursor(ctx context.Context, c smugmug.Cursor) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("smugsync: cursor: %w", err)
	}
	return s.r.SetCursor(ctx, b)
}

// UpsertAlbum implements smugmug.Store: an album changed when its settings
// or its images did.
func (s syncStore) UpsertAlbum(ctx context.Context, a smugmug.Album) error {
	updated := a.LastUpdated
	if a.ImagesLastUpdated.After(updated) {
		updated = a.ImagesLastUpdated
	}
	return s.r.UpsertAlbum(ctx, store.RemoteAlbum{Key: a.AlbumKey, Name: a.Name, WebURL: a.WebURI, UpdatedAt: updated})
}

// AlbumKeys implements smugmug.Store.
func (s syncStore) AlbumKeys(ctx context.Context) ([]string, error) { return s.r.AlbumKeys(ctx) }

// DeleteAlbum implements smugmug.Store.
func (s syncStore) DeleteAlbum(ctx context.Context, albumKey string) error {
	return s.r.DeleteAlbum(ctx, albumKey)
}

// AlbumImageKeys implements smugmug.Store.
func (s syncStore) AlbumImageKeys(ctx context.Context, albumKey string) ([]string, error) {
	return s.r.AlbumImageKeys(ctx, albumKey)
}

// DeleteImages implements smugmug.Store.
func (s syncStore) DeleteImages(ctx context.Context, albumKey string, imageKeys []string) (int, error) {
	return s.r.DeleteImages(ctx, albumKey, imageKeys)
}

// UpsertImages implements smugmug.Store.
func (s syncStore) UpsertImages(ctx context.Context, images []smugmug.Image) ([]smugmug.ImageBefore, error) {
	rows := make([]store.RemoteImage, len(images))
	for i, im := range images {
		rows[i] = remoteImage(im)
	}
	before, err := s.r.UpsertImages(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]smugmug.ImageBefore, len(before))
	for i, b := range before {
		out[i] = smugmug.ImageBefore{AlbumKey: b.AlbumKey, Deleted: b.Deleted}
	}
	return out, nil
}

// remoteImage is a listed SmugMug image as the store keeps it. Its content
// hash is the archived original's MD5 when SmugMug gives it (the same
// photo in another source or account is then recognised, and not paid for
// twice), else the image's key and serial.
func remoteImage(im smugmug.Image) store.RemoteImage {
	r := store.RemoteImage{Key: im.ImageKey, AlbumKey: im.AlbumKey, Version: im.Serial, MD5: im.MD5,
		ContentHash: "md5:" + im.MD5, FileName: im.FileName, Title: im.Title, Caption: im.Caption, Keywords: im.Keywords,
		Taken: im.Taken, Width: im.Width, Height: im.Height, Size: im.Size, Format: im.Format, LastUpdated: im.LastUpdated,
		URI: im.URI, AnalysisURL: im.Analysis.URL, WebURL: im.WebURL, OriginalURL: im.ArchivedURL}
	if im.MD5 == "" {
		r.ContentHash = fmt.Sprintf("smugmug:%s-%d", im.ImageKey, im.Serial)
	}
	if im.HasLocation {
		r.GPS = &store.GPS{Lat: im.Latitude, Lon: im.Longitude}
	}
	return r
}
