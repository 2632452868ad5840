package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// TestPostgresUpgradeFillsFilterCopies upgrades a library written before
// migrations 00008–00010 and checks that its embeddings and full-text rows
// got their photo's filter columns and that the vector indexes are back.
func TestPostgresUpgradeFillsFilterCopies(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t, store.Options{SkipMigrate: true})
	ctx := t.Context()
	if err := store.MigrateTo(ctx, db, 7); err != nil {
		t.Fatal(err)
	}
	// Rows are written as the code of schema 7 wrote them: later
	// migrations add columns today's code reads and writes.
	var u store.User
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO users (email, password_hash, is_admin, created_at)
		VALUES ('a@example.com', 'x', false, now()) RETURNING id`).Scan(&u.ID); err != nil {
		t.Fatal(err)
	}
	// The source, too, as schema 7 had it (00030 adds columns).
	var src store.Source
	if err := db.SQL().QueryRowContext(ctx, `INSERT INTO sources (user_id, kind, name, path, created_at)
		VALUES ($1, 'local', '/p', '/p', now()) RETURNING id`, u.ID).Scan(&src.ID); err != nil {
		t.Fatal(err)
	}
	a, err := db.UpsertAlbum(ctx, store.Album{UserID: u.ID, SourceID: src.ID, Key: "trips", Name: "Trips"})
	if err != nil {
		t.Fatal(err)
	}
	taken := time.Date(2019, 6, 1, 12, 0, 0, 0, time.UTC)
	// The photo is written as the code of schema 7 wrote it: later
	// migrations add photo columns today's UpsertPhoto writes.
	var p store.Photo
	err = db.SQL().QueryRowContext(ctx, `INSERT INTO photos (user_id, source_id, album_id, source_key, file_name, content_hash,
		camera_make, camera_model, taken_at, gps_lat, gps_lon, created_at, updated_at)
		VALUES ($1, $2, $3, 'a.jpg', 'a.jpg', 'h', 'Canon', 'EOS 40D', $4, 1, 2, now(), now()) RETURNING id`,
		u.ID, src.ID, a.ID, taken).Scan(&p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO photo_search (photo_id, user_id, doc, tsv)
		VALUES ($1, $2, 'a jpg', to_tsvector('simple', 'a jpg'))`, p.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveEmbedding(ctx, store.Embedding{PhotoID: p.ID, UserID: u.ID, Model: "m", Vector: make([]float32, 512)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"embeddings", "photo_search"} {
		var source, album int64
		var camera string
		var gps bool
		var at time.Time
		err := db.SQL().QueryRowContext(ctx, "SELECT source_id, album_id, camera, has_gps, taken_at FROM "+table+" WHERE photo_id = $1", p.ID).
			Scan(&source, &album, &camera, &gps, &at)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if source != src.ID || album != a.ID || camera != "canon eos 40d" || !gps || !at.Equal(taken) {
			t.Errorf("%s copy after upgrade: source %d album %d camera %q gps %v taken %v", table, source, album, camera, gps, at)
		}
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_indexes
		WHERE indexname IN ('embeddings_hnsw_512', 'embeddings_hnsw_768', 'photo_search_album')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d of the 3 search indexes after upgrade", n)
	}
	// The graphs link new photos with the denser search list of 00012.
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_indexes
		WHERE indexname LIKE 'embeddings_hnsw_%' AND indexdef LIKE '%ef_construction=''128''%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d of the 2 HNSW indexes built with ef_construction 128", n)
	}
	// Full text has one ranking index: rum's where the server has it.
	want := "photo_search_tsv"
	if db.RankedTextIndex() {
		want = "photo_search_rum"
	}
	var names []string
	rows, err := db.SQL().QueryContext(ctx, `SELECT indexname FROM pg_indexes
		WHERE indexname IN ('photo_search_tsv', 'photo_search_rum')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if len(names) != 1 || names[0] != want {
		t.Errorf("full-text indexes after upgrade: %v, want [%s]", names, want)
	}
}

// dialects are the stores an upgrade test runs on.
var dialects = []struct {
	name string
	open func(testing.TB, store.Options) *store.DB
}{
	{"sqlite", storetest.OpenSQLite},
	{"postgres", storetest.OpenPostgres},
}

// TestUpgradeMarksTheDefaultUser: migration 00013 finds the command line's
// user on libraries written before it — the unclaimed local user, or, once
// claimed (its e-mail changed), the oldest administrator — and never an
// account that merely took the reserved address.
func TestUpgradeMarksTheDefaultUser(t *testing.T) {
	t.Parallel()
	for _, st := range dialects {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			for _, claimed := range []bool{false, true} {
				db := st.open(t, store.Options{SkipMigrate: true})
				ctx := t.Context()
				if err := store.MigrateTo(ctx, db, 12); err != nil {
					t.Fatal(err)
				}
				// As the code before 00013 wrote them: the local user first,
				// then (claimed) its e-mail changed by the first sign-up and a
				// squatter on the freed reserved address.
				if _, err := db.SQL().ExecContext(ctx, `INSERT INTO users (email, password_hash, is_admin, created_at)
					VALUES ('local@targetvision.invalid', '', $1, '2024-01-01T00:00:00.000000Z')`, true); err != nil {
					t.Fatal(err)
				}
				want := "local@targetvision.invalid"
				if claimed {
					want = "owner@example.com"
					for _, q := range []string{
						"UPDATE users SET email = 'owner@example.com', password_hash = 'h' WHERE email = 'local@targetvision.invalid'",
						"INSERT INTO users (email, password_hash, is_admin, created_at) VALUES ('local@targetvision.invalid', 'attacker', $1, '2024-02-01T00:00:00.000000Z')",
					} {
						args := []any{}
						if strings.Contains(q, "$1") {
							args = append(args, false)
						}
						if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
							t.Fatal(err)
						}
					}
				}
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				u, err := db.EnsureDefaultUser(ctx)
				if err != nil || u.Email != want {
					t.Errorf("claimed=%v: the CLI's user after the upgrade is %+v (%v), want %s", claimed, u, err, want)
				}
			}
		})
	}
}

// TestUpgradeTypesTheSettings: migration 00030 carries the settings JSON
// of libraries written before it into the typed records — a user's model
// and budget into user_settings, a source's write-back into its columns,
// leaving a folder's exclude patterns in its settings.
func TestUpgradeTypesTheSettings(t *testing.T) {
	t.Parallel()
	for _, st := range dialects {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			db := st.open(t, store.Options{SkipMigrate: true})
			ctx := t.Context()
			if err := store.MigrateTo(ctx, db, 20); err != nil {
				t.Fatal(err)
			}
			var ids [3]int64
			for i, settings := range []string{
				`{"claude_model":"claude-sonnet-4-5","monthly_budget_usd":4.5,"writeback_keywords":true,"writeback_captions":false}`,
				`{}`,
				`{"monthly_budget_usd":7}`,
			} {
				err := db.SQL().QueryRowContext(ctx, `INSERT INTO users (email, password_hash, is_admin, created_at, settings)
					VALUES ($1, 'h', $2, '2024-01-01T00:00:00.000000Z', $3) RETURNING id`,
					fmt.Sprintf("u%d@example.com", i), false, settings).Scan(&ids[i])
				if err != nil {
					t.Fatal(err)
				}
			}
			var smug, local int64
			for _, s := range []struct {
				kind, name, settings string
				id                   *int64
			}{
				{"smugmug", "ansel", `{"writeback_keywords":true,"writeback_captions":false,"dry_run":true}`, &smug},
				{"local", "/p", `{"exclude":["*.tmp"]}`, &local},
			} {
				if err := db.SQL().QueryRowContext(ctx, `INSERT INTO sources (user_id, kind, name, settings, status, created_at)
					VALUES ($1, $2, $3, $4, 'ok', '2024-01-01T00:00:00.000000Z') RETURNING id`,
					ids[0], s.kind, s.name, []byte(s.settings)).Scan(s.id); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for i, want := range []store.UserSettings{{ClaudeModel: "claude-sonnet-4-5", MonthlyBudgetUSD: 4.5}, {}, {MonthlyBudgetUSD: 7}} {
				got, err := db.UserSettings(ctx, ids[i])
				got.UpdatedAt = time.Time{}
				if err != nil || got != want {
					t.Errorf("user %d's settings after the upgrade: %+v %v, want %+v", i, got, err, want)
				}
			}
			s, err := db.Source(ctx, ids[0], smug)
			if err != nil || s.WriteBack != (store.WriteBack{Keywords: true, DryRun: true}) || strings.Contains(string(s.Settings), "writeback") {
				t.Errorf("SmugMug source after the upgrade: %+v %s %v", s.WriteBack, s.Settings, err)
			}
			l, err := db.Source(ctx, ids[0], local)
			if err != nil || l.WriteBack.On() || !strings.Contains(string(l.Settings), `"*.tmp"`) {
				t.Errorf("folder after the upgrade: %+v %s %v", l.WriteBack, l.Settings, err)
			}
		})
	}
}
