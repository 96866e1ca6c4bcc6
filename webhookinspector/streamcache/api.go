package streamcache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/hookphone/hookphone/media/audiofile"
)

// ErrNotStored means the cache holds no body for the URL.
var ErrNotStored = errors.New("no stored copy")

// List returns reports for up to limit URLs, most recently used first,
// starting at offset (the GUI pages through them).
func (c *Cache) List(ctx context.Context, offset, limit int) ([]Report, error) {
	es, err := c.store.list(ctx, offset, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Report, len(es))
	for i, e := range es {
		out[i] = c.report(e)
	}
	return out, nil
}

// Report returns the report for one URL without fetching it.
func (c *Cache) Report(ctx context.Context, rawURL string) (Report, error) {
	e, err := c.get(ctx, rawURL)
	if err != nil {
		return Report{}, err
	}
	return c.report(e), nil
}

// Revalidate asks the origin now, conditionally when the stored copy has a
// validator, whatever its freshness.
func (c *Cache) Revalidate(ctx context.Context, rawURL string) (*Result, error) {
	return c.Fetch(ctx, rawURL, ForceRevalidate())
}

// Evict removes the URL's stored copy and its record. It reports whether
// there was one.
func (c *Cache) Evict(ctx context.Context, rawURL string) (bool, error) {
	key, err := NormalizeURL(rawURL)
	if err != nil {
		return false, err
	}
	return c.store.remove(ctx, key)
}

// OpenBody opens the stored body for playback (pass it to
// audiofile.NewReader). The file stays readable even if the entry is
// replaced or evicted while open.
func (c *Cache) OpenBody(ctx context.Context, rawURL string) (*os.File, error) {
	e, err := c.get(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	if !e.Stored {
		return nil, fmt.Errorf("%s: %w (%s)", RedactURL(e.URL), ErrNotStored, e.Why)
	}
	f, err := os.Open(filepath.Join(c.store.bodies, e.BodyFile))
	if err != nil {
		return nil, fmt.Errorf("%s: open stored body: %w", RedactURL(e.URL), err)
	}
	return f, nil
}

// Peaks returns the waveform of the stored body as Options.PeakBuckets
// min/max pairs. They are computed on the first call (decoding a long MP3
// takes seconds, so fetches do not wait for it) and stored with the entry.
func (c *Cache) Peaks(ctx context.Context, rawURL string) ([]audiofile.Peak, error) {
	e, err := c.get(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	if len(e.Peaks) > 0 {
		return e.Peaks, nil
	}
	if !e.Stored {
		return nil, fmt.Errorf("%s: no waveform: %w (%s)", RedactURL(e.URL), ErrNotStored, e.Why)
	}
	if e.Audio == nil {
		return nil, fmt.Errorf("%s: no waveform: %s", RedactURL(e.URL), firstNonEmpty(e.AudioError, "not audio"))
	}
	c.peaksMu.Lock() // one decode at a time; a second caller then finds them stored
	defer c.peaksMu.Unlock()
	if e2, err := c.store.get(ctx, e.URL); err == nil && e2 != nil && e2.BodyFile == e.BodyFile && len(e2.Peaks) > 0 {
		return e2.Peaks, nil
	}
	f, err := os.Open(filepath.Join(c.store.bodies, e.BodyFile))
	if err != nil {
		return nil, fmt.Errorf("%s: open stored body: %w", RedactURL(e.URL), err)
	}
	defer f.Close()
	peaks, err := computePeaks(ctx, f, c.opts.PeakBuckets)
	if err != nil {
		if ctx.Err() == nil {
			c.store.setAudioError(ctx, e.URL, e.BodyFile, err.Error())
		}
		return nil, fmt.Errorf("%s: waveform: %w", RedactURL(e.URL), err)
	}
	if err := c.store.setPeaks(ctx, e.URL, e.BodyFile, peaks); err != nil {
		return nil, err
	}
	return peaks, nil
}

func computePeaks(ctx context.Context, f *os.File, n int) ([]audiofile.Peak, error) {
	rd, err := audiofile.NewReader(f)
	if err != nil {
		return nil, err
	}
	return audiofile.PeaksContext(ctx, rd, n)
}

// AddURLs takes stream URLs seen in NCCOs (the caller extracts them) or
// typed by the user, and fetches those the cache has never seen, at most
// four at a time. It returns one error per URL that failed, keyed by URL.
func (c *Cache) AddURLs(ctx context.Context, urls ...string) map[string]error {
	errs := map[string]error{}
	var mu sync.Mutex
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	seen := map[string]bool{}
	for _, raw := range urls {
		key, err := NormalizeURL(raw)
		if err != nil {
			errs[raw] = err
			continue
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if e, err := c.store.get(ctx, key); err == nil && e != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := c.Fetch(ctx, key); err != nil {
				mu.Lock()
				errs[key] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

func (c *Cache) get(ctx context.Context, rawURL string) (*entry, error) {
	key, err := NormalizeURL(rawURL)
	if err != nil {
		return nil, err
	}
	e, err := c.store.get(ctx, key)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, fmt.Errorf("%s: %w", RedactURL(key), ErrNotStored)
	}
	return e, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
