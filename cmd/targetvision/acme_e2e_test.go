package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestACMECertificate: with TARGETVISION_ACME, serve gets its certificate
// for the public name from an ACME CA — Let's Encrypt's own test server,
// Pebble (a tool dependency in go.mod), here told to accept every
// challenge since no CA can reach this machine's port 443 — and serves
// HTTPS with it.
func TestACMECertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pebble := filepath.Join(dir, "pebble")
	if out, err := exec.Command("go", "build", "-o", pebble, "github.com/letsencrypt/pebble/v2/cmd/pebble").CombinedOutput(); err != nil {
		t.Fatalf("build pebble: %v\n%s", err, out)
	}
	// Pebble's own API speaks HTTPS with a certificate we make; serve must
	// trust it to talk ACME (SSL_CERT_FILE is read by Go's x509 on Linux).
	apiCert, apiKey, apiPool := selfSigned(t)
	acmeAddr, mgmtAddr := freeAddr(t), freeAddr(t)
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress": acmeAddr, "managementListenAddress": mgmtAddr,
		"certificate": apiCert, "privateKey": apiKey, "httpPort": 5002, "tlsPort": 5001,
		"ocspResponderURL": "", "externalAccountBindingRequired": false,
	}}
	cfgFile := filepath.Join(dir, "pebble.json")
	b, _ := json.Marshal(cfg)
	os.WriteFile(cfgFile, b, 0o600)
	pc := exec.Command(pebble, "-config", cfgFile)
	pc.Env = []string{"PEBBLE_VA_ALWAYS_VALID=1", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0"}
	var plog strings.Builder
	pc.Stdout, pc.Stderr = &plog, &plog
	if err := pc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pc.Process.Kill()
		pc.Wait()
		if t.Failed() {
			t.Logf("pebble:\n%s", plog.String())
		}
	})
	trustAPI := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: apiPool}}}
	waitFor(t, "pebble", func() error {
		res, err := trustAPI.Get("https://" + acmeAddr + "/dir")
		if err == nil {
			res.Body.Close()
		}
		return err
	})

	addr := freeAddr(t)
	c := newCLI(t, "TARGETVISION_SYNC_INTERVAL=0", "TARGETVISION_PUBLIC_URL=https://photos.test", "TARGETVISION_ACME=true",
		"TARGETVISION_ACME_DIRECTORY=https://"+acmeAddr+"/dir", "SSL_CERT_FILE="+apiCert)
	cmd := c.cmd(context.Background(), "serve", "--addr", addr)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("serve:\n%s", logs.String())
		}
	})

	// The certificate must chain to Pebble's root for this run.
	res, err := trustAPI.Get("https://" + mgmtAddr + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	rootPEM, _ := io.ReadAll(res.Body)
	res.Body.Close()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(rootPEM) {
		t.Fatalf("pebble root: %q", rootPEM)
	}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "photos.test"},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	var got *http.Response
	waitFor(t, "serve over ACME TLS", func() error {
		var err error
		got, err = client.Get("https://photos.test/readyz")
		return err
	})
	got.Body.Close()
	leaf := got.TLS.PeerCertificates[0]
	if got.StatusCode != 200 || leaf.VerifyHostname("photos.test") != nil {
		t.Fatalf("readyz over ACME TLS: %d, certificate for %v", got.StatusCode, leaf.DNSNames)
	}
	if !strings.Contains(got.Header.Get("Strict-Transport-Security"), "max-age") {
		t.Errorf("no HSTS: %v", got.Header)
	}
	// The certificate is kept in the data directory, private.
	entries, _ := os.ReadDir(filepath.Join(c.dir, "data", "acme"))
	if len(entries) == 0 {
		t.Error("no certificate cached in DATA/acme")
	}
	t.Logf("certificate from Pebble: %s, issuer %s", pemSubject(leaf), leaf.Issuer.CommonName)
}

func pemSubject(c *x509.Certificate) string {
	return fmt.Sprintf("%v until %s", c.DNSNames, c.NotAfter.Format(time.DateOnly))
}

// waitFor retries check until it passes, for at most a minute.
func waitFor(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
