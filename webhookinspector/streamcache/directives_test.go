package streamcache

import (
	"net/http"
	"testing"
)

func TestParseDirectives(t *testing.T) {
	cases := []struct {
		lines []string
		want  directives
	}{
		{[]string{"public, max-age=360000"}, directives{public: true, maxAge: 360000, sMaxAge: -1}},
		{[]string{"no-store, max-age=abc"}, directives{noStore: true, maxAge: -1, sMaxAge: -1, maxAgeInvalid: true}},
		{[]string{`max-age="60"`}, directives{maxAge: 60, sMaxAge: -1}},
		{[]string{"max-age=60, max-age=10"}, directives{maxAge: 60, sMaxAge: -1}},
		{[]string{"max-age=5", "must-revalidate"}, directives{maxAge: 5, sMaxAge: -1, mustRevalidate: true}},
		{[]string{`no-cache="Set-Cookie, X-A", private`}, directives{noCache: true, private: true, maxAge: -1, sMaxAge: -1}},
		{[]string{"S-MAXAGE=100 , Max-Age=99999999999999"}, directives{sMaxAge: 100, maxAge: maxDelta}},
		{[]string{"max-age"}, directives{maxAge: -1, sMaxAge: -1, maxAgeInvalid: true}},
		{[]string{"max-age=-1"}, directives{maxAge: -1, sMaxAge: -1, maxAgeInvalid: true}},
		{[]string{",,, immutable ,"}, directives{immutable: true, maxAge: -1, sMaxAge: -1}},
		{nil, directives{maxAge: -1, sMaxAge: -1}},
	}
	for _, c := range cases {
		h := http.Header{"Cache-Control": c.lines}
		got := parseDirectives(h)
		got.raw = ""
		if got != c.want {
			t.Errorf("%q: got %+v, want %+v", c.lines, got, c.want)
		}
	}
}

func FuzzParseDirectives(f *testing.F) {
	for _, s := range []string{"public, max-age=360000", `no-cache="a,b", max-age="5"`, "max-age=99999999999999999999", `"`, `a="\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := parseDirectives(http.Header{"Cache-Control": {s}})
		if d.maxAge < -1 || d.maxAge > maxDelta || d.sMaxAge < -1 || d.sMaxAge > maxDelta {
			t.Fatalf("%q: max-age %d s-maxage %d out of range", s, d.maxAge, d.sMaxAge)
		}
		tm := timing{header: http.Header{"Cache-Control": {s}, "Age": {s}, "Expires": {s}, "Date": {s}, "Last-Modified": {s}}}
		if l, _ := tm.freshnessLifetime(d); l < 0 {
			t.Fatalf("%q: negative lifetime", s)
		}
	})
}
