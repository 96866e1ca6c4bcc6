package webhookinspector

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInspectorNewServeAndRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hookphone.db")
	run := func(send func(base string)) []Notice {
		insp, err := New(context.Background(), Config{DatabasePath: db, Listen: "127.0.0.1:0", DefaultSecret: secretMain})
		if err != nil {
			t.Fatal(err)
		}
		notices, cancel := insp.Server.Subscribe(8)
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- insp.Serve(ctx) }()
		send(insp.URL())
		var got []Notice
		deadline := time.After(10 * time.Second)
		for len(got) < 1 {
			select {
			case n := <-notices:
				got = append(got, n)
			case <-deadline:
				t.Fatal("no notice")
			}
		}
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		cancel()
		return got
	}
	tok := makeToken(t, "HS256", with(baseClaims([]byte(eventBody)), "iat", time.Now().Unix()), secretMain)
	post := func(base string) {
		req, _ := http.NewRequest("POST", base+"/webhooks/event", strings.NewReader(eventBody))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		http.DefaultClient.CloseIdleConnections()
	}
	first := run(post)
	if first[0].Capture.Verdict != VerdictValid {
		t.Fatalf("first: %+v", first[0].Capture)
	}
	second := run(post)
	if second[0].Capture.Verdict != VerdictInvalid || !strings.Contains(second[0].Capture.Reason, "already seen") {
		t.Fatalf("after restart: %+v", second[0].Capture)
	}
	if _, err := New(context.Background(), Config{DatabasePath: db, Server: ServerConfig{NCCO: []byte(`[{"action":"talk"}]`)}}); err == nil {
		t.Fatal("invalid NCCO accepted")
	}
}
