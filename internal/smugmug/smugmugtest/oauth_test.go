package smugmugtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
)

// The known-answer vector of the spec §1.2 (reproduced byte for byte from
// dghubble/oauth1).
func TestSignatureKnownAnswer(t *testing.T) {
	t.Parallel()
	params := url.Values{
		"start": {"1"}, "count": {"100"}, "_filter": {"ImageKey,FileName"},
		"oauth_consumer_key": {"my-api-key"}, "oauth_nonce": {"abcdef0123456789"},
		"oauth_signature_method": {"HMAC-SHA1"}, "oauth_timestamp": {"1700000000"},
		"oauth_token": {"my-access-token"}, "oauth_version": {"1.0"},
	}
	base := smugmugtest.SignatureBase("GET", "https://api.smugmug.com/api/v2/album/HZMsPf!images", params)
	const wantBase = "GET&https%3A%2F%2Fapi.smugmug.com%2Fapi%2Fv2%2Falbum%2FHZMsPf%21images&_filter%3DImageKey%252CFileName%26count%3D100%26oauth_consumer_key%3Dmy-api-key%26oauth_nonce%3Dabcdef0123456789%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000000%26oauth_token%3Dmy-access-token%26oauth_version%3D1.0%26start%3D1"
	if base != wantBase {
		t.Fatalf("base string\n got %s\nwant %s", base, wantBase)
	}
	if got := smugmugtest.Sign(base, "my-api-secret", "my-token-secret"); got != "I4iV+vrHsZLM17rZarais1hkgn8=" {
		t.Fatalf("signature %s", got)
	}
}

func TestPercentEncode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"abc-._~XYZ019": "abc-._~XYZ019", "a b": "a%20b", "a,b": "a%2Cb", "!": "%21", "é": "%C3%A9", "+=&": "%2B%3D%26",
	} {
		if got := smugmugtest.PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

// signedRequest builds a request signed by the fake's own signer, so a test
// can control the timestamp, nonce and path.
func signedRequest(t *testing.T, fake *smugmugtest.Server, tok smugmug.Token, method, rawURL string, ts time.Time, nonce string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	oauth := url.Values{
		"oauth_consumer_key": {smugmugtest.ConsumerKey}, "oauth_nonce": {nonce},
		"oauth_signature_method": {"HMAC-SHA1"}, "oauth_timestamp": {strconv.FormatInt(ts.Unix(), 10)},
		"oauth_token": {tok.Token}, "oauth_version": {"1.0"},
	}
	params := req.URL.Query()
	for k, v := range oauth {
		params[k] = v
	}
	path, _, _ := strings.Cut(rawURL[len(fake.URL):], "?")
	sig := smugmugtest.Sign(smugmugtest.SignatureBase(method, fake.URL+path, params), smugmugtest.ConsumerSecret, tok.Secret)
	var parts []string
	for k, v := range oauth {
		parts = append(parts, k+`="`+smugmugtest.PercentEncode(v[0])+`"`)
	}
	parts = append(parts, `oauth_signature="`+smugmugtest.PercentEncode(sig)+`"`)
	req.Header.Set("Authorization", "OAuth "+strings.Join(parts, ", "))
	req.Header.Set("Accept", "application/json")
	return req
}

func TestFakeChecksEveryRequest(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "")
	tok := fake.IssueToken("ansel", smugmug.PermissionRead)
	hc := fake.Config().HTTPClient
	now := time.Now()
	do := func(req *http.Request) (int, string) {
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		name    string
		req     func() *http.Request
		status  int
		problem string
	}{
		{"valid", func() *http.Request {
			return signedRequest(t, fake, tok, "GET", fake.URL+"/api/v2!authuser?_filter=NickName", now, "n1")
		}, 200, ""},
		{"reused nonce", func() *http.Request {
			return signedRequest(t, fake, tok, "GET", fake.URL+"/api/v2!authuser?_filter=NickName", now, "n1")
		}, 401, "nonce_used"},
		{"stale timestamp", func() *http.Request {
			return signedRequest(t, fake, tok, "GET", fake.URL+"/api/v2!authuser", now.Add(-time.Hour), "n2")
		}, 401, "timestamp_refused"},
		{"future timestamp", func() *http.Request {
			return signedRequest(t, fake, tok, "GET", fake.URL+"/api/v2!authuser", now.Add(time.Hour), "n3")
		}, 401, "timestamp_refused"},
		{"query tampered after signing", func() *http.Request {
			r := signedRequest(t, fake, tok, "GET", fake.URL+"/api/v2!authuser?_filter=NickName", now, "n4")
			r.URL.RawQuery = "_filter=Name"
			return r
		}, 401, "signature_invalid"},
		{"wrong token secret", func() *http.Request {
			return signedRequest(t, fake, smugmug.Token{Token: tok.Token, Secret: "nope"}, "GET", fake.URL+"/api/v2!authuser", now, "n5")
		}, 401, "signature_invalid"},
		{"unknown token", func() *http.Request {
			return signedRequest(t, fake, smugmug.Token{Token: "nobody", Secret: "x"}, "GET", fake.URL+"/api/v2!authuser", now, "n6")
		}, 401, "token_rejected"},
		{"no authorization", func() *http.Request {
			r := signedRequest(t, fake, tok, "GET", fake.URL+"/api/v2!authuser", now, "n7")
			r.Header.Del("Authorization")
			return r
		}, 401, "parameter_absent"},
		{"escaped bang", func() *http.Request {
			return signedRequest(t, fake, tok, "GET", fake.URL+"/api/v2%21authuser", now, "n8")
		}, 404, ""},
		{"no Accept", func() *http.Request {
			r := signedRequest(t, fake, tok, "GET", fake.URL+"/api/v2!authuser", now, "n9")
			r.Header.Del("Accept")
			return r
		}, 406, ""},
	}
	for _, tt := range tests { // sequential: nonce state carries over
		status, body := do(tt.req())
		if status != tt.status || !strings.Contains(body, tt.problem) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, body, tt.status, tt.problem)
		}
	}
}

func TestFakePaginatesLikeSmugMug(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "")
	fake.Generate("ansel", 1, func(int) int { return 0 })
	keys := fake.Generate("ansel", 1, func(int) int { return 120 })
	tok := fake.IssueToken("ansel", smugmug.PermissionRead)
	hc := fake.Config().HTTPClient
	get := func(q string, nonce string) map[string]any {
		resp, err := hc.Do(signedRequest(t, fake, tok, "GET", fake.URL+"/api/v2/album/"+keys[0]+"!images"+q, time.Now(), nonce))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env map[string]any
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatal(err)
		}
		return env["Response"].(map[string]any)
	}
	p1 := get("", "a")["Pages"].(map[string]any)
	if p1["Count"].(float64) != 50 || p1["RequestedCount"].(float64) != 50 || p1["NextPage"] == nil {
		t.Fatalf("default page: %v", p1)
	}
	r := get("?start=101&count=500", "b")
	p := r["Pages"].(map[string]any)
	if p["Count"].(float64) != 20 || p["RequestedCount"].(float64) != 100 || p["NextPage"] != nil || p["Total"].(float64) != 120 {
		t.Fatalf("last page: %v", p)
	}
	if n := len(r["AlbumImage"].([]any)); n != 20 {
		t.Fatalf("%d images on the last page", n)
	}
	r = get("?start=121&count=100&_filter=ImageKey", "c")
	if _, ok := r["AlbumImage"]; ok {
		t.Fatal("empty page carries the locator")
	}
	r = get("?count=1&_filter=ImageKey,Serial&_shorturis=", "d")
	img := r["AlbumImage"].([]any)[0].(map[string]any)
	if len(img) != 2 {
		t.Fatalf("_filter kept %v", img)
	}
}
