package deploytest

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestImage checks the built image against issue 15: small, only the
// binary, CA certificates and the user; not root; data and models as
// volumes; configured by the environment alone; healthy once serving.
func TestImage(t *testing.T) {
	t.Parallel()
	d, img := docker(t), image(t)
	var inspect []struct {
		Size   int64
		Config struct {
			User        string
			Env         []string
			Volumes     map[string]struct{}
			Entrypoint  []string
			Healthcheck struct{ Test []string }
		}
	}
	if err := json.Unmarshal([]byte(run(t, nil, d, "image", "inspect", img)), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("inspect %s: %v", img, err)
	}
	cfg := inspect[0].Config
	t.Logf("image %s: %.1f MB", img, float64(inspect[0].Size)/1e6)
	if inspect[0].Size >= 100e6 {
		t.Errorf("image is %.1f MB; the target is under 100 MB", float64(inspect[0].Size)/1e6)
	}
	if cfg.User == "" || strings.HasPrefix(cfg.User, "0") || strings.HasPrefix(cfg.User, "root") {
		t.Errorf("image runs as %q; want a non-root user", cfg.User)
	}
	for _, v := range []string{"/data", "/data/models"} {
		if _, ok := cfg.Volumes[v]; !ok {
			t.Errorf("%s is not a volume (volumes: %v)", v, cfg.Volumes)
		}
	}
	if !slices.Contains(cfg.Healthcheck.Test, "healthcheck") {
		t.Errorf("HEALTHCHECK is %v; want the binary's healthcheck", cfg.Healthcheck.Test)
	}
	for _, e := range cfg.Env {
		if k, _, _ := strings.Cut(e, "="); strings.Contains(k, "SECRET") || strings.Contains(k, "PASSWORD") || k == "DATABASE_URL" {
			t.Errorf("the image bakes in %s", k)
		}
	}

	// Its files: the binary, CA certificates, the user, the mount points.
	id := strings.TrimSpace(run(t, nil, d, "create", img))
	defer exec.Command(d, "rm", "-f", "-v", id).Run()
	export := exec.Command(d, "export", id)
	tarball, err := export.Output()
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	tr := tar.NewReader(bytes.NewReader(tarball))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			files = append(files, h.Name)
		}
	}
	// Docker adds the empty files it mounts over when a container runs.
	files = slices.DeleteFunc(files, func(f string) bool {
		return f == ".dockerenv" || f == "dev/console" || f == "etc/hostname" || f == "etc/hosts" || f == "etc/resolv.conf"
	})
	slices.Sort(files)
	want := []string{"etc/group", "etc/passwd", "etc/ssl/certs/ca-certificates.crt", "usr/local/bin/targetvision"}
	if !slices.Equal(files, want) {
		t.Errorf("the image holds %v; want only %v", files, want)
	}

	// Run it as a user would (on the host's network here), configured by
	// the environment only: it serves, and its health check says healthy.
	port := freePort(t)
	name := "tv-image-test-" + port
	run(t, nil, d, "run", "-d", "--name", name, "--network", "host", "--health-interval", "1s", "--health-start-period", "2s",
		"-e", "TARGETVISION_ADDR=127.0.0.1:"+port, img)
	t.Cleanup(func() { exec.Command(d, "rm", "-f", "-v", name).Run() })
	eventually(t, 2*time.Minute, "container health", func() error {
		st := strings.TrimSpace(run(t, nil, d, "inspect", "-f", "{{.State.Health.Status}}", name))
		if st != "healthy" {
			return fmt.Errorf("health %s; logs:\n%s", st, run(t, nil, d, "logs", name))
		}
		return nil
	})
	resp, err := http.Get("http://127.0.0.1:" + port + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"ready"`) {
		t.Errorf("/readyz: %d %s", resp.StatusCode, b)
	}
	if out := run(t, nil, d, "exec", name, "/usr/local/bin/targetvision", "config"); !strings.Contains(out, "TARGETVISION_DATA=/data") {
		t.Errorf("config in the container:\n%s", out)
	}
	// The check can fail: pointed where nothing answers, it exits non-zero.
	if out, err := try(t, nil, d, "exec", name, "/usr/local/bin/targetvision", "healthcheck", "--url", "http://127.0.0.1:1/readyz"); err == nil {
		t.Errorf("healthcheck of a closed port succeeded: %s", out)
	}
}
