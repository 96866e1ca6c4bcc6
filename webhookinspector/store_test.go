package webhookinspector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hookphone.db")
	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func sampleCapture(i int, verdict Verdict) *Capture {
	body := []byte(fmt.Sprintf(`{"uuid":"u-%d","conversation_uuid":"CON-%d","status":"started","n":%d}`, i%7, i%7, i))
	ev, _ := ParseEvent(KindEvent, "", "application/json", body)
	return &Capture{
		ReceivedAt: time.Unix(1714558570+int64(i), 0), RemoteAddr: "127.0.0.1:5000", Method: "POST",
		Target: "/webhooks/event", Path: "/webhooks/event", Proto: "HTTP/1.1", Host: "127.0.0.1:8088",
		Headers: []Header{{"Host", "127.0.0.1:8088"}, {"content-type", "application/json"}, {"X-B", "2"}, {"X-A", "1"}},
		RawHead: []byte("POST /webhooks/event HTTP/1.1\r\n\r\n"), Body: body, BodySize: int64(len(body)),
		Kind: KindEvent, Event: ev, Result: Result{Verdict: verdict, Reason: "because", JTI: fmt.Sprintf("jti-%d", i), Checks: []Check{{Name: "signature", OK: true}}},
		Response: Response{Status: 200},
	}
}

func TestStoreRoundTripAndPaging(t *testing.T) {
	ctx := context.Background()
	s, path := openTestStore(t)
	var wg sync.WaitGroup
	for i := 0; i < 300; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v := VerdictValid
			if i%3 == 0 {
				v = VerdictInvalid
			}
			if err := s.Add(ctx, sampleCapture(i, v)); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	n, err := s.Count(ctx, Filter{})
	if err != nil || n != 300 {
		t.Fatalf("count %d %v", n, err)
	}
	var seen int
	var last int64
	if err := s.Each(ctx, Filter{Verdict: VerdictInvalid}, func(sm Summary) error {
		if sm.ID <= last || sm.Verdict != VerdictInvalid {
			return fmt.Errorf("order or filter broken at %+v", sm)
		}
		last = sm.ID
		seen++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen != 100 {
		t.Fatalf("invalid captures %d, want 100", seen)
	}
	page, err := s.List(ctx, Filter{Limit: 10, Newest: true})
	if err != nil || len(page) != 10 || page[0].ID < page[9].ID {
		t.Fatalf("newest page %v %v", page, err)
	}
	got, err := s.Get(ctx, page[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Headers[1].Name != "content-type" || got.Headers[3].Name != "X-A" || !bytes.HasPrefix(got.Body, []byte(`{"uuid":"u-`)) {
		t.Fatalf("capture not as stored: %+v", got)
	}
	if got.Event.Name() != "started" || got.Summary().BodySHA256 != page[0].BodySHA256 {
		t.Fatalf("event %q", got.Event.Name())
	}
	if _, err := s.Get(ctx, 99999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing id: %v", err)
	}
	// Token ids survive a reopen.
	s.Close()
	s2, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	cache := NewJTICache(time.Hour)
	if err := s2.LoadJTIs(ctx, time.Unix(0, 0), cache); err != nil {
		t.Fatal(err)
	}
	if cache.Len() != 300 {
		t.Fatalf("jti cache has %d after reload", cache.Len())
	}
	if _, replay := cache.Remember("jti-42", time.Unix(1714558570+400, 0)); !replay {
		t.Fatal("jti-42 not remembered across reopen")
	}
}

func TestStoreTimelineJoinsLeglessEvents(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	add := func(kind Kind, query, body string) {
		ev, err := ParseEvent(kind, query, "application/json", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		c := &Capture{ReceivedAt: time.Now(), Method: "POST", Path: "/", Kind: kind, Event: ev, Body: []byte(body), Result: Result{Verdict: VerdictValid}}
		if err := s.Add(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	add(KindAnswer, "to=1&from=2&uuid=leg-1&conversation_uuid=CON-7&SipHeader_X-Hookphone-Call-Id=hp-call-1", "")
	add(KindEvent, "", `{"uuid":"leg-1","conversation_uuid":"CON-7","status":"started"}`)
	add(KindEvent, "", `{"uuid":"other-leg","conversation_uuid":"CON-8","status":"started"}`)
	add(KindEvent, "", `{"recording_url":"https://x/r","conversation_uuid":"CON-7"}`)
	add(KindEvent, "", `{"uuid":"leg-1","conversation_uuid":"CON-7","status":"completed"}`)
	for _, key := range []string{"leg-1", "hp-call-1", "CON-7"} {
		tl, err := s.Timeline(ctx, key, 0)
		if err != nil {
			t.Fatal(err)
		}
		var evs []string
		for _, e := range tl.Entries {
			evs = append(evs, e.Event)
		}
		if tl.Call != "leg-1" || tl.CallID != "hp-call-1" || fmt.Sprint(evs) != "[answer started record completed]" {
			t.Fatalf("timeline for %s: %+v", key, tl)
		}
		if fmt.Sprint(tl.Flags) != "[completed arrived but no answered event did.]" {
			t.Fatalf("flags %v", tl.Flags)
		}
	}
}

func TestJTICacheForgetsAfterRetention(t *testing.T) {
	c := NewJTICache(time.Minute)
	t0 := time.Unix(1000, 0)
	for i := 0; i < 1000; i++ {
		c.Remember(fmt.Sprint(i), t0)
	}
	if _, replay := c.Remember("5", t0.Add(30*time.Second)); !replay {
		t.Fatal("forgot within retention")
	}
	c.Remember("new", t0.Add(2*time.Minute))
	if c.Len() != 1 {
		t.Fatalf("cache holds %d ids after retention, want 1", c.Len())
	}
}

// Path and text filters run in the store, so a search finds an old capture
// however many newer ones there are, and paging with them stays exact.
func TestStorePathAndTextFilters(t *testing.T) {
	ctx := context.Background()
	s, _ := openTestStore(t)
	for i := 0; i < 500; i++ {
		c := sampleCapture(i, VerdictValid)
		if i == 3 {
			c.Path, c.Target = "/Hooks/Answer-Legacy", "/Hooks/Answer-Legacy"
			c.Result = Result{Verdict: VerdictInvalid, Reason: "the signature does not match the body", JTI: "jti-3"}
		}
		if err := s.Add(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		f    Filter
		want int64
	}{
		{"path, any case", Filter{Path: "answer-legacy"}, 1},
		{"path of every capture", Filter{Path: "/webhooks/"}, 499},
		{"text in the reason", Filter{Text: "DOES NOT MATCH"}, 1},
		{"text in the uuid", Filter{Text: "u-6"}, 71},
		{"text in the conversation uuid", Filter{Text: "con-6"}, 71},
		{"text in the kind", Filter{Text: "event"}, 500},
		{"text and verdict", Filter{Text: "u-3", Verdict: VerdictInvalid}, 1},
		{"wildcards are literal", Filter{Text: "%"}, 0},
		{"underscore is literal", Filter{Path: "_"}, 0},
		{"no match", Filter{Text: "nothing like this"}, 0},
	} {
		n, err := s.Count(ctx, tc.f)
		if err != nil || n != tc.want {
			t.Errorf("%s: count %d (%v), want %d", tc.name, n, err, tc.want)
		}
	}
	// The one old match is found from the newest end in one page.
	page, err := s.List(ctx, Filter{Text: "does not match", Newest: true, Limit: 100})
	if err != nil || len(page) != 1 || page[0].Path != "/Hooks/Answer-Legacy" {
		t.Fatalf("search from the newest end: %+v %v", page, err)
	}
	// Keyset paging with a text filter visits every match once.
	seen, before := 0, int64(0)
	for {
		p, err := s.List(ctx, Filter{Text: "u-6", Newest: true, Limit: 20, BeforeID: before})
		if err != nil {
			t.Fatal(err)
		}
		if len(p) == 0 {
			break
		}
		seen += len(p)
		before = p[len(p)-1].ID
	}
	if seen != 71 {
		t.Errorf("paged through %d matches, want 71", seen)
	}
}
