package smugmugtest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// PercentEncode encodes s per RFC 3986 as OAuth 1.0a requires: unreserved
// characters stay, every other byte becomes %XX with uppercase hex.
func PercentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		const hex = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// SignatureBase builds the RFC 5849 §3.4.1 signature base string from the
// method, the base string URI and every signed parameter (query, form body
// and oauth_* except oauth_signature), duplicates included.
func SignatureBase(method, baseURI string, params url.Values) string {
	pairs := make([]string, 0, len(params))
	type kv struct{ k, v string }
	var list []kv
	for k, vs := range params {
		for _, v := range vs {
			list = append(list, kv{PercentEncode(k), PercentEncode(v)})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].k != list[j].k {
			return list[i].k < list[j].k
		}
		return list[i].v < list[j].v
	})
	for _, p := range list {
		pairs = append(pairs, p.k+"="+p.v)
	}
	return strings.ToUpper(method) + "&" + PercentEncode(baseURI) + "&" + PercentEncode(strings.Join(pairs, "&"))
}

// Sign returns base64(HMAC-SHA1(enc(consumerSecret)&enc(tokenSecret), base)).
func Sign(base, consumerSecret, tokenSecret string) string {
	mac := hmac.New(sha1.New, []byte(PercentEncode(consumerSecret)+"&"+PercentEncode(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// BaseURI is the RFC 5849 §3.4.1.2 base string URI of a received request:
// lowercase scheme and host, default port dropped, the path exactly as
// sent on the wire (so `!` and `%21` differ), no query.
func BaseURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	if h, p, ok := strings.Cut(host, ":"); ok && ((scheme == "http" && p == "80") || (scheme == "https" && p == "443")) {
		host = h
	}
	path, _, _ := strings.Cut(r.RequestURI, "?")
	return scheme + "://" + host + path
}

// parseAuthHeader reads `OAuth k="v", ...` into decoded parameters.
func parseAuthHeader(h string) (url.Values, error) {
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return nil, errors.New("no OAuth authorization header")
	}
	out := url.Values{}
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, errors.New("malformed OAuth header parameter")
		}
		key, err1 := url.PathUnescape(k)
		val, err2 := url.PathUnescape(v[1 : len(v)-1])
		if err1 != nil || err2 != nil {
			return nil, errors.New("bad percent-encoding in OAuth header")
		}
		out.Add(key, val)
	}
	return out, nil
}
