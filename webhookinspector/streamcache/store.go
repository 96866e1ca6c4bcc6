package streamcache

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hookphone/hookphone/internal/sqlitedb"
	"github.com/hookphone/hookphone/media/audiofile"
)

// The store keeps each stored body as a file in <dir>/bodies and its HTTP
// metadata in <dir>/streamcache.db. A body is written to a temporary file,
// fsynced and renamed into place before the row naming it commits, so a row
// only ever names a complete body; on open, files no row names (a crash
// between rename and commit, or mid-download temporaries) are deleted.

const schema = `
CREATE TABLE IF NOT EXISTS entries (
	url           TEXT PRIMARY KEY,
	final_url     TEXT NOT NULL,
	redirects     INTEGER NOT NULL,
	status_code   INTEGER NOT NULL,
	header        TEXT NOT NULL,
	req_header    TEXT NOT NULL,
	request_time  INTEGER NOT NULL,
	response_time INTEGER NOT NULL,
	stored        INTEGER NOT NULL,
	body_file     TEXT NOT NULL,
	body_size     INTEGER NOT NULL,
	body_sha256   TEXT NOT NULL,
	audio         TEXT NOT NULL,
	audio_error   TEXT NOT NULL,
	peaks         BLOB,
	hits          INTEGER NOT NULL DEFAULT 0,
	first_seen    INTEGER NOT NULL,
	last_access   INTEGER NOT NULL,
	outcome       TEXT NOT NULL,
	why           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_lru ON entries (stored, last_access);
`

// entry is one row: the stored response for a URL (or, with stored false,
// the record of an uncacheable answer kept for the report).
type entry struct {
	URL, FinalURL string
	Redirects     int
	StatusCode    int
	Header        http.Header
	ReqHeader     map[string]string // values of the request fields Vary names
	RequestTime   time.Time
	ResponseTime  time.Time
	Stored        bool
	BodyFile      string // base name inside the bodies folder
	BodySize      int64
	BodySHA256    string
	Audio         *audiofile.Info
	AudioError    string
	Peaks         []audiofile.Peak
	Hits          int64
	FirstSeen     time.Time
	LastAccess    time.Time
	Outcome       Status
	Why           string
}

func (e *entry) timing() timing {
	return timing{header: e.Header, requestTime: e.RequestTime, responseTime: e.ResponseTime}
}

type store struct {
	db     *sql.DB
	bodies string
	// lazy is one connection with synchronous=NORMAL for recording hits: a
	// hit count or access time lost to a power cut harms nothing, and an
	// fsync per hit would make a hit slower than downloading the file.
	lazyMu sync.Mutex
	lazy   *sql.Conn
	lock   *dirLock
	// writeMu serialises row replacement with the deletion of the body it
	// replaces, so two fetches of one URL racing never orphan a body file.
	writeMu sync.Mutex
}

func openStore(ctx context.Context, dir string) (*store, error) {
	bodies := filepath.Join(dir, "bodies")
	if err := os.MkdirAll(bodies, 0o700); err != nil {
		return nil, fmt.Errorf("stream cache: %w", err)
	}
	db, err := sqlitedb.Open(ctx, filepath.Join(dir, "streamcache.db"))
	if err != nil {
		return nil, fmt.Errorf("stream cache: %w", err)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("stream cache: create schema: %w", err)
	}
	lock, alone, err := lockDir(dir)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &store{db: db, bodies: bodies, lock: lock}
	if alone {
		if err := s.recover(ctx); err != nil {
			lock.unlock()
			db.Close()
			return nil, err
		}
	}
	lazy, err := db.Conn(ctx)
	if err == nil {
		_, err = lazy.ExecContext(ctx, `PRAGMA synchronous=NORMAL`)
	}
	if err != nil {
		lock.unlock()
		db.Close()
		return nil, fmt.Errorf("stream cache: %w", err)
	}
	s.lazy = lazy
	return s, nil
}

// recover (run only by a process that has the cache to itself) deletes body files that no row names (temporaries of a download
// that was killed, or a body renamed but never committed) and rows whose
// body is missing or of the wrong size.
func (s *store) recover(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT url, body_file, body_size FROM entries WHERE stored = 1`)
	if err != nil {
		return fmt.Errorf("stream cache: recover: %w", err)
	}
	named := map[string]bool{}
	var bad []string
	for rows.Next() {
		var url, file string
		var size int64
		if err := rows.Scan(&url, &file, &size); err != nil {
			rows.Close()
			return fmt.Errorf("stream cache: recover: %w", err)
		}
		st, err := os.Stat(filepath.Join(s.bodies, file))
		if err != nil || st.Size() != size {
			bad = append(bad, url)
			continue
		}
		named[file] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("stream cache: recover: %w", err)
	}
	for _, u := range bad {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM entries WHERE url = ?`, u); err != nil {
			return fmt.Errorf("stream cache: recover: %w", err)
		}
	}
	des, err := os.ReadDir(s.bodies)
	if err != nil {
		return fmt.Errorf("stream cache: recover: %w", err)
	}
	for _, de := range des {
		if !named[de.Name()] {
			os.Remove(filepath.Join(s.bodies, de.Name()))
		}
	}
	return nil
}

func (s *store) close() error {
	s.lazyMu.Lock()
	s.lazy.Close()
	s.lazyMu.Unlock()
	err := s.db.Close()
	s.lock.unlock()
	return err
}

const entryColumns = `url, final_url, redirects, status_code, header, req_header, request_time, response_time,
	stored, body_file, body_size, body_sha256, audio, audio_error, peaks, hits, first_seen, last_access, outcome, why`

type scanner interface{ Scan(dest ...any) error }

func scanEntry(sc scanner) (*entry, error) {
	var e entry
	var header, reqHeader, audio, outcome string
	var reqT, respT, first, last int64
	var stored int
	var peaks []byte
	err := sc.Scan(&e.URL, &e.FinalURL, &e.Redirects, &e.StatusCode, &header, &reqHeader, &reqT, &respT,
		&stored, &e.BodyFile, &e.BodySize, &e.BodySHA256, &audio, &e.AudioError, &peaks, &e.Hits, &first, &last, &outcome, &e.Why)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(header), &e.Header); err != nil {
		return nil, fmt.Errorf("stored header of %s: %w", RedactURL(e.URL), err)
	}
	if err := json.Unmarshal([]byte(reqHeader), &e.ReqHeader); err != nil {
		return nil, fmt.Errorf("stored request header of %s: %w", RedactURL(e.URL), err)
	}
	if audio != "" {
		e.Audio = new(audiofile.Info)
		if err := json.Unmarshal([]byte(audio), e.Audio); err != nil {
			return nil, fmt.Errorf("stored audio info of %s: %w", RedactURL(e.URL), err)
		}
	}
	e.Peaks = decodePeaks(peaks)
	e.RequestTime, e.ResponseTime = time.Unix(0, reqT), time.Unix(0, respT)
	e.FirstSeen, e.LastAccess = time.Unix(0, first), time.Unix(0, last)
	e.Stored = stored == 1
	e.Outcome = ParseStatus(outcome)
	return &e, nil
}

// get returns the row for url, or nil when there is none.
func (s *store) get(ctx context.Context, url string) (*entry, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM entries WHERE url = ?`, url)
	e, err := scanEntry(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stream cache: read %s: %w", RedactURL(url), err)
	}
	return e, nil
}

// list returns rows by most recent access, limit at a time from offset.
func (s *store) list(ctx context.Context, offset, limit int) ([]*entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+entryColumns+` FROM entries ORDER BY last_access DESC, url LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("stream cache: list: %w", err)
	}
	defer rows.Close()
	var out []*entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("stream cache: list: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// put writes e (insert or replace) and deletes the body file it replaces,
// after the commit. The new body, if any, must already be in place.
func (s *store) put(ctx context.Context, e *entry) error { return s.write(ctx, e, false) }

// putLazy is put without an fsync, for metadata whose loss harms nothing
// (headers merged from a 304: lost, the copy just revalidates again).
func (s *store) putLazy(ctx context.Context, e *entry) error { return s.write(ctx, e, true) }

func (s *store) write(ctx context.Context, e *entry, lazy bool) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	old, err := s.get(ctx, e.URL)
	if err != nil {
		return err
	}
	header, _ := json.Marshal(e.Header)
	reqHeader, _ := json.Marshal(e.ReqHeader)
	if e.ReqHeader == nil {
		reqHeader = []byte("{}")
	}
	audio := ""
	if e.Audio != nil {
		b, _ := json.Marshal(e.Audio)
		audio = string(b)
	}
	stored := 0
	if e.Stored {
		stored = 1
	}
	first := e.FirstSeen
	if old != nil {
		first = old.FirstSeen
	}
	var exec interface {
		ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	} = s.db
	if lazy {
		s.lazyMu.Lock()
		defer s.lazyMu.Unlock()
		exec = s.lazy
	}
	_, err = exec.ExecContext(ctx, `INSERT OR REPLACE INTO entries (`+entryColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.URL, e.FinalURL, e.Redirects, e.StatusCode, string(header), string(reqHeader),
		e.RequestTime.UnixNano(), e.ResponseTime.UnixNano(), stored, e.BodyFile, e.BodySize, e.BodySHA256,
		audio, e.AudioError, encodePeaks(e.Peaks), e.Hits, first.UnixNano(), e.LastAccess.UnixNano(), e.Outcome.String(), e.Why)
	if err != nil {
		return fmt.Errorf("stream cache: store %s: %w", RedactURL(e.URL), err)
	}
	if old != nil && old.BodyFile != "" && old.BodyFile != e.BodyFile {
		os.Remove(filepath.Join(s.bodies, old.BodyFile))
	}
	return nil
}

// touch records a reuse of the stored response (without an fsync: see lazy).
func (s *store) touch(ctx context.Context, url string, now time.Time, outcome Status, why string) error {
	s.lazyMu.Lock()
	defer s.lazyMu.Unlock()
	_, err := s.lazy.ExecContext(ctx, `UPDATE entries SET hits = hits + 1, last_access = ?, outcome = ?, why = ? WHERE url = ?`,
		now.UnixNano(), outcome.String(), why, url)
	if err != nil {
		return fmt.Errorf("stream cache: record hit on %s: %w", RedactURL(url), err)
	}
	return nil
}

// setPeaks stores the waveform of the body file named file (if the row
// still holds that body).
func (s *store) setPeaks(ctx context.Context, url, file string, p []audiofile.Peak) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE entries SET peaks = ? WHERE url = ? AND body_file = ?`, encodePeaks(p), url, file); err != nil {
		return fmt.Errorf("stream cache: store waveform of %s: %w", RedactURL(url), err)
	}
	return nil
}

// setAudioError records that the body file named file failed to decode.
func (s *store) setAudioError(ctx context.Context, url, file, msg string) {
	s.db.ExecContext(ctx, `UPDATE entries SET audio_error = ? WHERE url = ? AND body_file = ?`, msg, url, file)
}

// remove deletes the row for url and its body.
func (s *store) remove(ctx context.Context, url string) (bool, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.removeLocked(ctx, url)
}

func (s *store) removeLocked(ctx context.Context, url string) (bool, error) {
	e, err := s.get(ctx, url)
	if err != nil || e == nil {
		return false, err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM entries WHERE url = ?`, url); err != nil {
		return false, fmt.Errorf("stream cache: evict %s: %w", RedactURL(url), err)
	}
	if e.BodyFile != "" {
		os.Remove(filepath.Join(s.bodies, e.BodyFile))
	}
	return true, nil
}

// evict removes least-recently-used stored bodies (never keep) until the
// stored total is at most limit. It returns the URLs evicted.
func (s *store) evict(ctx context.Context, limit int64, keep string) ([]string, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var evicted []string
	for {
		var total int64
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(body_size), 0) FROM entries WHERE stored = 1`).Scan(&total); err != nil {
			return evicted, fmt.Errorf("stream cache: evict: %w", err)
		}
		if total <= limit {
			return evicted, nil
		}
		var url string
		err := s.db.QueryRowContext(ctx, `SELECT url FROM entries WHERE stored = 1 AND url != ? ORDER BY last_access ASC LIMIT 1`, keep).Scan(&url)
		if errors.Is(err, sql.ErrNoRows) {
			return evicted, nil
		}
		if err != nil {
			return evicted, fmt.Errorf("stream cache: evict: %w", err)
		}
		if _, err := s.removeLocked(ctx, url); err != nil {
			return evicted, err
		}
		evicted = append(evicted, url)
	}
}

// newBodyName returns a fresh random file name for a body.
func newBodyName(suffix string) string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:]) + suffix
}

// syncDir fsyncs a folder so a rename inside it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func encodePeaks(p []audiofile.Peak) []byte {
	if len(p) == 0 {
		return nil
	}
	b := make([]byte, 8*len(p))
	for i, v := range p {
		binary.LittleEndian.PutUint32(b[8*i:], math.Float32bits(v.Min))
		binary.LittleEndian.PutUint32(b[8*i+4:], math.Float32bits(v.Max))
	}
	return b
}

func decodePeaks(b []byte) []audiofile.Peak {
	if len(b) < 8 {
		return nil
	}
	p := make([]audiofile.Peak, len(b)/8)
	for i := range p {
		p[i].Min = math.Float32frombits(binary.LittleEndian.Uint32(b[8*i:]))
		p[i].Max = math.Float32frombits(binary.LittleEndian.Uint32(b[8*i+4:]))
	}
	return p
}
