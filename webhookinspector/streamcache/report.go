package streamcache

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// Report is the cache's state for one URL, in the words and fields the GUI
// and `hookphone fetch --json` show. JSON names are a contract (DESIGN.md):
// status, fresh_for_s, bytes, format, duration_s; the rest may grow.
type Report struct {
	URL       string `json:"url"`
	FinalURL  string `json:"final_url,omitempty"`
	Redirects int    `json:"redirects"`
	// Status is what the last fetch of this URL did.
	Status Status `json:"status"`
	// Why explains uncacheable and stale outcomes, and misses caused by Vary.
	Why        string `json:"why,omitempty"`
	Stored     bool   `json:"stored"`
	HTTPStatus int    `json:"http_status"`

	Fresh bool `json:"fresh"`
	// FreshFor is how long the stored copy stays fresh from now (0 once stale).
	FreshFor          time.Duration `json:"-"`
	FreshForS         int64         `json:"fresh_for_s"`
	FreshnessLifetime time.Duration `json:"-"`
	FreshnessS        int64         `json:"freshness_lifetime_s"`
	FreshnessSource   string        `json:"freshness_source"`
	Age               time.Duration `json:"-"`
	AgeS              int64         `json:"age_s"`
	// ExpiresIn is lifetime − age; negative once stale.
	ExpiresIn  time.Duration `json:"-"`
	ExpiresInS int64         `json:"expires_in_s"`
	ExpiresAt  time.Time     `json:"expires_at"`

	CacheControl   string `json:"cache_control,omitempty"`
	MustRevalidate bool   `json:"must_revalidate"`
	NoCache        bool   `json:"no_cache"`
	ETag           string `json:"etag,omitempty"`
	LastModified   string `json:"last_modified,omitempty"`
	Vary           string `json:"vary,omitempty"`
	Hits           int64  `json:"hits"`
	Bytes          int64  `json:"bytes"`
	ContentType    string `json:"content_type,omitempty"`

	Format      string  `json:"format"`
	Encoding    string  `json:"encoding,omitempty"`
	SampleRate  int     `json:"sample_rate,omitempty"`
	Channels    int     `json:"channels,omitempty"`
	BitDepth    int     `json:"bit_depth,omitempty"`
	BitrateKbps int     `json:"bitrate_kbps,omitempty"`
	DurationS   float64 `json:"duration_s"`
	// AudioError says why the body is not playable audio ("" when it is).
	AudioError     string `json:"audio_error,omitempty"`
	StreamAccepted bool   `json:"stream_accepted"`
	StreamNote     string `json:"stream_note"`
	// WaveformReady says the peaks are stored ([Cache.Peaks] computes them
	// on first use).
	WaveformReady bool `json:"waveform_ready"`
	// ContentTypeNote is set when Content-Type does not say audio although
	// the body is audio (or the other way round).
	ContentTypeNote string `json:"content_type_note,omitempty"`

	// Prediction says in one sentence what the voice platform may do.
	Prediction string    `json:"prediction"`
	FirstSeen  time.Time `json:"first_seen"`
	LastAccess time.Time `json:"last_access"`
}

func (c *Cache) resultFor(ctx context.Context, key string, body []byte) (*Result, error) {
	e, err := c.store.get(ctx, key)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, fmt.Errorf("stream cache: %s vanished from the store", RedactURL(key))
	}
	return &Result{Report: c.report(e), Body: body}, nil
}

// report computes the report of a row at the cache's current time.
func (c *Cache) report(e *entry) Report {
	now := c.now()
	d := parseDirectives(e.Header)
	t := e.timing()
	lifetime, src := t.freshnessLifetime(d)
	age := t.currentAge(now)
	r := Report{
		URL: e.URL, FinalURL: e.FinalURL, Redirects: e.Redirects, Status: e.Outcome, Why: e.Why,
		Stored: e.Stored, HTTPStatus: e.StatusCode,
		FreshnessLifetime: lifetime, FreshnessSource: src.String(), Age: age, ExpiresIn: lifetime - age,
		ExpiresAt:    now.Add(lifetime - age).In(c.opts.Location),
		CacheControl: d.raw, MustRevalidate: d.mustRevalidate, NoCache: d.noCache,
		ETag: e.Header.Get("ETag"), LastModified: e.Header.Get("Last-Modified"),
		Vary: strings.Join(e.Header.Values("Vary"), ", "), Hits: e.Hits, Bytes: e.BodySize,
		ContentType: e.Header.Get("Content-Type"), Format: "unknown", AudioError: e.AudioError,
		FirstSeen: e.FirstSeen, LastAccess: e.LastAccess, WaveformReady: len(e.Peaks) > 0,
	}
	if e.Stored && !d.noCache && lifetime > age {
		r.Fresh, r.FreshFor = true, lifetime-age
	}
	r.FreshForS = int64(r.FreshFor / time.Second)
	r.FreshnessS = int64(lifetime / time.Second)
	r.AgeS = int64(age / time.Second)
	r.ExpiresInS = int64(math.Floor(r.ExpiresIn.Seconds()))
	if a := e.Audio; a != nil {
		r.Format, r.Encoding = a.Format.String(), a.Encoding.String()
		r.SampleRate, r.Channels, r.BitDepth, r.BitrateKbps = a.SampleRate, a.Channels, a.BitDepth, a.BitrateKbps
		r.DurationS = math.Round(a.Duration.Seconds()*1000) / 1000
		r.StreamAccepted, r.StreamNote = a.StreamAccepted()
	} else if e.AudioError != "" {
		r.StreamNote = "not playable audio: " + e.AudioError
	}
	r.ContentTypeNote = contentTypeNote(r.ContentType, e.Audio != nil)
	r.Prediction = c.predict(e, d, src, lifetime, age, now)
	return r
}

// contentTypeNote flags a Content-Type that contradicts the bytes.
func contentTypeNote(ct string, isAudio bool) string {
	media, _, _ := strings.Cut(strings.ToLower(ct), ";")
	media = strings.TrimSpace(media)
	audioType := strings.HasPrefix(media, "audio/")
	switch {
	case isAudio && media == "":
		return "no Content-Type given; the body is audio"
	case isAudio && !audioType && media != "application/octet-stream":
		return fmt.Sprintf("served as %s although the body is audio", media)
	case !isAudio && audioType:
		return fmt.Sprintf("served as %s but the body is not audio this cache can read", media)
	}
	return ""
}

// predict says in one sentence what the voice platform, a shared cache,
// may do with this response (SPEC §4.1, §6.8).
func (c *Cache) predict(e *entry, d directives, src FreshnessSource, lifetime, age time.Duration, now time.Time) string {
	_, star := varyFields(e.Header)
	hasValidator := e.Header.Get("ETag") != "" || e.Header.Get("Last-Modified") != ""
	switch {
	case e.StatusCode != 200 && e.StatusCode != 0:
		return fmt.Sprintf("the server answered %d: the platform cannot play this URL", e.StatusCode)
	case d.noStore:
		return "not cached by anyone: no-store (the platform downloads it for every call)"
	case star:
		return "no cache can reuse it (Vary: *): the platform downloads it for every call"
	case d.private:
		return "only private caches like this one may keep it (private): the platform, a shared cache, downloads it for every call"
	case d.noCache:
		if hasValidator {
			return "caches must check with the server before every use (no-cache): a changed file is picked up on the next call"
		}
		return "caches must check with the server before every use (no-cache), and without an ETag or Last-Modified every check downloads it again"
	}
	// A shared cache uses s-maxage over max-age (RFC 9111 §5.2.2.10).
	if d.sMaxAge >= 0 {
		lifetime, src = time.Duration(d.sMaxAge)*time.Second, SourceMaxAge
		return c.untilSentence(now.Add(lifetime-age), fmt.Sprintf("s-maxage %s, which the platform uses instead of max-age", humanDuration(lifetime)), d, now, lifetime > age, hasValidator)
	}
	switch src {
	case SourceMaxAge:
		return c.untilSentence(now.Add(lifetime-age), "max-age "+humanDuration(lifetime), d, now, lifetime > age, hasValidator)
	case SourceExpires:
		return c.untilSentence(now.Add(lifetime-age), "Expires", d, now, lifetime > age, hasValidator)
	case SourceInvalidExpires, SourceInvalidMaxAge:
		return fmt.Sprintf("the %s value is invalid, so caches treat the copy as already stale: %s", strings.TrimPrefix(src.String(), "invalid "), staleTail(hasValidator))
	case SourceHeuristic:
		return c.untilSentence(now.Add(lifetime-age), fmt.Sprintf("no lifetime given; caches may guess 10 %% of its age since Last-Modified = %s; send Cache-Control: max-age to decide yourself", humanDuration(lifetime)), d, now, lifetime > age, hasValidator)
	}
	if hasValidator {
		return "no lifetime given: caches must check with the server before each reuse, so a changed file is picked up on the next call"
	}
	return "no caching headers (no max-age, Expires, ETag or Last-Modified): the platform will probably download it for every call; add Cache-Control: public, max-age=360000 to let it cache"
}

func (c *Cache) untilSentence(until time.Time, why string, d directives, now time.Time, fresh, hasValidator bool) string {
	if !fresh {
		return fmt.Sprintf("this copy is stale (%s): %s", why, staleTail(hasValidator))
	}
	s := fmt.Sprintf("the platform may keep serving this copy until %s (%s): to change the audio sooner, change its URL", formatWhen(until.In(c.opts.Location), now.In(c.opts.Location)), why)
	if d.mustRevalidate {
		s += "; after that it must check with the server (must-revalidate)"
	}
	return s
}

func staleTail(hasValidator bool) string {
	if hasValidator {
		return "caches check with the server before reusing it, so a changed file is picked up on the next call"
	}
	return "with no ETag or Last-Modified, caches download it again"
}

// formatWhen prints a moment as "Tue 14:02", adding the date when it is not
// within the coming week and the year when it is not this year.
func formatWhen(t, now time.Time) string {
	switch {
	case t.Year() != now.Year() && t.Sub(now) > 6*24*time.Hour:
		return t.Format("Mon 2 Jan 2006 15:04")
	case t.Sub(now) > 6*24*time.Hour:
		return t.Format("Mon 2 Jan 15:04")
	}
	return t.Format("Mon 15:04")
}

// humanDuration prints a duration the way people say it: "4 days",
// "3 h 20 min", "45 s".
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d >= 48*time.Hour:
		days := d / (24 * time.Hour)
		if rest := (d % (24 * time.Hour)) / time.Hour; rest > 0 && days < 10 {
			return fmt.Sprintf("%d days %d h", days, rest)
		}
		return fmt.Sprintf("%d days", days)
	case d >= time.Hour:
		h, m := d/time.Hour, (d%time.Hour)/time.Minute
		if m > 0 {
			return fmt.Sprintf("%d h %d min", h, m)
		}
		return fmt.Sprintf("%d h", h)
	case d >= time.Minute:
		m, s := d/time.Minute, (d%time.Minute)/time.Second
		if s > 0 {
			return fmt.Sprintf("%d min %d s", m, s)
		}
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d s", d/time.Second)
}

// humanBytes prints a size in B, KiB, MiB or GiB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
