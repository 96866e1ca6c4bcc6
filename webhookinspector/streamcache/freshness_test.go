package streamcache

import (
	"net/http"
	"testing"
	"time"
)

// TestCurrentAge checks RFC 9111 §4.2.3 arithmetic, including the response
// delay (response_time − request_time) that a real network adds.
func TestCurrentAge(t *testing.T) {
	req := t0
	cases := []struct {
		name   string
		header http.Header
		resp   time.Time // response_time
		now    time.Time
		want   time.Duration
	}{
		{"no Age, Date = response time", http.Header{"Date": {httpDate(req)}}, req, req.Add(10 * time.Second), 10 * time.Second},
		{"response delay counts", http.Header{"Date": {httpDate(req)}}, req.Add(3 * time.Second), req.Add(3 * time.Second), 3 * time.Second},
		{"Age plus delay", http.Header{"Date": {httpDate(req)}, "Age": {"100"}}, req.Add(2 * time.Second), req.Add(12 * time.Second), 112 * time.Second},
		{"apparent age wins when larger", http.Header{"Date": {httpDate(req.Add(-5 * time.Minute))}, "Age": {"10"}}, req, req, 5 * time.Minute},
		{"Date in the future: apparent age 0", http.Header{"Date": {httpDate(req.Add(time.Hour))}}, req, req.Add(time.Second), time.Second},
		{"invalid Age ignored", http.Header{"Date": {httpDate(req)}, "Age": {"soon"}}, req, req, 0},
		{"Age list: first member", http.Header{"Date": {httpDate(req)}, "Age": {"30, 60"}}, req, req, 30 * time.Second},
		{"missing Date: receipt time", http.Header{"Age": {"7"}}, req, req.Add(time.Second), 8 * time.Second},
	}
	for _, c := range cases {
		tm := timing{header: c.header, requestTime: req, responseTime: c.resp}
		if got := tm.currentAge(c.now); got != c.want {
			t.Errorf("%s: current age %v, want %v", c.name, got, c.want)
		}
	}
}

func TestFreshnessLifetime(t *testing.T) {
	date := httpDate(t0)
	cases := []struct {
		name   string
		header http.Header
		want   time.Duration
		src    FreshnessSource
	}{
		{"max-age", http.Header{"Cache-Control": {"max-age=60"}, "Date": {date}}, time.Minute, SourceMaxAge},
		{"max-age over Expires", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {httpDate(t0.Add(time.Hour))}, "Date": {date}}, time.Minute, SourceMaxAge},
		{"s-maxage ignored", http.Header{"Cache-Control": {"s-maxage=600"}, "Expires": {httpDate(t0.Add(time.Hour))}, "Date": {date}}, time.Hour, SourceExpires},
		{"Expires before Date", http.Header{"Expires": {httpDate(t0.Add(-time.Hour))}, "Date": {date}}, 0, SourceExpires},
		{"Expires 0", http.Header{"Expires": {"0"}, "Last-Modified": {httpDate(t0.Add(-100 * time.Hour))}}, 0, SourceInvalidExpires},
		{"two Expires", http.Header{"Expires": {httpDate(t0.Add(time.Hour)), httpDate(t0.Add(2 * time.Hour))}, "Date": {date}}, 0, SourceInvalidExpires},
		{"heuristic", http.Header{"Last-Modified": {httpDate(t0.Add(-100 * time.Hour))}, "Date": {date}}, 10 * time.Hour, SourceHeuristic},
		{"Last-Modified after Date", http.Header{"Last-Modified": {httpDate(t0.Add(time.Hour))}, "Date": {date}}, 0, SourceNone},
		{"invalid max-age beats Expires", http.Header{"Cache-Control": {"max-age=x"}, "Expires": {httpDate(t0.Add(time.Hour))}}, 0, SourceInvalidMaxAge},
		{"nothing", http.Header{"Date": {date}}, 0, SourceNone},
	}
	for _, c := range cases {
		tm := timing{header: c.header, requestTime: t0, responseTime: t0}
		got, src := tm.freshnessLifetime(parseDirectives(c.header))
		if got != c.want || src != c.src {
			t.Errorf("%s: %v from %v, want %v from %v", c.name, got, src, c.want, c.src)
		}
	}
}

func TestWeakMatchAndStatus(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{`"a"`, `"a"`, true}, {`W/"a"`, `"a"`, true}, {`"a"`, `"b"`, false}, {``, ``, false}} {
		if weakMatch(c.a, c.b) != c.want {
			t.Errorf("weakMatch(%s, %s) != %v", c.a, c.b, c.want)
		}
	}
	for _, s := range []Status{StatusMiss, StatusHit, StatusRevalidated, StatusStale, StatusUncacheable} {
		if ParseStatus(s.String()) != s {
			t.Errorf("status %v does not round-trip", s)
		}
	}
}
