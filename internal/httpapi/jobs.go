package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/targetvision/targetvision/internal/clipsetup"
	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/store"
)

type jobJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind" description:"sync, process, embed, describe, …"`
	State     string    `json:"state" enum:"queued,running,done,failed"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	PhotoID   int64     `json:"photo_id,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	// Retryable: a failed job that ran out of attempts on passing trouble
	// may succeed when retried; one that failed for good (a corrupt file,
	// a refusal) fails again, so the UI offers no retry.
	Retryable bool `json:"retryable" description:"A failed job that used up its attempts (passing trouble): retrying may help. False for one that failed for good at once (a file that cannot be read): it fails again until its cause is fixed."`
}

// jobParams are GET /api/v1/jobs's parameters.
type jobParams struct {
	State string `query:"state" enum:"queued,running,done,failed" description:"Only jobs in this state; default all."`
	Limit int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

// jobList is GET /api/v1/jobs's answer: counts by state, and the most
// recently updated jobs.
type jobList struct {
	Counts map[string]int `json:"counts" description:"Jobs by state: queued (ready to run), waiting (queued, but no worker here can run them yet: see waiting), running, done, failed."`
	// Waiting says, per kind of job that cannot run yet, how many wait
	// and why.
	Waiting []waitingJobs `json:"waiting" nullable:"false"`
	Jobs    []jobJSON     `json:"jobs" nullable:"false"`
}

// waitingJobs are queued jobs of one kind that wait for something the
// server lacks.
type waitingJobs struct {
	Kind   string `json:"kind"`
	Count  int    `json:"count"`
	Reason string `json:"reason" description:"Why they wait and how to let them run, in words."`
}

// jobCounts are the user's job counts by state, with the queued jobs no
// worker here can run counted as waiting, and why.
func (s *Server) jobCounts(ctx context.Context, uid int64) (map[string]int, []waitingJobs, error) {
	counts, err := s.d.DB.JobCounts(ctx, uid)
	if err != nil {
		return nil, nil, err
	}
	counts["waiting"] = 0
	waiting := []waitingJobs{}
	var reasons map[string]string
	if s.d.Waiting != nil {
		reasons = s.d.Waiting()
	}
	for _, kind := range slices.Sorted(maps.Keys(reasons)) {
		n, err := s.d.DB.CountJobs(ctx, uid, kind, store.JobQueued)
		if err != nil {
			return nil, nil, err
		}
		if n > 0 {
			counts[store.JobQueued] -= n
			counts["waiting"] += n
			waiting = append(waiting, waitingJobs{Kind: kind, Count: n, Reason: reasons[kind]})
		}
	}
	return counts, waiting, nil
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) error {
	var p jobParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	uid := userID(r)
	js, err := s.d.DB.Jobs(r.Context(), uid, p.State, p.Limit)
	if err != nil {
		return err
	}
	counts, waiting, err := s.jobCounts(r.Context(), uid)
	if err != nil {
		return err
	}
	out := make([]jobJSON, len(js))
	for i, j := range js {
		out[i] = jobJSON{ID: j.ID, Kind: j.Kind, State: j.State, Attempts: j.Attempts, LastError: plaintext.Line(j.LastError), PhotoID: j.PhotoID, UpdatedAt: j.UpdatedAt,
			Retryable: j.State == store.JobFailed && j.Attempts >= j.MaxAttempts}
	}
	writeJSON(w, http.StatusOK, jobList{Counts: counts, Waiting: waiting, Jobs: out})
	return nil
}

// jobIDParams name one job.
type jobIDParams struct {
	ID int64 `path:"id" minimum:"1" description:"Job id."`
}

func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) error {
	var p jobIDParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	if err := s.d.DB.RetryJob(r.Context(), userID(r), p.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// dismissJob takes one of the user's failed jobs off the list of failures
// (it is counted in the user's job history); failures stay until retried
// or dismissed, whatever the retention of finished jobs.
func (s *Server) dismissJob(w http.ResponseWriter, r *http.Request) error {
	var p jobIDParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	if err := s.d.DB.DismissJob(r.Context(), userID(r), p.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// progressEvent is the data of each "progress" event of GET /api/v1/events.
type progressEvent struct {
	Queued  int    `json:"queued"`
	Waiting int    `json:"waiting" description:"Queued jobs no worker here can run yet (GET /api/v1/jobs says why)."`
	Running int    `json:"running"`
	Done    int    `json:"done"`
	Failed  int    `json:"failed"`
	Current string `json:"current" description:"Kind of a running job (sync, process, embed, describe), or empty."`
}

// readProgress is the user's progress as the data of a "progress" event:
// the hub reads it once per change for all of the user's streams.
func (s *Server) readProgress(ctx context.Context, uid int64) ([]byte, error) {
	counts, _, err := s.jobCounts(ctx, uid)
	if err != nil {
		return nil, err
	}
	current := ""
	running, err := s.d.DB.Jobs(ctx, uid, store.JobRunning, 1)
	if err != nil {
		return nil, err
	}
	if len(running) > 0 {
		current = running[0].Kind
	}
	return json.Marshal(progressEvent{Queued: counts[store.JobQueued], Waiting: counts["waiting"], Running: counts[store.JobRunning],
		Done: counts[store.JobDone], Failed: counts[store.JobFailed], Current: current})
}

// events streams the user's job progress as Server-Sent Events. The
// progress hub pushes each change of the user's jobs — made by any worker
// process of a scaled-out deployment — to every stream of the user; a
// stream sends only what changed and costs no query while nothing does.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	uid := userID(r)
	if !s.openStream(uid) {
		return &apiError{status: http.StatusTooManyRequests, code: "too_many_streams", retryAfter: 10 * time.Second,
			msg: "too many open progress streams for this account; close some tabs"}
	}
	defer s.closeStream(uid)
	updates, unsubscribe, err := s.progress.Subscribe(r.Context(), uid)
	if err != nil {
		return err
	}
	defer unsubscribe()
	rc := http.NewResponseController(w)
	// The server's write timeout would cut the stream: each write gets its
	// own window instead, so a stalled client is still let go.
	extend := func() { _ = rc.SetWriteDeadline(time.Now().Add(streamWriteWindow)) }
	extend()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	keepAlive := time.NewTicker(streamKeepAlive)
	defer keepAlive.Stop()
	// A stream ends after streamLifetime; EventSource reconnects at once,
	// through the authentication and limits of a new request.
	end := time.NewTimer(streamLifetime)
	defer end.Stop()
	// An administrator's stream also follows the server's model download,
	// read once a second (it is this process's memory, not the store).
	var modelTick <-chan time.Time
	var downloads ModelDownloads
	if s.d.ModelDownloads != nil {
		if admin, err := s.isAdmin(r); err == nil && admin {
			downloads = s.d.ModelDownloads
			t := time.NewTicker(time.Second)
			defer t.Stop()
			modelTick = t.C
		}
	}
	lastModel := ""
	sendModel := func() bool {
		st := downloads.Status()
		if st.Phase == clipsetup.PhaseIdle {
			return false
		}
		msg, _ := json.Marshal(st)
		if string(msg) == lastModel {
			return false
		}
		lastModel = string(msg)
		extend()
		fmt.Fprintf(w, "event: model\ndata: %s\n\n", msg)
		return true
	}
	if downloads != nil && sendModel() && rc.Flush() != nil {
		return nil
	}
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-end.C:
			return nil
		case msg := <-updates:
			extend()
			fmt.Fprintf(w, "event: progress\ndata: %s\n\n", msg)
		case <-keepAlive.C:
			extend()
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-modelTick:
			if !sendModel() {
				continue
			}
		}
		if rc.Flush() != nil {
			return nil
		}
	}
}

// streamWriteWindow is how long one write to an event stream may take;
// streamLifetime is how long a stream lasts before the client reconnects;
// streamKeepAlive is how often a quiet stream sends a comment, so proxies
// keep it open.
const (
	streamWriteWindow = 30 * time.Second
	streamLifetime    = time.Hour
	streamKeepAlive   = 15 * time.Second
)

// openStream counts one more open event stream for uid, unless the user
// has MaxStreamsPerUser open already.
func (s *Server) openStream(uid int64) bool {
	s.streamsMu.Lock()
	defer s.streamsMu.Unlock()
	if s.streams[uid] >= s.d.MaxStreamsPerUser {
		return false
	}
	s.streams[uid]++
	return true
}

func (s *Server) closeStream(uid int64) {
	s.streamsMu.Lock()
	defer s.streamsMu.Unlock()
	if s.streams[uid]--; s.streams[uid] <= 0 {
		delete(s.streams, uid)
	}
}
