package webhookinspector

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func benchVerify(b *testing.B, req func(i int) Request) {
	v := NewVerifier(VerifierConfig{Secrets: map[string]string{keyMain: secretMain}, Now: func() time.Time { return testNow }, Replay: NewJTICache(time.Hour)})
	reqs := make([]Request, 1024)
	for i := range reqs {
		reqs[i] = req(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := v.Verify(reqs[i%len(reqs)])
		if r.Verdict == VerdictUnknown {
			b.Fatal("no verdict")
		}
	}
}

func benchToken(b *testing.B, payload []byte, jti string) string {
	claims := NewClaims(testNow, keyMain, testAppID, sha256Hex(payload))
	claims.JTI = jti
	tok, err := Sign(claims, secretMain)
	if err != nil {
		b.Fatal(err)
	}
	return "Bearer " + tok
}

// BenchmarkVerifyPOST is a full verification of a signed event webhook
// (signature, claims, jti, payload_hash); after the first pass over the 1024
// tokens the jti check reports replays, which costs the same.
func BenchmarkVerifyPOST(b *testing.B) {
	benchVerify(b, func(i int) Request {
		return postReq(benchToken(b, []byte(eventBody), fmt.Sprint("jti-", i)), eventBody)
	})
}

// BenchmarkVerifyGET verifies a GET answer webhook (query as compact JSON).
func BenchmarkVerifyGET(b *testing.B) {
	benchVerify(b, func(i int) Request {
		return getReq(benchToken(b, []byte(answerQueryJSON), fmt.Sprint("jti-", i)), answerQuery)
	})
}

// BenchmarkStoreAdd is one durable capture write (fsync'd commit), 16
// writers at once so commits are grouped as under load.
func BenchmarkStoreAdd(b *testing.B) {
	s, err := OpenStore(context.Background(), b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if err := s.Add(context.Background(), sampleCapture(i, VerdictValid)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkStoreQueries100k is each query the Webhooks pane and `webhook
// list` make against a store of 100k captures: the newest page is the peer
// the others are read against (a text search that matches nothing scans
// every row, the worst case of the search box).
func BenchmarkStoreQueries100k(b *testing.B) {
	ctx := context.Background()
	s, err := OpenStore(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= 100_000; i = next.Add(1) {
				if err := s.Add(ctx, sampleCapture(int(i), Verdict(1+i%3))); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, q := range []struct {
		name string
		f    Filter
	}{
		{"newest-page", Filter{Newest: true, Limit: 100}},
		{"verdict-page", Filter{Verdict: VerdictInvalid, Newest: true, Limit: 100}},
		{"call", Filter{Call: "CON-3", Newest: true, Limit: 100}},
		{"path-search", Filter{Path: "EVENT", Newest: true, Limit: 100}},
		{"text-search-hit", Filter{Text: "u-5", Newest: true, Limit: 100}},
		{"text-search-miss", Filter{Text: "no such text", Newest: true, Limit: 100}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.List(ctx, q.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
