package sip

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/sqlitedb"
)

const invite = "INVITE sip:bob@pbx.test SIP/2.0\r\n" +
	"Call-ID: call-1\r\n" +
	"CSeq: 2 INVITE\r\n" +
	"Proxy-Authorization: Digest username=\"alice\", realm=\"pbx\", nonce=\"abc\", uri=\"sip:bob@pbx.test\", response=\"6629fae49393a05397450978507c4ef1\", qop=auth\r\n" +
	"Content-Type: application/sdp\r\n" +
	"Content-Length: 124\r\n\r\n" +
	"v=0\r\n" +
	"m=audio 4000 RTP/SAVP 0\r\n" +
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"

func TestRedactHidesDigestAndSDESKeysOnly(t *testing.T) {
	r := Redact(invite)
	for _, secret := range []string{"6629fae49393a05397450978507c4ef1", "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"} {
		if strings.Contains(r, secret) {
			t.Fatalf("secret %s left in:\n%s", secret, r)
		}
	}
	for _, kept := range []string{`response="<redacted>"`, "inline:<redacted>|2^20|1:32", `nonce="abc"`, "Call-ID: call-1", "AES_CM_128_HMAC_SHA1_80"} {
		if !strings.Contains(r, kept) {
			t.Fatalf("%q missing from:\n%s", kept, r)
		}
	}
}

func TestTraceBoundGroupsAndExport(t *testing.T) {
	tr := NewTrace(3)
	var seen int
	cancel := tr.Subscribe(func(TraceMessage) { seen++ })
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for i, id := range []string{"a", "b", "a", "c"} {
		raw := "OPTIONS sip:x SIP/2.0\r\nCall-ID: " + id + "\r\nCSeq: 1 OPTIONS\r\n\r\n"
		tr.Add(NewTraceMessage(base.Add(time.Duration(i)*time.Second), DirSent, "TLS", "127.0.0.1:1", "127.0.0.1:2", []byte(raw)))
	}
	cancel()
	tr.Add(NewTraceMessage(base, DirReceived, "TLS", "l", "r", []byte(invite)))
	if seen != 4 {
		t.Fatalf("subscriber saw %d", seen)
	}
	msgs := tr.Messages("")
	if len(msgs) != 3 || msgs[0].CallID != "a" || msgs[2].CallID != "call-1" {
		t.Fatalf("ring kept %+v", msgs)
	}
	g := tr.Groups()
	if len(g) != 3 || g[0].CallID != "call-1" && g[0].CallID != "a" {
		t.Fatalf("groups %+v", g)
	}
	var out bytes.Buffer
	if err := Export(&out, tr.Messages("call-1"), false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "received TLS r → l") || strings.Contains(out.String(), "6629fae4") {
		t.Fatalf("export:\n%s", out.String())
	}
	out.Reset()
	Export(&out, tr.Messages("call-1"), true)
	if !strings.Contains(out.String(), "6629fae4") {
		t.Fatal("reveal did not reveal")
	}
}

func TestTraceStorePersistsRedactedAndBounded(t *testing.T) {
	ctx := context.Background()
	db, err := sqlitedb.Open(ctx, filepath.Join(t.TempDir(), "hookphone.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := OpenTraceStore(ctx, db, 5)
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTrace(0)
	detach := st.Attach(tr)
	tr.Add(NewTraceMessage(time.Now(), DirSent, "TLS", "l", "r", []byte(invite)))
	for i := 0; i < 7; i++ {
		tr.Add(NewTraceMessage(time.Now(), DirReceived, "TLS", "l", "r", []byte("SIP/2.0 200 OK\r\nCall-ID: reg\r\n\r\n")))
	}
	detach()
	if err := st.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := st.Messages(ctx, "", 0)
	if err != nil || len(all) != 5 {
		t.Fatalf("kept %d rows (%v), want the 5 newest", len(all), err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// A second store on the same database sees the rows, and a fresh save keeps the secret out.
	st2, _ := OpenTraceStore(ctx, db, 100)
	defer st2.Close()
	if err := st2.Save(ctx, NewTraceMessage(time.Now(), DirSent, "TLS", "l", "r", []byte(invite))); err != nil {
		t.Fatal(err)
	}
	msgs, _ := st2.Messages(ctx, "call-1", 0)
	if len(msgs) != 1 || strings.Contains(msgs[0].Text(true), "6629fae4") || !strings.Contains(msgs[0].Text(true), "<redacted>") {
		t.Fatalf("stored %+v", msgs)
	}
	var raw string
	db.QueryRow(`SELECT group_concat(text) FROM sip_trace`).Scan(&raw)
	if strings.Contains(raw, "PS1uQCVee") || strings.Contains(raw, "6629fae4") {
		t.Fatal("a secret reached the database")
	}
	groups, err := st2.Groups(ctx, 0)
	if err != nil || len(groups) != 2 || groups[0].CallID != "call-1" {
		t.Fatalf("groups %+v %v", groups, err)
	}
}
