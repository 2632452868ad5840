package main

import (
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/config"
)

func TestReadyURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		":8080":          "http://127.0.0.1:8080/readyz",
		"[::]:9000":      "http://[::1]:9000/readyz",
		"127.0.0.1:8080": "http://127.0.0.1:8080/readyz",
		"10.0.0.7:8080":  "http://10.0.0.7:8080/readyz",
		"localhost:8080": "http://127.0.0.1:8080/readyz",
	} {
		if got, err := readyURL(config.Config{Addr: addr}); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", addr, got, err, want)
		}
	}
	if got, _ := readyURL(config.Config{Addr: ":443", TLSCert: "c.pem"}); got != "https://127.0.0.1:443/readyz" {
		t.Errorf("with TLS: %s", got)
	}
	if _, err := readyURL(config.Config{Addr: "no-port"}); err == nil {
		t.Error("an address without a port was accepted")
	}
}

// TestHealthcheck: the command the image's HEALTHCHECK runs finds a ready
// serve from TARGETVISION_ADDR alone, and fails when nothing answers.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "TARGETVISION_SYNC_INTERVAL=0")
	_, base, _ := c.startServe()
	addr := strings.TrimPrefix(base, "http://")
	_, port, _ := strings.Cut(addr, ":")
	probe := newCLI(t, "TARGETVISION_ADDR=0.0.0.0:"+port)
	if out := probe.ok("healthcheck"); strings.TrimSpace(out) != "ready" {
		t.Errorf("healthcheck of a ready server: %q", out)
	}
	dead := newCLI(t, "TARGETVISION_ADDR="+freeAddr(t))
	if _, errOut, code := dead.run("healthcheck"); code != 1 || !strings.Contains(errOut, "healthcheck") {
		t.Errorf("healthcheck with nothing listening: exit %d, %s", code, errOut)
	}
}
