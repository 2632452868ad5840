package smugsync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/store"
)

// DefaultMaxOriginalBytes caps one original streamed from SmugMug when
// Source.MaxOriginalBytes is unset. SmugMug takes photos of up to 500 MB;
// a declared size above the cap is refused before a byte is sent.
const DefaultMaxOriginalBytes = 1 << 30

// originalStartTimeout bounds how long SmugMug may take to start sending
// an original (retries included): a person is waiting for the download.
const originalStartTimeout = 30 * time.Second

// Why an original cannot be sent: the reasons of OriginalError.
const (
	// OriginalNotRecorded: the photo was synced before TargetVision kept
	// SmugMug originals' addresses; the next sync that lists its album
	// (a deep sync, daily by default, or `sync --full`) records it.
	OriginalNotRecorded = "not_recorded"
	// OriginalNotOffered: SmugMug lists no original for this connection
	// (the owner turned off original downloads, or the connection has
	// only public access).
	OriginalNotOffered = "not_offered"
	// OriginalGone: SmugMug no longer has the photo.
	OriginalGone = "gone"
	// OriginalReconnect: SmugMug refused the source's token.
	OriginalReconnect = "reconnect"
	// OriginalRateLimited: SmugMug asks to wait (RetryAfter).
	OriginalRateLimited = "rate_limited"
	// OriginalUnavailableUpstream: SmugMug failed or did not answer in time.
	OriginalUnavailableUpstream = "unavailable"
	// OriginalTooLarge: the original is over the cap.
	OriginalTooLarge = "too_large"
)

// OriginalError says why a SmugMug original cannot be sent: a Reason (one
// of the Original* constants) and a sentence for people. Callers outside
// this package read it with errors.As on
// interface{ RemoteFailure() (reason, message string, retryAfter time.Duration) }.
type OriginalError struct {
	Reason, Message string
	// RetryAfter is how long SmugMug asked to wait (OriginalRateLimited).
	RetryAfter time.Duration
	Err        error
}

func (e *OriginalError) Error() string {
	if e.Err != nil {
		return "smugsync: original: " + e.Message + ": " + e.Err.Error()
	}
	return "smugsync: original: " + e.Message
}

// Unwrap returns the cause.
func (e *OriginalError) Unwrap() error { return e.Err }

// OriginalUnavailable reports the reason, the message and the wait.
func (e *OriginalError) RemoteFailure() (reason, message string, retryAfter time.Duration) {
	return e.Reason, e.Message, e.RetryAfter
}

// OpenOriginal starts streaming photo p's untouched original from SmugMug
// (the ArchivedUri its sync recorded), signed with the source owner's
// token, through this server: the browser never sees the token or a
// signed URL. It returns the body (closed by the caller; it fails past
// the cap) and the size SmugMug declared (-1 when it did not). Failures
// are *OriginalError; a refused token also marks the source
// needs_reconnect, as a sync would.
func (s *Source) OpenOriginal(ctx context.Context, src store.Source, p store.Photo) (io.ReadCloser, int64, error) {
	ref, err := s.db.RemoteImage(ctx, src.UserID, src.ID, p.SourceKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, &OriginalError{Reason: OriginalGone, Message: "SmugMug no longer lists this photo; the next sync removes it", Err: err}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("smugsync: original of photo %d: %w", p.ID, err)
	}
	switch {
	case !ref.OriginalKnown:
		return nil, 0, &OriginalError{Reason: OriginalNotRecorded, Message: "this photo was synced before TargetVision kept SmugMug originals; " +
			"the next full sync of its account (daily, or Sync with --full) makes it downloadable"}
	case ref.OriginalURL == "":
		return nil, 0, &OriginalError{Reason: OriginalNotOffered, Message: "SmugMug does not offer this photo's original to TargetVision " +
			"(its owner may have turned off original downloads); download it on SmugMug"}
	}
	client, err := s.originalClient(ctx, src)
	if err != nil {
		if errors.Is(err, ErrNeedsReconnect) {
			return nil, 0, &OriginalError{Reason: OriginalReconnect, Message: UnreadableTokenMessage + " on the Sources page", Err: err}
		}
		return nil, 0, err
	}
	// The start of the answer is bounded; the stream itself is the
	// caller's to bound (its request's context).
	ctx, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(originalStartTimeout, cancel)
	m, err := client.OpenMedia(ctx, ref.OriginalURL, cmp.Or(s.MaxOriginalBytes, DefaultMaxOriginalBytes))
	inTime := timer.Stop()
	if err != nil {
		cancel()
		if !inTime {
			err = fmt.Errorf("%w (no answer within %s)", context.DeadlineExceeded, originalStartTimeout)
		}
		return nil, 0, s.originalErr(ctx, src, p, err)
	}
	return &cancelCloser{ReadCloser: m.Body, cancel: cancel}, m.Size, nil
}

// originalClient is the source's client with fewer, shorter retries than a
// sync's: a person is waiting.
func (s *Source) originalClient(ctx context.Context, src store.Source) (*smugmug.Client, error) {
	cfg := s.cfg
	cfg.MaxAttempts = min(cmp.Or(cfg.MaxAttempts, 2), 2)
	cfg.MaxRetryDelay = min(cmp.Or(cfg.MaxRetryDelay, 5*time.Second), 5*time.Second)
	tok, err := openToken(s.box, src)
	if err != nil {
		return nil, s.needsReconnect(ctx, src, UnreadableTokenMessage, err)
	}
	c, err := smugmug.NewClient(cfg, tok)
	if err != nil {
		return nil, fmt.Errorf("smugsync: %w", err)
	}
	return c, nil
}

// originalErr turns what SmugMug answered into an OriginalError.
func (s *Source) originalErr(ctx context.Context, src store.Source, p store.Photo, err error) error {
	s.log.WarnContext(ctx, "smugmug original not sent", slog.Int64("source_id", src.ID), slog.Int64("photo_id", p.ID), slog.Any("err", err))
	var apiErr *smugmug.APIError
	errors.As(err, &apiErr)
	switch {
	case errors.Is(err, smugmug.ErrUnauthorized):
		return &OriginalError{Reason: OriginalReconnect, Message: ReconnectMessage + " on the Sources page",
			Err: s.needsReconnect(context.WithoutCancel(ctx), src, ReconnectMessage, err)}
	case errors.Is(err, smugmug.ErrTooLarge):
		return &OriginalError{Reason: OriginalTooLarge, Message: fmt.Sprintf("this original is larger than the %d MB this server streams; download it on SmugMug",
			cmp.Or(s.MaxOriginalBytes, DefaultMaxOriginalBytes)>>20), Err: err}
	case errors.Is(err, smugmug.ErrNotImage):
		return &OriginalError{Reason: OriginalUnavailableUpstream, Message: "SmugMug answered with something that is not the photo", Err: err}
	case apiErr != nil && apiErr.StatusCode == http.StatusNotFound:
		return &OriginalError{Reason: OriginalGone, Message: "SmugMug no longer has this photo; the next sync removes it", Err: err}
	case apiErr != nil && apiErr.StatusCode == http.StatusForbidden:
		return &OriginalError{Reason: OriginalNotOffered, Message: "SmugMug refused to send this photo's original to TargetVision; download it on SmugMug", Err: err}
	case apiErr != nil && apiErr.StatusCode == http.StatusTooManyRequests:
		return &OriginalError{Reason: OriginalRateLimited, Message: "SmugMug asks TargetVision to slow down; try again shortly",
			RetryAfter: max(apiErr.RetryAfter, time.Second), Err: err}
	}
	return &OriginalError{Reason: OriginalUnavailableUpstream, Message: "SmugMug did not send the original; try again later", Err: err}
}

// cancelCloser ends the download's context when the body is closed.
type cancelCloser struct {
	io.ReadCloser
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelCloser) Close() error {
	err := c.ReadCloser.Close()
	c.once.Do(c.cancel)
	return err
}
