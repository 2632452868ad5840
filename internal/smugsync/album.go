package smugsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/store"
)

// AlbumWritesOff is the reason of an AlbumError when the source's owner has
// not switched album writes on (store.WriteBack.Albums).
const AlbumWritesOff = "writes_off"

// AlbumError says why an album could not be made, in a reason the HTTP
// layer maps to a status — AlbumWritesOff, "reconnect", "rate_limited",
// "write_failed" — and a sentence for people. Read it with errors.As on
// interface{ RemoteFailure() (reason, message string, retryAfter time.Duration) }.
type AlbumError struct {
	Reason, Message string
	RetryAfter      time.Duration
	Err             error
}

func (e *AlbumError) Error() string {
	if e.Err != nil {
		return "smugsync: album: " + e.Message + ": " + e.Err.Error()
	}
	return "smugsync: album: " + e.Message
}

// Unwrap returns the cause.
func (e *AlbumError) Unwrap() error { return e.Err }

// RemoteFailure reports the reason, the message and the wait.
func (e *AlbumError) RemoteFailure() (reason, message string, retryAfter time.Duration) {
	return e.Reason, e.Message, e.RetryAfter
}

// CreateAlbum makes a private album named name at the top of the source's
// SmugMug account and collects the photos' images into it (they stay in
// their own albums too), with the source owner's token. It needs the
// owner's opt-in (store.WriteBack.Albums; else AlbumWritesOff and nothing
// is sent) and a token with Add or Modify permission (connections ask for
// Modify). Every attempt that reaches SmugMug is recorded — who (actor),
// when, the album, how many photos were asked for and collected, and the
// result — and returned; a failure is an *AlbumError. photos must be the
// source's own (the caller checked they are the user's).
func (s *Source) CreateAlbum(ctx context.Context, src store.Source, actor, name string, photos []store.Photo) (store.RemoteAlbumWrite, error) {
	if src.Kind != store.SourceSmugMug || !src.WriteBack.Albums {
		return store.RemoteAlbumWrite{}, &AlbumError{Reason: AlbumWritesOff,
			Message: "creating albums on this SmugMug account is switched off; switch it on for the account on the Sources page"}
	}
	ids := make([]int64, len(photos))
	for i, p := range photos {
		ids[i] = p.ID
	}
	refs, err := s.db.RemoteImagesOfPhotos(ctx, src.UserID, src.ID, ids)
	if err != nil {
		return store.RemoteAlbumWrite{}, err
	}
	var uris []string
	for _, p := range photos {
		if ref, ok := refs[p.ID]; ok {
			uris = append(uris, smugmug.AlbumImageURI(ref.AlbumKey, ref.Key, ref.Version))
		}
	}
	rec := store.RemoteAlbumWrite{UserID: src.UserID, SourceID: src.ID, Actor: actor, Name: name, Photos: len(photos), Result: store.RemoteAlbumFailed}
	record := func(err error) (store.RemoteAlbumWrite, error) {
		if err != nil {
			var ae *AlbumError
			if errors.As(err, &ae) {
				rec.Error = ae.Message
			} else {
				rec.Error = err.Error()
			}
		}
		saved, rerr := s.db.RecordRemoteAlbumWrite(context.WithoutCancel(ctx), rec)
		if rerr != nil {
			return rec, errors.Join(err, rerr)
		}
		return saved, err
	}

	client, err := s.client(ctx, src)
	if err != nil {
		return record(s.albumErr(ctx, src, err))
	}
	root, err := client.RootNode(ctx)
	if err != nil {
		return record(s.albumErr(ctx, src, err))
	}
	album, err := s.createUnique(ctx, client, root, name)
	if err != nil {
		return record(s.albumErr(ctx, src, err))
	}
	rec.AlbumKey, rec.WebURL = album.AlbumKey, album.WebURI
	rec.Collected, err = client.CollectImages(ctx, album.URI, uris)
	switch {
	case err != nil:
		rec.Result = store.RemoteAlbumPartial
		return record(s.albumErr(ctx, src, err))
	case rec.Collected < len(photos):
		rec.Result = store.RemoteAlbumPartial
		rec.Error = fmt.Sprintf("%d of the photos are no longer on SmugMug", len(photos)-rec.Collected)
	default:
		rec.Result = store.RemoteAlbumCreated
	}
	s.log.InfoContext(ctx, "smugmug album created", slog.Int64("source_id", src.ID), slog.String("album_key", album.AlbumKey),
		slog.Int("photos", len(photos)), slog.Int("collected", rec.Collected))
	return record(nil)
}

// createUnique creates the album, trying "-2", "-3"… after its URL name
// while SmugMug answers that the name is taken (409: nothing was made).
func (s *Source) createUnique(ctx context.Context, client *smugmug.Client, root, name string) (smugmug.CreatedAlbum, error) {
	base := smugmug.URLNameFor(name)
	for i := 1; ; i++ {
		urlName := base
		if i > 1 {
			suffix := "-" + strconv.Itoa(i)
			urlName = base[:min(len(base), 60-len(suffix))] + suffix
		}
		a, err := client.CreateAlbum(ctx, root, smugmug.NewAlbum{Name: name, URLName: urlName})
		var apiErr *smugmug.APIError
		if i < 10 && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusConflict {
			continue
		}
		return a, err
	}
}

// albumErr turns what SmugMug answered into an AlbumError.
func (s *Source) albumErr(ctx context.Context, src store.Source, err error) error {
	s.log.WarnContext(ctx, "smugmug album not made", slog.Int64("source_id", src.ID), slog.Any("err", err))
	var apiErr *smugmug.APIError
	errors.As(err, &apiErr)
	switch {
	case errors.Is(err, ErrNeedsReconnect):
		return &AlbumError{Reason: "reconnect", Message: UnreadableTokenMessage + " on the Sources page", Err: err}
	case errors.Is(err, smugmug.ErrUnauthorized):
		return &AlbumError{Reason: "reconnect", Message: "SmugMug refused the saved token (it needs permission to add photos): reconnect the account on the Sources page",
			Err: s.needsReconnect(context.WithoutCancel(ctx), src, ReconnectMessage, err)}
	case apiErr != nil && apiErr.StatusCode == http.StatusTooManyRequests:
		return &AlbumError{Reason: "rate_limited", Message: "SmugMug asks TargetVision to slow down; try again shortly",
			RetryAfter: max(apiErr.RetryAfter, time.Second), Err: err}
	case apiErr != nil:
		return &AlbumError{Reason: "write_failed", Message: fmt.Sprintf("SmugMug refused the album (%d %s)", apiErr.StatusCode, apiErr.Message), Err: err}
	}
	return &AlbumError{Reason: "write_failed", Message: "SmugMug did not answer; check the account on SmugMug before trying again, the album may have been made", Err: err}
}
