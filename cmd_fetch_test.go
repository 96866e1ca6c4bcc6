package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"crypto/tls"

	"github.com/hookphone/hookphone/internal/pki"
	"github.com/hookphone/hookphone/media/audiofile"
)

type fetchRun struct {
	code           int
	stdout, stderr string
	result         map[string]any
}

func runFetchBinary(t *testing.T, env []string, args ...string) fetchRun {
	t.Helper()
	cmd := exec.Command(hookphoneBinary(t), append([]string{"fetch"}, args...)...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := fetchRun{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if last := lines[len(lines)-1]; strings.HasPrefix(last, "{") {
		if err := json.Unmarshal([]byte(last), &r.result); err != nil {
			t.Fatalf("result line %q: %v", last, err)
		}
	}
	return r
}

// TestFetchEndToEnd runs `hookphone fetch` as a process against a real
// HTTPS server with a throwaway CA: miss, then hit from the on-disk cache,
// then the failures a user meets.
func TestFetchEndToEnd(t *testing.T) {
	ca, err := pki.NewCA("fetch e2e CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("127.0.0.1", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	wav := rampWAV(t, 2000)
	var mu sync.Mutex
	requests := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		switch r.URL.Path {
		case "/prompt.wav":
			w.Header().Set("Cache-Control", "public, max-age=600")
			w.Header().Set("ETag", `"p1"`)
			w.Header().Set("Content-Type", "audio/wav")
			w.Write(wav)
		case "/nostore.wav":
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Type", "audio/wav")
			w.Write(wav)
		case "/login":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!DOCTYPE html><html>sign in</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLS}}
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	url := srv.URL + "/prompt.wav"

	first := runFetchBinary(t, env, url, "--ca", caFile, "--json")
	if first.code != 0 {
		t.Fatalf("first fetch: exit %d, stderr %q", first.code, first.stderr)
	}
	r := first.result
	if r["status"] != "miss" || r["format"] != "wav" || r["bytes"] != float64(len(wav)) || r["duration_s"] != 0.25 || r["stream_accepted"] != true {
		t.Fatalf("first result %v", r)
	}
	if fresh, _ := r["fresh_for_s"].(float64); fresh < 590 || fresh > 600 {
		t.Fatalf("fresh_for_s %v, want about 600", r["fresh_for_s"])
	}
	if _, err := os.Stat(filepath.Join(dir, "cache", "hookphone", "streams", "streamcache.db")); err != nil {
		t.Fatalf("cache not in the XDG cache dir: %v", err)
	}

	second := runFetchBinary(t, env, "--json", "--ca", caFile, url) // flags before the URL work too
	if second.code != 0 || second.result["status"] != "hit" || second.result["hits"] != float64(1) {
		t.Fatalf("second fetch: exit %d result %v stderr %q", second.code, second.result, second.stderr)
	}
	mu.Lock()
	if requests != 1 { // checked before the no-store fetch below
		t.Fatalf("server saw %d requests; the second run should be a hit", requests)
	}
	mu.Unlock()

	played := filepath.Join(dir, "played.wav")
	third := runFetchBinary(t, env, url, "--ca", caFile, "--json", "--play", played)
	if third.code != 0 || third.result["status"] != "hit" || third.result["played_frames"] != float64(2000) {
		t.Fatalf("--play: exit %d result %v stderr %q", third.code, third.result, third.stderr)
	}
	if got, err := os.ReadFile(played); err != nil || !bytes.Equal(got, wav) {
		t.Fatalf("played WAV differs from the 16-bit source (%d vs %d bytes, %v)", len(got), len(wav), err)
	}

	// An uncacheable body is not stored but can still be played.
	played2 := filepath.Join(dir, "played2.wav")
	ns := runFetchBinary(t, env, srv.URL+"/nostore.wav", "--ca", caFile, "--json", "--play", played2)
	if ns.code != 0 || ns.result["status"] != "uncacheable" || ns.result["stored"] != false || ns.result["played_frames"] != float64(2000) ||
		ns.result["prediction"] != "not cached by anyone: no-store (the platform downloads it for every call)" {
		t.Fatalf("no-store --play: exit %d result %v stderr %q", ns.code, ns.result, ns.stderr)
	}

	human := runFetchBinary(t, env, url, "--ca", caFile)
	if human.code != 0 || !strings.Contains(human.stdout, "status       hit") || !strings.Contains(human.stdout, "the platform may keep serving this copy until") {
		t.Fatalf("human output:\n%s", human.stdout)
	}

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "https://" + closed.Addr().String() + "/x.wav"
	closed.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown CA", []string{url + "?other", "--json"}, 1, "unknown authority"},
		{"nothing listening", []string{closedURL, "--ca", caFile}, 1, "cannot connect"},
		{"404", []string{srv.URL + "/missing.wav", "--ca", caFile}, 1, "404 Not Found"},
		{"HTML instead of audio", []string{srv.URL + "/login", "--ca", caFile}, 1, "HTML page"},
		{"not a URL", []string{"prompt.wav"}, 2, "not an http"},
		{"two URLs", []string{url, url}, 2, "exactly one URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runFetchBinary(t, env, tc.args...)
			if got.code != tc.code || !strings.Contains(got.stderr, tc.want) {
				t.Fatalf("exit %d stderr %q; want %d mentioning %q", got.code, got.stderr, tc.code, tc.want)
			}
			if tc.code != 1 {
				return
			}
			// The command's reason is one line, the last. Lines from library
			// init code (Fyne's locale warning under LANG=C) are not ours.
			errLines := strings.Split(strings.TrimSpace(got.stderr), "\n")
			ours := 0
			for _, l := range errLines {
				if strings.HasPrefix(l, "hookphone ") {
					ours++
				} else {
					t.Logf("stderr line not from the command: %q", l)
				}
			}
			if last := errLines[len(errLines)-1]; ours != 1 || !strings.HasPrefix(last, "hookphone fetch: ") || !strings.Contains(last, tc.want) {
				t.Fatalf("want exactly one reason line, last, mentioning %q: %q", tc.want, got.stderr)
			}
		})
	}
}

// rampWAV is the bytes of an 8 kHz mono WAV of samples 16-bit samples
// (a ramp, so no two files of different length share a body).
func rampWAV(t *testing.T, samples int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ramp.wav")
	w, err := audiofile.CreateWAV(path, 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	s := make([]int16, samples)
	for i := range s {
		s[i] = int16(i * 13)
	}
	if err := w.WriteInt16(s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFetchKilledMidBody kills a real `hookphone fetch` process with SIGKILL
// while half of the body is on disk; the next run must download the whole
// file (a miss), never serve the half as a hit.
func TestFetchKilledMidBody(t *testing.T) {
	ca, err := pki.NewCA("fetch kill CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("127.0.0.1", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	wav := rampWAV(t, 2000)
	full := append(append([]byte(nil), wav...), bytes.Repeat([]byte{0}, 200_000)...) // pad the data so the half is large
	half := len(full) / 2
	var mu sync.Mutex
	slow := true
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		s := slow
		mu.Unlock()
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Header().Set("Content-Type", "audio/wav")
		w.Header().Set("Content-Length", fmt.Sprint(len(full)))
		if !s {
			w.Write(full)
			return
		}
		w.Write(full[:half])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLS}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, ca.CertPEM, 0o600)
	env := append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	url := srv.URL + "/slow.wav"

	cmd := exec.Command(hookphoneBinary(t), "fetch", url, "--ca", caFile, "--json")
	cmd.Env = env
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	bodies := filepath.Join(dir, "cache", "hookphone", "streams", "bodies")
	for deadline := time.Now().Add(60 * time.Second); bodyBytes(bodies) < int64(half); {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no half body appeared in %s (stderr %q)", bodies, errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill() // SIGKILL
	cmd.Wait()
	if cmd.ProcessState.ExitCode() != -1 {
		t.Fatalf("fetch was not killed by the signal: %v", cmd.ProcessState)
	}

	mu.Lock()
	slow = false
	mu.Unlock()
	next := runFetchBinary(t, env, url, "--ca", caFile, "--json")
	if next.code != 0 || next.result["status"] != "miss" || next.result["bytes"] != float64(len(full)) {
		t.Fatalf("after kill -9: exit %d result %v stderr %q; want a miss of %d bytes", next.code, next.result, next.stderr, len(full))
	}
	if n := bodyBytes(bodies); n != int64(len(full)) {
		t.Fatalf("%d bytes of bodies on disk, want exactly the one complete body (%d)", n, len(full))
	}
	hit := runFetchBinary(t, env, url, "--ca", caFile, "--json")
	if hit.code != 0 || hit.result["status"] != "hit" {
		t.Fatalf("third run: %v %q", hit.result, hit.stderr)
	}
}

func bodyBytes(dir string) int64 {
	des, _ := os.ReadDir(dir)
	var n int64
	for _, de := range des {
		if fi, err := de.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}
