package streamcache

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"testing"
	"time"
)

// benchBody is 1 MiB: about a minute of 128 kbit/s MP3, a typical prompt.
var benchBody = bytes.Repeat([]byte("hookphone stream audio bench...\n"), 1<<15)

// directClient fetches from the origin with no cache, as a peer to compare
// against in the same run (same TLS server, same keep-alive behaviour).
func directClient(o *origin) *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:    &tls.Config{RootCAs: o.ca.Pool(), MinVersion: tls.VersionTLS12},
		DisableCompression: true,
		ForceAttemptHTTP2:  true,
	}}
}

func directFetch(b *testing.B, c *http.Client, url string) {
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != int64(len(benchBody)) {
		b.Fatalf("direct fetch: %d bytes, %v", n, err)
	}
}

// BenchmarkHitVsDirect reports the cost of serving a fresh stored copy
// (report + opening and reading the body) against downloading the same
// body directly from a local HTTPS server, and their ratio.
func BenchmarkHitVsDirect(b *testing.B) {
	o := newOrigin(b, nil, nil)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		serve(w, benchBody, "Cache-Control", "max-age=86400", "ETag", `"b"`)
	})
	c := openCache(b, nil, o.ca, nil)
	ctx := context.Background()
	url := o.url("/bench.mp3")
	if _, err := c.Fetch(ctx, url); err != nil {
		b.Fatal(err)
	}
	dc := directClient(o)
	b.Cleanup(dc.CloseIdleConnections)
	directFetch(b, dc, url) // warm the connection
	b.ResetTimer()
	var hit, direct time.Duration
	for range b.N {
		start := time.Now()
		res, err := c.Fetch(ctx, url)
		if err != nil || res.Report.Status != StatusHit {
			b.Fatalf("%v %v", res, err)
		}
		f, err := c.OpenBody(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, f)
		f.Close()
		hit += time.Since(start)
		start = time.Now()
		directFetch(b, dc, url)
		direct += time.Since(start)
	}
	b.ReportMetric(float64(hit.Nanoseconds())/float64(b.N), "hit-ns/op")
	b.ReportMetric(float64(direct.Nanoseconds())/float64(b.N), "direct-ns/op")
	b.ReportMetric(float64(hit)/float64(direct), "hit/direct")
}

// BenchmarkRevalidateVsDirect reports a forced revalidation answered by 304
// (conditional request, header merge, durable commit) against the direct
// download of the body.
func BenchmarkRevalidateVsDirect(b *testing.B) {
	o := newOrigin(b, nil, nil)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=86400")
		w.Header().Set("ETag", `"b"`)
		if r.Header.Get("If-None-Match") == `"b"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		serve(w, benchBody)
	})
	c := openCache(b, nil, o.ca, nil)
	ctx := context.Background()
	url := o.url("/bench.mp3")
	if _, err := c.Fetch(ctx, url); err != nil {
		b.Fatal(err)
	}
	dc := directClient(o)
	b.Cleanup(dc.CloseIdleConnections)
	directFetch(b, dc, url)
	b.ResetTimer()
	var reval, direct time.Duration
	for range b.N {
		start := time.Now()
		res, err := c.Revalidate(ctx, url)
		if err != nil || res.Report.Status != StatusRevalidated {
			b.Fatalf("%v %v", res, err)
		}
		reval += time.Since(start)
		start = time.Now()
		directFetch(b, dc, url)
		direct += time.Since(start)
	}
	b.ReportMetric(float64(reval.Nanoseconds())/float64(b.N), "revalidate-ns/op")
	b.ReportMetric(float64(direct.Nanoseconds())/float64(b.N), "direct-ns/op")
	b.ReportMetric(float64(reval)/float64(direct), "revalidate/direct")
}
