package sip

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/sqlitedb"
)

func openTestHistory(t *testing.T) *History {
	t.Helper()
	ctx := ctxFor(t, 10*time.Second)
	db, err := sqlitedb.Open(ctx, filepath.Join(t.TempDir(), "hookphone.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, err := OpenHistory(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenHistory(ctx, db); err != nil { // idempotent
		t.Fatal(err)
	}
	return h
}

func TestHistoryAddListPages(t *testing.T) {
	h := openTestHistory(t)
	ctx := ctxFor(t, 10*time.Second)
	base := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		e := HistoryEntry{ID: string(rune('a' + i)), SIPCallID: "x", Account: "acct", Direction: DirectionOutgoing,
			Remote: "sip:bob@example.com", Start: base.Add(time.Duration(i) * time.Minute), Duration: 90 * time.Second,
			Result: ResultAnswered, SIPStatus: 200, Codec: "PCMU", SRTPSuite: "AES_CM_128_HMAC_SHA1_80", MOS: 4.3, SetupMS: 120}
		if i == 4 {
			e.Direction, e.Result, e.SIPStatus, e.Reason = DirectionIncoming, ResultRejected, 488, "no crypto"
		}
		if err := h.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	page, err := h.List(ctx, time.Time{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || page[0].ID != "e" || page[2].ID != "c" {
		t.Fatalf("first page %+v, want e d c", page)
	}
	if page[0].Direction != DirectionIncoming || page[0].Result != ResultRejected || page[0].Reason != "no crypto" {
		t.Errorf("entry e = %+v", page[0])
	}
	if page[1].Duration != 90*time.Second || page[1].MOS != 4.3 || page[1].SRTPSuite != "AES_CM_128_HMAC_SHA1_80" {
		t.Errorf("entry d = %+v", page[1])
	}
	next, err := h.List(ctx, page[2].Start, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(next) != 2 || next[0].ID != "b" || next[1].ID != "a" {
		t.Fatalf("second page %+v, want b a", next)
	}
}

func TestEchoCallLandsInHistory(t *testing.T) {
	h := openTestHistory(t)
	_, m := newEchoClient(t, echoClient{cfg: CallManagerConfig{History: h}})
	ctx := ctxFor(t, 30*time.Second)
	c, err := m.Dial(ctx, "echo", DialOptions{Source: &toneSource{freq: 440}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := h.List(ctx, time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("history has %d entries, want 1", len(got))
	}
	e := got[0]
	if e.ID != c.ID || e.Result != ResultAnswered || e.Direction != DirectionOutgoing || e.Codec != "PCMU" ||
		e.SRTPSuite != "AES_CM_128_HMAC_SHA1_80" || e.Duration < time.Second || e.MOS <= 1 || e.Account == "" {
		t.Errorf("history entry %+v", e)
	}
}
