// Package loadbench is `targetvision bench http`: simulated users against
// one or more running `serve` processes on one database. It creates the
// users (each with a small library and one thumbnail file), signs them in,
// holds their Activity streams open, and drives traffic with vegeta — a
// visit is a search typed letter by letter, its second page, the thumbnails
// of the page and one photo — at rising rates, reporting what each rate
// achieved and the CPU and database transactions an open stream costs.
package loadbench

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/store"
)

// Options configure a run. Bases, DB and DataDir are required.
type Options struct {
	// Bases are the serve processes, e.g. http://127.0.0.1:8080; a user's
	// requests go to one of them (users are spread evenly), as behind a
	// load balancer with sticky sessions.
	Bases []string
	// DB is the processes' database: the simulated users are made there.
	DB *store.DB
	// DataDir is the processes' data directory (a thumbnail file is
	// written there for the users' photos).
	DataDir string
	// Users is how many users visit. Default 100.
	Users int
	// Streams is how many Activity streams stay open (one per user, the
	// first Streams users). Default Users.
	Streams int
	// PhotosPerUser is each user's library. Default 200.
	PhotosPerUser int
	// Rates are the searches a second of each step. Default 10, 20, 40, 80.
	Rates []int
	// Step is how long each rate runs. Default 20s.
	Step time.Duration
	// FreshQueries makes every typed search of a run a text no search of
	// the run typed before ("barn misty sheep dawn": the visit's word,
	// then a description no earlier search used), so a query-embedding
	// cache cannot answer it: each one costs a CLIP text embedding when
	// the processes search by meaning. By default a visit types one of
	// the 20 words letter by letter, which a cache answers after warm-up.
	FreshQueries bool
	// MetricsToken reads the processes' /metrics (their CPU); empty skips
	// the CPU columns.
	MetricsToken string
	// Out receives the report.
	Out    io.Writer
	Logger *slog.Logger
}

// visit is what one visit of a user asks, in order: four searches as the
// word is typed, the second page of results, six thumbnails and one photo:
// 5 searches in 12 requests.
const typed, searchesPerVisit, requestsPerVisit = 4, 5, 12

// password is every simulated user's password.
const password = "bench password 0123456789"

// words make the libraries' titles and what the users type.
var words = []string{"barn", "lake", "sunset", "harbour", "meadow", "glacier", "market", "bridge", "forest", "canyon",
	"lighthouse", "orchard", "vineyard", "desert", "island", "castle", "waterfall", "village", "station", "garden"}

// The fresh descriptions (Options.FreshQueries): a mood, a subject and a
// time, none of them in the libraries' titles nor a prefix of a title word,
// so a fresh search's text leg matches by the visit's word alone.
var (
	moods = []string{"misty", "golden", "snowy", "rainy", "foggy", "frosty", "stormy", "quiet", "crowded", "empty",
		"ancient", "rusty", "colourful", "faded", "dim", "windy", "calm", "wild", "green", "blue",
		"red", "yellow", "pink", "purple", "grey", "white", "black", "tiny", "huge", "old",
		"modern", "wooden", "stone", "broken", "hidden", "lonely", "busy", "famous", "sleepy", "dusty"}
	subjects = []string{"dog", "cat", "horse", "cows", "sheep", "goats", "ducks", "swans", "bicycle", "boat",
		"tractor", "car", "tram", "train", "child", "couple", "family", "friends", "wedding", "crowd",
		"fisherman", "farmer", "painter", "musician", "dancer", "climber", "runner", "kite", "balloon", "umbrella",
		"tent", "campfire", "picnic", "flowers", "pumpkins", "apples", "snowman", "fireworks", "rainbow", "clouds"}
	times = []string{"dawn", "dusk", "noon", "midnight", "morning", "evening", "night", "twilight", "spring", "summer",
		"autumn", "winter", "christmas", "easter", "holiday", "weekend", "monday", "friday", "birthday", "snowfall",
		"heatwave", "blizzard", "halloween", "drizzle", "moonlight", "daybreak", "nightfall", "teatime", "lunchtime", "thaw"}
)

// freshVisits is how many visits of a run FreshQueries keeps fresh: then
// the descriptions come round again.
var freshVisits = uint64(len(moods) * len(subjects) * len(times) / typed)

// description is the i-th fresh description: consecutive ones differ in
// their mood, and none repeats before len(moods)·len(subjects)·len(times).
func description(i uint64) string {
	m, s, t := uint64(len(moods)), uint64(len(subjects)), uint64(len(times))
	return moods[i%m] + " " + subjects[i/m%s] + " " + times[i/(m*s)%t]
}

// searchText is what search k of a visit asks (k < typed: as typed;
// k == typed: the second page), whose word is word and whose number in
// the run is visit. By default the word typed letter by letter ("ba",
// "bar", "barn", "barn lake", drawing the second word from r), then the
// word's second page; with fresh queries, four descriptions of the word
// never typed before in the run ("barn misty sheep dawn", "barn golden
// sheep dawn", …), then the last one's second page.
func searchText(word string, k int, r *rand.Rand, fresh bool, visit uint64) string {
	if fresh {
		return word + " " + description(visit*typed+uint64(min(k, typed-1)))
	}
	switch {
	case k < typed-1:
		return word[:min(len(word), k+2)]
	case k == typed-1:
		return word + " " + words[r.IntN(len(words))]
	}
	return word
}

type user struct {
	id     int64
	email  string
	cookie *http.Cookie
	base   string
	ip     string
	photos []int64
}

// Run does the whole benchmark and writes its report to o.Out.
func Run(ctx context.Context, o Options) error {
	o.Users = cmp.Or(o.Users, 100)
	o.Streams = min(cmp.Or(o.Streams, o.Users), o.Users)
	o.PhotosPerUser = cmp.Or(o.PhotosPerUser, 200)
	if len(o.Rates) == 0 {
		o.Rates = []int{10, 20, 40, 80}
	}
	o.Step = cmp.Or(o.Step, 20*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if len(o.Bases) == 0 || o.DB == nil || o.DataDir == "" {
		return fmt.Errorf("loadbench: bases, database and data directory are required")
	}
	users, err := prepare(ctx, o)
	if err != nil {
		return err
	}
	o.Logger.InfoContext(ctx, "signing in", "users", len(users))
	if err := signIn(ctx, users); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "bench http: %d users (%d photos each), %d open Activity streams, %d serve process(es)\n",
		len(users), o.PhotosPerUser, o.Streams, len(o.Bases))
	if o.FreshQueries {
		fmt.Fprintf(o.Out, "fresh queries: every typed search a text not typed before in the run (for %d visits)\n", freshVisits)
	}
	fmt.Fprintln(o.Out)

	// The cost of open streams: the processes' CPU and the database's
	// transactions over a quiet spell without streams, then with them.
	// Postgres reports an idle connection's statistics up to 10 s late:
	// each measurement waits that out first, so it does not count the
	// sign-ins' or the streams' opening reads.
	quiet, settle := 15*time.Second, 12*time.Second
	time.Sleep(settle)
	idle, err := measure(ctx, o, quiet)
	if err != nil {
		return err
	}
	sctx, closeStreams := context.WithCancel(ctx)
	defer closeStreams()
	events, opened := openStreams(sctx, users[:o.Streams])
	if n := opened.Wait(); n < o.Streams {
		return fmt.Errorf("loadbench: only %d of %d streams opened", n, o.Streams)
	}
	time.Sleep(settle)
	held, err := measure(ctx, o, quiet)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "open streams, no traffic (%v each):\n", quiet)
	fmt.Fprintf(o.Out, "  %-22s %10s %14s\n", "", "CPU ms/s", "DB xacts/s")
	fmt.Fprintf(o.Out, "  %-22s %10.1f %14.1f\n", "no stream", idle.cpuPerSec, idle.xactsPerSec)
	fmt.Fprintf(o.Out, "  %-22s %10.1f %14.1f\n", fmt.Sprintf("%d streams", o.Streams), held.cpuPerSec, held.xactsPerSec)
	if o.Streams > 0 {
		fmt.Fprintf(o.Out, "  %-22s %10.3f %14.3f\n", "per stream", (held.cpuPerSec-idle.cpuPerSec)/float64(o.Streams),
			(held.xactsPerSec-idle.xactsPerSec)/float64(o.Streams))
	}

	fmt.Fprintf(o.Out, "\ntraffic with the streams open (%v per step):\n", o.Step)
	fmt.Fprintf(o.Out, "  %8s %10s %10s %10s %10s %10s %8s %10s\n", "target/s", "searches/s", "search p50", "search p95",
		"search p99", "all p95", "errors", "CPU ms/s")
	best := 0.0
	var visits uint64
	for _, rate := range o.Rates {
		st, err := step(ctx, o, users, rate, visits)
		if err != nil {
			return err
		}
		visits += st.visits
		fmt.Fprintf(o.Out, "  %8d %10.1f %10s %10s %10s %10s %7.2f%% %10.1f\n", rate, st.searchesPerSec, ms(st.searchP50), ms(st.searchP95),
			ms(st.searchP99), ms(st.allP95), 100*st.errorRate, st.cpuPerSec)
		if st.searchP95 <= 100*time.Millisecond && st.errorRate < 0.01 {
			best = max(best, st.searchesPerSec)
		}
	}
	fmt.Fprintf(o.Out, "\nsustained: %.1f searches/s with p95 ≤ 100 ms\n", best)
	closeStreams()
	fmt.Fprintf(o.Out, "stream events received: %d\n", events.Load())
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// prepare makes (or finds) the bench users, each with a source, photos
// with words in their titles, and the one thumbnail they all show.
func prepare(ctx context.Context, o Options) ([]*user, error) {
	thumb := filepath.Join("bench", "thumb.jpg")
	if err := os.MkdirAll(filepath.Join(o.DataDir, "bench"), 0o700); err != nil {
		return nil, fmt.Errorf("loadbench: %w", err)
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, image.NewGray(image.Rect(0, 0, 400, 300)), &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.DataDir, thumb), jb.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("loadbench: %w", err)
	}
	h, err := auth.NewPasswordHasher(auth.DefaultArgon2Params())
	if err != nil {
		return nil, err
	}
	hash, err := h.Hash(password)
	if err != nil {
		return nil, err
	}
	users := make([]*user, o.Users)
	var made atomic.Int64
	errs := make(chan error, o.Users)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range o.Users {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			u, err := prepareUser(ctx, o, i, hash, thumb)
			if err != nil {
				errs <- err
				return
			}
			users[i] = u
			if n := made.Add(1); n%100 == 0 {
				o.Logger.InfoContext(ctx, "users ready", "count", n)
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return users, nil
}

func prepareUser(ctx context.Context, o Options, i int, hash, thumb string) (*user, error) {
	email := fmt.Sprintf("bench-%d@bench.invalid", i)
	u, err := o.DB.UserByEmail(ctx, email)
	if err != nil {
		if u, err = o.DB.CreateUser(ctx, email, hash, false); err != nil {
			return nil, fmt.Errorf("loadbench: user %s: %w", email, err)
		}
	}
	out := &user{id: u.ID, email: email, base: o.Bases[i%len(o.Bases)], ip: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
	srcs, err := o.DB.Sources(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		dir := "/bench/" + strconv.Itoa(i)
		src, err := o.DB.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: dir, Path: dir})
		if err != nil {
			return nil, fmt.Errorf("loadbench: source of %s: %w", email, err)
		}
		r := rand.New(rand.NewPCG(uint64(i), 1))
		for p := range o.PhotosPerUser {
			a, b := words[r.IntN(len(words))], words[r.IntN(len(words))]
			key := fmt.Sprintf("%s-%s-%d.jpg", a, b, p)
			if _, _, err := o.DB.UpsertPhoto(ctx, store.Photo{UserID: u.ID, SourceID: src.ID, SourceKey: key, FileName: key,
				Title: a + " and " + b, Caption: "A " + a + " near the " + b, Keywords: []string{a, b}, ContentHash: fmt.Sprintf("bench-%d-%d", i, p),
				TakenAt: time.Date(2015+p%10, time.Month(1+p%12), 1+p%28, 12, 0, 0, 0, time.UTC)}); err != nil {
				return nil, fmt.Errorf("loadbench: photo of %s: %w", email, err)
			}
		}
		if _, err := o.DB.SQL().ExecContext(ctx, "UPDATE photos SET thumb_path = $1, status = 'ready' WHERE user_id = $2", thumb, u.ID); err != nil {
			return nil, fmt.Errorf("loadbench: thumbnails of %s: %w", email, err)
		}
	}
	ps, _, err := o.DB.ListPhotos(ctx, u.ID, store.Filter{}, 50, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out.photos = append(out.photos, p.ID)
	}
	return out, nil
}

// signIn signs every user in at their process, from their own address
// (X-Forwarded-For: the processes must trust 127.0.0.1 as a proxy, or the
// sign-in budget of one address stops the bench at 20 users a minute).
func signIn(ctx context.Context, users []*user) error {
	sem := make(chan struct{}, 4)
	errs := make(chan error, len(users))
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			body, _ := json.Marshal(map[string]string{"email": u.email, "password": password})
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u.base+"/api/v1/auth/login", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", u.ip)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- fmt.Errorf("loadbench: sign in: %w", err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			for _, c := range resp.Cookies() {
				if c.Name == auth.DefaultSessionCookie && c.Value != "" {
					u.cookie = c
				}
			}
			if u.cookie == nil {
				errs <- fmt.Errorf("loadbench: sign in at %s: %s (do the processes trust 127.0.0.1 as a proxy? TARGETVISION_TRUSTED_PROXIES)", u.base, resp.Status)
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// counter counts streams as they open.
type counter struct {
	mu   sync.Mutex
	n    int
	done int
	want int
	cond *sync.Cond
}

// Wait waits until every stream opened or failed, and says how many opened.
func (c *counter) Wait() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.done < c.want {
		c.cond.Wait()
	}
	return c.n
}

// openStreams opens one Activity stream per user and counts the events
// they receive until ctx ends.
func openStreams(ctx context.Context, users []*user) (*atomic.Int64, *counter) {
	var events atomic.Int64
	c := &counter{want: len(users)}
	c.cond = sync.NewCond(&c.mu)
	finish := func(ok bool) {
		c.mu.Lock()
		c.done++
		if ok {
			c.n++
		}
		c.mu.Unlock()
		c.cond.Broadcast()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 10, MaxConnsPerHost: 0}}
	for i, u := range users {
		go func() {
			// Open them a few at a time, as tabs open.
			time.Sleep(time.Duration(i%100) * 10 * time.Millisecond)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.base+"/api/v1/events", nil)
			req.AddCookie(u.cookie)
			req.Header.Set("X-Forwarded-For", u.ip)
			resp, err := client.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				if err == nil {
					resp.Body.Close()
				}
				finish(false)
				return
			}
			defer resp.Body.Close()
			finish(true)
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "data: ") {
					events.Add(1)
				}
			}
		}()
	}
	return &events, c
}

// usage is what the processes and the database spent over a spell.
type usage struct {
	cpuPerSec   float64 // the serve processes' CPU, ms a second
	xactsPerSec float64 // the database's committed transactions a second
}

// measure samples the processes' CPU (/metrics) and the database's
// transaction count before and after d.
func measure(ctx context.Context, o Options, d time.Duration) (usage, error) {
	cpu0, err := cpuSeconds(ctx, o)
	if err != nil {
		return usage{}, err
	}
	x0, err := xacts(ctx, o.DB)
	if err != nil {
		return usage{}, err
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return usage{}, ctx.Err()
	case <-time.After(d):
	}
	cpu1, err := cpuSeconds(ctx, o)
	if err != nil {
		return usage{}, err
	}
	x1, err := xacts(ctx, o.DB)
	if err != nil {
		return usage{}, err
	}
	secs := time.Since(start).Seconds()
	return usage{cpuPerSec: 1000 * (cpu1 - cpu0) / secs, xactsPerSec: float64(x1-x0) / secs}, nil
}

// cpuSeconds sums process_cpu_seconds_total over the processes (0 without
// a metrics token).
func cpuSeconds(ctx context.Context, o Options) (float64, error) {
	if o.MetricsToken == "" {
		return 0, nil
	}
	total := 0.0
	for _, base := range o.Bases {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+o.MetricsToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, fmt.Errorf("loadbench: metrics: %w", err)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "process_cpu_seconds_total "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				total += f
			}
		}
		resp.Body.Close()
	}
	return total, nil
}

// xacts is the database's committed transactions so far (Postgres; 0 on
// SQLite).
func xacts(ctx context.Context, db *store.DB) (int64, error) {
	if db.Dialect() != store.Postgres {
		return 0, nil
	}
	var n int64
	err := db.SQL().QueryRowContext(ctx, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("loadbench: transactions: %w", err)
	}
	// The statistics collector reports with a delay; a fresh snapshot
	// each time.
	_, _ = db.SQL().ExecContext(ctx, "SELECT pg_stat_clear_snapshot()")
	return n, nil
}

type stepResult struct {
	searchesPerSec                          float64
	searchP50, searchP95, searchP99, allP95 time.Duration
	errorRate                               float64
	cpuPerSec                               float64
	visits                                  uint64 // visits begun
}

// step runs one rate: visits at rate/5 a second, each 12 requests. The
// run's visits before it were first.
func step(ctx context.Context, o Options, users []*user, rate int, first uint64) (stepResult, error) {
	var seq atomic.Uint64
	targeter := func(t *vegeta.Target) error {
		n := seq.Add(1) - 1
		visit, k := n/requestsPerVisit, int(n%requestsPerVisit)
		u := users[int(visit)%len(users)]
		r := rand.New(rand.NewPCG(visit, 7))
		word := words[r.IntN(len(words))]
		t.Method = http.MethodGet
		t.Header = http.Header{"Cookie": {u.cookie.String()}, "X-Forwarded-For": {u.ip}}
		photo := func() int64 { return u.photos[r.IntN(len(u.photos))] }
		switch {
		case k < typed: // typing: "ba", "bar", "barn", "barn " + second word
			t.URL = u.base + "/api/v1/search?q=" + url.QueryEscape(searchText(word, k, r, o.FreshQueries, first+visit))
		case k == typed:
			t.URL = u.base + "/api/v1/search?q=" + url.QueryEscape(searchText(word, k, r, o.FreshQueries, first+visit)) + "&offset=20"
		case k < requestsPerVisit-1:
			t.URL = fmt.Sprintf("%s/api/v1/photos/%d/thumbnail", u.base, photo())
		default:
			t.URL = fmt.Sprintf("%s/api/v1/photos/%d", u.base, photo())
		}
		return nil
	}
	attacker := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true), vegeta.MaxWorkers(2000))
	pacer := vegeta.Rate{Freq: rate * requestsPerVisit / searchesPerVisit, Per: time.Second}
	var search, all vegeta.Metrics
	cpu0, err := cpuSeconds(ctx, o)
	if err != nil {
		return stepResult{}, err
	}
	start := time.Now()
	for res := range attacker.Attack(targeter, pacer, o.Step, "bench") {
		all.Add(res)
		if strings.Contains(res.URL, "/api/v1/search") {
			search.Add(res)
		}
		if ctx.Err() != nil {
			attacker.Stop()
		}
	}
	took := time.Since(start).Seconds()
	search.Close()
	all.Close()
	cpu1, err := cpuSeconds(ctx, o)
	if err != nil {
		return stepResult{}, err
	}
	ok := float64(search.Requests) * search.Success
	return stepResult{
		searchesPerSec: ok / took,
		searchP50:      search.Latencies.P50, searchP95: search.Latencies.P95, searchP99: search.Latencies.P99,
		allP95:    all.Latencies.P95,
		errorRate: 1 - all.Success,
		cpuPerSec: 1000 * (cpu1 - cpu0) / took,
		visits:    (seq.Load() + requestsPerVisit - 1) / requestsPerVisit,
	}, ctx.Err()
}
