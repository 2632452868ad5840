package smugsync

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/edge"
	"github.com/targetvision/targetvision/internal/secret"
	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/store"
)

// ConnectPIN runs the out-of-band sign-in for `targetvision smugmug
// connect`: it prints the authorize URL to out, reads the six-digit code
// the user types from in, and saves the account as a source of userID (a
// reconnection of the same account updates its source, keeping its photos).
func ConnectPIN(ctx context.Context, db *store.DB, box *secret.Box, cfg smugmug.Config, userID int64, in io.Reader, out io.Writer) (store.Source, error) {
	a, err := smugmug.NewAuth(cfg)
	if err != nil {
		return store.Source{}, err
	}
	rt, authorizeURL, err := a.RequestToken(ctx, smugmug.OOB)
	if err != nil {
		return store.Source{}, fmt.Errorf("smugsync: connect: %w", err)
	}
	fmt.Fprintf(out, "Open this page, sign in to SmugMug and approve TargetVision:\n\n  %s\n\nThen type the six-digit code SmugMug shows: ", authorizeURL)
	line, err := bufio.NewReader(in).ReadString('\n')
	pin := strings.TrimSpace(line)
	if pin == "" {
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("no code entered")
		}
		return store.Source{}, fmt.Errorf("smugsync: connect: %w", err)
	}
	tok, err := a.AccessToken(ctx, rt, pin)
	if err != nil {
		return store.Source{}, fmt.Errorf("smugsync: connect: SmugMug did not accept the code: %w", err)
	}
	src, err := saveAccount(ctx, db, box, cfg, userID, tok)
	if err != nil {
		return store.Source{}, err
	}
	fmt.Fprintf(out, "\nConnected SmugMug account %q as source %d.\n", src.Name, src.ID)
	return src, nil
}

// SaveToken saves an access token got outside ConnectPIN and the web flow
// (another machine's connection, a test) as userID's source of the account
// the token belongs to, exactly as a connection does.
func SaveToken(ctx context.Context, db *store.DB, box *secret.Box, cfg smugmug.Config, userID int64, tok smugmug.Token) (store.Source, error) {
	return saveAccount(ctx, db, box, cfg, userID, tok)
}

// saveAccount learns the token's nickname and stores the token, sealed, in
// the user's source for that account.
func saveAccount(ctx context.Context, db *store.DB, box *secret.Box, cfg smugmug.Config, userID int64, tok smugmug.Token) (store.Source, error) {
	c, err := smugmug.NewClient(cfg, tok)
	if err != nil {
		return store.Source{}, err
	}
	me, err := c.AuthUser(ctx)
	if err != nil {
		return store.Source{}, fmt.Errorf("smugsync: connect: %w", err)
	}
	src, err := db.CreateSource(ctx, store.Source{UserID: userID, Kind: store.SourceSmugMug, Name: me.NickName})
	if err != nil {
		return store.Source{}, fmt.Errorf("smugsync: connect: %w", err)
	}
	if err := db.SetSourceToken(ctx, userID, src.ID, sealToken(box, src.ID, tok)); err != nil {
		return store.Source{}, fmt.Errorf("smugsync: connect: %w", err)
	}
	if err := db.SetSourceStatus(ctx, userID, src.ID, store.SourceOK, "", time.Time{}); err != nil {
		return store.Source{}, fmt.Errorf("smugsync: connect: %w", err)
	}
	return db.Source(ctx, userID, src.ID)
}

// signInTTL bounds a web sign-in: SmugMug's request tokens live five minutes.
const signInTTL = 10 * time.Minute

// Handler serves the web sign-in under /smugmug/ for signed-in users (the
// caller mounts it behind the login wall; the user comes from
// auth.ClaimsFrom):
//
//	GET /smugmug/connect   → 302 to SmugMug's authorize page
//	GET /smugmug/callback  → exchanges the approved token, saves the source, 302 to /sources
//
// The request token's secret never reaches the browser: it waits, sealed,
// in the store until the callback, which must come from the same user.
type Handler struct {
	db  *store.DB
	box *secret.Box
	cfg smugmug.Config
	log *slog.Logger
	mux *http.ServeMux

	// BaseURL, if set, is the public root the callback URL is built on
	// (e.g. https://photos.example.com behind a proxy); by default it is
	// the request's scheme (X-Forwarded-Proto honoured) and Host.
	BaseURL string
	// OnConnect, if set, is called with each newly connected or
	// reconnected source (e.g. to queue its first sync).
	OnConnect func(ctx context.Context, src store.Source)
}

// NewHandler returns the web sign-in handler.
func NewHandler(db *store.DB, box *secret.Box, cfg smugmug.Config, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Logger == nil {
		cfg.Logger = logger
	}
	h := &Handler{db: db, box: box, cfg: cfg, log: logger, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /smugmug/connect", h.connect)
	h.mux.HandleFunc("GET /smugmug/callback", h.callback)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func requestAD(token string) []byte { return []byte("request:" + token) }

func (h *Handler) callbackURL(r *http.Request) string {
	if h.BaseURL != "" {
		return strings.TrimRight(h.BaseURL, "/") + "/smugmug/callback"
	}
	// The client's own scheme and host, as the edge resolved them: a
	// forwarded header counts only from a trusted proxy.
	info := edge.From(r)
	scheme := "http"
	if info.HTTPS {
		scheme = "https"
	}
	return scheme + "://" + info.Host + "/smugmug/callback"
}

func (h *Handler) connect(w http.ResponseWriter, r *http.Request) {
	claims, ok := auth.ClaimsFrom(r.Context())
	if !ok {
		http.Error(w, "Sign in first.", http.StatusUnauthorized)
		return
	}
	a, err := smugmug.NewAuth(h.cfg)
	if err != nil {
		h.log.ErrorContext(r.Context(), "smugmug connect", slog.Any("err", err))
		http.Error(w, "SmugMug is not configured on this server (SMUGMUG_API_KEY, SMUGMUG_API_SECRET).", http.StatusServiceUnavailable)
		return
	}
	rt, authorizeURL, err := a.RequestToken(r.Context(), h.callbackURL(r))
	if err != nil {
		h.log.ErrorContext(r.Context(), "smugmug request token", slog.Any("err", err))
		http.Error(w, "SmugMug did not start the sign-in; try again later.", http.StatusBadGateway)
		return
	}
	sealed := h.box.Seal([]byte(rt.Secret), requestAD(rt.Token))
	if err := h.db.SaveRemoteAuth(r.Context(), rt.Token, claims.UserID, sealed, time.Now().Add(signInTTL)); err != nil {
		h.log.ErrorContext(r.Context(), "smugmug connect", slog.Any("err", err))
		http.Error(w, "Could not start the sign-in.", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, authorizeURL, http.StatusFound)
}

func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	claims, ok := auth.ClaimsFrom(ctx)
	if !ok {
		http.Error(w, "Sign in first.", http.StatusUnauthorized)
		return
	}
	token, verifier, err := smugmug.ParseCallback(r)
	if err != nil {
		http.Error(w, "The SmugMug sign-in was not completed.", http.StatusBadRequest)
		return
	}
	// Only the user who started the sign-in can take it: another user's
	// try finds nothing and leaves it for its owner.
	sealed, err := h.db.TakeRemoteAuth(ctx, claims.UserID, token)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "This SmugMug sign-in expired, was already used, or was started by another account; connect again.", http.StatusBadRequest)
		return
	}
	if err != nil {
		h.log.ErrorContext(ctx, "smugmug callback", slog.Any("err", err))
		http.Error(w, "Could not finish the sign-in.", http.StatusInternalServerError)
		return
	}
	tokenSecret, err := h.box.Open(sealed, requestAD(token))
	if err != nil {
		h.log.ErrorContext(ctx, "smugmug callback", slog.Any("err", err))
		http.Error(w, "Could not finish the sign-in; connect again.", http.StatusBadRequest)
		return
	}
	a, err := smugmug.NewAuth(h.cfg)
	if err != nil {
		http.Error(w, "SmugMug is not configured on this server.", http.StatusServiceUnavailable)
		return
	}
	tok, err := a.AccessToken(ctx, smugmug.RequestToken{Token: token, Secret: string(tokenSecret)}, verifier)
	if err != nil {
		h.log.WarnContext(ctx, "smugmug access token", slog.Any("err", err))
		http.Error(w, "SmugMug did not accept the sign-in; connect again.", http.StatusBadGateway)
		return
	}
	src, err := saveAccount(ctx, h.db, h.box, h.cfg, claims.UserID, tok)
	if err != nil {
		h.log.ErrorContext(ctx, "smugmug connect", slog.Any("err", err))
		http.Error(w, "Could not save the SmugMug account.", http.StatusBadGateway)
		return
	}
	h.log.InfoContext(ctx, "smugmug account connected", slog.Int64("source_id", src.ID), slog.String("nickname", src.Name))
	if h.OnConnect != nil {
		h.OnConnect(ctx, src)
	}
	http.Redirect(w, r, "/sources", http.StatusFound)
}
