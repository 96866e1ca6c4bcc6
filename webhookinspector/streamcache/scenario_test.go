package streamcache

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// step is one fetch in a scenario and what it must show.
type step struct {
	advance  time.Duration // clock moves this much before the fetch
	lang     string        // Accept-Language to send ("" none)
	path     string        // "" means /audio
	status   Status
	freshFor int64  // fresh_for_s
	source   string // freshness source ("" skip)
	stored   bool
	err      error  // errors.Is target, nil for success
	errText  string // substring of the error
	requests int    // requests the origin must receive for this fetch
	ifNone   string // If-None-Match on the last request ("" = absent)
	ifMods   bool   // If-Modified-Since present on the last request
	check    func(t *testing.T, r Report)
}

type scenario struct {
	name   string
	opts   func(*Options)
	handle func(n int, w http.ResponseWriter, r *http.Request)
	steps  []step
}

var t0 = time.Date(2026, 11, 20, 10, 2, 0, 0, time.UTC) // a Friday

func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

func TestHeaderScenarios(t *testing.T) {
	body := testWAV(t, 1)
	body2 := testWAV(t, 2)
	lastMod := httpDate(t0.Add(-10 * 24 * time.Hour))
	scenarios := []scenario{
		{name: "max-age", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "public, max-age=3600")
		}, steps: []step{
			{status: StatusMiss, freshFor: 3600, source: "max-age", stored: true, requests: 1},
			{advance: 10 * time.Minute, status: StatusHit, freshFor: 3000, source: "max-age", stored: true, requests: 0},
			{advance: time.Hour, status: StatusMiss, freshFor: 3600, source: "max-age", stored: true, requests: 1},
		}},
		{name: "s-maxage ignored by a private cache", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "s-maxage=86400, max-age=60")
		}, steps: []step{
			{status: StatusMiss, freshFor: 60, source: "max-age", stored: true, requests: 1, check: func(t *testing.T, r Report) {
				if !strings.Contains(r.Prediction, "s-maxage 1 days") && !strings.Contains(r.Prediction, "s-maxage 24 h") {
					t.Errorf("prediction should say the platform uses s-maxage: %q", r.Prediction)
				}
			}},
			{advance: 2 * time.Minute, status: StatusMiss, freshFor: 60, source: "max-age", stored: true, requests: 1},
		}},
		{name: "s-maxage alone gives no private freshness", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "s-maxage=86400")
		}, steps: []step{
			{status: StatusMiss, freshFor: 0, source: "none", stored: true, requests: 1},
			{status: StatusMiss, freshFor: 0, source: "none", stored: true, requests: 1},
		}},
		{name: "Expires minus Date", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Expires", httpDate(t0.Add(2*time.Hour)))
		}, steps: []step{
			{status: StatusMiss, freshFor: 7200, source: "expires", stored: true, requests: 1},
			{advance: time.Hour, status: StatusHit, freshFor: 3600, source: "expires", stored: true, requests: 0},
		}},
		{name: "max-age beats Expires", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Expires", httpDate(t0.Add(2*time.Hour)), "Cache-Control", "max-age=30")
		}, steps: []step{
			{status: StatusMiss, freshFor: 30, source: "max-age", stored: true, requests: 1},
		}},
		{name: "invalid Expires is already stale", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Expires", "0", "Last-Modified", lastMod)
		}, steps: []step{
			{status: StatusMiss, freshFor: 0, source: "invalid expires", stored: true, requests: 1},
			{status: StatusMiss, freshFor: 0, source: "invalid expires", stored: true, requests: 1, ifMods: true},
		}},
		{name: "heuristic 10% of Date minus Last-Modified", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			if n > 0 && r.Header.Get("If-Modified-Since") == lastMod {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			serve(w, body, "Last-Modified", lastMod)
		}, steps: []step{
			{status: StatusMiss, freshFor: 86400, source: "heuristic", stored: true, requests: 1},
			{advance: 12 * time.Hour, status: StatusHit, freshFor: 43200, source: "heuristic", stored: true, requests: 0},
			// After the 304 the new Date is 25 h later, so the lifetime grows to 10 % of 10 d 25 h.
			{advance: 13 * time.Hour, status: StatusRevalidated, freshFor: 95400, source: "heuristic", stored: true, requests: 1, ifMods: true},
		}},
		{name: "invalid max-age is stale", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "max-age=soon")
		}, steps: []step{
			{status: StatusMiss, freshFor: 0, source: "invalid max-age", stored: true, requests: 1},
			{status: StatusMiss, freshFor: 0, source: "invalid max-age", stored: true, requests: 1},
		}},
		{name: "no-store", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "no-store, max-age=3600", "ETag", `"a"`)
		}, steps: []step{
			{status: StatusUncacheable, freshFor: 0, stored: false, requests: 1, check: func(t *testing.T, r Report) {
				if !strings.Contains(r.Why, "no-store") || r.Prediction != "not cached by anyone: no-store (the platform downloads it for every call)" {
					t.Errorf("why %q prediction %q", r.Why, r.Prediction)
				}
				if r.Format != "wav" || r.Bytes != int64(len(body)) {
					t.Errorf("an uncacheable body is still probed: format %q bytes %d", r.Format, r.Bytes)
				}
			}},
			{status: StatusUncacheable, freshFor: 0, stored: false, requests: 1},
		}},
		{name: "no-cache revalidates every time", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("If-None-Match") == `"nc1"` {
				w.Header().Set("ETag", `"nc1"`)
				w.WriteHeader(http.StatusNotModified)
				return
			}
			serve(w, body, "Cache-Control", "no-cache, max-age=3600", "ETag", `"nc1"`)
		}, steps: []step{
			{status: StatusMiss, freshFor: 0, source: "max-age", stored: true, requests: 1},
			{status: StatusRevalidated, freshFor: 0, source: "max-age", stored: true, requests: 1, ifNone: `"nc1"`},
			{advance: time.Second, status: StatusRevalidated, freshFor: 0, stored: true, requests: 1, ifNone: `"nc1"`},
		}},
		{name: "must-revalidate when stale and the origin fails", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			if n > 0 {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			serve(w, body, "Cache-Control", "max-age=60, must-revalidate", "ETag", `"mr"`)
		}, steps: []step{
			{status: StatusMiss, freshFor: 60, stored: true, requests: 1},
			{advance: 30 * time.Second, status: StatusHit, freshFor: 30, stored: true, requests: 0},
			{advance: 2 * time.Minute, err: ErrMustRevalidate, errText: "must-revalidate", requests: 1, ifNone: `"mr"`},
		}},
		{name: "stale served when the origin fails without must-revalidate", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			if n > 0 {
				http.Error(w, "down", http.StatusBadGateway)
				return
			}
			serve(w, body, "Cache-Control", "max-age=60", "ETag", `"st"`)
		}, steps: []step{
			{status: StatusMiss, freshFor: 60, stored: true, requests: 1},
			{advance: 2 * time.Minute, status: StatusStale, freshFor: 0, stored: true, requests: 1, ifNone: `"st"`, check: func(t *testing.T, r Report) {
				if !strings.Contains(r.Why, "502") {
					t.Errorf("why %q should name the 502", r.Why)
				}
			}},
		}},
		{name: "ETag then 304", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "max-age=60")
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.Header().Set("ETag", `"v1"`)
				w.WriteHeader(http.StatusNotModified)
				return
			}
			serve(w, body, "ETag", `"v1"`)
		}, steps: []step{
			{status: StatusMiss, freshFor: 60, stored: true, requests: 1},
			{advance: 2 * time.Minute, status: StatusRevalidated, freshFor: 60, stored: true, requests: 1, ifNone: `"v1"`, check: func(t *testing.T, r Report) {
				if r.Hits != 1 || r.Bytes != int64(len(body)) || r.ETag != `"v1"` {
					t.Errorf("after 304: hits %d bytes %d etag %q", r.Hits, r.Bytes, r.ETag)
				}
			}},
			{advance: 30 * time.Second, status: StatusHit, freshFor: 30, stored: true, requests: 0},
		}},
		{name: "Last-Modified then 304 merges headers", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("If-Modified-Since") == lastMod {
				w.Header().Set("Cache-Control", "max-age=600")
				w.WriteHeader(http.StatusNotModified)
				return
			}
			serve(w, body, "Last-Modified", lastMod, "Cache-Control", "max-age=60", "X-Version", "1")
		}, steps: []step{
			{status: StatusMiss, freshFor: 60, stored: true, requests: 1},
			{advance: 2 * time.Minute, status: StatusRevalidated, freshFor: 600, source: "max-age", stored: true, requests: 1, ifMods: true, check: func(t *testing.T, r Report) {
				if r.CacheControl != "max-age=600" || r.LastModified != lastMod {
					t.Errorf("304 did not merge: cache-control %q last-modified %q", r.CacheControl, r.LastModified)
				}
			}},
		}},
		{name: "200 replaces on a changed ETag", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 0 {
				serve(w, body, "Cache-Control", "max-age=60", "ETag", `"v1"`)
				return
			}
			serve(w, body2, "Cache-Control", "max-age=60", "ETag", `"v2"`)
		}, steps: []step{
			{status: StatusMiss, freshFor: 60, stored: true, requests: 1},
			{advance: 2 * time.Minute, status: StatusMiss, freshFor: 60, stored: true, requests: 1, ifNone: `"v1"`, check: func(t *testing.T, r Report) {
				if r.ETag != `"v2"` || r.Why != `the server sent a new version (ETag "v2", was "v1")` {
					t.Errorf("etag %q why %q, want the new one", r.ETag, r.Why)
				}
			}},
			{status: StatusHit, freshFor: 60, stored: true, requests: 0},
		}},
		{name: "304 naming another ETag selects nothing: refetch whole", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "max-age=60")
			if r.Header.Get("If-None-Match") != "" {
				w.Header().Set("ETag", `"other"`)
				w.WriteHeader(http.StatusNotModified)
				return
			}
			serve(w, body2, "ETag", `"v9"`)
		}, steps: []step{
			{status: StatusMiss, freshFor: 60, stored: true, requests: 1},
			{advance: 2 * time.Minute, status: StatusMiss, freshFor: 60, stored: true, requests: 2, ifNone: "", check: func(t *testing.T, r Report) {
				if r.Bytes != int64(len(body2)) || r.ETag != `"v9"` {
					t.Errorf("bytes %d etag %q", r.Bytes, r.ETag)
				}
			}},
		}},
		{name: "Vary match", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "max-age=300", "Vary", "Accept-Language")
		}, steps: []step{
			{lang: "en", status: StatusMiss, freshFor: 300, stored: true, requests: 1},
			{lang: "en", status: StatusHit, freshFor: 300, stored: true, requests: 0},
		}},
		{name: "Vary mismatch", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "max-age=300", "Vary", "Accept-Language", "ETag", `"l"`)
		}, steps: []step{
			{lang: "en", status: StatusMiss, freshFor: 300, stored: true, requests: 1},
			{lang: "de", status: StatusMiss, freshFor: 300, stored: true, requests: 1, check: func(t *testing.T, r Report) {
				if !strings.Contains(r.Why, "Accept-Language") {
					t.Errorf("why %q should name the Vary field", r.Why)
				}
			}},
			{lang: "de", status: StatusHit, freshFor: 300, stored: true, requests: 0},
		}},
		{name: "Vary star never matches", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "max-age=300", "Vary", "*")
		}, steps: []step{
			{status: StatusUncacheable, stored: false, requests: 1},
			{status: StatusUncacheable, stored: false, requests: 1},
		}},
		{name: "Age header counts", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "max-age=600", "Age", "500")
		}, steps: []step{
			{status: StatusMiss, freshFor: 100, stored: true, requests: 1, check: func(t *testing.T, r Report) {
				if r.AgeS != 500 {
					t.Errorf("age %d, want 500", r.AgeS)
				}
			}},
			{advance: 99 * time.Second, status: StatusHit, freshFor: 1, stored: true, requests: 0},
			{advance: 2 * time.Second, status: StatusMiss, freshFor: 100, stored: true, requests: 1},
		}},
		{name: "Date in the past gives apparent age", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Date", httpDate(t0.Add(-5*time.Minute)))
			serve(w, body, "Cache-Control", "max-age=600")
		}, steps: []step{
			{status: StatusMiss, freshFor: 300, stored: true, requests: 1},
		}},
		{name: "redirect then revalidate at the target", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/old" {
				http.Redirect(w, r, "/audio", http.StatusFound)
				return
			}
			w.Header().Set("Cache-Control", "max-age=60")
			w.Header().Set("ETag", `"rd"`)
			if r.Header.Get("If-None-Match") == `"rd"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			serve(w, body)
		}, steps: []step{
			{path: "/old", status: StatusMiss, freshFor: 60, stored: true, requests: 2, check: func(t *testing.T, r Report) {
				if r.Redirects != 1 || !strings.HasSuffix(r.FinalURL, "/audio") {
					t.Errorf("redirects %d final %q", r.Redirects, r.FinalURL)
				}
			}},
			{path: "/old", advance: 2 * time.Minute, status: StatusRevalidated, freshFor: 60, stored: true, requests: 2, ifNone: `"rd"`},
		}},
		{name: "redirect loop is bounded", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/loop", http.StatusFound)
		}, steps: []step{
			{path: "/loop", errText: "stopped after 5 redirects", requests: 6},
		}},
		{name: "404", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no such prompt", http.StatusNotFound)
		}, steps: []step{
			{status: StatusUncacheable, stored: false, errText: "404 Not Found", requests: 1},
		}},
		{name: "oversized body with Content-Length", opts: func(o *Options) { o.MaxFileBytes = 1000 }, handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "max-age=60")
		}, steps: []step{
			{status: StatusUncacheable, stored: false, err: ErrTooLarge, errText: "per-file cap", requests: 1},
		}},
		{name: "oversized body without Content-Length", opts: func(o *Options) { o.MaxFileBytes = 1000 }, handle: func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "max-age=60")
			for i := 0; i < len(body); i += 500 {
				w.Write(body[i:min(i+500, len(body))])
				w.(http.Flusher).Flush()
			}
		}, steps: []step{
			{status: StatusUncacheable, stored: false, err: ErrTooLarge, requests: 1},
		}},
		{name: "wrong content type", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, []byte("<!DOCTYPE html><html><body>Sign in</body></html>"), "Content-Type", "text/html", "Cache-Control", "max-age=60")
		}, steps: []step{
			{status: StatusMiss, freshFor: 60, stored: true, requests: 1, check: func(t *testing.T, r Report) {
				if r.Format != "unknown" || r.StreamAccepted || !strings.Contains(r.AudioError, "HTML") || r.ContentType != "text/html" {
					t.Errorf("format %q accepted %v audio error %q content type %q", r.Format, r.StreamAccepted, r.AudioError, r.ContentType)
				}
			}},
		}},
		{name: "audio served as text/plain", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Content-Type", "text/plain; charset=utf-8", "Cache-Control", "max-age=60")
		}, steps: []step{
			{status: StatusMiss, freshFor: 60, stored: true, requests: 1, check: func(t *testing.T, r Report) {
				if r.Format != "wav" || !r.StreamAccepted || r.ContentTypeNote != "served as text/plain although the body is audio" {
					t.Errorf("format %q accepted %v note %q", r.Format, r.StreamAccepted, r.ContentTypeNote)
				}
			}},
		}},
		{name: "audio/mpeg that is not audio", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, []byte(`{"error":"expired link"}`), "Content-Type", "audio/mpeg", "Cache-Control", "max-age=60")
		}, steps: []step{
			{status: StatusMiss, freshFor: 60, stored: true, requests: 1, check: func(t *testing.T, r Report) {
				if r.Format != "unknown" || !strings.Contains(r.AudioError, "JSON") || !strings.Contains(r.ContentTypeNote, "audio/mpeg but the body is not audio") {
					t.Errorf("format %q audio error %q note %q", r.Format, r.AudioError, r.ContentTypeNote)
				}
			}},
		}},
		{name: "private is stored by a private cache", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body, "Cache-Control", "private, max-age=120")
		}, steps: []step{
			{status: StatusMiss, freshFor: 120, stored: true, requests: 1, check: func(t *testing.T, r Report) {
				if !strings.Contains(r.Prediction, "private") {
					t.Errorf("prediction %q", r.Prediction)
				}
			}},
			{status: StatusHit, freshFor: 120, stored: true, requests: 0},
		}},
		{name: "no caching headers at all", handle: func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, body)
		}, steps: []step{
			{status: StatusMiss, freshFor: 0, source: "none", stored: true, requests: 1, check: func(t *testing.T, r Report) {
				if !strings.HasPrefix(r.Prediction, "no caching headers") {
					t.Errorf("prediction %q", r.Prediction)
				}
			}},
			{status: StatusMiss, stored: true, requests: 1},
		}},
	}
	if len(scenarios) < 20 {
		t.Fatalf("only %d scenarios", len(scenarios))
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			clock := newClock(t0)
			o := newOrigin(t, clock, nil)
			o.setHandler(sc.handle)
			c := openCache(t, clock, o.ca, sc.opts)
			for i, st := range sc.steps {
				clock.Advance(st.advance)
				before := len(o.requests())
				path := st.path
				if path == "" {
					path = "/audio"
				}
				var opts []FetchOption
				if st.lang != "" {
					opts = append(opts, WithHeader(http.Header{"Accept-Language": {st.lang}}))
				}
				res, err := c.Fetch(context.Background(), o.url(path), opts...)
				reqs := o.requests()[before:]
				if len(reqs) != st.requests {
					t.Fatalf("step %d: origin saw %d requests, want %d", i, len(reqs), st.requests)
				}
				if len(reqs) > 0 {
					last := reqs[len(reqs)-1]
					if last.IfNoneMatch != st.ifNone {
						t.Errorf("step %d: If-None-Match on the wire %q, want %q", i, last.IfNoneMatch, st.ifNone)
					}
					if (last.IfMods != "") != st.ifMods {
						t.Errorf("step %d: If-Modified-Since on the wire %q, want present=%v", i, last.IfMods, st.ifMods)
					}
				}
				if st.err != nil || st.errText != "" {
					if err == nil || (st.err != nil && !errors.Is(err, st.err)) || !strings.Contains(err.Error(), st.errText) {
						t.Fatalf("step %d: error %v, want %v containing %q", i, err, st.err, st.errText)
					}
					if res == nil {
						return
					}
				} else if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				r := res.Report
				if r.Status != st.status || r.FreshForS != st.freshFor || r.Stored != st.stored {
					t.Fatalf("step %d: status %v fresh_for %d stored %v, want %v %d %v (why %q)", i, r.Status, r.FreshForS, r.Stored, st.status, st.freshFor, st.stored, r.Why)
				}
				if st.source != "" && r.FreshnessSource != st.source {
					t.Errorf("step %d: freshness source %q, want %q", i, r.FreshnessSource, st.source)
				}
				if st.check != nil {
					st.check(t, r)
				}
			}
		})
	}
}

func TestUnknownCARefused(t *testing.T) {
	clock := newClock(t0)
	o := newOrigin(t, clock, nil)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		serve(w, testWAV(t, 1), "Cache-Control", "max-age=60")
	})
	c := openCache(t, clock, nil, nil) // trusts only the system roots
	_, err := c.Fetch(context.Background(), o.url("/audio"))
	if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "unknown authority") || !strings.Contains(err.Error(), "--ca") {
		t.Fatalf("error %v, want a TLS unknown-authority error that suggests --ca", err)
	}
	if n := len(o.requests()); n != 0 {
		t.Fatalf("origin answered %d requests over an untrusted connection", n)
	}
	if _, err := c.Report(context.Background(), o.url("/audio")); !errors.Is(err, ErrNotStored) {
		t.Fatalf("a refused fetch left a record: %v", err)
	}
}
