package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/targetvision/targetvision/internal/web"
)

func thumb(color string) string {
	return "data:image/svg+xml," + fmt.Sprintf("%%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'%%3E%%3Crect width='10' height='10' fill='%%23%s'/%%3E%%3C/svg%%3E", color)
}

func main() {
	site, err := web.New()
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	js := func(v any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(v)
		}
	}
	result := func(i int) map[string]any {
		return map[string]any{"photo_id": i, "score": 0.9 / float64(i), "title": fmt.Sprintf("Red barn %d", i), "thumbnail_url": thumb([]string{"c33", "3c3", "33c", "cc3"}[i%4]),
			"web_url": "https://example.smugmug.com/x", "description": "A red barn in snow at dusk", "keywords": []string{"barn", "snow"}, "taken_at": "2024-01-02T15:04:05Z", "album": "Winter",
			"why": map[string]any{"vector_rank": i, "text_rank": i + 1, "matched_terms": []string{"barn", "snow"}}}
	}
	mux.HandleFunc("GET /api/v1/me", js(map[string]any{"id": 1, "email": "ann@example.com", "is_admin": true}))
	mux.HandleFunc("GET /api/v1/search", func(w http.ResponseWriter, r *http.Request) {
		res := []any{}
		if r.URL.Query().Get("q") != "nothing" {
			for i := 1; i <= 7; i++ {
				res = append(res, result(i))
			}
		}
		js(map[string]any{"query": r.URL.Query().Get("q"), "took_ms": 12, "total": len(res), "results": res})(w, r)
	})
	mux.HandleFunc("GET /api/v1/photos", func(w http.ResponseWriter, r *http.Request) {
		res := []any{}
		for i := 1; i <= 12; i++ {
			res = append(res, result(i))
		}
		js(map[string]any{"total": 12, "photos": res})(w, r)
	})
	mux.HandleFunc("GET /api/v1/photos/{id}", js(map[string]any{"photo_id": 3, "title": "Red barn", "caption": "Owner caption", "file_name": "IMG_0003.JPG", "album": "Winter",
		"description": "A red barn in snow at dusk, warm light in one window.", "keywords": []string{"barn", "snow", "dusk"}, "taken_at": "2024-01-02T15:04:05Z", "width": 6000, "height": 4000,
		"camera": "FUJIFILM X-T5", "lens": "XF16-55mmF2.8", "exposure": map[string]any{"time": "1/250", "f_number": 5.6, "iso": 400, "focal_length": 23},
		"gps": map[string]any{"lat": 47.1, "lon": 8.5}, "thumbnail_url": thumb("c33"), "image_url": thumb("c33"), "web_url": "https://example.smugmug.com/x", "source_id": 1}))
	mux.HandleFunc("GET /api/v1/photos/{id}/similar", js(map[string]any{"results": []any{result(4), result(5)}}))
	mux.HandleFunc("GET /api/v1/albums", js(map[string]any{"albums": []any{map[string]any{"id": 1, "name": "Winter", "photo_count": 12}}}))
	mux.HandleFunc("GET /api/v1/sources", js(map[string]any{"sources": []any{
		map[string]any{"id": 1, "kind": "smugmug", "name": "ann", "status": "ok", "last_error": "", "last_synced_at": "2024-01-02T15:04:05Z", "photo_count": 1200},
		map[string]any{"id": 2, "kind": "local", "name": "/srv/photos", "status": "error", "last_error": "open /srv/photos: permission denied", "last_synced_at": nil, "photo_count": 0}}}))
	mux.HandleFunc("GET /api/v1/jobs", js(map[string]any{"counts": map[string]any{"queued": 5, "running": 1, "done": 100, "failed": 1},
		"jobs": []any{map[string]any{"id": 9, "kind": "describe", "state": "failed", "attempts": 3, "last_error": "claude: 529 overloaded", "photo_id": 3, "updated_at": "2024-01-02T15:04:05Z"}}}))
	mux.HandleFunc("GET /api/v1/usage", js(map[string]any{"month_cost_usd": 1.25, "budget_usd": 5, "photos_described": 1300}))
	mux.HandleFunc("GET /api/v1/settings", js(map[string]any{"claude_model": "claude-haiku-4-5", "monthly_budget_usd": 5, "writeback_keywords": true, "writeback_captions": false}))
	mux.HandleFunc("GET /api/v1/models", js(map[string]any{"clip": map[string]any{"name": "laion/CLIP-ViT-B-32-laion2B-s34B-b79K", "present": true, "dim": 512}}))
	mux.HandleFunc("GET /api/v1/events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "event: progress\ndata: {\"queued\":%d,\"running\":1,\"done\":%d,\"failed\":1,\"current\":\"describe IMG_%d.JPG\"}\n\n", 5-i, 100+i, i)
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	})
	mux.Handle("/", site.Handler())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'")
		mux.ServeHTTP(w, r)
	})
	log.Fatal(http.ListenAndServe(os.Args[1], h))
}
