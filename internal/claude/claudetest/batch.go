package claudetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

var customIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

type batch struct {
	id              string
	created         time.Time
	expires         time.Time
	ended           *time.Time
	cancelInitiated *time.Time
	status          string // in_progress, canceling, ended
	reqs            []batchReq
	lines           [][]byte // results JSONL lines, once ended
	counts          map[string]int
}

type batchReq struct {
	CustomID string          `json:"custom_id"`
	Params   json.RawMessage `json:"params"`
}

func (s *Server) handleBatchCreate(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 256<<20+1))
	if err != nil {
		return
	}
	if len(body) > 256<<20 {
		s.writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", "batch exceeds 256 MB", nil)
		return
	}
	s.mu.Lock()
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		s.mu.Unlock()
		s.writeError(w, f.Status, f.Type, "scripted "+strconv.Itoa(f.Status), &f)
		return
	}
	s.mu.Unlock()
	var in struct {
		Requests []batchReq `json:"requests"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		s.writeError(w, 400, "invalid_request_error", "body is not valid JSON: "+err.Error(), nil)
		return
	}
	if len(in.Requests) == 0 || len(in.Requests) > 100000 {
		s.writeError(w, 400, "invalid_request_error", fmt.Sprintf("requests: need 1..100000, got %d", len(in.Requests)), nil)
		return
	}
	seen := map[string]bool{}
	for i, rq := range in.Requests {
		if !customIDPattern.MatchString(rq.CustomID) {
			s.writeError(w, 400, "invalid_request_error", fmt.Sprintf("requests.%d.custom_id: %q must be 1-64 of [A-Za-z0-9_-]", i, rq.CustomID), nil)
			return
		}
		if seen[rq.CustomID] {
			s.writeError(w, 400, "invalid_request_error", fmt.Sprintf("requests.%d.custom_id: duplicate %q", i, rq.CustomID), nil)
			return
		}
		seen[rq.CustomID] = true
		if len(bytes.TrimSpace(rq.Params)) == 0 || bytes.TrimSpace(rq.Params)[0] != '{' {
			s.writeError(w, 400, "invalid_request_error", fmt.Sprintf("requests.%d.params: must be an object", i), nil)
			return
		}
	}
	s.mu.Lock()
	s.seq++
	b := &batch{id: fmt.Sprintf("msgbatch_%020d", s.seq), created: s.now, expires: s.now.Add(24 * time.Hour),
		status: "in_progress", reqs: in.Requests}
	s.batches[b.id] = b
	s.batchOrder = append(s.batchOrder, b.id)
	s.stats.BatchCreates++
	s.stats.BatchRequests += len(in.Requests)
	obj := s.batchObject(b, r)
	s.mu.Unlock()
	writeJSON(w, obj)
}

// settle moves b along its lifecycle according to the clock; s.mu held.
func (s *Server) settle(b *batch) {
	if b.status == "ended" {
		return
	}
	if b.status == "canceling" {
		s.finish(b, "canceled")
		return
	}
	done := b.created.Add(s.opt.BatchProcessing)
	switch {
	case done.After(b.expires) && !s.now.Before(b.expires):
		s.finish(b, "expired")
	case !s.now.Before(done) && !done.After(b.expires):
		s.finish(b, "")
	}
}

// finish ends b; unfinished ("canceled"/"expired") or processed ("") entries.
func (s *Server) finish(b *batch, unfinished string) {
	now := s.now
	b.ended = &now
	b.status = "ended"
	b.counts = map[string]int{}
	for i, rq := range b.reqs {
		kind := unfinished
		if kind == "" && s.batchFault != nil {
			kind = s.batchFault(i)
		}
		var result map[string]any
		switch kind {
		case "canceled", "expired":
			result = map[string]any{"type": kind}
		case "errored":
			result = erroredResult("api_error", "scripted internal error", s.seq)
		default:
			c, verr := s.validate(rq.Params)
			if verr != nil {
				kind = "errored"
				result = erroredResult(verr.typ, verr.msg, s.seq)
				break
			}
			kind = "succeeded"
			result = map[string]any{"type": "succeeded", "message": s.answer(c, "batch")}
			s.stats.BatchSucceeded++
		}
		b.counts[kind]++
		line, _ := json.Marshal(map[string]any{"custom_id": rq.CustomID, "result": result})
		if len(line) >= 64<<10 {
			s.t.Errorf("claudetest: results line for %s is %d bytes; the Go SDK cannot read lines ≥ 64 KiB", rq.CustomID, len(line))
		}
		b.lines = append(b.lines, line)
	}
	h := fnv.New64a()
	h.Write([]byte(b.id))
	rng := rand.New(rand.NewPCG(h.Sum64(), 1))
	rng.Shuffle(len(b.lines), func(i, j int) { b.lines[i], b.lines[j] = b.lines[j], b.lines[i] })
}

func erroredResult(typ, msg string, seq int) map[string]any {
	return map[string]any{"type": "errored", "error": map[string]any{
		"type": "error", "error": map[string]string{"type": typ, "message": msg}, "request_id": fmt.Sprintf("req_%024d", seq)}}
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.RFC3339Nano)
}

// batchObject renders b; s.mu held.
func (s *Server) batchObject(b *batch, r *http.Request) map[string]any {
	counts := map[string]int{"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
	var resultsURL any
	if b.status == "ended" {
		for k, v := range b.counts {
			counts[k] = v
		}
		resultsURL = "http://" + r.Host + "/v1/messages/batches/" + b.id + "/results"
	} else {
		counts["processing"] = len(b.reqs)
	}
	return map[string]any{
		"id": b.id, "type": "message_batch", "processing_status": b.status, "request_counts": counts,
		"created_at": b.created.Format(time.RFC3339Nano), "expires_at": b.expires.Format(time.RFC3339Nano),
		"ended_at": timeOrNil(b.ended), "cancel_initiated_at": timeOrNil(b.cancelInitiated), "archived_at": nil,
		"results_url": resultsURL,
	}
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *batch {
	b, ok := s.batches[r.PathValue("id")]
	if !ok {
		s.mu.Unlock()
		s.writeError(w, 404, "not_found_error", "no batch "+r.PathValue("id"), nil)
		s.mu.Lock()
		return nil
	}
	return b
}

func (s *Server) handleBatchGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.lookup(w, r)
	if b == nil {
		return
	}
	s.stats.BatchGets++
	s.now = s.now.Add(s.opt.PollAdvance)
	s.settle(b)
	writeJSON(w, s.batchObject(b, r))
}

func (s *Server) handleBatchCancel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.lookup(w, r)
	if b == nil {
		return
	}
	s.settle(b)
	if b.status != "in_progress" {
		s.mu.Unlock()
		s.writeError(w, 400, "invalid_request_error", "batch "+b.id+" is "+b.status+" and cannot be canceled", nil)
		s.mu.Lock()
		return
	}
	now := s.now
	b.cancelInitiated = &now
	b.status = "canceling"
	writeJSON(w, s.batchObject(b, r))
}

func (s *Server) handleBatchDelete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.lookup(w, r)
	if b == nil {
		return
	}
	s.settle(b)
	if b.status != "ended" {
		s.mu.Unlock()
		s.writeError(w, 400, "invalid_request_error", "batch "+b.id+" has not ended", nil)
		s.mu.Lock()
		return
	}
	delete(s.batches, b.id)
	writeJSON(w, map[string]string{"id": b.id, "type": "message_batch_deleted"})
}

func (s *Server) handleBatchResults(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.lookup(w, r)
	if b == nil {
		return
	}
	s.settle(b)
	if b.status != "ended" {
		s.mu.Unlock()
		s.writeError(w, 400, "invalid_request_error", "results for "+b.id+" are not available until it has ended", nil)
		s.mu.Lock()
		return
	}
	s.stats.ResultFetches++
	w.Header().Set("content-type", "application/x-jsonl")
	for _, l := range b.lines {
		w.Write(l)
		w.Write([]byte{'\n'})
	}
}

func (s *Server) handleBatchList(w http.ResponseWriter, r *http.Request) {
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.writeError(w, 400, "invalid_request_error", "limit: must be 1..1000", nil)
			return
		}
		limit = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string // newest first
	for i := len(s.batchOrder) - 1; i >= 0; i-- {
		if _, ok := s.batches[s.batchOrder[i]]; ok {
			ids = append(ids, s.batchOrder[i])
		}
	}
	if after := r.URL.Query().Get("after_id"); after != "" { // older than after_id
		for i, id := range ids {
			if id == after {
				ids = ids[i+1:]
				break
			}
		}
	}
	if before := r.URL.Query().Get("before_id"); before != "" { // newer than before_id
		for i, id := range ids {
			if id == before {
				ids = ids[:i]
				break
			}
		}
	}
	more := len(ids) > limit
	if more {
		ids = ids[:limit]
	}
	data := []map[string]any{}
	for _, id := range ids {
		b := s.batches[id]
		s.settle(b)
		data = append(data, s.batchObject(b, r))
	}
	var first, last any
	if len(ids) > 0 {
		first, last = ids[0], ids[len(ids)-1]
	}
	writeJSON(w, map[string]any{"data": data, "has_more": more, "first_id": first, "last_id": last})
}
