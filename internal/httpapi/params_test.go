package httpapi

import (
	"errors"
	"net/http/httptest"
	"testing"
)

type bindTest struct {
	ID    int64   `path:"id"`
	Limit int     `query:"limit" minimum:"1" maximum:"10" default:"5"`
	From  int     `query:"from" minimum:"0"`
	Name  string  `query:"name" maxLength:"3"`
	Kind  string  `query:"kind" enum:"a,b"`
	On    bool    `query:"on"`
	F     float64 `query:"f" minimum:"0.5" maximum:"64"`
	embeddedBind
}

type embeddedBind struct {
	Deep string `query:"deep"`
}

func TestBindParams(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		path   string
		id     string
		want   bindTest
		status int // 0: no error
	}{
		{"/x", "7", bindTest{ID: 7, Limit: 5}, 0},
		{"/x?limit=10&from=3&name=%C3%A9%C3%A9%C3%A9&kind=b&on=true&deep=d", "1",
			bindTest{ID: 1, Limit: 10, From: 3, Name: "ééé", Kind: "b", On: true, embeddedBind: embeddedBind{"d"}}, 0},
		{"/x?limit=", "1", bindTest{ID: 1, Limit: 5}, 0},
		{"/x?limit=11", "1", bindTest{}, 400},
		{"/x?limit=0", "1", bindTest{}, 400},
		{"/x?limit=1.5", "1", bindTest{}, 400},
		{"/x?from=-1", "1", bindTest{}, 400},
		{"/x?name=abcd", "1", bindTest{}, 400},
		{"/x?kind=c", "1", bindTest{}, 400},
		{"/x?on=yes", "1", bindTest{}, 400},
		{"/x?f=2.8", "1", bindTest{ID: 1, Limit: 5, F: 2.8}, 0},
		{"/x?f=64", "1", bindTest{ID: 1, Limit: 5, F: 64}, 0},
		{"/x?f=0.4", "1", bindTest{}, 400},
		{"/x?f=65", "1", bindTest{}, 400},
		{"/x?f=NaN", "1", bindTest{}, 400},
		{"/x?f=f2", "1", bindTest{}, 400},
		{"/x", "0", bindTest{}, 404},
		{"/x", "x1", bindTest{}, 404},
		{"/x", "", bindTest{}, 404},
	} {
		r := httptest.NewRequest("GET", c.path, nil)
		r.SetPathValue("id", c.id)
		var got bindTest
		err := bindParams(r, &got)
		var ae *apiError
		switch {
		case c.status == 0 && err != nil:
			t.Errorf("%s id=%s: %v", c.path, c.id, err)
		case c.status == 0 && got != c.want:
			t.Errorf("%s id=%s: %+v, want %+v", c.path, c.id, got, c.want)
		case c.status != 0 && (!errors.As(err, &ae) || ae.status != c.status):
			t.Errorf("%s id=%s: %v, want status %d", c.path, c.id, err, c.status)
		}
	}
	if err := bindParams(httptest.NewRequest("GET", "/", nil), bindTest{}); err == nil {
		t.Error("a non-pointer was accepted")
	}
	var bad struct {
		F complex128 `query:"f"`
	}
	if err := bindParams(httptest.NewRequest("GET", "/?f=1", nil), &bad); err == nil || errors.As(err, new(*apiError)) {
		t.Errorf("unsupported kind: %v, want a programming error (500)", err)
	}
}
