package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedence(t *testing.T) {
	t.Parallel()
	dot := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(dot, []byte("TARGETVISION_ADDR=127.0.0.1:9000\nTARGETVISION_WORKERS=3\nCLAUDE_MODEL=from-dotenv\n"), 0o600)
	c, err := Load(env(map[string]string{"TARGETVISION_WORKERS": "4", "TARGETVISION_SYNC_INTERVAL": "5m"}), dot)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set("CLAUDE_MODEL", "from-flag"); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, got, want string }{
		{"default", c.DataDir, "./data"},
		{"dotenv over default", c.Addr, "127.0.0.1:9000"},
		{"env over dotenv", c.Env("TARGETVISION_WORKERS"), "4"},
		{"flag over dotenv", c.ClaudeModel, "from-flag"},
		{"duration", c.SyncInterval.String(), (5 * time.Minute).String()},
		{"job retention default", c.JobRetention.String(), (7 * 24 * time.Hour).String()},
		{"job lease default", c.JobLease.String(), (2 * time.Minute).String()},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestBadValues(t *testing.T) {
	t.Parallel()
	for name, val := range map[string]string{
		"TARGETVISION_WORKERS": "many", "TARGETVISION_SYNC_INTERVAL": "soon", "TARGETVISION_JOB_RETENTION": "-1h", "CLAUDE_MONTHLY_BUDGET_USD": "-1",
		"TARGETVISION_CLIP_CHECK_IMAGE": "/srv/CLIP.png", "TARGETVISION_JOB_LEASE": "soon",
	} {
		if _, err := Load(env(map[string]string{name: val}), ""); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: error %v should name the variable", name, val, err)
		}
	}
	c, _ := Load(env(nil), "")
	c.Workers, c.LogLevel = 0, "loud"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "WORKERS") || !strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Fatalf("Validate: %v", err)
	}
}

// TestJobLease: the lease must outlast a heartbeat's round trip on a busy
// machine, or live workers would lose their jobs to each other.
func TestJobLease(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		val  string
		want time.Duration // 0: refused
	}{
		{"2m", 2 * time.Minute},
		{"5s", 5 * time.Second},
		{"4s", 0},
		{"0", 0},
		{"-1m", 0},
	} {
		c, err := Load(env(map[string]string{"TARGETVISION_JOB_LEASE": tc.val}), "")
		if err == nil {
			err = c.Validate()
		}
		switch {
		case tc.want == 0 && (err == nil || !strings.Contains(err.Error(), "TARGETVISION_JOB_LEASE")):
			t.Errorf("TARGETVISION_JOB_LEASE=%s: error %v should refuse it and name the variable", tc.val, err)
		case tc.want != 0 && (err != nil || c.JobLease != tc.want):
			t.Errorf("TARGETVISION_JOB_LEASE=%s: %v %v, want %v", tc.val, c.JobLease, err, tc.want)
		}
	}
}

// TestCLIPCheckImage: the self-check's image comes from the openai/CLIP
// repository by default, from another http(s) URL if set, or not at all.
func TestCLIPCheckImage(t *testing.T) {
	t.Parallel()
	for val, want := range map[string]string{
		"":                               "https://raw.githubusercontent.com/openai/CLIP/main/CLIP.png",
		"off":                            "off",
		"http://mirror.local/CLIP.png":   "http://mirror.local/CLIP.png",
		"https://example.com/a/CLIP.png": "https://example.com/a/CLIP.png",
	} {
		vars := map[string]string{}
		if val != "" {
			vars["TARGETVISION_CLIP_CHECK_IMAGE"] = val
		}
		c, err := Load(env(vars), "")
		if err != nil || c.CLIPCheckImage != want {
			t.Errorf("%q: %q %v, want %q", val, c.CLIPCheckImage, err, want)
		}
	}
}

func TestDumpRedactsSecrets(t *testing.T) {
	t.Parallel()
	c, _ := Load(env(map[string]string{"ANTHROPIC_API_KEY": "sk-ant-secret", "DATABASE_URL": "postgres://u:pw@h/db"}), "")
	d := strings.Join(c.Dump(), "\n")
	if strings.Contains(d, "sk-ant-secret") || strings.Contains(d, "pw@h") || !strings.Contains(d, "ANTHROPIC_API_KEY=[redacted]") {
		t.Fatalf("dump leaks or hides wrongly:\n%s", d)
	}
	if !slices.Contains(c.Dump(), "TARGETVISION_ADDR=127.0.0.1:8080") {
		t.Fatal("plain settings should be shown")
	}
}

func TestSecretGeneratedOnce(t *testing.T) {
	t.Parallel()
	c := Config{DataDir: filepath.Join(t.TempDir(), "data")}
	k1, err := c.Secret()
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(c.DataDir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	k2, _ := c.Secret()
	if len(k1) != 32 || string(k1) != string(k2) {
		t.Fatal("secret key not stable across runs")
	}
	c.SecretKey = "short"
	if _, err := c.Secret(); err == nil {
		t.Fatal("short SECRET_KEY accepted")
	}
	c.SecretKey = "a-long-enough-operator-secret"
	if k, _ := c.Secret(); string(k) != c.SecretKey {
		t.Fatal("SECRET_KEY not used")
	}
}

func TestBlobSettings(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"TARGETVISION_BLOB_URL": "s3://photos?endpoint=http://127.0.0.1:8333", "TARGETVISION_BLOB_REDIRECT": "15m",
		"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "very-secret"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.BlobRedirect != 15*time.Minute || c.AWSAccessKeyID != "id" {
		t.Errorf("loaded %+v", c)
	}
	if d := strings.Join(c.Dump(), "\n"); strings.Contains(d, "very-secret") {
		t.Errorf("dump shows the object store's secret key:\n%s", d)
	}
	for _, tc := range []struct{ url, redirect string }{
		{"minio://photos", "0"},     // not a scheme we speak
		{"", "15m"},                 // nothing to presign for
		{"file:///srv/blobs", "1m"}, // a directory cannot presign
	} {
		c, err := Load(env(map[string]string{"TARGETVISION_BLOB_URL": tc.url, "TARGETVISION_BLOB_REDIRECT": tc.redirect}), "")
		if err == nil {
			err = c.Validate()
		}
		if err == nil {
			t.Errorf("BLOB_URL=%q BLOB_REDIRECT=%s accepted", tc.url, tc.redirect)
		}
	}
	for _, bad := range []string{"soon", "-1m", "1s", "200h"} {
		if _, err := Load(env(map[string]string{"TARGETVISION_BLOB_REDIRECT": bad}), ""); err == nil {
			t.Errorf("TARGETVISION_BLOB_REDIRECT=%s accepted", bad)
		}
	}
}

// TestSecretRace: replicas sharing a data directory (compose's volume)
// start at once; every one must end up with the same, whole key.
func TestSecretRace(t *testing.T) {
	t.Parallel()
	for round := range 20 {
		c := Config{DataDir: filepath.Join(t.TempDir(), "data")}
		keys := make(chan string, 8)
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				k, err := c.Secret()
				keys <- string(k)
				errs <- err
			}()
		}
		var first string
		for i := range 8 {
			k, err := <-keys, <-errs
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if i == 0 {
				first = k
			} else if k != first {
				t.Fatalf("round %d: two processes got different keys", round)
			}
		}
	}
}

// TestREADMEListsEverySetting keeps the README's configuration table true:
// every setting of Vars appears in it, and it names none that is gone.
func TestREADMEListsEverySetting(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	known := map[string]bool{}
	for _, v := range Vars() {
		known[v.Name] = true
		if !strings.Contains(readme, "`"+v.Name+"`") {
			t.Errorf("README's configuration table lacks %s", v.Name)
		}
	}
	for _, line := range strings.Split(readme, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell := strings.SplitN(line, "|", 3)[1]
		for _, name := range strings.Split(cell, ",") {
			name = strings.Trim(strings.TrimSpace(name), "`")
			if name == strings.ToUpper(name) && strings.Contains(name, "_") && !known[name] && !strings.ContainsAny(name, " .") {
				t.Errorf("README documents %s, which is no setting", name)
			}
		}
	}
}
