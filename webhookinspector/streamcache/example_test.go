package streamcache_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/hookphone/hookphone/media/audiofile"
	"github.com/hookphone/hookphone/webhookinspector/streamcache"
)

// A stream URL fetched twice: the first fetch downloads and stores it, the
// second is answered from the cache. The report explains what the voice
// platform will do with the same headers.
func Example() {
	wav := exampleWAV()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=360000")
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(wav)
	}))
	defer origin.Close()
	dir, _ := os.MkdirTemp("", "streamcache-example")
	defer os.RemoveAll(dir)

	ctx := context.Background()
	cache, err := streamcache.Open(ctx, streamcache.Options{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()
	for range 2 {
		res, err := cache.Fetch(ctx, origin.URL+"/welcome.wav")
		if err != nil {
			fmt.Println(err)
			return
		}
		r := res.Report
		fmt.Println(r.Status, r.FreshnessSource, r.Format, r.SampleRate, r.DurationS, r.StreamAccepted)
	}
	// Output:
	// miss max-age wav 8000 0.5 true
	// hit max-age wav 8000 0.5 true
}

// exampleWAV makes half a second of 16-bit mono 8 kHz silence.
func exampleWAV() []byte {
	f, _ := os.CreateTemp("", "example-*.wav")
	defer os.Remove(f.Name())
	w, _ := audiofile.NewWAVWriter(f, 8000, 1)
	w.WriteInt16(make([]int16, 4000))
	w.Close()
	f.Close()
	b, _ := os.ReadFile(f.Name())
	return b
}
