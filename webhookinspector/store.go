package webhookinspector

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hookphone/hookphone/internal/sqlitedb"
)

// Store keeps captures and seen token ids in SQLite (DESIGN.md "Data"): a
// write returns only once it is committed with a full fsync, so a kill -9
// loses nothing that was acknowledged. Concurrent writes are grouped into one
// transaction (group commit): each caller still waits for its own commit.
type Store struct {
	db     *sql.DB
	writes chan writeOp
	done   chan struct{}
	once   sync.Once
}

type writeOp struct {
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error
}

// maxBatch bounds how many writes share one commit.
const maxBatch = 256

// maxListLimit bounds one page of a list.
const maxListLimit = 1000

const schema = `
CREATE TABLE IF NOT EXISTS wi_captures (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	received_ns      INTEGER NOT NULL,
	remote_addr      TEXT NOT NULL,
	tls              INTEGER NOT NULL,
	method           TEXT NOT NULL,
	target           TEXT NOT NULL,
	path             TEXT NOT NULL,
	raw_query        TEXT NOT NULL,
	proto            TEXT NOT NULL,
	host             TEXT NOT NULL,
	headers          TEXT NOT NULL,
	raw_head         BLOB,
	body             BLOB NOT NULL,
	body_sha256      TEXT NOT NULL,
	body_size        INTEGER NOT NULL,
	body_truncated   INTEGER NOT NULL,
	kind             TEXT NOT NULL,
	verdict          TEXT NOT NULL,
	reason           TEXT NOT NULL,
	result           TEXT NOT NULL,
	event            TEXT NOT NULL,
	uuid             TEXT NOT NULL,
	conversation_uuid TEXT NOT NULL,
	call_id          TEXT NOT NULL,
	event_ns         INTEGER NOT NULL,
	event_json       TEXT NOT NULL,
	status           INTEGER NOT NULL,
	response         TEXT NOT NULL,
	forward_url      TEXT NOT NULL,
	forward_error    TEXT NOT NULL,
	ncco_errors      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS wi_captures_received ON wi_captures(received_ns);
CREATE INDEX IF NOT EXISTS wi_captures_uuid ON wi_captures(uuid);
CREATE INDEX IF NOT EXISTS wi_captures_conv ON wi_captures(conversation_uuid);
CREATE INDEX IF NOT EXISTS wi_captures_verdict ON wi_captures(verdict, id);
CREATE TABLE IF NOT EXISTS wi_jti (
	jti        TEXT PRIMARY KEY,
	seen_ns    INTEGER NOT NULL,
	capture_id INTEGER
);
CREATE INDEX IF NOT EXISTS wi_jti_seen ON wi_jti(seen_ns);
`

// OpenStore opens (creating if needed) the capture store in the SQLite
// database at path (config.Paths.Database).
func OpenStore(ctx context.Context, path string) (*Store, error) {
	db, err := sqlitedb.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create webhook tables in %s: %w", path, err)
	}
	s := &Store{db: db, writes: make(chan writeOp), done: make(chan struct{})}
	go s.writer()
	return s, nil
}

// Close stops the writer and closes the database.
func (s *Store) Close() error {
	s.once.Do(func() {
		close(s.writes)
		<-s.done
	})
	return s.db.Close()
}

// writer runs every write, batching those that arrive together.
func (s *Store) writer() {
	defer close(s.done)
	for op := range s.writes {
		batch := []writeOp{op}
	drain:
		for len(batch) < maxBatch {
			select {
			case more, ok := <-s.writes:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		if err := s.runBatch(batch); err != nil {
			// One bad write must not fail the others: retry them one by one.
			for _, op := range batch {
				op.done <- s.runBatch([]writeOp{op})
			}
			continue
		}
		for _, op := range batch {
			op.done <- nil
		}
	}
}

func (s *Store) runBatch(batch []writeOp) error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	for _, op := range batch {
		if err := op.fn(ctx, tx); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// write runs fn in a committed transaction and waits for the commit.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) (err error) {
	op := writeOp{fn: fn, done: make(chan error, 1)}
	defer func() {
		if recover() != nil { // writes closed
			err = errors.New("capture store is closed")
		}
	}()
	select {
	case s.writes <- op:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// Add stores c durably and sets c.ID. When the verification found a genuine
// token id, it is stored too, so replay detection survives a restart.
func (s *Store) Add(ctx context.Context, c *Capture) error {
	sum := c.Summary()
	rememberJTI := c.Result.JTI != "" && checkOK(c.Result, "signature")
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO wi_captures (received_ns, remote_addr, tls, method, target, path, raw_query, proto, host,
			headers, raw_head, body, body_sha256, body_size, body_truncated, kind, verdict, reason, result, event, uuid, conversation_uuid,
			call_id, event_ns, event_json, status, response, forward_url, forward_error, ncco_errors)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			c.ReceivedAt.UnixNano(), c.RemoteAddr, c.TLS, c.Method, c.Target, c.Path, c.RawQuery, c.Proto, c.Host,
			mustJSON(c.Headers), c.RawHead, nonNil(c.Body), sum.BodySHA256, c.BodySize, c.BodyTruncated, c.Kind.String(),
			c.Result.Verdict.String(), c.Result.Reason, mustJSON(c.Result), sum.Event, sum.UUID, sum.ConversationUUID,
			sum.CallID, unixNanoOrZero(c.Event.Timestamp), mustJSON(c.Event), c.Response.Status, mustJSON(c.Response),
			c.ForwardURL, c.ForwardError, mustJSON(c.NCCOErrors))
		if err != nil {
			return fmt.Errorf("insert capture: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("insert capture: %w", err)
		}
		c.ID = id
		if rememberJTI {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO wi_jti (jti, seen_ns, capture_id) VALUES (?,?,?)`,
				c.Result.JTI, c.ReceivedAt.UnixNano(), id); err != nil {
				return fmt.Errorf("insert jti: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store capture: %w", err)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func unixNanoOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func checkOK(r Result, name string) bool {
	for _, c := range r.Checks {
		if c.Name == name {
			return c.OK
		}
	}
	return false
}

// SetResponse durably records what was answered to capture id (used in
// forward mode, where the capture is stored before the target is asked).
func (s *Store) SetResponse(ctx context.Context, id int64, resp Response, forwardErr string, nccoErrors []string) error {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE wi_captures SET status=?, response=?, forward_error=?, ncco_errors=? WHERE id=?`,
			resp.Status, mustJSON(resp), forwardErr, mustJSON(nccoErrors), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store response of capture %d: %w", id, err)
	}
	return nil
}

// LoadJTIs feeds every token id seen since t into g (on start, so replays
// across a restart are caught).
func (s *Store) LoadJTIs(ctx context.Context, since time.Time, g *JTICache) error {
	rows, err := s.db.QueryContext(ctx, `SELECT jti, seen_ns FROM wi_jti WHERE seen_ns >= ?`, since.UnixNano())
	if err != nil {
		return fmt.Errorf("load seen token ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var jti string
		var ns int64
		if err := rows.Scan(&jti, &ns); err != nil {
			return fmt.Errorf("load seen token ids: %w", err)
		}
		g.Remember(jti, time.Unix(0, ns))
	}
	return rows.Err()
}

// PruneJTIs deletes token ids seen before t.
func (s *Store) PruneJTIs(ctx context.Context, before time.Time) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM wi_jti WHERE seen_ns < ?`, before.UnixNano())
		return err
	})
}

// Filter selects captures for a page of a list.
type Filter struct {
	// AfterID returns captures with a larger id (oldest first); BeforeID,
	// when set and Newest is true, smaller ones. Keyset paging: pass the
	// last id of the previous page.
	AfterID  int64
	BeforeID int64
	// Newest lists newest first.
	Newest bool
	// Since keeps captures received at or after it.
	Since time.Time
	// Verdict keeps one verdict (VerdictUnknown: all).
	Verdict Verdict
	// Kind keeps one webhook kind when KindSet.
	Kind    Kind
	KindSet bool
	// Call keeps captures whose uuid, conversation_uuid or call id equals it.
	Call string
	// Path keeps captures whose path contains it (ASCII case-insensitive).
	Path string
	// Text keeps captures whose method, path, event, uuid, conversation
	// uuid, call id, verdict reason or kind contains it (ASCII
	// case-insensitive): the search box of the Webhooks pane, applied to
	// the whole store rather than to the rows on show.
	Text string
	// Limit is the page size (default 100, at most 1000).
	Limit int
}

const summaryCols = `id, received_ns, method, path, kind, verdict, reason, event, uuid, conversation_uuid, call_id, event_ns, status, body_sha256, body_size, forward_error, ncco_errors`

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	if f.AfterID > 0 {
		conds, args = append(conds, "id > ?"), append(args, f.AfterID)
	}
	if f.BeforeID > 0 {
		conds, args = append(conds, "id < ?"), append(args, f.BeforeID)
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "received_ns >= ?"), append(args, f.Since.UnixNano())
	}
	if f.Verdict != VerdictUnknown {
		conds, args = append(conds, "verdict = ?"), append(args, f.Verdict.String())
	}
	if f.KindSet {
		conds, args = append(conds, "kind = ?"), append(args, f.Kind.String())
	}
	if f.Call != "" {
		conds, args = append(conds, "(uuid = ? OR conversation_uuid = ? OR call_id = ?)"), append(args, f.Call, f.Call, f.Call)
	}
	// instr, not LIKE: the user's text has no wildcards to escape.
	if f.Path != "" {
		conds, args = append(conds, "instr(lower(path), lower(?)) > 0"), append(args, f.Path)
	}
	if f.Text != "" {
		conds = append(conds, "instr(lower(method || ' ' || path || ' ' || event || ' ' || uuid || ' ' || conversation_uuid || ' ' || call_id || ' ' || reason || ' ' || kind), lower(?)) > 0")
		args = append(args, f.Text)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List returns one page of capture summaries (never the bodies).
func (s *Store) List(ctx context.Context, f Filter) ([]Summary, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxListLimit)
	where, args := f.where()
	order := " ORDER BY id ASC"
	if f.Newest {
		order = " ORDER BY id DESC"
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+summaryCols+" FROM wi_captures"+where+order+" LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list captures: %w", err)
	}
	defer rows.Close()
	out := make([]Summary, 0, min(limit, 64))
	for rows.Next() {
		var sm Summary
		var recv, evNS int64
		var kind, verdict, nccoErrs string
		if err := rows.Scan(&sm.ID, &recv, &sm.Method, &sm.Path, &kind, &verdict, &sm.Reason, &sm.Event, &sm.UUID,
			&sm.ConversationUUID, &sm.CallID, &evNS, &sm.Status, &sm.BodySHA256, &sm.BodySize, &sm.ForwardError, &nccoErrs); err != nil {
			return nil, fmt.Errorf("list captures: %w", err)
		}
		_ = json.Unmarshal([]byte(nccoErrs), &sm.NCCOErrors)
		sm.ReceivedAt = time.Unix(0, recv)
		if evNS != 0 {
			sm.EventTime = time.Unix(0, evNS)
		}
		sm.Kind, _ = ParseKind(kind)
		_ = sm.Verdict.UnmarshalText([]byte(verdict))
		out = append(out, sm)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list captures: %w", err)
	}
	return out, nil
}

// Each calls fn for every capture summary matching f, oldest first, one page
// at a time, so memory does not grow with the number of captures. It stops
// at f.Limit summaries when f.Limit > 0.
func (s *Store) Each(ctx context.Context, f Filter, fn func(Summary) error) error {
	remaining := f.Limit
	f.Newest = false
	for {
		page := f
		page.Limit = 500
		if remaining > 0 {
			page.Limit = min(remaining, 500)
		}
		rows, err := s.List(ctx, page)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if remaining > 0 {
			remaining -= len(rows)
			if remaining <= 0 {
				return nil
			}
		}
		if len(rows) < page.Limit {
			return nil
		}
		f.AfterID = rows[len(rows)-1].ID
	}
}

// Count returns how many captures match f (ignoring Limit and paging ids).
func (s *Store) Count(ctx context.Context, f Filter) (int64, error) {
	f.AfterID, f.BeforeID = 0, 0
	where, args := f.where()
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM wi_captures"+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count captures: %w", err)
	}
	return n, nil
}

// ErrNotFound is returned by Get for an id the store does not hold.
var ErrNotFound = errors.New("no such capture")

// Get returns one capture with its bytes.
func (s *Store) Get(ctx context.Context, id int64) (*Capture, error) {
	var c Capture
	var recv int64
	var headers, kind, result, eventJSON, response, nccoErrs string
	err := s.db.QueryRowContext(ctx, `SELECT id, received_ns, remote_addr, tls, method, target, path, raw_query, proto, host, headers,
		raw_head, body, body_size, body_truncated, kind, result, event_json, response, forward_url, forward_error, ncco_errors
		FROM wi_captures WHERE id = ?`, id).Scan(&c.ID, &recv, &c.RemoteAddr, &c.TLS, &c.Method, &c.Target, &c.Path, &c.RawQuery,
		&c.Proto, &c.Host, &headers, &c.RawHead, &c.Body, &c.BodySize, &c.BodyTruncated, &kind, &result, &eventJSON, &response,
		&c.ForwardURL, &c.ForwardError, &nccoErrs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("capture %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read capture %d: %w", id, err)
	}
	c.ReceivedAt = time.Unix(0, recv)
	c.Kind, _ = ParseKind(kind)
	for name, pair := range map[string]struct {
		src string
		dst any
	}{"headers": {headers, &c.Headers}, "result": {result, &c.Result}, "event": {eventJSON, &c.Event}, "response": {response, &c.Response}, "ncco_errors": {nccoErrs, &c.NCCOErrors}} {
		if err := json.Unmarshal([]byte(pair.src), pair.dst); err != nil {
			return nil, fmt.Errorf("read capture %d: column %s: %w", id, name, err)
		}
	}
	if c.Body == nil {
		c.Body = []byte{}
	}
	return &c, nil
}

// JTIFirstSeen says which capture first carried the token id jti, and when;
// ok is false when the store never saw it with a valid signature.
func (s *Store) JTIFirstSeen(ctx context.Context, jti string) (captureID int64, at time.Time, ok bool, err error) {
	var ns int64
	var id sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT seen_ns, capture_id FROM wi_jti WHERE jti = ?`, jti).Scan(&ns, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, false, nil
	}
	if err != nil {
		return 0, time.Time{}, false, fmt.Errorf("look up jti: %w", err)
	}
	return id.Int64, time.Unix(0, ns), true, nil
}

// CaptureReplayGuard judges one stored capture's jti against the store's
// history: a replay when an earlier capture carried the same token.
type CaptureReplayGuard struct {
	Self      int64     // the capture being verified
	FirstID   int64     // the capture that first carried the jti (0: none)
	FirstSeen time.Time // when
}

// Remember implements [ReplayGuard].
func (g CaptureReplayGuard) Remember(_ string, t time.Time) (time.Time, bool) {
	if g.FirstID != 0 && g.FirstID != g.Self {
		return g.FirstSeen, true
	}
	return t, false
}
