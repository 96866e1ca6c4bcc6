package sip

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// History is the durable call log, a table in Hookphone's SQLite database
// (config.Paths.Database, opened with internal/sqlitedb beside the SIP trace).
type History struct {
	db *sql.DB
}

// HistoryEntry is one finished call.
type HistoryEntry struct {
	ID        string        `json:"id"`
	SIPCallID string        `json:"sip_call_id"`
	Account   string        `json:"account"`
	Direction CallDirection `json:"direction"`
	Remote    string        `json:"remote"`
	Start     time.Time     `json:"start"`
	Duration  time.Duration `json:"-"`
	Result    CallResult    `json:"result"`
	SIPStatus int           `json:"sip_status"`
	Reason    string        `json:"reason,omitempty"`
	Codec     string        `json:"codec"`
	SRTPSuite string        `json:"srtp_suite"`
	MOS       float64       `json:"mos"`
	SetupMS   int64         `json:"setup_ms"`
}

// HistoryEntryFromCall turns a finished call's snapshot into an entry.
func HistoryEntryFromCall(info CallInfo) HistoryEntry {
	return HistoryEntry{
		ID: info.ID, SIPCallID: info.SIPCallID, Direction: info.Direction, Remote: info.Remote,
		Start: info.Started, Duration: info.Duration, Result: info.Result, SIPStatus: info.SIPStatus,
		Reason: info.Reason, Codec: info.Security.Codec, SRTPSuite: info.Security.SRTPSuite,
		MOS: info.Stats.MOS, SetupMS: info.SetupTime.Milliseconds(),
	}
}

const historySchema = `CREATE TABLE IF NOT EXISTS call_history (
	id          TEXT PRIMARY KEY,
	sip_call_id TEXT NOT NULL,
	account     TEXT NOT NULL,
	direction   TEXT NOT NULL,
	remote      TEXT NOT NULL,
	start_ms    INTEGER NOT NULL,
	duration_ms INTEGER NOT NULL,
	result      TEXT NOT NULL,
	sip_status  INTEGER NOT NULL,
	reason      TEXT NOT NULL,
	codec       TEXT NOT NULL,
	srtp_suite  TEXT NOT NULL,
	mos         REAL NOT NULL,
	setup_ms    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS call_history_start ON call_history(start_ms);`

// OpenHistory creates the call_history table in db if needed. Open db with
// internal/sqlitedb.Open.
func OpenHistory(ctx context.Context, db *sql.DB) (*History, error) {
	if _, err := db.ExecContext(ctx, historySchema); err != nil {
		return nil, fmt.Errorf("open call history: %w", err)
	}
	return &History{db: db}, nil
}

// Add stores e (replacing an entry with the same id).
func (h *History) Add(ctx context.Context, e HistoryEntry) error {
	_, err := h.db.ExecContext(ctx, `INSERT OR REPLACE INTO call_history
		(id, sip_call_id, account, direction, remote, start_ms, duration_ms, result, sip_status, reason, codec, srtp_suite, mos, setup_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.SIPCallID, e.Account, e.Direction.String(), e.Remote, e.Start.UnixMilli(), e.Duration.Milliseconds(),
		e.Result.String(), e.SIPStatus, e.Reason, e.Codec, e.SRTPSuite, e.MOS, e.SetupMS)
	if err != nil {
		return fmt.Errorf("add call %s to history: %w", e.ID, err)
	}
	return nil
}

// List returns up to limit entries that started before before (zero: now),
// newest first: page through the history by passing the last Start back.
func (h *History) List(ctx context.Context, before time.Time, limit int) ([]HistoryEntry, error) {
	if before.IsZero() {
		before = time.Now().Add(time.Second)
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := h.db.QueryContext(ctx, `SELECT id, sip_call_id, account, direction, remote, start_ms, duration_ms,
		result, sip_status, reason, codec, srtp_suite, mos, setup_ms
		FROM call_history WHERE start_ms < ? ORDER BY start_ms DESC LIMIT ?`, before.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("list call history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var e HistoryEntry
		var dir, result string
		var start, dur int64
		if err := rows.Scan(&e.ID, &e.SIPCallID, &e.Account, &dir, &e.Remote, &start, &dur, &result,
			&e.SIPStatus, &e.Reason, &e.Codec, &e.SRTPSuite, &e.MOS, &e.SetupMS); err != nil {
			return nil, fmt.Errorf("list call history: %w", err)
		}
		e.Start = time.UnixMilli(start)
		e.Duration = time.Duration(dur) * time.Millisecond
		switch dir {
		case "outgoing":
			e.Direction = DirectionOutgoing
		case "incoming":
			e.Direction = DirectionIncoming
		}
		e.Result, _ = ParseCallResult(result)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list call history: %w", err)
	}
	return out, nil
}
