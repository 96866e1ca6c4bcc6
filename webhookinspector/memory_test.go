package webhookinspector

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// rssBytes reads the resident set size (SQLite via modernc allocates
// outside the Go heap, so both are watched).
func rssBytes(t *testing.T) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			var kb uint64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestMemoryFlatWhile100kCapturesAccumulate stores 100k captures (~100 MB of
// rows) and checks that heap and RSS stay flat on the paths lists use:
// newest page, filtered page, count, and a full paged walk. Bounds are
// generous: they catch "loads everything", not small drifts.
func TestMemoryFlatWhile100kCapturesAccumulate(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	const total, step = 100_000, 10_000
	pad := strings.Repeat("p", 700)
	var next atomic.Int64
	insert := func(upto int64) {
		var wg sync.WaitGroup
		for w := 0; w < 64; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > upto {
						return
					}
					c := sampleCapture(int(i), Verdict(1+i%3))
					c.Body = append(c.Body, pad...)
					c.RawHead = []byte(pad)
					if err := s.Add(ctx, c); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		next.Store(upto)
	}
	listPaths := func() {
		if _, err := s.List(ctx, Filter{Newest: true, Limit: 200}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.List(ctx, Filter{Verdict: VerdictInvalid, Newest: true, Limit: 200}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Count(ctx, Filter{}); err != nil {
			t.Fatal(err)
		}
		// The search box's worst case: text found nowhere, every row read.
		if _, err := s.List(ctx, Filter{Text: "no such text", Newest: true, Limit: 200}); err != nil {
			t.Fatal(err)
		}
	}
	insert(step)
	listPaths()
	baseHeap, baseRSS := heapInuse(), rssBytes(t)
	var maxHeap, maxRSS uint64
	for n := int64(2 * step); n <= total; n += step {
		insert(n)
		listPaths()
		h, r := heapInuse(), rssBytes(t)
		maxHeap, maxRSS = max(maxHeap, h), max(maxRSS, r)
		t.Logf("%6d captures: heap in use %5.1f MiB, RSS %5.1f MiB", n, float64(h)/(1<<20), float64(r)/(1<<20))
	}
	// A full walk, page by page, as "webhook list" does.
	walked := 0
	err := s.Each(ctx, Filter{}, func(Summary) error {
		walked++
		if walked%step == 0 {
			maxHeap, maxRSS = max(maxHeap, heapInuse()), max(maxRSS, rssBytes(t))
		}
		return nil
	})
	if err != nil || walked != total {
		t.Fatalf("walked %d of %d: %v", walked, total, err)
	}
	const heapBound, rssBound = 24 << 20, 96 << 20
	if maxHeap > baseHeap+heapBound {
		t.Errorf("heap grew from %d to %d bytes while captures accumulated", baseHeap, maxHeap)
	}
	if maxRSS > baseRSS+rssBound {
		t.Errorf("RSS grew from %d to %d bytes while captures accumulated", baseRSS, maxRSS)
	}
}
