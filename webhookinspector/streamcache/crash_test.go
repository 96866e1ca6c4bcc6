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
	t.Run("first download", func(t *testing.T) { killMidBody(t, nil) })
	t.Run("replacing a stored copy", func(t *testing.T) { killMidBody(t, testWAV(t, 9)) })
}

// killMidBody SIGKILLs a child process while half of the body is on disk.
// With prior set, the cache already holds prior (no-cache, so the child must
// revalidate) and the interrupted download is its replacement: afterwards
// prior must still be served whole.
func killMidBody(t *testing.T, prior []byte) {
	full := bytes.Repeat(testWAV(t, 5), 40) // ~160 KB; only its first half is sent before the kill
	half := len(full) / 2
	halfSent := make(chan struct{}, 1)
	o := newOrigin(t, nil, nil)
	dir := t.TempDir()
	url := o.url("/prompt.wav")
	ctx := context.Background()
	if prior != nil {
		o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
			serve(w, prior, "Cache-Control", "no-cache", "ETag", `"prior"`)
		})
		c, err := Open(ctx, Options{Dir: dir, CAPEM: o.ca.CertPEM})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := c.Fetch(ctx, url); err != nil || res.Report.Status != StatusMiss {
			t.Fatalf("storing the prior copy: %v", err)
		}
		c.Close()
	}
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
	for partialSize(bodies) < int64(len(prior)+half) {
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
	if partialSize(bodies) < int64(len(prior)+half) {
		t.Fatal("the half-written body vanished before reopening: the test proves nothing")
	}

	// Reopening discards the half body; the prior copy, if any, is intact.
	c, err := Open(ctx, Options{Dir: dir, CAPEM: o.ca.CertPEM})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n := partialSize(bodies); n != int64(len(prior)) {
		t.Fatalf("%d bytes of body files after Open, want %d (only the prior copy)", n, len(prior))
	}
	r, err := c.Report(ctx, url)
	if prior == nil {
		if !errors.Is(err, ErrNotStored) {
			t.Fatalf("a killed download left an entry: %v", err)
		}
	} else {
		if err != nil || r.ETag != `"prior"` || r.Bytes != int64(len(prior)) || !r.Stored {
			t.Fatalf("prior copy after the crash: %+v %v", r, err)
		}
		if got := readBody(t, c, url); !bytes.Equal(got, prior) {
			t.Fatal("the prior copy's body changed")
		}
	}
	// The next fetch downloads the whole file afresh.
	o.setHandler(func(n int, w http.ResponseWriter, r *http.Request) {
		serve(w, full, "Cache-Control", "max-age=3600", "ETag", `"full"`)
	})
	res, err := c.Fetch(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Status != StatusMiss || res.Report.Bytes != int64(len(full)) {
		t.Fatalf("after the crash: status %v bytes %d, want a miss of %d bytes", res.Report.Status, res.Report.Bytes, len(full))
	}
	if got := readBody(t, c, url); !bytes.Equal(got, full) {
		t.Fatalf("stored body differs from the origin's (%d vs %d bytes)", len(got), len(full))
	}
	res, err = c.Fetch(ctx, url)
	if err != nil || res.Report.Status != StatusHit {
		t.Fatalf("second fetch: %v %v, want a hit on the complete body", res.Report.Status, err)
	}
}

func readBody(t *testing.T, c *Cache, url string) []byte {
	t.Helper()
	f, err := c.OpenBody(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
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
