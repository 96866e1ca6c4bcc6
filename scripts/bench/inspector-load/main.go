// Command inspector-load is the load generator of scripts/bench/inspector.sh:
// it pre-signs N distinct event webhooks (fresh jti, payload_hash of each
// body) and posts them over loopback with C concurrent keep-alive
// connections, then prints one JSON line: rate and latency percentiles.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookphone/hookphone/webhookinspector"
)

type result struct {
	Target   string  `json:"target"`
	Requests int     `json:"requests"`
	Errors   int64   `json:"errors"`
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"rate_per_s"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
}

func main() {
	url := flag.String("url", "", "webhook URL to post to")
	secretEnv := flag.String("secret-env", "BENCH_SECRET", "environment variable holding the signature secret")
	n := flag.Int("n", 20000, "requests")
	c := flag.Int("c", 32, "concurrent connections")
	label := flag.String("label", "", "name printed in the result")
	flag.Parse()
	secret := os.Getenv(*secretEnv)
	if *url == "" || secret == "" {
		fmt.Fprintln(os.Stderr, "inspector-load: need -url and a secret in $"+*secretEnv)
		os.Exit(2)
	}
	type req struct {
		body []byte
		auth string
	}
	reqs := make([]req, *n)
	now := time.Now()
	for i := range reqs {
		body := []byte(fmt.Sprintf(`{"start_time":null,"rate":null,"from":"447700900001","to":"447700900000","uuid":"bench-%08d","conversation_uuid":"CON-bench-%08d","status":"answered","direction":"inbound","network":null,"timestamp":"%s"}`,
			i, i/4, now.UTC().Format("2006-01-02T15:04:05.000Z")))
		claims := webhookinspector.NewClaims(now, "a1b2c3d4", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", webhookinspector.PayloadHash(webhookinspector.Request{Body: body}, webhookinspector.FormRawBody))
		tok, err := webhookinspector.Sign(claims, secret)
		if err != nil {
			fmt.Fprintln(os.Stderr, "inspector-load:", err)
			os.Exit(1)
		}
		reqs[i] = req{body, "Bearer " + tok}
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *c, MaxConnsPerHost: *c}}
	lat := make([]time.Duration, *n)
	var next, errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(reqs) {
					return
				}
				hr, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, *url, bytes.NewReader(reqs[i].body))
				hr.Header.Set("Authorization", reqs[i].auth)
				hr.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(hr)
				if err != nil {
					errs.Add(1)
					lat[i] = time.Since(t0)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if resp.StatusCode/100 != 2 {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
	out, _ := json.Marshal(result{Target: *label, Requests: *n, Errors: errs.Load(), Seconds: el.Seconds(),
		Rate: float64(*n) / el.Seconds(), P50ms: pct(0.50), P99ms: pct(0.99)})
	fmt.Println(string(out))
	if errs.Load() > 0 {
		os.Exit(1)
	}
}
