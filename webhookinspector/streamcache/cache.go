package streamcache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hookphone/hookphone/media/audiofile"
)

// Defaults for Options.
const (
	DefaultMaxFileBytes  = 50 << 20
	DefaultMaxTotalBytes = 1 << 30
	DefaultMaxRedirects  = 5
	DefaultTimeout       = 2 * time.Minute
	DefaultPeakBuckets   = 512
	userAgent            = "Hookphone-streamcache/1"
)

// Options configure a Cache. Dir is required; zero values elsewhere take
// the defaults above.
type Options struct {
	// Dir is the folder for bodies and the metadata database, normally
	// filepath.Join(config.Paths.CacheDir, "streams").
	Dir           string
	MaxFileBytes  int64 // per-body cap (50 MiB)
	MaxTotalBytes int64 // all bodies together (1 GiB); least recently used go first
	// CAFile is a PEM file of extra trusted CAs, on top of the system roots.
	CAFile string
	// CAPEM is more trusted CAs as PEM, on top of the system roots and CAFile.
	CAPEM []byte
	// Now is the clock (time.Now when nil); tests move it.
	Now func() time.Time
	// Location is where predictions print times (time.Local when nil).
	Location     *time.Location
	MaxRedirects int
	Timeout      time.Duration // per network fetch, headers and body
	PeakBuckets  int           // waveform buckets computed once per stored body
	Logger       *slog.Logger
}

// Cache is a private HTTP cache (RFC 9111) for stream audio. It is safe for
// concurrent use; concurrent fetches of one URL share one network exchange.
type Cache struct {
	opts       Options
	store      *store
	clientOnce func() *http.Client // built on first use (see Open)
	clientUsed bool                // under mu: whether clientOnce ran
	now        func() time.Time
	log        *slog.Logger

	mu      sync.Mutex
	flights map[string]*flight
	closed  bool
	running sync.WaitGroup // flights in progress; Close waits for them
	peaksMu sync.Mutex
}

// flight is one network exchange that several callers wait for.
type flight struct {
	done    chan struct{}
	res     *Result
	err     error
	waiters int
}

// Result is what one fetch did.
type Result struct {
	Report Report
	// Body holds the response body when it was not stored (an uncacheable
	// response) so it can still be played; nil when the body is in the
	// cache (use [Cache.OpenBody]).
	Body []byte
}

// Open opens (creating) the cache in opts.Dir, discarding anything a crash
// left half-written.
func Open(ctx context.Context, opts Options) (*Cache, error) {
	if opts.Dir == "" {
		return nil, errors.New("stream cache: no folder given")
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = DefaultMaxFileBytes
	}
	if opts.MaxTotalBytes <= 0 {
		opts.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.PeakBuckets <= 0 {
		opts.PeakBuckets = DefaultPeakBuckets
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	extra, err := extraCAs(opts.CAFile, opts.CAPEM)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, opts.Dir)
	if err != nil {
		return nil, err
	}
	c := &Cache{
		opts:    opts,
		store:   st,
		now:     opts.Now,
		log:     opts.Logger,
		flights: map[string]*flight{},
	}
	// The system roots take tens of milliseconds to load; a hit never needs
	// them, so the client is built on the first network exchange.
	c.clientOnce = sync.OnceValue(func() *http.Client {
		roots, err := x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		for _, pem := range extra {
			roots.AppendCertsFromPEM(pem)
		}
		return &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2:     true,
			DisableCompression:    true, // audio is compressed already; keeps Vary: Accept-Encoding honest
			TLSHandshakeTimeout:   15 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
		}}
	})
	return c, nil
}

// extraCAs reads the CAs to trust on top of the system roots and checks
// that each source holds at least one certificate.
func extraCAs(caFile string, caPEM []byte) ([][]byte, error) {
	var out [][]byte
	if caFile != "" {
		b, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("stream cache: CA file: %w", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("stream cache: CA file %s holds no PEM certificate", caFile)
		}
		out = append(out, b)
	}
	if len(caPEM) > 0 {
		if !x509.NewCertPool().AppendCertsFromPEM(caPEM) {
			return nil, errors.New("stream cache: the CA PEM given holds no certificate")
		}
		out = append(out, caPEM)
	}
	return out, nil
}

// Close waits for fetches in progress (each is bounded by Options.Timeout),
// then releases the database and idle connections. Fetches after Close fail.
func (c *Cache) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.running.Wait()
	c.mu.Lock()
	used := c.clientUsed
	c.mu.Unlock()
	if used {
		c.clientOnce().CloseIdleConnections()
	}
	return c.store.close()
}

// FetchOption adjusts one fetch.
type FetchOption func(*fetchReq)

type fetchReq struct {
	header http.Header
	force  bool
}

// WithHeader adds request header fields (they take part in Vary matching).
func WithHeader(h http.Header) FetchOption {
	return func(r *fetchReq) {
		for k, vs := range h {
			for _, v := range vs {
				r.header.Add(k, v)
			}
		}
	}
}

// ForceRevalidate makes the fetch ask the origin even when the stored copy
// is fresh (conditionally, when it has a validator).
func ForceRevalidate() FetchOption { return func(r *fetchReq) { r.force = true } }

// NormalizeURL checks that raw is an absolute http(s) URL and returns the
// form used as the cache key (fragment dropped).
func NormalizeURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("stream URL %q: %v: %w", RedactURL(raw), err, ErrBadURL)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("stream URL %q: %w", RedactURL(raw), ErrBadURL)
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String(), nil
}

// Fetch returns the audio at rawURL through the cache, with a report of
// what happened. On a failure after a response was seen (an oversized or
// non-200 answer) both a Result and an error come back.
func (c *Cache) Fetch(ctx context.Context, rawURL string, opts ...FetchOption) (*Result, error) {
	key, err := NormalizeURL(rawURL)
	if err != nil {
		return nil, err
	}
	req := fetchReq{header: http.Header{}}
	for _, o := range opts {
		o(&req)
	}
	req.header.Set("User-Agent", userAgent)
	if req.header.Get("Accept") == "" {
		req.header.Set("Accept", "audio/mpeg, audio/wav, audio/*;q=0.9, */*;q=0.5")
	}
	flightKey := key + "\x00" + fmt.Sprint(req.force) + "\x00" + headerKey(req.header)

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(key), ErrClosed)
	}
	f, ok := c.flights[flightKey]
	if !ok {
		f = &flight{done: make(chan struct{})}
		c.flights[flightKey] = f
		c.running.Add(1)
		// The shared exchange must outlive any one caller's cancellation.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.Timeout)
		go func() {
			defer c.running.Done()
			defer cancel()
			f.res, f.err = c.fetch(fctx, key, req)
			c.mu.Lock()
			delete(c.flights, flightKey)
			c.mu.Unlock()
			close(f.done)
		}()
	}
	f.waiters++
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.res, f.err
	case <-ctx.Done():
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(key), ctx.Err())
	}
}

// waiting reports how many callers share the in-flight fetch of rawURL
// with default options (tests use it to prove coalescing).
func (c *Cache) waiting(rawURL string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, f := range c.flights {
		if strings.HasPrefix(k, rawURL+"\x00") {
			n += f.waiters
		}
	}
	return n
}

func headerKey(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s:%q;", k, h[k])
	}
	return b.String()
}

// exchange is one network round trip's outcome.
type exchange struct {
	resp         *http.Response
	requestTime  time.Time
	responseTime time.Time
	redirects    int
	finalURL     string
}

// roundTrip sends GET key with the request's fields, plus conditional
// fields when validate names a stored response with validators.
func (c *Cache) roundTrip(ctx context.Context, key string, req fetchReq, validate *entry) (*exchange, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, key, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(key), err)
	}
	hreq.Header = req.header.Clone()
	if validate != nil {
		// RFC 9111 §4.3.1: send the stored validators.
		if et := validate.Header.Get("ETag"); et != "" {
			hreq.Header.Set("If-None-Match", et)
		}
		if lm := validate.Header.Get("Last-Modified"); lm != "" {
			hreq.Header.Set("If-Modified-Since", lm)
		}
	}
	ex := &exchange{}
	c.mu.Lock()
	c.clientUsed = true
	c.mu.Unlock()
	client := *c.clientOnce()
	client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) > c.opts.MaxRedirects {
			return fmt.Errorf("stopped after %d redirects (last to %s): %w", c.opts.MaxRedirects, r.URL.Redacted(), errTooManyRedirects)
		}
		ex.redirects = len(via)
		return nil
	}
	ex.requestTime = c.now()
	resp, err := client.Do(hreq)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) && errors.Is(err, errTooManyRedirects) {
			return nil, fmt.Errorf("fetch %s: %w", RedactURL(key), uerr.Err)
		}
		return nil, explainNetError(hreq.URL.Host, err)
	}
	ex.responseTime = c.now()
	ex.resp = resp
	ex.finalURL = resp.Request.URL.String()
	return ex, nil
}

func (c *Cache) fetch(ctx context.Context, key string, req fetchReq) (*Result, error) {
	now := c.now()
	e, err := c.store.get(ctx, key)
	if err != nil {
		return nil, err
	}
	var candidate *entry
	missWhy := ""
	if e != nil && e.Stored {
		if field, ok := varyMatches(e, req.header); ok {
			candidate = e
		} else {
			missWhy = fmt.Sprintf("the stored copy was for a different %s (Vary)", field)
		}
	}
	if candidate != nil && !req.force {
		d := parseDirectives(candidate.Header)
		t := candidate.timing()
		lifetime, _ := t.freshnessLifetime(d)
		if !d.noCache && lifetime > t.currentAge(now) {
			if err := c.store.touch(ctx, key, now, StatusHit, ""); err != nil {
				return nil, err
			}
			candidate.Hits++
			candidate.LastAccess, candidate.Outcome, candidate.Why = now, StatusHit, ""
			return &Result{Report: c.report(candidate)}, nil
		}
	}
	var validate *entry
	if candidate != nil && (candidate.Header.Get("ETag") != "" || candidate.Header.Get("Last-Modified") != "") {
		validate = candidate
	}
	ex, err := c.roundTrip(ctx, key, req, validate)
	if err != nil {
		return c.serveStale(ctx, key, candidate, err)
	}
	defer ex.resp.Body.Close()
	switch code := ex.resp.StatusCode; {
	case code == http.StatusNotModified && validate != nil:
		if et := ex.resp.Header.Get("ETag"); et != "" && !weakMatch(et, validate.Header.Get("ETag")) {
			// §4.3.4: the 304 selects no stored response; fetch it whole.
			io.Copy(io.Discard, io.LimitReader(ex.resp.Body, 1<<16))
			ex.resp.Body.Close()
			ex, err = c.roundTrip(ctx, key, req, nil)
			if err != nil {
				return nil, err
			}
			defer ex.resp.Body.Close()
			if ex.resp.StatusCode != http.StatusOK {
				return c.recordFailure(ctx, key, ex, req)
			}
			return c.storeResponse(ctx, key, ex, req, "")
		}
		return c.freshen(ctx, key, candidate, ex)
	case code == http.StatusOK:
		if validate != nil {
			missWhy = "the server sent a new version instead of 304 Not Modified"
			if old, now := validate.Header.Get("ETag"), ex.resp.Header.Get("ETag"); old != "" && now != old {
				missWhy = fmt.Sprintf("the server sent a new version (ETag %s, was %s)", orNone(now), old)
			}
		}
		return c.storeResponse(ctx, key, ex, req, missWhy)
	case code >= 500 && candidate != nil:
		// §4.3.3: a 5xx may be treated as if the origin did not answer.
		return c.serveStale(ctx, key, candidate, statusError(ex.resp))
	default:
		return c.recordFailure(ctx, key, ex, req)
	}
}

// serveStale answers with the stored copy when the origin failed, unless
// the copy demands validation (RFC 9111 §4.2.4, §5.2.2.2, §5.2.2.4).
func (c *Cache) serveStale(ctx context.Context, key string, candidate *entry, cause error) (*Result, error) {
	if candidate == nil {
		return nil, cause
	}
	d := parseDirectives(candidate.Header)
	now := c.now()
	t := candidate.timing()
	lifetime, _ := t.freshnessLifetime(d)
	outcome := StatusStale
	switch {
	case !d.noCache && lifetime > t.currentAge(now):
		// A forced revalidation of a copy that is still fresh: a plain hit.
		outcome = StatusHit
	case d.mustRevalidate || d.noCache:
		which := "must-revalidate"
		if d.noCache {
			which = "no-cache"
		}
		return nil, fmt.Errorf("%s: %w (%s) and the server could not be asked: %v", RedactURL(key), ErrMustRevalidate, which, cause)
	}
	if err := c.store.touch(ctx, key, now, outcome, "the server could not be reached: "+cause.Error()); err != nil {
		return nil, err
	}
	return c.resultFor(ctx, key, nil)
}

// freshen applies a 304 to the stored response (RFC 9111 §3.2, §4.3.4):
// its header fields replace the stored ones, except the framing fields.
func (c *Cache) freshen(ctx context.Context, key string, e *entry, ex *exchange) (*Result, error) {
	for k, vs := range ex.resp.Header {
		switch k {
		case "Content-Length", "Content-Encoding", "Transfer-Encoding", "Content-Range", "Connection", "Keep-Alive":
			continue
		}
		e.Header[k] = vs
	}
	e.RequestTime, e.ResponseTime = ex.requestTime, ex.responseTime
	e.LastAccess = ex.responseTime
	e.Hits++
	e.Outcome, e.Why = StatusRevalidated, ""
	if err := c.store.putLazy(ctx, e); err != nil {
		return nil, err
	}
	return c.resultFor(ctx, key, nil)
}

// recordFailure keeps a non-200 answer in the report list (without
// touching a stored copy) and returns it as an error.
func (c *Cache) recordFailure(ctx context.Context, key string, ex *exchange, req fetchReq) (*Result, error) {
	serr := statusError(ex.resp)
	existing, err := c.store.get(ctx, key)
	if err != nil {
		return nil, err
	}
	if existing == nil || !existing.Stored {
		e := c.newEntry(key, ex, req)
		e.Outcome, e.Why = StatusUncacheable, serr.Error()+": no audio to cache"
		if err := c.store.put(ctx, e); err != nil {
			return nil, err
		}
	}
	res, rerr := c.resultFor(ctx, key, nil)
	if rerr != nil {
		return nil, rerr
	}
	if existing != nil && existing.Stored {
		res.Report.Status, res.Report.Why = StatusUncacheable, serr.Error()
	}
	return res, serr
}

func (c *Cache) newEntry(key string, ex *exchange, req fetchReq) *entry {
	h := ex.resp.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	fields, _ := varyFields(h)
	rh := map[string]string{}
	for _, f := range fields {
		rh[f] = normalisedValue(req.header, f)
	}
	return &entry{
		URL: key, FinalURL: ex.finalURL, Redirects: ex.redirects, StatusCode: ex.resp.StatusCode,
		Header: h, ReqHeader: rh, RequestTime: ex.requestTime, ResponseTime: ex.responseTime,
		FirstSeen: ex.responseTime, LastAccess: ex.responseTime,
	}
}

// storeResponse handles a 200: decides storability (RFC 9111 §3), writes
// the body crash-safely, probes it and commits the row.
func (c *Cache) storeResponse(ctx context.Context, key string, ex *exchange, req fetchReq, missWhy string) (*Result, error) {
	e := c.newEntry(key, ex, req)
	d := parseDirectives(e.Header)
	_, star := varyFields(e.Header)
	switch {
	case d.noStore:
		e.Why = "no-store: the server forbids keeping a copy"
	case star:
		e.Why = "Vary: * — a stored copy could never be reused"
	}
	if cl := ex.resp.ContentLength; cl > c.opts.MaxFileBytes {
		return c.tooLarge(ctx, e, cl)
	}
	if e.Why != "" {
		body, err := readCapped(ex.resp.Body, c.opts.MaxFileBytes)
		if errors.Is(err, ErrTooLarge) {
			return c.tooLarge(ctx, e, -1)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: reading body: %w", RedactURL(key), err)
		}
		e.Outcome, e.Stored, e.BodySize = StatusUncacheable, false, int64(len(body))
		sum := sha256.Sum256(body)
		e.BodySHA256 = hex.EncodeToString(sum[:])
		c.probe(e, bytes.NewReader(body), int64(len(body)))
		if err := c.store.put(ctx, e); err != nil {
			return nil, err
		}
		return c.resultFor(ctx, key, body)
	}

	tmp := filepath.Join(c.store.bodies, newBodyName(".part"))
	size, sum, err := writeBody(tmp, ex.resp.Body, c.opts.MaxFileBytes)
	if errors.Is(err, ErrTooLarge) {
		os.Remove(tmp)
		return c.tooLarge(ctx, e, -1)
	}
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("%s: %w", RedactURL(key), err)
	}
	if f, err := os.Open(tmp); err == nil {
		c.probe(e, f, size)
		f.Close()
	}
	name := newBodyName(".body")
	if err := os.Rename(tmp, filepath.Join(c.store.bodies, name)); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("%s: store body: %w", RedactURL(key), err)
	}
	if err := syncDir(c.store.bodies); err != nil {
		return nil, fmt.Errorf("%s: store body: %w", RedactURL(key), err)
	}
	e.Stored, e.BodyFile, e.BodySize, e.BodySHA256 = true, name, size, sum
	e.Outcome, e.Why = StatusMiss, missWhy
	if err := c.store.put(ctx, e); err != nil {
		os.Remove(filepath.Join(c.store.bodies, name))
		return nil, err
	}
	if ev, err := c.store.evict(ctx, c.opts.MaxTotalBytes, key); err != nil {
		c.log.Warn("stream cache eviction failed", "err", err)
	} else if len(ev) > 0 {
		c.log.Info("stream cache evicted least recently used", "count", len(ev))
	}
	if size > c.opts.MaxTotalBytes {
		// Larger than the whole cache: it cannot stay.
		c.store.remove(ctx, key)
		e.Stored, e.BodyFile, e.Outcome = false, "", StatusUncacheable
		e.Why = fmt.Sprintf("%s is more than the %s total cache size", humanBytes(size), humanBytes(c.opts.MaxTotalBytes))
		if err := c.store.put(ctx, e); err != nil {
			return nil, err
		}
	}
	return c.resultFor(ctx, key, nil)
}

func (c *Cache) tooLarge(ctx context.Context, e *entry, size int64) (*Result, error) {
	e.Stored, e.Outcome = false, StatusUncacheable
	if size > 0 {
		e.BodySize = size
		e.Why = fmt.Sprintf("the body is %s, more than the %s per-file cap", humanBytes(size), humanBytes(c.opts.MaxFileBytes))
	} else {
		e.Why = fmt.Sprintf("the body is more than the %s per-file cap", humanBytes(c.opts.MaxFileBytes))
	}
	existing, err := c.store.get(ctx, e.URL)
	if err != nil {
		return nil, err
	}
	if existing == nil || !existing.Stored {
		if err := c.store.put(ctx, e); err != nil {
			return nil, err
		}
	}
	res, err := c.resultFor(ctx, e.URL, nil)
	if err != nil {
		return nil, err
	}
	res.Report.Status, res.Report.Why = StatusUncacheable, e.Why
	return res, fmt.Errorf("%s: %s: %w", RedactURL(e.URL), e.Why, ErrTooLarge)
}

// probe fills the audio fields of e from the body (headers and frame
// scan only: fast even for a long MP3; the waveform comes later, see Peaks).
func (c *Cache) probe(e *entry, r io.ReaderAt, size int64) {
	info, err := audiofile.Probe(r, size)
	if err != nil {
		e.AudioError = err.Error()
		return
	}
	e.Audio = &info
}

// writeBody copies body to path, fsyncs it and returns its size and SHA-256.
func writeBody(path string, body io.Reader, limit int64) (int64, string, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, "", fmt.Errorf("store body: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(body, limit+1))
	if err == nil && n > limit {
		err = ErrTooLarge
	}
	if err != nil {
		f.Close()
		if !errors.Is(err, ErrTooLarge) {
			err = fmt.Errorf("reading body (got %d bytes before the transfer broke): %w", n, err)
		}
		return n, "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return n, "", fmt.Errorf("store body: %w", err)
	}
	if err := f.Close(); err != nil {
		return n, "", fmt.Errorf("store body: %w", err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

func readCapped(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, ErrTooLarge
	}
	return b, nil
}

// varyMatches implements RFC 9111 §4.1 for one stored response: every field
// its Vary names must have the same normalised value in the new request.
// On a mismatch it returns the field that differs; Vary: * never matches.
func varyMatches(e *entry, reqHeader http.Header) (string, bool) {
	fields, star := varyFields(e.Header)
	if star {
		return "*", false
	}
	for _, f := range fields {
		if e.ReqHeader[f] != normalisedValue(reqHeader, f) {
			return f, false
		}
	}
	return "", true
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
