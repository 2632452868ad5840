package clipsetup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/modelhub"
)

// The phases of a download (Status.Phase).
const (
	PhaseIdle        = "idle"
	PhaseDownloading = "downloading"
	PhaseVerifying   = "verifying"
	PhaseChecking    = "checking"
	PhaseInstalled   = "installed"
	PhaseFailed      = "failed"
)

// ErrRunning means a download is already under way: a server runs one at a
// time.
var ErrRunning = errors.New("clipsetup: a model download is already running")

// Status is where the server's model download stands, as the Settings page
// shows it.
type Status struct {
	Model string `json:"model" description:"The checkpoint being (or last) downloaded: TARGETVISION_CLIP_MODEL."`
	Phase string `json:"phase" enum:"idle,downloading,verifying,checking,installed,failed" description:"idle: none since the server started; downloading and verifying the files (each against the hub's checksum); checking: the self-check on the reference image; installed: the server searches with it now; failed: see error."`
	// Files are the checkpoint's files in download order.
	Files []FileStatus `json:"files" nullable:"false"`
	// Error says why a download failed, numbers included.
	Error string `json:"error,omitempty"`
	// SelfCheck is the self-check's verdict, once it ran or was skipped.
	SelfCheck  *SelfCheck `json:"self_check,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// FileStatus is one file of a download.
type FileStatus struct {
	Name  string `json:"name"`
	Phase string `json:"phase" enum:"waiting,downloading,verifying,done"`
	Bytes int64  `json:"bytes" description:"Bytes on disk."`
	Total int64  `json:"total" description:"The file's size; -1 until the hub has said."`
}

// SelfCheck is a self-check's verdict for the API.
type SelfCheck struct {
	Ran     bool      `json:"ran"`
	Labels  []string  `json:"labels,omitempty"`
	Probs   []float64 `json:"probs,omitempty" description:"The probabilities the model gave the labels for the reference image."`
	Pass    bool      `json:"pass"`
	Reason  string    `json:"reason,omitempty" description:"Why the model failed."`
	Skipped string    `json:"skipped,omitempty" description:"Why the check did not run."`
}

// NewSelfCheck is the API's form of an outcome.
func NewSelfCheck(o Outcome) *SelfCheck {
	if !o.Ran {
		return &SelfCheck{Skipped: o.Skipped}
	}
	return &SelfCheck{Ran: true, Labels: o.Result.Labels, Probs: o.Result.Probs, Pass: o.Result.Pass, Reason: o.Result.Reason}
}

// DownloaderConfig configures NewDownloader.
type DownloaderConfig struct {
	// Hub is the download: Endpoint, Repo, Dir, Token, Client…
	// (OnProgress is the downloader's own).
	Hub modelhub.Options
	// Reference is where the self-check's image comes from.
	Reference Reference
	// Install puts a downloaded, checked model to use in the running
	// server (search, embedding); an error fails the download.
	Install func(ctx context.Context, m *clip.Model) error
	// Logger receives the outcome; default discard.
	Logger *slog.Logger
}

// Downloader runs the server's model downloads, one at a time, and keeps
// their progress for the Settings page.
type Downloader struct {
	cfg   DownloaderConfig
	start chan struct{}

	mu      sync.Mutex
	running bool
	st      Status
}

// NewDownloader makes a downloader; Run serves its downloads.
func NewDownloader(cfg DownloaderConfig) *Downloader {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if len(cfg.Hub.Files) == 0 {
		cfg.Hub.Files = clip.Files
	}
	d := &Downloader{cfg: cfg, start: make(chan struct{}, 1)}
	d.st = d.fresh(PhaseIdle)
	return d
}

func (d *Downloader) fresh(phase string) Status {
	st := Status{Model: d.cfg.Hub.Repo, Phase: phase, Files: make([]FileStatus, len(d.cfg.Hub.Files))}
	for i, f := range d.cfg.Hub.Files {
		st.Files[i] = FileStatus{Name: f, Phase: "waiting", Total: -1}
	}
	return st
}

// Status is the current (or last) download's state.
func (d *Downloader) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.st
	st.Files = slices.Clone(st.Files)
	return st
}

// Start asks Run for a download and returns its first status; while one
// runs it is ErrRunning with that one's status.
func (d *Downloader) Start() (Status, error) {
	d.mu.Lock()
	if d.running {
		d.mu.Unlock()
		return d.Status(), ErrRunning
	}
	d.running = true
	now := time.Now().UTC()
	d.st = d.fresh(PhaseDownloading)
	d.st.StartedAt = &now
	d.mu.Unlock()
	d.start <- struct{}{} // never blocks: running guards it
	return d.Status(), nil
}

// Run serves Start's requests until ctx ends; a download under way then
// stops (its partial files resume next time).
func (d *Downloader) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-d.start:
			d.run(ctx)
		}
	}
}

// update changes the status under the lock.
func (d *Downloader) update(f func(st *Status)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(&d.st)
}

func (d *Downloader) run(ctx context.Context) {
	log := d.cfg.Logger.With("model", d.cfg.Hub.Repo)
	log.InfoContext(ctx, "model download started")
	outcome, err := d.download(ctx)
	now := time.Now().UTC()
	d.mu.Lock()
	d.running = false
	d.st.FinishedAt = &now
	if outcome != nil {
		d.st.SelfCheck = NewSelfCheck(*outcome)
	}
	if err != nil {
		d.st.Phase, d.st.Error = PhaseFailed, err.Error()
	} else {
		d.st.Phase = PhaseInstalled
	}
	d.mu.Unlock()
	if err != nil {
		log.ErrorContext(ctx, "model download failed", "err", err)
		return
	}
	log.InfoContext(ctx, "model downloaded, checked and in use")
}

// download pulls, checks and installs the model.
func (d *Downloader) download(ctx context.Context) (*Outcome, error) {
	hub := d.cfg.Hub
	hub.OnProgress = func(p modelhub.FileProgress) {
		d.update(func(st *Status) {
			for i := range st.Files {
				if st.Files[i].Name == p.File {
					st.Files[i] = FileStatus{Name: p.File, Phase: p.Phase, Bytes: p.Done, Total: p.Total}
				}
			}
			switch p.Phase {
			case modelhub.PhaseDownloading, modelhub.PhaseVerifying:
				st.Phase = p.Phase
			}
		})
	}
	if err := modelhub.Pull(ctx, hub); err != nil {
		return nil, err
	}
	d.update(func(st *Status) { st.Phase = PhaseChecking })
	name := hub.Repo
	m, err := clip.Load(hub.Dir, clip.WithName(name), clip.WithLogger(d.cfg.Logger))
	if err != nil {
		os.RemoveAll(hub.Dir)
		return nil, fmt.Errorf("downloaded %s but it does not load, so it was removed: %w", name, err)
	}
	out, err := CheckNew(ctx, m, name, hub.Dir, d.cfg.Reference)
	if fe := (*FailedError)(nil); errors.As(err, &fe) {
		os.RemoveAll(hub.Dir)
		return &out, fmt.Errorf("%w; it was removed", err)
	}
	if err != nil {
		return nil, err
	}
	if d.cfg.Install != nil {
		if err := d.cfg.Install(ctx, m); err != nil {
			return &out, fmt.Errorf("clipsetup: put %s to use: %w", name, err)
		}
	}
	return &out, nil
}
