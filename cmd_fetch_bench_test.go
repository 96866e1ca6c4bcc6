package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
)

// TestFetchProcessBenchmark is the process-level figure behind
// scripts/bench/streamcache.sh: wall time of one `hookphone fetch` process
// serving a cache hit, a 304 revalidation and a miss, against one `curl`
// process downloading the same 1 MiB body from the same local HTTPS server,
// with `hookphone --help` as the start-up cost every hookphone process pays.
func TestFetchProcessBenchmark(t *testing.T) {
	if os.Getenv("HOOKPHONE_BENCH_FETCH") == "" {
		t.Skip("process benchmark: run scripts/bench/streamcache.sh")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal("curl not found: run make deps")
	}
	ca, err := pki.NewCA("fetch bench CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("127.0.0.1", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	body := rampWAV(t, 1<<19) // 1 MiB of 16-bit mono 8 kHz: about a minute
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=86400")
		w.Header().Set("ETag", `"bench"`)
		if r.Header.Get("If-None-Match") == `"bench"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(body)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLS}}
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, ca.CertPEM, 0o600)
	env := append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	bin := hookphoneBinary(t)
	const runs = 15
	timeRun := func(name string, args ...string) time.Duration {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var errb bytes.Buffer
		cmd.Stderr = &errb
		start := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, errb.String())
		}
		return time.Since(start)
	}
	median := func(f func(i int) time.Duration) float64 {
		var ds []time.Duration
		for i := range runs {
			ds = append(ds, f(i))
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		return float64(ds[runs/2].Microseconds()) / 1000
	}
	miss := median(func(i int) time.Duration {
		return timeRun(bin, "fetch", fmt.Sprintf("%s/miss%d.wav", srv.URL, i), "--ca", caFile, "--json")
	})
	url := srv.URL + "/prompt.wav"
	timeRun(bin, "fetch", url, "--ca", caFile, "--json") // store it
	hit := median(func(int) time.Duration { return timeRun(bin, "fetch", url, "--ca", caFile, "--json") })
	reval := median(func(int) time.Duration { return timeRun(bin, "fetch", url, "--ca", caFile, "--json", "--revalidate") })
	start := median(func(int) time.Duration { return timeRun(bin, "--help") })
	direct := median(func(int) time.Duration {
		return timeRun(curl, "-sS", "-o", os.DevNull, "--cacert", caFile, url)
	})
	fmt.Printf("BENCH body_bytes=%d hookphone_hit_ms=%.1f hookphone_revalidate_ms=%.1f hookphone_miss_ms=%.1f hookphone_start_ms=%.1f curl_ms=%.1f\n",
		len(body), hit, reval, miss, start, direct)
}
