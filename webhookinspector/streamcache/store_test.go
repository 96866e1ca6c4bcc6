package streamcache

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookphone/hookphone/media/audiofile"
)

func TestSurvivesReopen(t *testing.T) {
	clock := newClock(t0)
	o := newOrigin(t, clock, nil)
	body := testWAV(t, 1)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		serve(w, body, "Cache-Control", "max-age=600", "ETag", `"p"`)
	})
	dir := t.TempDir()
	open := func() *Cache {
		c, err := Open(context.Background(), Options{Dir: dir, CAPEM: o.ca.CertPEM, Now: clock.Now, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open()
	if res, err := c.Fetch(context.Background(), o.url("/a.wav")); err != nil || res.Report.Status != StatusMiss {
		t.Fatalf("first fetch: %v %v", res, err)
	}
	c.Close()
	// A body renamed into place whose row never committed (a crash between
	// the two) and a stray temporary must both be discarded on open.
	orphan := filepath.Join(dir, "bodies", "deadbeef.body")
	os.WriteFile(orphan, []byte("half"), 0o600)
	os.WriteFile(filepath.Join(dir, "bodies", "x.part"), []byte("half"), 0o600)
	clock.Advance(time.Minute)
	c = open()
	defer c.Close()
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatal("an orphaned body survived Open")
	}
	res, err := c.Fetch(context.Background(), o.url("/a.wav"))
	if err != nil || res.Report.Status != StatusHit || res.Report.FreshForS != 540 || res.Report.Hits != 1 {
		t.Fatalf("after reopen: %+v %v", res.Report, err)
	}
	if len(o.requests()) != 1 {
		t.Fatalf("origin saw %d requests", len(o.requests()))
	}
}

func TestTruncatedStoredBodyDropped(t *testing.T) {
	// If a stored body file is damaged behind our back (size changed), the
	// row is dropped on open rather than served.
	o := newOrigin(t, nil, nil)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		serve(w, testWAV(t, 1), "Cache-Control", "max-age=600")
	})
	dir := t.TempDir()
	c, err := Open(context.Background(), Options{Dir: dir, CAPEM: o.ca.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(context.Background(), o.url("/a.wav")); err != nil {
		t.Fatal(err)
	}
	e, _ := c.store.get(context.Background(), o.url("/a.wav"))
	c.Close()
	os.Truncate(filepath.Join(dir, "bodies", e.BodyFile), 10)
	c, err = Open(context.Background(), Options{Dir: dir, CAPEM: o.ca.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Fetch(context.Background(), o.url("/a.wav"))
	if err != nil || res.Report.Status != StatusMiss {
		t.Fatalf("damaged body: %v %v, want a fresh miss", res.Report.Status, err)
	}
}

func TestLRUEviction(t *testing.T) {
	clock := newClock(t0)
	o := newOrigin(t, clock, nil)
	body := testWAV(t, 1) // ~4 KB
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		serve(w, body, "Cache-Control", "max-age=3600")
	})
	c := openCache(t, clock, o.ca, func(opts *Options) { opts.MaxTotalBytes = int64(3*len(body) + 100) })
	ctx := context.Background()
	for _, p := range []string{"/1", "/2", "/3"} {
		clock.Advance(time.Second)
		if _, err := c.Fetch(ctx, o.url(p)); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(time.Second)
	if res, _ := c.Fetch(ctx, o.url("/1")); res.Report.Status != StatusHit { // /1 is now the most recent
		t.Fatalf("/1: %v", res.Report.Status)
	}
	clock.Advance(time.Second)
	if _, err := c.Fetch(ctx, o.url("/4")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{"/1": true, "/2": false, "/3": true, "/4": true} {
		r, err := c.Report(ctx, o.url(p))
		stored := err == nil && r.Stored
		if stored != want {
			t.Errorf("%s stored=%v, want %v", p, stored, want)
		}
	}
	des, _ := os.ReadDir(c.store.bodies)
	if len(des) != 3 {
		t.Errorf("%d body files, want 3", len(des))
	}
}

func TestCoalescedFetch(t *testing.T) {
	o := newOrigin(t, nil, nil)
	release := make(chan struct{})
	body := testWAV(t, 1)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		<-release
		serve(w, body, "Cache-Control", "max-age=3600")
	})
	c := openCache(t, nil, o.ca, nil)
	url := o.url("/same.wav")
	const callers = 8
	var wg sync.WaitGroup
	results := make([]*Result, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.Fetch(context.Background(), url)
		}()
	}
	for deadline := time.Now().Add(30 * time.Second); c.waiting(url) < callers; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d callers joined", c.waiting(url))
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || results[i].Report.Status != StatusMiss {
			t.Fatalf("caller %d: %v %v", i, errs[i], results[i])
		}
	}
	if n := len(o.requests()); n != 1 {
		t.Fatalf("origin saw %d requests for %d concurrent callers, want 1", n, callers)
	}
}

func TestBodyPeaksAndAPI(t *testing.T) {
	o := newOrigin(t, nil, nil)
	body := testWAV(t, 3)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		serve(w, body, "Cache-Control", "max-age=3600", "ETag", `"x"`)
	})
	c := openCache(t, nil, o.ca, func(opts *Options) { opts.PeakBuckets = 50 })
	ctx := context.Background()
	errs := c.AddURLs(ctx, o.url("/a.wav"), o.url("/a.wav#frag"), "ftp://nope", o.url("/b.wav"))
	if len(errs) != 1 || errs["ftp://nope"] == nil {
		t.Fatalf("AddURLs errors %v, want one for the ftp URL", errs)
	}
	if n := len(o.requests()); n != 2 {
		t.Fatalf("AddURLs made %d requests, want 2 (duplicates and fragments folded)", n)
	}
	c.AddURLs(ctx, o.url("/a.wav")) // already seen: no request
	if n := len(o.requests()); n != 2 {
		t.Fatalf("AddURLs refetched a known URL")
	}
	list, err := c.List(ctx, 0, 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("List: %d %v", len(list), err)
	}
	r, err := c.Report(ctx, o.url("/a.wav"))
	if err != nil || r.Format != "wav" || r.SampleRate != 8000 || r.BitDepth != 16 || !r.StreamAccepted || r.DurationS != 0.25 {
		t.Fatalf("report %+v %v", r, err)
	}
	if r.WaveformReady {
		t.Fatal("waveform ready before anyone asked for it")
	}
	peaks, err := c.Peaks(ctx, o.url("/a.wav"))
	if err != nil || len(peaks) != 50 {
		t.Fatalf("peaks: %d %v", len(peaks), err)
	}
	if r, _ := c.Report(ctx, o.url("/a.wav")); !r.WaveformReady {
		t.Fatal("peaks were not stored")
	}
	f, err := c.OpenBody(ctx, o.url("/a.wav"))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := audiofile.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := audiofile.Peaks(rd, 50)
	f.Close()
	for i := range want {
		if want[i] != peaks[i] {
			t.Fatalf("stored peak %d = %v, recomputed %v", i, peaks[i], want[i])
		}
	}
	res, err := c.Revalidate(ctx, o.url("/a.wav"))
	if err != nil || res.Report.Status != StatusMiss {
		// The origin here ignores If-None-Match, so revalidation gets a 200.
		t.Fatalf("revalidate: %v %v", res.Report.Status, err)
	}
	if last := o.requests()[len(o.requests())-1]; last.IfNoneMatch != `"x"` {
		t.Fatalf("revalidate sent If-None-Match %q", last.IfNoneMatch)
	}
	if ok, err := c.Evict(ctx, o.url("/a.wav")); !ok || err != nil {
		t.Fatalf("evict: %v %v", ok, err)
	}
	if _, err := c.OpenBody(ctx, o.url("/a.wav")); err == nil {
		t.Fatal("evicted body still opens")
	}
	des, _ := os.ReadDir(c.store.bodies)
	if len(des) != 1 {
		t.Fatalf("%d body files after evicting one of two", len(des))
	}
}

func TestBadURL(t *testing.T) {
	c := openCache(t, nil, nil, nil)
	for _, u := range []string{"", "prompt.mp3", "file:///etc/passwd", "https://", "http://[::1"} {
		if _, err := c.Fetch(context.Background(), u); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestUnreachableOriginWithoutCopy(t *testing.T) {
	o := newOrigin(t, nil, nil)
	url := o.url("/gone.wav")
	o.srv.Close()
	c := openCache(t, nil, o.ca, nil)
	_, err := c.Fetch(context.Background(), url)
	if err == nil {
		t.Fatal("fetch from a closed server succeeded")
	}
	if got := err.Error(); !strings.Contains(got, "cannot connect") {
		t.Fatalf("error %q, want a clear connection failure", got)
	}
}

func TestSecondProcessLeavesDownloadsAlone(t *testing.T) {
	// While one process has the cache open (its download may be mid-body),
	// another opening the same folder must not delete temporaries.
	dir := t.TempDir()
	ctx := context.Background()
	first, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	inFlight := filepath.Join(dir, "bodies", "abc.part")
	os.WriteFile(inFlight, []byte("half a body"), 0o600)
	second, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(inFlight); err != nil {
		t.Fatal("a second Open deleted the first process's download in progress")
	}
	second.Close()
	first.Close()
	third, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if _, err := os.Stat(inFlight); !os.IsNotExist(err) {
		t.Fatal("an orphan survived an Open with the cache to itself")
	}
}

func TestForcedRevalidationWithOriginDown(t *testing.T) {
	clock := newClock(t0)
	o := newOrigin(t, clock, nil)
	body := testWAV(t, 1)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		if n > 0 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		serve(w, body, "Cache-Control", "max-age=600, must-revalidate", "ETag", `"d"`)
	})
	c := openCache(t, clock, o.ca, nil)
	ctx := context.Background()
	if _, err := c.Fetch(ctx, o.url("/d.wav")); err != nil {
		t.Fatal(err)
	}
	// Still fresh: must-revalidate does not apply yet, the copy is a hit.
	res, err := c.Revalidate(ctx, o.url("/d.wav"))
	if err != nil || res.Report.Status != StatusHit || !strings.Contains(res.Report.Why, "503") {
		t.Fatalf("revalidate while fresh, origin down: %+v %v", res, err)
	}
	if last := o.requests()[len(o.requests())-1]; last.IfNoneMatch != `"d"` {
		t.Fatalf("If-None-Match %q", last.IfNoneMatch)
	}
	// Once stale, must-revalidate forbids serving it.
	clock.Advance(11 * time.Minute)
	if _, err := c.Revalidate(ctx, o.url("/d.wav")); !errors.Is(err, ErrMustRevalidate) {
		t.Fatalf("stale must-revalidate copy with origin down: %v", err)
	}
}

func TestPeaksOfUndecodableAudio(t *testing.T) {
	// MPEG-2.5 probes (format, duration) but go-mp3 cannot decode it: the
	// waveform request fails with the reason, which the report then shows.
	frame := append([]byte{0xFF, 0xE3, 0x28, 0xC0}, make([]byte, 140)...)
	var body []byte
	for range 10 {
		body = append(body, frame...)
	}
	o := newOrigin(t, nil, nil)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		serve(w, body, "Content-Type", "audio/mpeg", "Cache-Control", "max-age=60")
	})
	c := openCache(t, nil, o.ca, nil)
	ctx := context.Background()
	res, err := c.Fetch(ctx, o.url("/8k.mp3"))
	if err != nil || res.Report.Format != "mp3" || res.Report.SampleRate != 8000 || !res.Report.StreamAccepted {
		t.Fatalf("%+v %v", res.Report, err)
	}
	if _, err := c.Peaks(ctx, o.url("/8k.mp3")); err == nil || !strings.Contains(err.Error(), "MPEG-2.5") {
		t.Fatalf("peaks of MPEG-2.5: %v", err)
	}
	if r, _ := c.Report(ctx, o.url("/8k.mp3")); !strings.Contains(r.AudioError, "MPEG-2.5") {
		t.Fatalf("audio error %q", r.AudioError)
	}
}

func TestPasswordNotInErrors(t *testing.T) {
	o := newOrigin(t, nil, nil)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	c := openCache(t, nil, o.ca, nil)
	u := strings.Replace(o.url("/p.wav"), "https://", "https://user:s3cret@", 1)
	_, err := c.Fetch(context.Background(), u)
	if err == nil {
		t.Fatal("404 gave no error")
	}
	if _, err2 := c.OpenBody(context.Background(), u); err2 == nil || strings.Contains(err2.Error(), "s3cret") {
		t.Fatalf("OpenBody error %v shows the password", err2)
	}
	if RedactURL(u) == u || strings.Contains(RedactURL(u), "s3cret") {
		t.Fatalf("RedactURL(%q) = %q", u, RedactURL(u))
	}
}

func TestCloseWaitsForFetches(t *testing.T) {
	o := newOrigin(t, nil, nil)
	release := make(chan struct{})
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		<-release
		serve(w, testWAV(t, 1), "Cache-Control", "max-age=60")
	})
	c, err := Open(context.Background(), Options{Dir: t.TempDir(), CAPEM: o.ca.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Fetch(context.Background(), o.url("/w.wav"))
		done <- err
	}()
	for deadline := time.Now().Add(30 * time.Second); len(o.requests()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the fetch never reached the origin")
		}
		time.Sleep(time.Millisecond)
	}
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("a fetch in progress failed because of Close: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(context.Background(), o.url("/w.wav")); !errors.Is(err, ErrClosed) {
		t.Fatalf("fetch after Close: %v", err)
	}
}
