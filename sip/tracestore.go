package sip

import (
	"context"
	"database/sql"

	"fmt"
	"log/slog"
	"sync"
	"time"
)

// DefaultTraceRows bounds the persisted trace: older messages are deleted beyond it.
const DefaultTraceRows = 200_000

// traceSchema is the SIP trace table in the app database (beside the call
// history). Only redacted text is stored: digest responses and SDES keys
// never reach the disk; "reveal" works on the in-memory Trace of the session.
const traceSchema = `
CREATE TABLE IF NOT EXISTS sip_trace (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	time_ns   INTEGER NOT NULL,
	direction TEXT    NOT NULL,
	transport TEXT    NOT NULL,
	local     TEXT    NOT NULL,
	remote    TEXT    NOT NULL,
	call_id   TEXT    NOT NULL,
	summary   TEXT    NOT NULL,
	cseq      TEXT    NOT NULL,
	text      TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS sip_trace_call_id ON sip_trace(call_id, id);
`

// TraceStore persists trace messages in SQLite (open the app database with
// internal/sqlitedb.Open). Writes are batched on a goroutine so that the
// flow's reader never waits for fsync.
type TraceStore struct {
	db      *sql.DB
	maxRows int
	ch      chan traceItem
	done    chan struct{}
	log     *slog.Logger

	mu      sync.Mutex
	closed  bool
	dropped int
}

// traceItem is a message to write, or (flush != nil) a barrier closed once
// everything queued before it is written.
type traceItem struct {
	m     TraceMessage
	flush chan struct{}
}

// OpenTraceStore creates the table if needed and starts the writer.
// maxRows ≤ 0 means DefaultTraceRows.
func OpenTraceStore(ctx context.Context, db *sql.DB, maxRows int) (*TraceStore, error) {
	if _, err := db.ExecContext(ctx, traceSchema); err != nil {
		return nil, fmt.Errorf("trace store: create table: %w", err)
	}
	if maxRows <= 0 {
		maxRows = DefaultTraceRows
	}
	s := &TraceStore{db: db, maxRows: maxRows, ch: make(chan traceItem, 4096), done: make(chan struct{}), log: slog.Default()}
	go s.writer()
	return s, nil
}

// Attach persists every message added to t from now on; the returned function detaches.
func (s *TraceStore) Attach(t *Trace) (detach func()) {
	return t.Subscribe(s.enqueue)
}

func (s *TraceStore) enqueue(m TraceMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.ch <- traceItem{m: m}:
	default:
		s.dropped++ // never block the SIP reader; Close reports the count
	}
}

func (s *TraceStore) writer() {
	defer close(s.done)
	var batch []TraceMessage
	write := func() {
		if len(batch) == 0 {
			return
		}
		if err := s.Save(context.Background(), batch...); err != nil {
			s.log.Warn("trace store: write failed", "error", err, "messages", len(batch))
		}
		batch = batch[:0]
	}
	for it := range s.ch {
		if it.flush != nil {
			write()
			close(it.flush)
			continue
		}
		batch = append(batch, it.m)
		if len(batch) >= 256 || len(s.ch) == 0 {
			write()
		}
	}
	write()
}

// Flush waits until everything enqueued so far is written (or ctx ends).
func (s *TraceStore) Flush(ctx context.Context) error {
	done := make(chan struct{})
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	select { // under the lock, so Close cannot close the channel meanwhile
	case s.ch <- traceItem{flush: done}:
		s.mu.Unlock()
	case <-ctx.Done():
		s.mu.Unlock()
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops the writer. The database stays open.
func (s *TraceStore) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	dropped := s.dropped
	close(s.ch)
	s.mu.Unlock()
	<-s.done
	if dropped > 0 {
		return fmt.Errorf("trace store: %d messages dropped because the writer fell behind", dropped)
	}
	return nil
}

// Save writes messages synchronously (redacted) and prunes beyond the row limit.
func (s *TraceStore) Save(ctx context.Context, msgs ...TraceMessage) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("trace store: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO sip_trace(time_ns, direction, transport, local, remote, call_id, summary, cseq, text) VALUES (?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("trace store: %w", err)
	}
	defer stmt.Close()
	for _, m := range msgs {
		if _, err := stmt.ExecContext(ctx, m.Time.UnixNano(), m.Dir.String(), m.Transport, m.Local, m.Remote, m.CallID, m.Summary, m.CSeq, m.Text(false)); err != nil {
			return fmt.Errorf("trace store: insert: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sip_trace WHERE id <= (SELECT MAX(id) FROM sip_trace) - ?`, s.maxRows); err != nil {
		return fmt.Errorf("trace store: prune: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("trace store: commit: %w", err)
	}
	return nil
}

// Messages reads persisted messages, oldest first: one Call-ID's, or the
// newest limit of all when callID is "" (limit ≤ 0: 1000). Their text is
// the redacted text; Text(true) cannot reveal what was never stored.
func (s *TraceStore) Messages(ctx context.Context, callID string, limit int) ([]TraceMessage, error) {
	if limit <= 0 {
		limit = 1000
	}
	q := `SELECT id, time_ns, direction, transport, local, remote, call_id, summary, cseq, text FROM (
		SELECT * FROM sip_trace WHERE (? = '' OR call_id = ?) ORDER BY id DESC LIMIT ?) ORDER BY id`
	rows, err := s.db.QueryContext(ctx, q, callID, callID, limit)
	if err != nil {
		return nil, fmt.Errorf("trace store: %w", err)
	}
	defer rows.Close()
	var out []TraceMessage
	for rows.Next() {
		var m TraceMessage
		var id, ns int64
		var dir, text string
		if err := rows.Scan(&id, &ns, &dir, &m.Transport, &m.Local, &m.Remote, &m.CallID, &m.Summary, &m.CSeq, &text); err != nil {
			return nil, fmt.Errorf("trace store: %w", err)
		}
		m.Seq, m.Time, m.raw = uint64(id), time.Unix(0, ns), []byte(text)
		switch dir {
		case "sent":
			m.Dir = DirSent
		case "received":
			m.Dir = DirReceived
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Groups lists persisted Call-IDs, newest first (limit ≤ 0: 200).
func (s *TraceStore) Groups(ctx context.Context, limit int) ([]TraceGroup, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := s.db.QueryContext(ctx, `SELECT call_id, MIN(time_ns), MAX(time_ns), COUNT(*),
		(SELECT summary FROM sip_trace t2 WHERE t2.call_id = t.call_id ORDER BY id LIMIT 1)
		FROM sip_trace t GROUP BY call_id ORDER BY MAX(id) DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("trace store: %w", err)
	}
	defer rows.Close()
	var out []TraceGroup
	for rows.Next() {
		var g TraceGroup
		var first, last int64
		if err := rows.Scan(&g.CallID, &first, &last, &g.Count, &g.Summary); err != nil {
			return nil, fmt.Errorf("trace store: %w", err)
		}
		g.First, g.Last = time.Unix(0, first), time.Unix(0, last)
		out = append(out, g)
	}
	return out, rows.Err()
}
