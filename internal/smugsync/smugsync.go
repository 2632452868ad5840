// Package smugsync wires SmugMug into TargetVision: it connects accounts
// (the CLI's PIN flow and the web redirect flow) and keeps their OAuth tokens
// sealed in the sources table, syncs a SmugMug source into the store with
// smugmug.Syncer for the pipeline (pipeline.RemoteSource), fetches each
// photo's analysis rendition, and writes generated keywords and captions back
// when the source opted in, recording every write for review.
//
// Package smugmug speaks the API; package store keeps the rows; this package
// is the glue between them and the rest of the product.
package smugsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/secret"
	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/source"
	"github.com/targetvision/targetvision/internal/store"
)

// BoxPurpose is the secret.Box purpose of sealed SmugMug tokens.
const BoxPurpose = "smugmug-token"

// MaxDownloadBytes caps one rendition download. A ≤2200 px JPEG is a few
// megabytes; anything near this is not what was asked for.
const MaxDownloadBytes = 50 << 20

// ReconnectMessage is the source's last_error when SmugMug refuses its token.
const ReconnectMessage = "SmugMug refused the saved token; reconnect the account"

// UnreadableTokenMessage is the source's last_error when its stored token
// is missing or cannot be opened (SECRET_KEY changed).
const UnreadableTokenMessage = "The saved SmugMug token cannot be read (was SECRET_KEY changed?); reconnect the account"

// ErrNeedsReconnect reports that the source's token is missing, unreadable
// (the secret key changed) or refused by SmugMug: the user must connect the
// account again. Errors carrying it are also jobs.Permanent.
var ErrNeedsReconnect = errors.New("smugsync: source needs to be reconnected")

// ClientConfig turns the product configuration into the SmugMug client's.
// A SMUGMUG_API_BASE without a path (the default https://api.smugmug.com)
// gets SmugMug's /api/v2 root appended. Connections ask for Modify
// permission, so write-back can be switched on later without reconnecting.
func ClientConfig(c config.Config) smugmug.Config {
	base := strings.TrimRight(c.SmugMugAPIBase, "/")
	if u, err := url.Parse(base); err == nil && u.Host != "" && u.Path == "" {
		base += "/api/v2"
	}
	return smugmug.Config{
		APIKey:            c.SmugMugAPIKey,
		APISecret:         c.SmugMugAPISecret,
		APIBase:           base,
		OAuthBase:         c.SmugMugOAuthBase,
		Permissions:       smugmug.PermissionModify,
		RequestsPerMinute: c.SmugMugRPM,
	}
}

// NewBox makes the box that seals SmugMug tokens from the master secret
// (config.Config.Secret()).
func NewBox(master []byte) (*secret.Box, error) {
	b, err := secret.NewBox(master, BoxPurpose)
	if err != nil {
		return nil, fmt.Errorf("smugsync: %w", err)
	}
	return b, nil
}

// Source syncs and fetches SmugMug sources for the pipeline and writes back
// to them. It is safe for concurrent use; run at most one Sync per source at
// a time (the pipeline's sync jobs are de-duplicated per source).
type Source struct {
	db  *store.DB
	box *secret.Box
	cfg smugmug.Config
	log *slog.Logger

	// DeepEvery is how often a sync re-lists every album to catch owner
	// edits SmugMug does not reflect in album timestamps; see
	// smugmug.SyncerConfig. Default 24h.
	DeepEvery time.Duration
	// MaxOriginalBytes caps one original OpenOriginal streams; default
	// DefaultMaxOriginalBytes.
	MaxOriginalBytes int64
}

// New returns the SmugMug implementation of pipeline.RemoteSource. box seals
// tokens (see NewBox); cfg is usually ClientConfig(config) with the budget
// of the deployment (cfg.Budget: the store's buckets when processes share a
// Postgres; default buckets of this Source); logger may be nil.
func New(db *store.DB, box *secret.Box, cfg smugmug.Config, logger *slog.Logger) *Source {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Logger == nil {
		cfg.Logger = logger
	}
	if cfg.Budget == nil {
		// Every client this source makes shares one budget per account.
		cfg.Budget = ratelimit.NewLocal(0, nil)
	}
	return &Source{db: db, box: box, cfg: cfg, log: logger}
}

// sealedToken is the plaintext of a stored token.
type sealedToken struct {
	Token  string `json:"t"`
	Secret string `json:"s"`
}

func tokenAD(sourceID int64) []byte { return []byte(strconv.FormatInt(sourceID, 10)) }

func sealToken(box *secret.Box, sourceID int64, tok smugmug.Token) []byte {
	b, _ := json.Marshal(sealedToken{Token: tok.Token, Secret: tok.Secret}) // strings always marshal
	return box.Seal(b, tokenAD(sourceID))
}

func openToken(box *secret.Box, src store.Source) (smugmug.Token, error) {
	if len(src.Token) == 0 {
		return smugmug.Token{}, fmt.Errorf("smugsync: source %d has no token", src.ID)
	}
	b, err := box.Open(src.Token, tokenAD(src.ID))
	if err != nil {
		return smugmug.Token{}, fmt.Errorf("smugsync: source %d token: %w", src.ID, err)
	}
	var t sealedToken
	if err := json.Unmarshal(b, &t); err != nil || t.Token == "" {
		return smugmug.Token{}, fmt.Errorf("smugsync: source %d token is malformed", src.ID)
	}
	return smugmug.Token{Token: t.Token, Secret: t.Secret}, nil
}

// client opens the source's token and builds an API client for it.
func (s *Source) client(ctx context.Context, src store.Source) (*smugmug.Client, error) {
	if src.Kind != store.SourceSmugMug {
		return nil, jobs.Permanent(fmt.Errorf("smugsync: source %d is a %s source", src.ID, src.Kind))
	}
	tok, err := openToken(s.box, src)
	if err != nil {
		return nil, s.needsReconnect(ctx, src, UnreadableTokenMessage, err)
	}
	cfg := s.cfg
	cfg.Account = src.Name // the nickname: every connection of the account shares its budget
	c, err := smugmug.NewClient(cfg, tok)
	if err != nil {
		return nil, jobs.Permanent(fmt.Errorf("smugsync: %w", err))
	}
	return c, nil
}

// needsReconnect records that the source must be connected again and
// returns err as a permanent job error carrying ErrNeedsReconnect.
func (s *Source) needsReconnect(ctx context.Context, src store.Source, message string, err error) error {
	s.log.WarnContext(ctx, "smugmug source needs reconnecting", slog.Int64("source_id", src.ID), slog.Any("err", err))
	if serr := s.db.SetSourceStatus(context.WithoutCancel(ctx), src.UserID, src.ID, store.SourceNeedsConnect, message, time.Time{}); serr != nil {
		s.log.ErrorContext(ctx, "smugmug source status", slog.Int64("source_id", src.ID), slog.Any("err", serr))
	}
	return jobs.Permanent(&ReconnectError{Message: message, Err: err})
}

// ReconnectError is the error of a sync or fetch whose token was missing,
// unreadable or refused. errors.Is(err, ErrNeedsReconnect) holds, and
// errors.Is(err, smugmug.ErrUnauthorized) when SmugMug refused it.
type ReconnectError struct {
	Message string // for the user: ReconnectMessage or UnreadableTokenMessage
	Err     error  // the cause
}

func (e *ReconnectError) Error() string { return "smugsync: " + e.Message + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *ReconnectError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNeedsReconnect) true.
func (e *ReconnectError) Is(target error) bool { return target == ErrNeedsReconnect }

// SourceStatus is the status and message the source should show, so code
// that records a failed sync's status (the pipeline) can keep
// needs_reconnect without knowing this package: read it with errors.As on
// interface{ SourceStatus() (string, string) }.
func (e *ReconnectError) SourceStatus() (status, message string) {
	return store.SourceNeedsConnect, e.Message
}

// Sync brings the store up to date with the source's SmugMug library
// (pipeline.RemoteSource). Unchanged albums cost nothing beyond the album
// listing (one request per 100 albums). ToProcess lists photos whose content
// is new or changed (Serial or MD5, never LastUpdated alone, which our own
// write-back also moves); DeletedIDs the photos removed because their images
// are gone. A failed sync keeps its work and the next one reports it; a
// refused token marks the source needs_reconnect and returns a permanent
// error (errors.Is ErrNeedsReconnect and smugmug.ErrUnauthorized) without
// deleting anything. progress, if set, is told (albums done, albums, album).
func (s *Source) Sync(ctx context.Context, src store.Source, progress source.Progress) (source.Result, error) {
	return s.sync(ctx, src, progress, false)
}

// SyncDeep is Sync re-listing every album whatever its timestamps (`sync
// --full`): it catches owner edits of image text that SmugMug does not
// reflect in album timestamps, at one request per album.
func (s *Source) SyncDeep(ctx context.Context, src store.Source, progress source.Progress) (source.Result, error) {
	return s.sync(ctx, src, progress, true)
}

func (s *Source) sync(ctx context.Context, src store.Source, progress source.Progress, deep bool) (source.Result, error) {
	client, err := s.client(ctx, src)
	if err != nil {
		return source.Result{}, err
	}
	st := newSyncStore(s.db, src)
	scfg := smugmug.SyncerConfig{Logger: s.log.With(slog.Int64("source_id", src.ID)), DeepEvery: s.DeepEvery}
	if progress != nil {
		scfg.Progress = func(p smugmug.Progress) { progress(p.AlbumsDone, p.AlbumsTotal, p.Album) }
	}
	res, err := smugmug.NewSyncer(client, st, scfg).Sync(ctx, smugmug.SyncOptions{Deep: deep})
	if err != nil {
		if errors.Is(err, smugmug.ErrUnauthorized) {
			return source.Result{}, s.needsReconnect(ctx, src, ReconnectMessage, err)
		}
		return source.Result{}, fmt.Errorf("smugsync: sync source %d: %w", src.ID, err)
	}
	ch, err := st.r.FinishSync(ctx)
	if err != nil {
		return source.Result{}, fmt.Errorf("smugsync: sync source %d: %w", src.ID, err)
	}
	out := source.Result{
		Files:      res.Images,
		New:        res.ImagesNew,
		Changed:    max(0, len(ch.Process)-res.ImagesNew),
		Moved:      res.ImagesMoved,
		Deleted:    len(ch.Removed),
		ToProcess:  ch.Process,
		DeletedIDs: ch.Removed,
	}
	out.Unchanged = max(0, out.Files-out.New-out.Changed-out.Moved)
	return out, nil
}

// Fetch downloads the photo's analysis rendition (≤ 2200 px) to dst
// (pipeline.RemoteSource). The URL stored by the sync is used when there is
// one; otherwise, or when it went stale, one size look-up finds it. dst's
// directory is created if needed.
func (s *Source) Fetch(ctx context.Context, src store.Source, p store.Photo, dst string) error {
	client, err := s.client(ctx, src)
	if err != nil {
		return err
	}
	ref, err := s.db.RemoteImage(ctx, src.UserID, src.ID, p.SourceKey)
	if errors.Is(err, store.ErrNotFound) {
		return jobs.Permanent(fmt.Errorf("smugsync: fetch photo %d: %w", p.ID, err))
	}
	if err != nil {
		return fmt.Errorf("smugsync: fetch photo %d: %w", p.ID, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("smugsync: fetch photo %d: %w", p.ID, err)
	}
	stored := ref.AnalysisURL != ""
	u := ref.AnalysisURL
	if !stored {
		if u, err = s.lookup(ctx, client, src, ref); err != nil {
			return s.fetchErr(ctx, src, p, err)
		}
	}
	_, err = client.Download(ctx, u, dst, MaxDownloadBytes)
	if err != nil && stored && (smugmug.IsNotFound(err) || isForbidden(err)) {
		// Renditions are regenerated after edits; ask for the current URL.
		if u, err = s.lookup(ctx, client, src, ref); err == nil {
			_, err = client.Download(ctx, u, dst, MaxDownloadBytes)
		}
	}
	if err != nil {
		return s.fetchErr(ctx, src, p, err)
	}
	return nil
}

func (s *Source) lookup(ctx context.Context, client *smugmug.Client, src store.Source, ref store.RemoteImageRef) (string, error) {
	sizes, err := client.Sizes(ctx, smugmug.Image{ImageKey: ref.Key, Serial: ref.Version, URI: ref.URI})
	if err != nil {
		return "", err
	}
	if sizes.Analysis.URL == "" {
		return "", fmt.Errorf("smugsync: image %s has no rendition to analyse", ref.Key)
	}
	if err := s.db.SetRemoteAnalysisURL(ctx, src.UserID, src.ID, ref.Key, sizes.Analysis.URL); err != nil {
		return "", err
	}
	return sizes.Analysis.URL, nil
}

func (s *Source) fetchErr(ctx context.Context, src store.Source, p store.Photo, err error) error {
	err = fmt.Errorf("smugsync: fetch photo %d: %w", p.ID, err)
	switch {
	case errors.Is(err, smugmug.ErrUnauthorized):
		return s.needsReconnect(ctx, src, ReconnectMessage, err)
	case errors.Is(err, smugmug.ErrTooLarge), errors.Is(err, smugmug.ErrNotImage), smugmug.IsNotFound(err):
		// A 404 means the image is gone; the next sync removes the photo.
		return jobs.Permanent(err)
	}
	return err
}

func isForbidden(err error) bool {
	var apiErr *smugmug.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == 403
}
