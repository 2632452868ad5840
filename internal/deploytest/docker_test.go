package deploytest

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// docker finds the Docker CLI of the engine .ci/run installs (Debian's
// docker.io), or skips (fails in CI).
func docker(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("DOCKER"), "/usr/bin/docker"} {
		if p == "" {
			continue
		}
		if err := exec.Command(p, "info").Run(); err == nil {
			return p
		}
	}
	need(t, "a running Docker engine (.ci/run installs docker.io and starts dockerd)")
	return ""
}

// need skips the test locally and fails it in CI.
func need(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI needs %s", what)
	}
	t.Skipf("no %s", what)
}

// image is the app image .ci/run built (TARGETVISION_TEST_IMAGE).
func image(t *testing.T) string {
	t.Helper()
	img := os.Getenv("TARGETVISION_TEST_IMAGE")
	if img == "" {
		need(t, "TARGETVISION_TEST_IMAGE (the image `make image` built)")
	}
	return img
}

// run runs a command and returns its combined output; it fails the test
// on a non-zero exit.
func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	out, err := try(t, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return out
}

func try(t *testing.T, env []string, name string, args ...string) (string, error) {
	t.Helper()
	return tryCtx(t.Context(), env, name, args...)
}

// tryCtx is try for cleanups, which run after the test's context ends.
func tryCtx(ctx context.Context, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// freePort is a port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	// Below the kernel's ephemeral range (32768–60999 on Linux): a port from
	// there, free when picked, can be taken by any outgoing connection of
	// the tests running beside this one before the container binds it.
	for range 100 {
		port := strconv.Itoa(20000 + rand.IntN(12000))
		l, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			continue
		}
		l.Close()
		return port
	}
	t.Fatal("no free port between 20000 and 32000")
	return ""
}

// eventually polls check until it succeeds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// repoRoot is the directory holding go.mod, the Dockerfile and compose.yaml.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "compose.yaml")); err != nil {
		t.Fatal(err)
	}
	return dir
}
