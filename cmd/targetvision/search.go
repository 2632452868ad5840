package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/apierror"
	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/search"
)

// searchEngine builds the one search engine the CLI, API and UI share.
func (a *app) searchEngine(m *clip.Model) *search.Engine {
	opts := search.Options{Logger: a.log, Model: a.cfg.CLIPModel, IndexDir: a.cfg.DataDir, SemanticOff: a.clipOff}
	if m != nil {
		opts.Embedder = m
	}
	return search.New(a.db, opts)
}

// cliEngine is searchEngine with the CLIP model if there is one, its
// vector index loaded; Close it to save the index snapshot.
func (a *app) cliEngine(ctx context.Context) (*search.Engine, error) {
	eng := a.searchEngine(a.loadCLIP(ctx))
	if err := eng.Warm(ctx); err != nil {
		return nil, err
	}
	return eng, nil
}

// printJSON writes v as indented JSON, as --json does.
func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newSearchCmd(e *env, cfg func() config.Config) *cobra.Command {
	var limit, offset int
	var asJSON bool
	var server string
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search the library (same engine and ranking as the API)",
		Long: `Searches photos by meaning (CLIP, once a model is pulled) and by text
(descriptions, keywords, titles, captions, file, folder and album names,
camera). Operators: "quoted phrase", -exclude, camera:NAME, album:NAME,
keyword:WORD, after:2023-06 (or after:"June 2023"), before:2024. A bare
year or month ("2008", "june 2019") is a date when no photo's text has
it. A query that starts with an exclusion goes after --:

  targetvision search -- -people album:Trips

What the search made of the query (words left out, operators it does not
know, did you mean …) is printed first, and is "hints" in --json.

With --server URL it asks a running TargetVision over its JSON API instead
of opening the library here, authenticated by the API token in
TARGETVISION_TOKEN (make one with ` + "`targetvision tokens create`" + ` or on the
Settings page; a read-only token is enough):

  TARGETVISION_TOKEN=tvk_… targetvision search --server https://photos.example.com "red barn"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			q := search.Request{Query: strings.Join(args, " "), Limit: limit, Offset: offset}
			if server != "" {
				res, err := remoteSearch(ctx, server, e.getenv("TARGETVISION_TOKEN"), q)
				if err != nil {
					return err
				}
				return printSearch(e, res, asJSON)
			}
			a, err := openApp(ctx, cmd, e, cfg())
			if err != nil {
				return err
			}
			defer a.Close()
			eng, err := a.cliEngine(ctx)
			if err != nil {
				return err
			}
			defer eng.Close(context.WithoutCancel(ctx)) // saves the vector index snapshot
			res, err := eng.Search(ctx, a.user.ID, q)
			if err != nil {
				return err
			}
			return printSearch(e, res, asJSON)
		},
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if strings.Contains(err.Error(), "unknown shorthand flag") {
			return fmt.Errorf("%w (to exclude a word, put the query after --: targetvision search -- -word)", err)
		}
		return err
	})
	cmd.Flags().IntVar(&limit, "limit", 20, "results per page (at most 200)")
	cmd.Flags().IntVar(&offset, "offset", 0, "skip this many results")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the API's JSON result")
	cmd.Flags().StringVar(&server, "server", "", "search a running server at this URL over its API (token in TARGETVISION_TOKEN)")
	return cmd
}

// printSearch prints a search's answer as the search command shows it.
func printSearch(e *env, res search.Response, asJSON bool) error {
	if asJSON {
		return printJSON(e, res)
	}
	if !res.Semantic.Enabled {
		fmt.Fprintf(e.stdout, "note: search by meaning is off: %s. %s\n", res.Semantic.Reason, res.Semantic.Fix)
	}
	for _, h := range res.Hints {
		if h.Query != "" {
			fmt.Fprintf(e.stdout, "note: %s Try: targetvision search %q\n", h.Message, h.Query)
			continue
		}
		fmt.Fprintln(e.stdout, "note: "+h.Message)
	}
	if len(res.Results) == 0 {
		fmt.Fprintf(e.stdout, "no photos match %q\n", res.Query)
		return nil
	}
	printResults(e, res.Results)
	fmt.Fprintf(e.stdout, "%d of %d results in %.1f ms\n", len(res.Results), res.Total, res.TookMS)
	if len(res.LooselyRelated) > 0 {
		fmt.Fprintln(e.stdout, "\nloosely related (below the relevance floor: they look only a little like the words):")
		printResults(e, res.LooselyRelated)
	}
	return nil
}

// remoteSearch asks a running server's GET /api/v1/search with an API token.
func remoteSearch(ctx context.Context, server, token string, q search.Request) (search.Response, error) {
	if token == "" {
		return search.Response{}, errors.New("--server needs an API token in TARGETVISION_TOKEN (`targetvision tokens create NAME` makes one)")
	}
	u, err := url.Parse(strings.TrimRight(server, "/") + "/api/v1/search")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return search.Response{}, fmt.Errorf("--server %q is not an http(s) URL", server)
	}
	v := url.Values{"q": {q.Query}}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	u.RawQuery = v.Encode()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return search.Response{}, fmt.Errorf("search %s: %w", u.Host, err)
	}
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return search.Response{}, fmt.Errorf("search %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return search.Response{}, fmt.Errorf("search %s: %w", u.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e apierror.Body
		if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
			return search.Response{}, fmt.Errorf("search %s: %s (%d %s)", u.Host, e.Error.Message, resp.StatusCode, e.Error.Code)
		}
		return search.Response{}, fmt.Errorf("search %s: %s", u.Host, resp.Status)
	}
	var res search.Response
	if err := json.Unmarshal(body, &res); err != nil {
		return search.Response{}, fmt.Errorf("search %s: the answer is not a search result: %w", u.Host, err)
	}
	return res, nil
}

// printResults lists results with why each was found, in plain words (the
// ranks and scores are in --json).
func printResults(e *env, rs []search.Result) {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTITLE\tALBUM\tTAKEN\tWHY")
	for _, r := range rs {
		taken := ""
		if r.TakenAt != nil {
			taken = r.TakenAt.Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.PhotoID, r.Title, r.Album, taken, r.Why.Summary)
	}
	tw.Flush()
}
