package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
	"golang.org/x/sync/errgroup"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clipsetup"
	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/edge"
	"github.com/targetvision/targetvision/internal/httpapi"
	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/modelhub"
	"github.com/targetvision/targetvision/internal/observe"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/search"
	"github.com/targetvision/targetvision/internal/smugsync"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/web"
)

func newServeCmd(e *env, cfg func() config.Config) *cobra.Command {
	var addr string
	var noWorkers, allowSignup bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web UI, the JSON API and the background workers",
		Long: `Serves the web UI and the JSON API (default http://127.0.0.1:8080), runs the
pipeline's workers, and re-syncs every source periodically. Several serve
processes can share one PostgreSQL database (DATABASE_URL): the job queue
hands each job to exactly one of them, and rate limits and progress are
shared through it. Finished jobs are pruned after TARGETVISION_JOB_RETENTION
(failures stay until retried or dismissed). SIGTERM drains HTTP requests,
then hands in-flight jobs back to the queue; the jobs of a killed process
go to the others once TARGETVISION_JOB_LEASE (2m) runs out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := cfg()
			if addr != "" {
				c.Addr = addr
			}
			if allowSignup {
				c.AllowSignup = true
			}
			return serve(cmd, e, c, !noWorkers)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address (env TARGETVISION_ADDR, default 127.0.0.1:8080)")
	cmd.Flags().BoolVar(&noWorkers, "no-workers", false, "serve HTTP only; leave the job queue to other processes")
	cmd.Flags().BoolVar(&allowSignup, "allow-signup", false, "let anyone create an account after the first (admin) one (env TARGETVISION_ALLOW_SIGNUP)")
	return cmd
}

func serve(cmd *cobra.Command, e *env, c config.Config, workers bool) error {
	ctx := cmd.Context()
	a, err := openApp(ctx, cmd, e, c)
	if err != nil {
		return err
	}
	defer a.Close()
	secret, err := c.Secret()
	if err != nil {
		return err
	}
	sessions, err := auth.NewSessions(secret, auth.SessionConfig{APITokens: httpapi.APITokens(a.db)})
	if err != nil {
		return err
	}
	devices, err := auth.NewDevices(secret, nil)
	if err != nil {
		return err
	}
	setupCode, err := auth.SetupCode(secret)
	if err != nil {
		return err
	}
	hosts, err := edge.ParseHosts(c.PublicURL)
	if err != nil {
		return err
	}
	trust, err := edge.ParseTrust(c.TrustedProxies)
	if err != nil {
		return err
	}
	roots, err := folderRoots(c.FolderRoots)
	if err != nil {
		return err
	}
	hasher, err := auth.NewPasswordHasher(auth.DefaultArgon2Params())
	if err != nil {
		return err
	}
	site, err := web.New()
	if err != nil {
		return err
	}
	if err := a.waitForBlobs(ctx); err != nil {
		return err
	}
	model := a.loadCLIP(ctx)
	engine := a.searchEngine(model)
	defer engine.Close(context.WithoutCancel(ctx)) // saves the vector index snapshot for a quick restart
	if err := engine.Warm(ctx); err != nil {
		return err
	}
	popts, err := a.pipelineOptions(ctx, model, nil)
	if err != nil {
		return err
	}
	pipe := pipeline.New(a.db, popts)
	if err := pipe.RemoveStaleWork(24 * time.Hour); err != nil {
		a.log.WarnContext(ctx, "could not clear old work files", "err", err)
	}
	metrics := observe.NewMetrics()
	var runner *jobs.Runner
	if workers {
		runner = jobs.New(a.db, jobs.Config{Workers: c.Workers, Lease: c.JobLease, Logger: a.log, OnEvent: func(ev jobs.Event) {
			metrics.JobsFinished.WithLabelValues(ev.Job.Kind, ev.State).Inc()
		}})
		pipe.Register(runner)
	}
	live := a.liveModel(model, popts.Describer != nil)
	downloads := clipsetup.NewDownloader(clipsetup.DownloaderConfig{
		Hub: modelhub.Options{Endpoint: c.HFEndpoint, Repo: c.CLIPModel, Dir: clip.ModelDir(c.DataDir, c.CLIPModel),
			Token: c.HFToken, Logger: a.log},
		Reference: clipsetup.Reference{URL: c.CLIPCheckImage},
		Logger:    a.log,
		// The model an administrator downloads from Settings is used at
		// once: search by meaning turns on, and the waiting embed jobs run.
		Install: func(ctx context.Context, m *clip.Model) error {
			if err := engine.SetEmbedder(ctx, m); err != nil {
				return err
			}
			pipe.EnableEmbedding(runner, m)
			live.installed(m)
			return nil
		},
	})
	live.downloads = downloads
	var smHandler http.Handler
	if c.SmugMugAPIKey != "" && c.SmugMugAPISecret != "" {
		box, err := a.smugmugBox()
		if err != nil {
			return err
		}
		h := smugsync.NewHandler(a.db, box, a.smugmugConfig(), a.log)
		h.OnConnect = func(ctx context.Context, src store.Source) {
			if _, err := pipe.EnqueueSync(ctx, src.UserID, src.ID); err != nil {
				a.log.ErrorContext(ctx, "queue first SmugMug sync", "source_id", src.ID, "err", err)
			}
		}
		smHandler = h
	}
	// SmugMug photos' originals stream through the server with their
	// account's token, from the same SmugMug source the pipeline syncs.
	var originals httpapi.RemoteOriginals
	var albums httpapi.RemoteAlbums
	if r, ok := popts.Remote[store.SourceSmugMug].(smugRemote); ok {
		originals, albums = r.Source, r.Source
	}
	tiles, err := httpapi.ParseMapTiles(c.MapTiles, c.MapAttribution)
	if err != nil {
		return fmt.Errorf("TARGETVISION_MAP_TILES: %w", err)
	}
	srv, err := httpapi.New(httpapi.Deps{
		SmugMug: smHandler, Originals: originals, Albums: albums, MapTiles: tiles,
		DB: a.db, Search: engine, Pipeline: pipe, Sessions: sessions, Devices: devices, Hasher: hasher, Metrics: metrics,
		Logger: a.log, SetupCode: setupCode, Hosts: hosts, Trust: trust, FolderRoots: roots, MetricsToken: c.MetricsToken,
		DataDir: c.DataDir, Blobs: popts.Blobs, BlobRedirect: c.BlobRedirect, Web: site.Handler(),
		Models: live.status, ModelDownloads: downloads, Waiting: live.waiting, ClaudeConfigured: popts.Describer != nil,
		AllowSignup: c.AllowSignup,
		CORSOrigins: splitList(c.CORSOrigins),
		RateBuckets: a.buckets,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	hs := httpapi.NewHTTPServer(srv, httpapi.Timeouts{}, a.log)
	scheme, err := a.configureTLS(hs, c)
	if err != nil {
		ln.Close()
		return err
	}
	base := scheme + "://" + ln.Addr().String()
	a.log.InfoContext(ctx, "serving", "url", base, "store", a.db.Dialect(), "blobs", popts.Blobs.Describe(), "workers", workers, "tls", scheme == "https")
	if err := a.announceSetup(ctx, e, base, setupCode); err != nil {
		ln.Close()
		return err
	}

	// Workers stop only after HTTP has drained, so a request that enqueued
	// work is answered before the runner hands its jobs back.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		serveFn := hs.Serve
		if scheme == "https" {
			serveFn = func(ln net.Listener) error { return hs.ServeTLS(ln, "", "") }
		}
		if err := serveFn(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	var ms *http.Server
	if c.MetricsAddr != "" {
		mln, err := net.Listen("tcp", c.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on TARGETVISION_METRICS_ADDR %s: %w", c.MetricsAddr, err)
		}
		ms = httpapi.NewHTTPServer(srv.MetricsHandler(), httpapi.Timeouts{}, a.log)
		a.log.InfoContext(ctx, "serving metrics", "url", "http://"+mln.Addr().String()+"/metrics")
		g.Go(func() error {
			if err := ms.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err := hs.Shutdown(sctx)
		if ms != nil {
			err = errors.Join(err, ms.Shutdown(sctx))
		}
		stopWork()
		return err
	})
	g.Go(func() error { return downloads.Run(workCtx) })
	if workers {
		g.Go(func() error { return runner.Run(workCtx) })
		if c.SyncInterval > 0 {
			g.Go(func() error { return a.syncPeriodically(workCtx, pipe, c.SyncInterval) })
		}
		g.Go(func() error { return a.tidyPeriodically(workCtx, c.JobRetention) })
	}
	err = g.Wait()
	a.log.Info("stopped")
	return err
}

// liveModel is the CLIP model's state as a running server reports it: the
// model loaded at start, or the one an administrator downloaded since.
type liveModel struct {
	downloads *clipsetup.Downloader

	mu       sync.Mutex
	st       httpapi.ModelStatus
	waitings map[string]string
}

// liveModel is the state after loadCLIP, with the reasons jobs this server
// cannot run wait (shown on the Activity page instead of "queued").
func (a *app) liveModel(m *clip.Model, claude bool) *liveModel {
	l := &liveModel{st: httpapi.ModelStatus{Name: a.cfg.CLIPModel, SelfCheck: a.clipCheck}, waitings: map[string]string{}}
	if m != nil {
		l.st.Present, l.st.Dim = true, m.Dim()
	} else {
		l.st.Reason = a.clipOff
		l.waitings[pipeline.KindEmbed] = "Waiting for a CLIP model: " + a.clipOff + ". " + search.FixPullModel
	}
	if !claude {
		l.waitings[pipeline.KindDescribe] = "Waiting for Claude: set ANTHROPIC_API_KEY and restart the server."
	}
	return l
}

// installed records a model put to use while the server runs.
func (l *liveModel) installed(m *clip.Model) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.st = httpapi.ModelStatus{Name: l.st.Name, Present: true, Dim: m.Dim()}
	delete(l.waitings, pipeline.KindEmbed)
}

func (l *liveModel) status() httpapi.ModelStatus {
	l.mu.Lock()
	st := l.st
	l.mu.Unlock()
	if l.downloads != nil && st.SelfCheck == nil && st.Present {
		if d := l.downloads.Status(); d.Phase == clipsetup.PhaseInstalled {
			st.SelfCheck = d.SelfCheck
		}
	}
	return st
}

func (l *liveModel) waiting() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.waitings)
}

// waitForBlobs opens the blob store, giving object storage that starts
// beside the server (compose) a minute to answer.
func (a *app) waitForBlobs(ctx context.Context) error {
	const tries = 30
	for i := 1; ; i++ {
		_, err := a.blobs(ctx)
		if err == nil || i == tries {
			return err
		}
		a.log.WarnContext(ctx, "object storage does not answer yet; retrying", "attempt", i, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// syncPeriodically queues a sync of every source each interval. The queue
// dedupes, so several serve processes doing this still queue one sync per
// source at a time.
func (a *app) syncPeriodically(ctx context.Context, pipe *pipeline.Pipeline, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		srcs, err := a.db.AllSources(ctx)
		if err != nil {
			a.log.ErrorContext(ctx, "periodic sync", "err", err)
			continue
		}
		for _, src := range srcs {
			if src.Status == store.SourceNeedsConnect {
				continue
			}
			if _, err := pipe.EnqueueSync(ctx, src.UserID, src.ID); err != nil {
				a.log.ErrorContext(ctx, "periodic sync", "source_id", src.ID, "err", err)
			}
		}
	}
}

// configureTLS sets hs up for HTTPS from certificate files or ACME, and
// says which scheme it serves.
func (a *app) configureTLS(hs *http.Server, c config.Config) (string, error) {
	switch {
	case c.TLSCert != "":
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return "", fmt.Errorf("TLS certificate %s / key %s: %w", c.TLSCert, c.TLSKey, err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		return "https", nil
	case c.ACME:
		u, err := url.Parse(c.PublicURL)
		if err != nil {
			return "", fmt.Errorf("TARGETVISION_PUBLIC_URL: %w", err)
		}
		cache := filepath.Join(c.DataDir, "acme")
		if err := os.MkdirAll(cache, 0o700); err != nil {
			return "", fmt.Errorf("ACME certificate cache: %w", err)
		}
		m := &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			HostPolicy: autocert.HostWhitelist(u.Hostname()),
			Cache:      autocert.DirCache(cache),
			Client:     &acme.Client{DirectoryURL: c.ACMEDirectory},
		}
		hs.TLSConfig = m.TLSConfig()
		hs.TLSConfig.MinVersion = tls.VersionTLS12
		a.log.Info("certificates from ACME (TLS-ALPN-01 on this listener)", "host", u.Hostname(), "directory", c.ACMEDirectory)
		return "https", nil
	}
	return "http", nil
}

// announceSetup tells the operator how to create the first account while
// the server has none. The setup code is a credential: it goes to the
// terminal that started the server, never into the log.
func (a *app) announceSetup(ctx context.Context, e *env, base, code string) error {
	n, err := a.db.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if isTerminal(e.stderr) {
		fmt.Fprintf(e.stderr, "\nThis server has no account yet. Create the first (administrator) account at\n  %s/signup?setup=%s\n\n", base, code)
		return nil
	}
	a.log.InfoContext(ctx, "no account yet: the first sign-up needs the setup code that `targetvision setup-code` prints on this server")
	return nil
}

// folderRoots resolves TARGETVISION_FOLDER_ROOTS; unset, the server
// user's home directory (none when it has none, or it is /).
func folderRoots(setting string) ([]string, error) {
	list := splitList(setting)
	if len(list) == 0 {
		home, err := os.UserHomeDir()
		if err != nil || home == "" || home == "/" {
			return []string{}, nil
		}
		list = []string{home}
	}
	out := make([]string, 0, len(list))
	for _, r := range list {
		if !filepath.IsAbs(r) {
			return nil, fmt.Errorf("TARGETVISION_FOLDER_ROOTS: %q is not an absolute path", r)
		}
		out = append(out, filepath.Clean(r))
	}
	return out, nil
}

// splitList splits a comma-separated setting, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
