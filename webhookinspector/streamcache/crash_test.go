package streamcache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKillHelper is not a test: it is the child process of
// TestKillDuringDownload, a separate OS process that fetches through a cache
// and is killed with SIGKILL half way through the body.
func TestKillHelper(t *testing.T) {
	dir := os.Getenv("STREAMCACHE_KILL_DIR")
	if dir == "" {
		return
	}
	c, err := Open(context.Background(), Options{Dir: dir, CAPEM: []byte(os.Getenv("STREAMCACHE_KILL_CA"))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	_, err = c.Fetch(context.Background(), os.Getenv("STREAMCACHE_KILL_URL"))
	fmt.Fprintln(os.Stderr, "fetch returned (it should have been killed first):", err)
	os.Exit(4)
}

func TestKillDuringDownload(t *testing.T) {
	full := bytes.Repeat(testWAV(t, 5), 40) // ~160 KB; only its first half is sent before the kill
	half := len(full) / 2
	halfSent := make(chan struct{}, 1)
	o := newOrigin(t, nil, nil)
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Header().Set("ETag", `"full"`)
		w.Header().Set("Content-Length", fmt.Sprint(len(full)))
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(full[:half])
		w.(http.Flusher).Flush()
		select {
		case halfSent <- struct{}{}:
		default:
		}
		<-r.Context().Done() // hold the rest until the client is gone
	})
	dir := t.TempDir()
	url := o.url("/prompt.wav")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STREAMCACHE_KILL_DIR="+dir, "STREAMCACHE_KILL_URL="+url, "STREAMCACHE_KILL_CA="+string(o.ca.CertPEM))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-halfSent:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child never received the first half (stderr: %s)", stderr.String())
	}
	// Wait until the child has written the half it received to its
	// temporary file, so the kill lands mid-body, not before it.
	bodies := filepath.Join(dir, "bodies")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if partialSize(bodies) >= int64(half) {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no partial body of %d bytes appeared in %s (stderr: %s)", half, bodies, stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no defer, no cleanup runs
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != -1 {
		t.Fatalf("child did not die by the signal: %v (stderr: %s)", err, stderr.String())
	}
	if partialSize(bodies) < int64(half) {
		t.Fatal("the half-written body vanished before reopening: the test proves nothing")
	}

	// The next run must not serve the half body: reopening discards it, and
	// the fetch is a miss that downloads the whole file.
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		serve(w, full, "Cache-Control", "max-age=3600", "ETag", `"full"`)
	})
	c, err := Open(context.Background(), Options{Dir: dir, CAPEM: o.ca.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n := partialSize(bodies); n != 0 {
		t.Fatalf("%d bytes of orphaned body files survived Open", n)
	}
	if _, err := c.Report(context.Background(), url); !errors.Is(err, ErrNotStored) {
		t.Fatalf("a killed download left an entry: %v", err)
	}
	res, err := c.Fetch(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Status != StatusMiss || res.Report.Bytes != int64(len(full)) {
		t.Fatalf("after the crash: status %v bytes %d, want a miss of %d bytes", res.Report.Status, res.Report.Bytes, len(full))
	}
	f, err := c.OpenBody(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, full) {
		t.Fatalf("stored body differs from the origin's (%d vs %d bytes)", len(got), len(full))
	}
	res, err = c.Fetch(context.Background(), url)
	if err != nil || res.Report.Status != StatusHit {
		t.Fatalf("second fetch: %v %v, want a hit on the complete body", res.Report.Status, err)
	}
}

// partialSize sums the sizes of every file in the bodies folder.
func partialSize(dir string) int64 {
	des, _ := os.ReadDir(dir)
	var n int64
	for _, de := range des {
		if info, err := de.Info(); err == nil && !strings.HasPrefix(de.Name(), ".") {
			n += info.Size()
		}
	}
	return n
}
