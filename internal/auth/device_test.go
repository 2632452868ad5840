package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDeviceCookie(t *testing.T) {
	t.Parallel()
	clock := newClock()
	d, err := NewDevices([]byte("device secret of sixteen+ bytes"), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewDevices([]byte("another secret, sixteen+ bytes"), clock.Now)
	w := httptest.NewRecorder()
	if err := d.Set(w, httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", nil), "Ann@Example.com"); err != nil {
		t.Fatal(err)
	}
	ck := w.Result().Cookies()[0]
	if ck.Name != DeviceCookie || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/api/v1/auth/" {
		t.Fatalf("device cookie %+v", ck)
	}
	with := func(v string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", nil)
		r.AddCookie(&http.Cookie{Name: DeviceCookie, Value: v})
		return r
	}
	id := d.ID(with(ck.Value), "ann@example.com")
	if id == "" {
		t.Fatal("a genuine device cookie was not recognised (e-mail case must not matter)")
	}
	tampered := ck.Value[:len(ck.Value)-3] + strings.Repeat("A", 3)
	for name, got := range map[string]string{
		"another account":  d.ID(with(ck.Value), "bob@example.com"),
		"tampered":         d.ID(with(tampered), "ann@example.com"),
		"another key":      other.ID(with(ck.Value), "ann@example.com"),
		"garbage":          d.ID(with("d1.nonsense"), "ann@example.com"),
		"no cookie":        d.ID(httptest.NewRequest(http.MethodPost, "/", nil), "ann@example.com"),
		"no signature dot": d.ID(with("nodots"), "ann@example.com"),
	} {
		if got != "" {
			t.Errorf("%s: recognised as device %q", name, got)
		}
	}
	clock.Advance(366 * 24 * time.Hour)
	if d.ID(with(ck.Value), "ann@example.com") != "" {
		t.Error("an expired device cookie was recognised")
	}
}

func TestSetupCode(t *testing.T) {
	t.Parallel()
	a, err := SetupCode([]byte("secret one, sixteen bytes+"))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := SetupCode([]byte("secret one, sixteen bytes+"))
	b, _ := SetupCode([]byte("secret two, sixteen bytes+"))
	if a != again || a == b || len(a) != 14 || strings.Count(a, "-") != 2 {
		t.Fatalf("setup codes %q %q %q: want stable per secret, distinct, XXXX-XXXX-XXXX", a, again, b)
	}
	if _, err := SetupCode([]byte("short")); err == nil {
		t.Error("a short secret gave a setup code")
	}
	typed := strings.ToLower(strings.ReplaceAll(a, "-", " "))
	for _, c := range []struct {
		typed string
		want  bool
	}{
		{a, true},
		{typed, true},
		{strings.ReplaceAll(a, "-", ""), true},
		{b, false},
		{"", false},
		{a[:13], false},
	} {
		if got := SetupCodeMatches(a, c.typed); got != c.want {
			t.Errorf("SetupCodeMatches(%q, %q) = %v, want %v", a, c.typed, got, c.want)
		}
	}
	if SetupCodeMatches("", "") {
		t.Error("an empty code matched")
	}
}

func TestAccountEmail(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{" Ann@Example.com ", "ann@example.com"},
		{"bob.smith+photos@mail.example.org", "bob.smith+photos@mail.example.org"},
		{"local@targetvision.invalid", ""},
		{" LOCAL@TARGETVISION.INVALID ", ""},
		{"x@anything.invalid", ""},
		{"example.com", ""},
		{"ann@localhost", ""},
		{"Ann <ann@example.com>", ""},
		{"", ""},
		{"@example.com", ""},
	} {
		got, err := AccountEmail(c.in)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("AccountEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
