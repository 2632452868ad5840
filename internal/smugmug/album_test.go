package smugmug_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
)

// TestCreateAlbumAndCollect: an album made under the root folder is
// private and named for its web address; images are collected into it a
// hundred at a time and stay in their own albums; SmugMug's refusals (no
// Add permission, a taken URL name, another user's image) come back as
// API errors; a failed create is not sent again.
func TestCreateAlbumAndCollect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, smugmug.PermissionModify)
	ctx := t.Context()
	src := e.fake.AddAlbum("ansel", "/Travel", "Iceland")
	var uris []string
	for range 150 {
		k := e.fake.AddImage(src, smugmugtest.Image{})
		uris = append(uris, smugmug.AlbumImageURI(src, k, 0))
	}
	root, err := e.c.RootNode(ctx)
	if err != nil || root != "/api/v2/node/rootansel" {
		t.Fatalf("root node %q %v", root, err)
	}
	a, err := e.c.CreateAlbum(ctx, root, smugmug.NewAlbum{Name: "Best of Reykjavík, 2024!"})
	if err != nil {
		t.Fatal(err)
	}
	st, ok := e.fake.AlbumState(a.AlbumKey)
	if !ok || st.Name != "Best of Reykjavík, 2024!" || st.URLName != "Best-Of-Reykjavik-2024" || st.Privacy != "Private" ||
		a.URI != "/api/v2/album/"+a.AlbumKey || a.WebURI == "" {
		t.Fatalf("created %+v; fake has %+v", a, st)
	}
	e.fake.ResetCounts()
	n, err := e.c.CollectImages(ctx, a.URI, uris)
	if err != nil || n != 150 {
		t.Fatalf("collected %d: %v", n, err)
	}
	if got := e.fake.PathCounts()["/api/v2/album/"+a.AlbumKey+"!collectimages"]; got != 2 {
		t.Errorf("%d collect requests for 150 images, want 2", got)
	}
	st, _ = e.fake.AlbumState(a.AlbumKey)
	from, _ := e.fake.AlbumState(src)
	if len(st.Images) != 150 || len(from.Images) != 150 {
		t.Errorf("after collecting: new album %d images, source album %d", len(st.Images), len(from.Images))
	}

	var apiErr *smugmug.APIError
	if _, err := e.c.CreateAlbum(ctx, root, smugmug.NewAlbum{Name: "best of reykjavik 2024"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 409 {
		t.Errorf("a taken URL name: %v", err)
	}
	e.fake.AddUser("bob", "Bob")
	other := e.fake.AddImage(e.fake.AddAlbum("bob", "", "Bob's"), smugmugtest.Image{})
	if _, err := e.c.CollectImages(ctx, a.URI, []string{"/api/v2/image/" + other + "-0"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Errorf("collecting another user's image: %v", err)
	}

	// A read-only token may not create.
	ro, err := smugmug.NewClient(e.cfg, e.fake.IssueToken("ansel", smugmug.PermissionRead))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.CreateAlbum(ctx, root, smugmug.NewAlbum{Name: "Nope"}); !errors.Is(err, smugmug.ErrUnauthorized) {
		t.Errorf("read-only token: %v", err)
	}

	// A 5xx may have created the album: it is not sent again.
	e.fake.SetFault(func(r smugmugtest.Request) *smugmugtest.Fault {
		if strings.HasSuffix(r.Path, "!children") {
			return &smugmugtest.Fault{Status: 503}
		}
		return nil
	})
	e.fake.ResetCounts()
	if _, err := e.c.CreateAlbum(ctx, root, smugmug.NewAlbum{Name: "Flaky"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Errorf("503: %v", err)
	}
	if got := e.fake.PathCounts()[root+"!children"]; got != 1 {
		t.Errorf("a create that failed with 503 was sent %d times", got)
	}
}

func TestURLNameFor(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Best of 2024": "Best-Of-2024", "  émigré   café ": "Emigre-Cafe", "!!!": "Album", "2024 trips": "2024-Trips",
		strings.Repeat("word ", 20): strings.TrimRight(strings.Repeat("Word-", 12), "-"), "東京": "Album",
	} {
		if got := smugmug.URLNameFor(in); got != want {
			t.Errorf("URLNameFor(%q) = %q, want %q", in, got, want)
		}
	}
}
