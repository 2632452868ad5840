package main

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	be "encoding/binary"
	"encoding/json"
	"encoding/pem"
	"hash/crc32"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/store/storetest"
)

// client is a browser-like HTTP client of a serve process: a cookie jar,
// and the same-origin header a browser's fetch sends.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// do sends a request; host, when set, replaces the Host header (and the
// Origin follows it, as a page served under that name would send).
func (c *client) do(method, path, body, host string) (int, string) {
	c.t.Helper()
	r, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if host != "" {
		r.Host = host
		r.Header.Set("Origin", "http://"+host)
	}
	res, err := c.http.Do(r)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestClaimingAServer is issue 13's first-run attacks against the real
// binary, on both stores: the CLI indexes photos, nobody has signed up.
// A DNS-rebinding page cannot claim the server, nobody can without the
// setup code, the reserved address cannot be taken, and the account that
// does claim it becomes the command line's user.
func TestClaimingAServer(t *testing.T) {
	t.Parallel()
	for _, st := range []struct {
		name string
		env  func(t *testing.T) []string
	}{
		{"sqlite", func(*testing.T) []string { return nil }},
		{"postgres", func(t *testing.T) []string { return []string{"DATABASE_URL=" + storetest.PostgresURL(t)} }},
	} {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t, append(st.env(t), "TARGETVISION_SYNC_INTERVAL=0", "TARGETVISION_ALLOW_SIGNUP=false")...)
			lib := filepath.Join(c.dir, "lib")
			copyPhotos(t, lib, "Canon_40D.jpg", "Nikon_D70.jpg")
			c.ok("index", lib)
			_, base, logs := c.startServe()
			web := newClient(t, base)
			signup := func(email, code, host string) (int, string) {
				body, _ := json.Marshal(map[string]string{"email": email, "password": "a long password", "setup_code": code})
				return web.do("POST", "/api/v1/auth/signup", string(body), host)
			}
			code := strings.TrimSpace(c.ok("setup-code"))
			if strings.Contains(logs.String(), code) {
				t.Error("the setup code was written to the log")
			}

			_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
			if status, body := signup("evil@attacker.test", code, "attacker.test:"+port); status != http.StatusMisdirectedRequest {
				t.Errorf("sign-up through a rebound name: %d %s, want 421", status, body)
			}
			if status, body := signup("evil@example.com", "", ""); status != 403 || !strings.Contains(body, "setup_code_required") {
				t.Errorf("sign-up without the setup code: %d %s", status, body)
			}
			if status, body := signup(" LOCAL@targetvision.invalid ", code, ""); status != 400 {
				t.Errorf("sign-up as the CLI's reserved address: %d %s", status, body)
			}
			if status, body := signup("owner@example.com", code, ""); status != 201 || !strings.Contains(body, `"is_admin":true`) {
				t.Fatalf("the operator's sign-up: %d %s", status, body)
			}
			if status, body := web.do("GET", "/api/v1/photos", "", ""); status != 200 || !strings.Contains(body, `"total":2`) {
				t.Errorf("the claimed account does not see the CLI's photos: %d %s", status, body)
			}
			// The command line now works as the owner: what it indexes, the
			// owner sees on the web.
			more := filepath.Join(c.dir, "more")
			copyPhotos(t, more, "Pentax_K10D.jpg")
			c.ok("index", more)
			if status, body := web.do("GET", "/api/v1/photos", "", ""); status != 200 || !strings.Contains(body, `"total":3`) {
				t.Errorf("the CLI's later photos are not the owner's: %d %s", status, body)
			}

			// Folders: never the data directory (other users' renditions),
			// never outside the operator's roots (here: HOME, the test dir).
			for _, dir := range []string{filepath.Join(c.dir, "data", "renditions"), filepath.Join(c.dir, "data"), "/etc"} {
				os.MkdirAll(dir, 0o700)
				body, _ := json.Marshal(map[string]string{"kind": "local", "path": dir})
				if status, b := web.do("POST", "/api/v1/sources", string(body), ""); status != 400 || !strings.Contains(b, "folder_not_allowed") {
					t.Errorf("adding %s: %d %s", dir, status, b)
				}
			}

			// Sign-out ends the session for good.
			cookies := web.http.Jar.Cookies(mustURL(t, base))
			if status, _ := web.do("POST", "/api/v1/auth/logout", "", ""); status != 204 {
				t.Fatalf("logout: %d", status)
			}
			replay := newClient(t, base)
			replay.http.Jar.SetCookies(mustURL(t, base), cookies)
			if status, _ := replay.do("GET", "/api/v1/me", "", ""); status != 401 {
				t.Errorf("a signed-out cookie replayed: %d, want 401", status)
			}
		})
	}
}

// TestDataFilesOwnerOnly: whatever the umask, what TargetVision writes in
// its data directory (the SQLite file with password hashes, thumbnails,
// renditions) only its owner can read.
func TestDataFilesOwnerOnly(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "TARGETVISION_SYNC_INTERVAL=0")
	lib := filepath.Join(c.dir, "lib")
	copyPhotos(t, lib, "Canon_40D.jpg")
	cmd := exec.Command("sh", "-c", `umask 000 && exec "$0" "$@"`, binary, "index", lib)
	cmd.Env, cmd.Dir = c.env, c.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	data := filepath.Join(c.dir, "data")
	seen := 0
	err := filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v: readable beyond its owner", path, fi.Mode().Perm())
		}
		seen++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 5 { // the dir, the db, the key, a thumbnail, a rendition and their dirs
		t.Fatalf("only %d entries in the data directory", seen)
	}
}

// TestMetricsAndTLS: /metrics is not on the public address but on the
// private metrics address; with a certificate, serve speaks HTTPS itself,
// with Secure cookies and HSTS.
func TestMetricsAndTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := selfSigned(t)
	maddr := freeAddr(t)
	c := newCLI(t, "TARGETVISION_SYNC_INTERVAL=0", "TARGETVISION_METRICS_ADDR="+maddr,
		"TARGETVISION_TLS_CERT="+certFile, "TARGETVISION_TLS_KEY="+keyFile)
	addr := freeAddr(t)
	cmd := c.cmd(t.Context(), "serve", "--addr", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	tlsClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := "https://" + addr
	var res *http.Response
	var err error
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if res, err = tlsClient.Get(base + "/readyz"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve over TLS did not come up: %v", err)
		}
	}
	res.Body.Close()
	if !strings.Contains(res.Header.Get("Strict-Transport-Security"), "max-age") {
		t.Errorf("no HSTS over TLS: %v", res.Header)
	}
	res, err = tlsClient.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("public /metrics: %d, want 404", res.StatusCode)
	}
	if code, body := get(t, "http://"+maddr+"/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("private metrics address: %d", code)
	}
	code := strings.TrimSpace(c.ok("setup-code"))
	body, _ := json.Marshal(map[string]string{"email": "owner@example.com", "password": "a long password", "setup_code": code})
	r, _ := http.NewRequest("POST", base+"/api/v1/auth/signup", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	res, err = tlsClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	secure := false
	for _, ck := range res.Cookies() {
		if ck.Name == "tv_session" {
			secure = ck.Secure
		}
	}
	if res.StatusCode != 201 || !secure {
		t.Errorf("sign-up over TLS: %d, Secure session cookie %v", res.StatusCode, secure)
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns a
// pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// writeZeroPNG writes a w×h PNG of colour type ct (2 = RGB, 6 = RGBA) at
// depth bits, all pixels zero, streaming its rows: a file of a few hundred
// KB that decodes to w×h×channels×depth/8 bytes.
func writeZeroPNG(t *testing.T, path string, w, h int, depth, ct byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := func(typ string, data []byte) {
		var n [4]byte
		be.BigEndian.PutUint32(n[:], uint32(len(data)))
		f.Write(n[:])
		f.Write([]byte(typ))
		f.Write(data)
		be.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(append([]byte(typ), data...)))
		f.Write(n[:])
	}
	f.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	be.BigEndian.PutUint32(ihdr[0:], uint32(w))
	be.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, ct
	chunk("IHDR", ihdr)
	channels := map[byte]int{2: 3, 6: 4}[ct]
	row := make([]byte, 1+w*channels*int(depth)/8) // filter byte 0, then zeros
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	for range h {
		zw.Write(row)
		if z.Len() > 1<<20 {
			chunk("IDAT", z.Bytes())
			z.Reset()
		}
	}
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
}

// TestIndexingMemoryBound: indexing never holds more than the decode
// budget of pixels. The 16-bit PNG of 10000×9999 (under the pixel limit)
// took 1.67 GB to index; now it is refused by what it would cost, while
// two large photos that fit are indexed side by side — and the process's
// peak memory stays under 1 GiB with the default budget and workers.
func TestIndexingMemoryBound(t *testing.T) {
	t.Parallel()
	// With TARGETVISION_DECODE_MEMORY_MB=4096 the bomb is decoded and
	// this run peaked at 1892 MiB.
	c := newCLI(t, "TARGETVISION_SYNC_INTERVAL=0")
	lib := filepath.Join(c.dir, "lib")
	os.MkdirAll(lib, 0o700)
	writeZeroPNG(t, filepath.Join(lib, "bomb-16bit.png"), 10000, 9999, 16, 6)
	writeZeroPNG(t, filepath.Join(lib, "large-a.png"), 7000, 5000, 8, 2)
	writeZeroPNG(t, filepath.Join(lib, "large-b.png"), 7000, 5000, 8, 2)
	cmd := c.cmd(t.Context(), "index", lib)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("index: %v\n%s", err, out.String())
	}
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	t.Logf("peak RSS of index: %d MiB", peak>>20)
	if !strings.Contains(out.String(), "2 photos ready, 1 failed") || !strings.Contains(out.String(), "decode budget") {
		t.Errorf("want the two large photos ready and the bomb refused by the decode budget:\n%s", out.String())
	}
	if peak > 1<<30 {
		t.Errorf("indexing peaked at %d MiB, over 1 GiB", peak>>20)
	}
}
