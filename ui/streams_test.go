package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	sc "github.com/hookphone/hookphone/webhookinspector/streamcache"
)

func TestChipFor(t *testing.T) {
	for _, tc := range []struct {
		r    sc.Report
		want chip
	}{
		{sc.Report{Status: sc.StatusMiss, Stored: true, Fresh: true}, chipFresh},
		{sc.Report{Status: sc.StatusHit, Stored: true, Fresh: true}, chipFresh},
		{sc.Report{Status: sc.StatusHit, Stored: true, Fresh: false}, chipStale},
		{sc.Report{Status: sc.StatusStale, Stored: true}, chipStale},
		{sc.Report{Status: sc.StatusRevalidated, Stored: true, Fresh: true}, chipRevalidated},
		{sc.Report{Status: sc.StatusRevalidated, Stored: true, Fresh: false}, chipStale},
		{sc.Report{Status: sc.StatusUncacheable}, chipUncacheable},
		{sc.Report{Status: sc.StatusMiss, Stored: false}, chipUncacheable},
	} {
		if got := chipFor(tc.r); got != tc.want {
			t.Errorf("chipFor(%+v) = %s, want %s", tc.r, got, tc.want)
		}
	}
}

func streamReports() []sc.Report {
	return []sc.Report{
		{URL: "https://cdn.example.com/audio/welcome.mp3", Status: sc.StatusHit, Stored: true, Fresh: true, HTTPStatus: 200,
			FreshFor: 50 * time.Minute, FreshnessLifetime: time.Hour, FreshnessSource: "max-age", Age: 10 * time.Minute,
			CacheControl: "public, max-age=3600", ETag: `"w1"`, ContentType: "audio/mpeg", Format: "mp3", SampleRate: 16000,
			Channels: 1, DurationS: 4.2, Hits: 3, Bytes: 67200, StreamAccepted: true,
			Prediction: "The voice platform will play the copy it has for another 50 minutes, then ask the origin again."},
		{URL: "https://cdn.example.com/audio/hold-music.wav", Status: sc.StatusHit, Stored: true, Fresh: false, HTTPStatus: 200,
			ExpiresIn: -5 * time.Minute, FreshnessLifetime: time.Minute, FreshnessSource: "Expires", Format: "wav", Bytes: 1000},
		{URL: "https://cdn.example.com/audio/menu.mp3", Status: sc.StatusRevalidated, Stored: true, Fresh: true, HTTPStatus: 200, Format: "mp3"},
		{URL: "https://app.example.com/tts?text=hi", Status: sc.StatusUncacheable, Why: "Cache-Control: no-store", HTTPStatus: 200},
	}
}

func TestStreamsPaneStates(t *testing.T) {
	fs := &fakeStreams{}
	env, w := newViewEnv(t, &Services{Streams: fs})
	a := newStreamsArea(env)
	w.SetContent(a.Content())
	if !a.empty.Visible() {
		t.Fatal("empty cache: the empty state should show")
	}
	test.AssertImageMatches(t, "streams/empty.png", w.Canvas().Capture())

	fs.reports = streamReports()
	a.Reload()
	if a.empty.Visible() || len(a.rows) != 4 {
		t.Fatalf("after reload: empty %v rows %d", a.empty.Visible(), len(a.rows))
	}
	a.list.Select(0)
	text := strings.Join(labelTexts(a.detail), "\n")
	for _, want := range []string{"welcome.mp3", "play the copy it has for another 50 minutes", "fresh for 50m0s more", "public, max-age=3600", "mp3, 16000 Hz, 1 ch, 4.2 s"} {
		if !strings.Contains(text, want) {
			t.Errorf("detail lacks %q:\n%s", want, text)
		}
	}
	test.AssertImageMatches(t, "streams/list_detail.png", w.Canvas().Capture())
	tapButton(t, a.detail, "Evict")
	if len(fs.evicted) != 1 || fs.evicted[0] != "https://cdn.example.com/audio/welcome.mp3" {
		t.Errorf("evicted %v", fs.evicted)
	}
}

// The list pages: 200 URLs first, then the rest on demand.
func TestStreamsPaging(t *testing.T) {
	fs := &fakeStreams{}
	for i := 0; i < 250; i++ {
		fs.reports = append(fs.reports, sc.Report{URL: "https://cdn.example.com/" + itoa(i) + ".mp3", Status: sc.StatusHit, Stored: true, Fresh: true})
	}
	env, w := newViewEnv(t, &Services{Streams: fs})
	a := newStreamsArea(env)
	w.SetContent(a.Content())
	if len(a.rows) != streamPage || !a.more.Visible() {
		t.Fatalf("first page %d rows, more visible %v", len(a.rows), a.more.Visible())
	}
	test.Tap(a.more)
	if len(a.rows) != 250 || a.more.Visible() {
		t.Errorf("after More: %d rows, more visible %v", len(a.rows), a.more.Visible())
	}
}
