package store_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// filterLib is two users' photos with every filterable column set, and
// an 8-dimensional embedding each.
type filterLib struct {
	a, b     store.User
	srcA     store.Source
	srcB     store.Source
	albums   map[string]store.Album // user a's
	photosOf map[int64][]int64
}

func newFilterLib(t *testing.T, db *store.DB) *filterLib {
	t.Helper()
	ctx := t.Context()
	l := &filterLib{albums: map[string]store.Album{}, photosOf: map[int64][]int64{}}
	var err error
	if l.a, err = db.CreateUser(ctx, "a@example.com", "x", false); err != nil {
		t.Fatal(err)
	}
	if l.b, err = db.CreateUser(ctx, "b@example.com", "x", false); err != nil {
		t.Fatal(err)
	}
	y := func(year int) time.Time { return time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC) }
	r := rand.New(rand.NewPCG(1, 2))
	for _, u := range []store.User{l.a, l.b} {
		src, err := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: fmt.Sprintf("/p%d", u.ID), Path: fmt.Sprintf("/p%d", u.ID)})
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == l.a.ID {
			l.srcA = src
		} else {
			l.srcB = src
		}
		albums := map[string]int64{}
		for _, name := range []string{"Pets", "pets", "Trips"} {
			al, err := db.UpsertAlbum(ctx, store.Album{UserID: u.ID, SourceID: src.ID, Key: name, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			albums[name] = al.ID
			if u.ID == l.a.ID {
				l.albums[name] = al
			}
		}
		for i, spec := range []struct {
			album, camera string
			taken         time.Time
			keywords, ai  []string
			gps           bool
			lens          string
			iso           int
			fNumber       float64
		}{
			{"Pets", "Canon", y(2015), []string{"Snow"}, nil, true, "EF 50mm f/1.8", 100, 1.8},
			{"pets", "Nikon", y(2019), nil, []string{"dog", "snow"}, false, "NIKKOR Z 24-70mm f/4 S", 6400, 4},
			{"Trips", "Canon", y(2022), nil, []string{"snowy"}, false, "", 800, 0},
			{"", "", time.Time{}, nil, nil, false, "", 0, 0},
		} {
			p := store.Photo{UserID: u.ID, SourceID: src.ID, AlbumID: albums[spec.album], SourceKey: fmt.Sprintf("%d.jpg", i),
				FileName: fmt.Sprintf("%d.jpg", i), CameraMake: spec.camera, TakenAt: spec.taken, Keywords: spec.keywords,
				Lens: spec.lens, ISO: spec.iso, FNumber: spec.fNumber,
				ContentHash: fmt.Sprintf("h%d-%d", u.ID, i), Status: store.PhotoReady}
			if spec.gps {
				p.GPS = &store.GPS{Lat: 1, Lon: 2}
			}
			p, _, err := db.UpsertPhoto(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				fav := true
				if err := db.SetPhotoEdits(ctx, u.ID, p.ID, store.PhotoEdit{Favorite: &fav}); err != nil {
					t.Fatal(err)
				}
			}
			if spec.ai != nil {
				if err := db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: p.ID, UserID: u.ID, Model: "c", PromptVersion: "1",
					Description: strings.Join(spec.ai, " "), Keywords: spec.ai}); err != nil {
					t.Fatal(err)
				}
			}
			vec := make([]float32, 8)
			for k := range vec {
				vec[k] = float32(r.NormFloat64())
			}
			if err := db.SaveEmbedding(ctx, store.Embedding{PhotoID: p.ID, UserID: u.ID, Model: "m", Vector: vec}); err != nil {
				t.Fatal(err)
			}
			l.photosOf[u.ID] = append(l.photosOf[u.ID], p.ID)
		}
	}
	return l
}

// TestFilterRenderingsAgree: every SQL rendering of a filter — on the
// photos, with album ids resolved, and (Postgres) on the copies of the
// photos' columns that embeddings and full-text rows carry — selects the
// same photos, when written and after the photo moves, is re-dated, its
// album is deleted and its source changes.
func TestFilterRenderingsAgree(t *testing.T) {
	t.Parallel()
	for _, st := range []struct {
		name string
		open func(testing.TB, store.Options) *store.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			db := st.open(t, store.Options{})
			ctx := t.Context()
			l := newFilterLib(t, db)
			y := func(year int) time.Time { return time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC) }
			filters := []store.Filter{
				{}, {Album: "PETS"}, {Album: "trips"}, {Album: "none"}, {AlbumID: l.albums["Trips"].ID}, {Camera: "canon"},
				{Camera: "NIK"}, {From: y(2016)}, {To: y(2020)}, {From: y(2016), To: y(2020)}, {HasGPS: true},
				{SourceID: l.srcA.ID}, {SourceID: l.srcB.ID}, {Keyword: "snow"}, {Keyword: "dog", Camera: "nikon"},
				{Status: store.PhotoReady, Album: "pets"}, {Exclude: "snow"}, {Exclude: "dogs", Album: "pets"}, {Undated: true}, {CollectionID: 1}, {Place: "germany"},
				{Lens: "nikkor"}, {Lens: "50mm", Camera: "canon"}, {MinISO: 800}, {MaxISO: 800}, {MinISO: 100, MaxISO: 800, Album: "pets"},
				{MaxFNumber: 2}, {MinFNumber: 2, MaxFNumber: 5.6}, {Favorite: true}, {Favorite: true, Keyword: "dog"},
			}
			check := func(when string) {
				t.Helper()
				for _, f := range filters {
					photos, resolved, emb, search, err := store.FilterSelections(ctx, db, l.a.ID, f)
					if err != nil {
						t.Fatal(err)
					}
					for what, got := range map[string][]int64{"resolved": resolved, "embeddings' copy": emb, "photo_search's copy": search} {
						if (got != nil || what == "resolved") && !slices.Equal(got, photos) {
							t.Errorf("%s: filter %+v: %s selects %v, the photos %v", when, f, what, got, photos)
						}
					}
				}
			}
			check("as written")
			pids := l.photosOf[l.a.ID]
			if err := db.MovePhoto(ctx, l.a.ID, pids[0], "moved.jpg", "moved.jpg", l.albums["Trips"].ID); err != nil {
				t.Fatal(err)
			}
			p, err := db.Photo(ctx, l.a.ID, pids[1])
			if err != nil {
				t.Fatal(err)
			}
			p.TakenAt, p.CameraMake, p.CameraModel, p.GPS = y(2012), "Canon", "EOS R5", &store.GPS{Lat: 1.5, Lon: 2.5}
			if _, _, err := db.UpsertPhoto(ctx, p); err != nil {
				t.Fatal(err)
			}
			check("after a move and an EXIF change")
			if err := db.DeleteAlbum(ctx, l.a.ID, l.albums["Trips"].ID); err != nil {
				t.Fatal(err)
			}
			check("after the album was deleted")
			other, err := db.CreateSource(ctx, store.Source{UserID: l.a.ID, Kind: store.SourceLocal, Name: "/q", Path: "/q"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, "UPDATE photos SET source_id = $1 WHERE id = $2", other.ID, pids[2]); err != nil {
				t.Fatal(err)
			}
			filters = append(filters, store.Filter{SourceID: other.ID})
			check("after a source change")
		})
	}
}

// TestNearestPhotosWalksHNSW: on Postgres, NearestPhotos' graph walk —
// plain and filtered — uses the partial HNSW index rather than sorting
// every row (the 100× trap of an ORDER BY the index cannot serve), and
// finds what the exact scan finds.
func TestNearestPhotosWalksHNSW(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t, store.Options{})
	ctx := t.Context()
	const n, dim = 1500, 512
	r := rand.New(rand.NewPCG(7, 7))
	unit := func() []float32 {
		v := make([]float32, dim)
		var s float64
		for i := range v {
			v[i] = float32(r.NormFloat64())
			s += float64(v[i]) * float64(v[i])
		}
		for i := range v {
			v[i] /= float32(math.Sqrt(s))
		}
		return v
	}
	u, err := db.CreateUser(ctx, "a@example.com", "x", false)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := db.CreateUser(ctx, "b@example.com", "x", false)
	var album store.Album
	for _, owner := range []store.User{u, other} {
		src, err := db.CreateSource(ctx, store.Source{UserID: owner.ID, Kind: store.SourceLocal, Name: fmt.Sprint("/p", owner.ID), Path: "/p"})
		if err != nil {
			t.Fatal(err)
		}
		al, err := db.UpsertAlbum(ctx, store.Album{UserID: owner.ID, SourceID: src.ID, Key: "a3", Name: "Album 3"})
		if err != nil {
			t.Fatal(err)
		}
		if owner.ID == u.ID {
			album = al
		}
		for i := range n / 2 {
			p := store.Photo{UserID: owner.ID, SourceID: src.ID, SourceKey: fmt.Sprint(i), FileName: fmt.Sprint(i), ContentHash: fmt.Sprint(owner.ID, "-", i),
				CameraMake: []string{"Canon", "Nikon", "Sony"}[i%3], TakenAt: time.Date(2000+i%25, 1, 1, 0, 0, 0, 0, time.UTC), Status: store.PhotoReady}
			if i%7 == 0 {
				p.AlbumID = al.ID
			}
			p, _, err := db.UpsertPhoto(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.SaveEmbedding(ctx, store.Embedding{PhotoID: p.ID, UserID: owner.ID, Model: "m", Vector: unit()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	y := func(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }
	plan := store.VectorPlan{EfSearch: 100, MaxScanTuples: 40000}
	for _, f := range []store.Filter{{}, {Camera: "canon"}, {From: y(2015)}, {AlbumID: album.ID, From: y(2005)}} {
		q := store.VectorQuery{UserID: u.ID, Model: "m", Vec: unit(), K: 20, Filter: f}
		explained, err := store.ExplainNearest(ctx, db, q, plan)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(explained, "Index Scan using embeddings_hnsw_512") || strings.Contains(explained, "Seq Scan on embeddings") {
			t.Errorf("filter %+v: the walk does not use the HNSW index:\n%s", f, explained)
		}
		ann, err := db.NearestPhotos(ctx, q, plan)
		if err != nil {
			t.Fatal(err)
		}
		exact, err := db.NearestPhotos(ctx, q, store.VectorPlan{Exact: true})
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, e := range exact {
			if slices.ContainsFunc(ann, func(h store.VectorHit) bool { return h.PhotoID == e.PhotoID }) {
				found++
			}
		}
		if len(exact) == 0 || float64(found) < 0.8*float64(len(exact)) {
			t.Errorf("filter %+v: the walk found %d of the exact top %d", f, found, len(exact))
		}
	}
	if _, err := storetest.OpenSQLite(t, store.Options{}).NearestPhotos(ctx, store.VectorQuery{Vec: unit(), K: 1}, plan); err == nil {
		t.Error("NearestPhotos on SQLite did not refuse")
	}
}
