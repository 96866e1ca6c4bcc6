package streamcache

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
	"github.com/hookphone/hookphone/media/audiofile"
)

// fakeClock is the controllable clock shared by the cache and the test
// server's Date headers.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// seen is one request as the origin server received it.
type seen struct {
	Path                string
	IfNoneMatch, IfMods string
	AcceptLanguage      string
}

// origin is a real HTTPS server on 127.0.0.1 with a certificate from a
// throwaway test CA; handle decides each answer.
type origin struct {
	srv    *httptest.Server
	ca     *pki.CA
	clock  *fakeClock
	mu     sync.Mutex
	reqs   []seen
	handle func(n int, w http.ResponseWriter, r *http.Request)
}

func newOrigin(t testing.TB, clock *fakeClock, ca *pki.CA) *origin {
	t.Helper()
	if ca == nil {
		var err error
		ca, err = pki.NewCA("streamcache test CA", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
	}
	leaf, err := ca.Issue("127.0.0.1", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	o := &origin{ca: ca, clock: clock}
	o.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		n := len(o.reqs)
		o.reqs = append(o.reqs, seen{Path: r.URL.Path, IfNoneMatch: r.Header.Get("If-None-Match"),
			IfMods: r.Header.Get("If-Modified-Since"), AcceptLanguage: r.Header.Get("Accept-Language")})
		h := o.handle
		o.mu.Unlock()
		if clock != nil {
			w.Header().Set("Date", clock.Now().UTC().Format(http.TimeFormat))
		}
		h(n, w, r)
	}))
	o.srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLS}}
	o.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected in some tests
	o.srv.StartTLS()
	t.Cleanup(o.srv.Close)
	return o
}

func (o *origin) url(path string) string { return o.srv.URL + path }

func (o *origin) requests() []seen {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]seen(nil), o.reqs...)
}

func (o *origin) setHandler(h func(n int, w http.ResponseWriter, r *http.Request)) {
	o.mu.Lock()
	o.handle = h
	o.mu.Unlock()
}

// openCache opens a cache in a fresh folder trusting the origin's CA.
func openCache(t testing.TB, clock *fakeClock, ca *pki.CA, mod func(*Options)) *Cache {
	t.Helper()
	opts := Options{Dir: t.TempDir(), Location: time.UTC}
	if clock != nil {
		opts.Now = clock.Now
	}
	if ca != nil {
		opts.CAPEM = ca.CertPEM
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testWAV is 0.25 s of a 16-bit mono 8 kHz tone: playable stream audio.
func testWAV(t testing.TB, seed int) []byte {
	t.Helper()
	var buf seekBuffer
	w, err := audiofile.NewWAVWriter(&buf, 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	s := make([]int16, 2000)
	for i := range s {
		s[i] = int16((i*(seed+3))%2000*10 - 10000)
	}
	if err := w.WriteInt16(s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.b
}

// seekBuffer is an in-memory io.WriteSeeker.
type seekBuffer struct {
	b   []byte
	pos int
}

func (s *seekBuffer) Write(p []byte) (int, error) {
	if need := s.pos + len(p); need > len(s.b) {
		s.b = append(s.b, make([]byte, need-len(s.b))...)
	}
	copy(s.b[s.pos:], p)
	s.pos += len(p)
	return len(p), nil
}

func (s *seekBuffer) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case 0:
		s.pos = int(off)
	case 1:
		s.pos += int(off)
	case 2:
		s.pos = len(s.b) + int(off)
	}
	return int64(s.pos), nil
}

// serve writes body with the given header fields (Date is already set).
func serve(w http.ResponseWriter, body []byte, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		w.Header().Set(kv[i], kv[i+1])
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "audio/wav")
	}
	w.Write(body)
}
