package smugsync

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
	"github.com/targetvision/targetvision/internal/store"
)

func TestOpenOriginal(t *testing.T) {
	t.Parallel()
	forEachStore(t, testOpenOriginal)
}

// testOpenOriginal: a synced photo's original streams from the
// ArchivedUri the sync stored, signed with the owner's token; each way it
// can fail says why, in the reason the API maps to a status.
func testOpenOriginal(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db)
	f.cfg.RetryBaseDelay, f.cfg.MaxRetryDelay = time.Millisecond, 10*time.Millisecond
	hidden := f.fake.AddImage(f.albums[0], smugmugtest.Image{NoOriginal: true, Format: "JPG"})
	src := f.connectPIN(t)
	s := New(db, f.box, f.cfg, quiet())
	if _, err := s.Sync(ctx, src, nil); err != nil {
		t.Fatal(err)
	}
	photos := f.photos(t, src)
	key := f.fake.Images("ansel")[0].Key
	p := photos[key]

	open := func(p store.Photo) ([]byte, error) {
		t.Helper()
		body, size, err := s.OpenOriginal(ctx, src, p)
		if err != nil {
			return nil, err
		}
		defer body.Close()
		b, err := io.ReadAll(body)
		if err == nil && size != int64(len(b)) {
			t.Errorf("declared %d bytes, sent %d", size, len(b))
		}
		return b, err
	}
	reason := func(err error) string {
		var oe *OriginalError
		if !errors.As(err, &oe) {
			t.Fatalf("not an OriginalError: %v", err)
		}
		if r, msg, _ := oe.RemoteFailure(); r == "" || msg == "" {
			t.Fatalf("no reason or message: %+v", oe)
		}
		return oe.Reason
	}

	b, err := open(p)
	if err != nil || string(b) != string(smugmugtest.Original(key)) {
		t.Fatalf("original: %d bytes, %v", len(b), err)
	}
	signed := false
	for _, r := range f.fake.Requests() {
		signed = signed || (strings.Contains(r.Path, "/i-"+key+"/") && strings.Contains(r.Path, "/D/") && r.Status == 200)
	}
	if !signed {
		t.Error("no request for the original's D size reached the fake (which checks its signature)")
	}

	// SmugMug does not offer this one to the connection.
	if _, err := open(photos[hidden]); reason(err) != OriginalNotOffered {
		t.Errorf("an original not offered: %v", err)
	}

	// Synced before originals were recorded: the next deep sync records it.
	if _, err := db.SQL().ExecContext(ctx, "UPDATE smugmug_images SET original_url = NULL WHERE source_id = $1", src.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := open(p); reason(err) != OriginalNotRecorded {
		t.Errorf("a photo synced before originals were kept: %v", err)
	}
	if _, err := s.SyncDeep(ctx, src, nil); err != nil {
		t.Fatal(err)
	}
	if b, err := open(p); err != nil || len(b) == 0 {
		t.Errorf("after the deep sync: %v", err)
	}

	// Too large for the cap: refused before a byte is sent.
	s.MaxOriginalBytes = 100
	if _, err := open(p); reason(err) != OriginalTooLarge {
		t.Errorf("over the cap: %v", err)
	}
	s.MaxOriginalBytes = 0

	// SmugMug busy, then down.
	f.fake.SetFault(func(r smugmugtest.Request) *smugmugtest.Fault {
		if strings.Contains(r.Path, "/D/") {
			return &smugmugtest.Fault{Status: 429, RetryAfter: "7"}
		}
		return nil
	})
	_, err = open(p)
	var oe *OriginalError
	if reason(err) != OriginalRateLimited || !errors.As(err, &oe) || oe.RetryAfter != 7*time.Second {
		t.Errorf("429: %v", err)
	}
	f.fake.SetFault(func(r smugmugtest.Request) *smugmugtest.Fault {
		if strings.Contains(r.Path, "/D/") {
			return &smugmugtest.Fault{Status: 503}
		}
		return nil
	})
	if _, err := open(p); reason(err) != OriginalUnavailableUpstream {
		t.Errorf("503: %v", err)
	}
	f.fake.SetFault(nil)

	// Gone from SmugMug since the last sync.
	f.fake.DeleteImage(key)
	if _, err := open(p); reason(err) != OriginalGone {
		t.Errorf("deleted on SmugMug: %v", err)
	}

	// The token was revoked: the source needs reconnecting.
	tok := must[smugmug.Token](t)(openToken(f.box, src))
	f.fake.RevokeToken(tok.Token)
	if _, err := open(photos[f.fake.Images("ansel")[0].Key]); reason(err) != OriginalReconnect {
		t.Errorf("revoked token: %v", err)
	}
	if got := must[store.Source](t)(db.Source(ctx, f.user.ID, src.ID)); got.Status != store.SourceNeedsConnect {
		t.Errorf("after a refused token the source is %q", got.Status)
	}
}
