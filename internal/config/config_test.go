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
