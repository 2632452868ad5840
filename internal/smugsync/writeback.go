package smugsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/store"
)

// ErrWriteBackDisabled means the source has not opted in to write-back.
var ErrWriteBackDisabled = errors.New("smugsync: write-back is not enabled for this source")

// WriteBack merges generated keywords and a caption into the photo's image
// on SmugMug as the source's write-back choice (store.WriteBack) allows: keywords are appended to the
// owner's (never replacing or removing any), the caption is set only where
// the owner left none, and a dry run changes nothing. Every call that
// reaches SmugMug is recorded (store.RemoteWrites) with the text before and
// after; a real write also updates the photo row and the image's
// LastUpdated, so the next sync neither re-analyses the photo nor takes the
// edit for the owner's. A 401 here usually means the account was connected
// with Read permission: reconnect it to allow writes. Errors that retrying
// cannot fix (not opted in, photo or image gone, write refused) are
// jobs.Permanent; errors.Is still sees ErrWriteBackDisabled,
// store.ErrNotFound and smugmug.ErrUnauthorized through them.
func (s *Source) WriteBack(ctx context.Context, src store.Source, photoID int64, keywords []string, caption string) (smugmug.WriteRecord, error) {
	set := src.WriteBack
	if !set.On() {
		return smugmug.WriteRecord{}, jobs.Permanent(ErrWriteBackDisabled)
	}
	p, err := s.db.Photo(ctx, src.UserID, photoID)
	if err == nil && p.SourceID != src.ID {
		err = fmt.Errorf("photo %d is not in source %d: %w", photoID, src.ID, store.ErrNotFound)
	}
	var ref store.RemoteImageRef
	if err == nil {
		ref, err = s.db.RemoteImage(ctx, src.UserID, src.ID, p.SourceKey)
	}
	if errors.Is(err, store.ErrNotFound) {
		return smugmug.WriteRecord{}, jobs.Permanent(fmt.Errorf("smugsync: write-back: %w", err))
	}
	if err != nil {
		return smugmug.WriteRecord{}, fmt.Errorf("smugsync: write-back: %w", err)
	}
	var sug smugmug.Suggestion
	if set.Keywords {
		sug.Keywords = keywords
	}
	if set.Captions {
		sug.Caption = caption
	}
	client, err := s.client(ctx, src)
	if err != nil {
		return smugmug.WriteRecord{}, err
	}
	rec, err := client.WriteBack(ctx, ref.URI, sug, set.DryRun)
	if err != nil {
		if errors.Is(err, smugmug.ErrUnauthorized) {
			return rec, jobs.Permanent(fmt.Errorf("smugsync: write-back refused; reconnect the account with Modify permission: %w", err))
		}
		if smugmug.IsNotFound(err) {
			return rec, jobs.Permanent(fmt.Errorf("smugsync: write-back photo %d: %w", photoID, err))
		}
		return rec, fmt.Errorf("smugsync: write-back photo %d: %w", photoID, err)
	}
	if rec.Written {
		if err := s.db.RemoteWroteBack(ctx, src.UserID, src.ID, ref.Key, rec.After.Caption, rec.After.Keywords, rec.LastUpdated); err != nil {
			return rec, fmt.Errorf("smugsync: write-back photo %d: %w", photoID, err)
		}
	}
	_, err = s.db.RecordRemoteWrite(ctx, store.RemoteWrite{
		UserID: src.UserID, SourceID: src.ID, PhotoID: photoID, ImageKey: ref.Key,
		Before: store.RemoteText(rec.Before), After: store.RemoteText(rec.After), Fields: rec.Fields, DryRun: rec.DryRun, Written: rec.Written,
	})
	if err != nil {
		return rec, fmt.Errorf("smugsync: write-back photo %d: %w", photoID, err)
	}
	return rec, nil
}
