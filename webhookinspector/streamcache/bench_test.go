package streamcache

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
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

// benchVsDirect times op (one cache operation on a stored copy of
// /bench.mp3, served by handler) against a direct download of the same body
// in the same loop, and reports both and their ratio as metrics named
// after what.
func benchVsDirect(b *testing.B, what string, handler func(n int, w http.ResponseWriter, r *http.Request),
	op func(ctx context.Context, c *Cache, url string) error) {
	o := newOrigin(b, nil, nil)
	o.setHandler(handler)
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
	var ours, direct time.Duration
	for range b.N {
		start := time.Now()
		if err := op(ctx, c, url); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)
		start = time.Now()
		directFetch(b, dc, url)
		direct += time.Since(start)
	}
	b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), what+"-ns/op")
	b.ReportMetric(float64(direct.Nanoseconds())/float64(b.N), "direct-ns/op")
	b.ReportMetric(float64(ours)/float64(direct), what+"/direct")
}

// BenchmarkHitVsDirect reports the cost of serving a fresh stored copy
// (report + opening and reading the body) against downloading the same
// body directly from a local HTTPS server, and their ratio.
func BenchmarkHitVsDirect(b *testing.B) {
	benchVsDirect(b, "hit", func(n int, w http.ResponseWriter, r *http.Request) {
		serve(w, benchBody, "Cache-Control", "max-age=86400", "ETag", `"b"`)
	}, func(ctx context.Context, c *Cache, url string) error {
		res, err := c.Fetch(ctx, url)
		if err != nil || res.Report.Status != StatusHit {
			return fmt.Errorf("not a hit: %v %v", res, err)
		}
		f, err := c.OpenBody(ctx, url)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(io.Discard, f)
		return err
	})
}

// BenchmarkRevalidateVsDirect reports a forced revalidation answered by 304
// (conditional request, header merge, durable commit) against the direct
// download of the body.
func BenchmarkRevalidateVsDirect(b *testing.B) {
	benchVsDirect(b, "revalidate", func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=86400")
		w.Header().Set("ETag", `"b"`)
		if r.Header.Get("If-None-Match") == `"b"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		serve(w, benchBody)
	}, func(ctx context.Context, c *Cache, url string) error {
		res, err := c.Revalidate(ctx, url)
		if err != nil || res.Report.Status != StatusRevalidated {
			return fmt.Errorf("not revalidated: %v %v", res, err)
		}
		return nil
	})
}
