package smugmug_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
)

// The whole life of a SmugMug source: connect with the PIN flow, sync
// incrementally into a store, fetch a rendition's sizes, write keywords back.
func Example() {
	ctx := context.Background()
	fake := smugmugtest.Start(smugmugtest.Options{})
	defer fake.Close()
	fake.AddUser("ansel", "Ansel Adams")
	fake.Generate("ansel", 2, func(int) int { return 3 })

	cfg := fake.Config() // in production: keys and bases from the environment
	cfg.Permissions = smugmug.PermissionModify
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))

	// `targetvision smugmug connect`: print the URL, read the PIN.
	auth, _ := smugmug.NewAuth(cfg)
	rt, authorizeURL, err := auth.RequestToken(ctx, smugmug.OOB)
	if err != nil {
		panic(err)
	}
	resp, _ := cfg.HTTPClient.Get(authorizeURL) // the user's browser
	resp.Body.Close()
	tok, err := auth.AccessToken(ctx, rt, fake.Verifier(rt.Token)) // the PIN typed in
	if err != nil {
		panic(err)
	}

	// `targetvision sync`: the store is bound to the source.
	client, _ := smugmug.NewClient(cfg, tok)
	store := smugmugtest.NewMemStore()
	syncer := smugmug.NewSyncer(client, store, smugmug.SyncerConfig{Logger: cfg.Logger})
	res, err := syncer.Sync(ctx, smugmug.SyncOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("albums %d, images %d\n", res.Albums, res.Images)
	res, _ = syncer.Sync(ctx, smugmug.SyncOptions{})
	fmt.Printf("unchanged: %d albums skipped\n", res.AlbumsSkipped)

	// The fetch job: the rendition to analyse.
	var im smugmug.Image
	for _, row := range store.Images() {
		im = row.Image
		break
	}
	sizes, _ := client.Sizes(ctx, im)
	fmt.Println("analysis rendition within 2200 px:", max(sizes.Analysis.Width, sizes.Analysis.Height) <= smugmug.MaxAnalysisEdge)

	// Write-back: dry run, then for real.
	rec, _ := client.WriteBack(ctx, im.URI, smugmug.Suggestion{Keywords: []string{"Barn", "snow"}}, true)
	fmt.Println("planned:", rec.Fields["Keywords"] != "", "written:", rec.Written)
	// Output:
	// albums 2, images 6
	// unchanged: 2 albums skipped
	// analysis rendition within 2200 px: true
	// planned: true written: false
}
