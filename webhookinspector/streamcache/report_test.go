package streamcache

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestPredictions pins the plain sentences the GUI shows, for a clock fixed
// on Friday 2026-11-20 10:02 UTC.
func TestPredictions(t *testing.T) {
	body := testWAV(t, 1)
	lm := httpDate(t0.Add(-30 * 24 * time.Hour))
	cases := []struct {
		name string
		kv   []string
		want string
	}{
		{"max-age 4 days", []string{"Cache-Control", "public, max-age=345600"},
			"the platform may keep serving this copy until Tue 10:02 (max-age 4 days): to change the audio sooner, change its URL"},
		{"max-age with must-revalidate", []string{"Cache-Control", "max-age=5400, must-revalidate"},
			"the platform may keep serving this copy until Fri 11:32 (max-age 1 h 30 min): to change the audio sooner, change its URL; after that it must check with the server (must-revalidate)"},
		{"the NCCO reference's advice", []string{"Cache-Control", "public, max-age=360000"},
			"the platform may keep serving this copy until Tue 14:02 (max-age 4 days 4 h): to change the audio sooner, change its URL"},
		{"a year", []string{"Cache-Control", "max-age=31536000"},
			"the platform may keep serving this copy until Sat 20 Nov 2027 10:02 (max-age 365 days): to change the audio sooner, change its URL"},
		{"s-maxage for the platform", []string{"Cache-Control", "max-age=60, s-maxage=7200"},
			"the platform may keep serving this copy until Fri 12:02 (s-maxage 2 h, which the platform uses instead of max-age): to change the audio sooner, change its URL"},
		{"Expires", []string{"Expires", httpDate(t0.Add(8 * 24 * time.Hour))},
			"the platform may keep serving this copy until Sat 28 Nov 10:02 (Expires): to change the audio sooner, change its URL"},
		{"heuristic", []string{"Last-Modified", lm},
			"the platform may keep serving this copy until Mon 10:02 (no lifetime given; caches may guess 10 % of its age since Last-Modified = 3 days; send Cache-Control: max-age to decide yourself): to change the audio sooner, change its URL"},
		{"no-store", []string{"Cache-Control", "no-store"}, "not cached by anyone: no-store (the platform downloads it for every call)"},
		{"no-cache with ETag", []string{"Cache-Control", "no-cache", "ETag", `"e"`},
			"caches must check with the server before every use (no-cache): a changed file is picked up on the next call"},
		{"invalid Expires", []string{"Expires", "0", "ETag", `"e"`},
			"the expires value is invalid, so caches treat the copy as already stale: caches check with the server before reusing it, so a changed file is picked up on the next call"},
		{"only a validator", []string{"ETag", `"e"`},
			"no lifetime given: caches must check with the server before each reuse, so a changed file is picked up on the next call"},
		{"nothing", nil,
			"no caching headers (no max-age, Expires, ETag or Last-Modified): the platform will probably download it for every call; add Cache-Control: public, max-age=360000 to let it cache"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := newClock(t0)
			o := newOrigin(t, clock, nil)
			o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) { serve(w, body, c.kv...) })
			cache := openCache(t, clock, o.ca, nil)
			res, err := cache.Fetch(context.Background(), o.url("/p.wav"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Report.Prediction != c.want {
				t.Errorf("prediction\n got: %s\nwant: %s", res.Report.Prediction, c.want)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45 s", 90 * time.Second: "1 min 30 s", time.Hour: "1 h",
		26 * time.Hour: "26 h", 4 * 24 * time.Hour: "4 days", 100 * time.Hour: "4 days 4 h", 30 * 24 * time.Hour: "30 days",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
