package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/hookphone/hookphone/sip"
	wi "github.com/hookphone/hookphone/webhookinspector"
)

func TestCallsHistoryDetailAndRedial(t *testing.T) {
	fh := &fakeHistory{rows: []sip.HistoryEntry{
		{ID: "call-a", SIPCallID: "call-1", Account: LocalEchoAccount, Direction: sip.DirectionOutgoing, Remote: "sip:echo@127.0.0.1:5061;transport=tls",
			Start: t0, Duration: 83 * time.Second, Result: sip.ResultAnswered, SIPStatus: 200, Codec: "PCMU", SRTPSuite: "AES_CM_128_HMAC_SHA1_80", MOS: 4.38, SetupMS: 35},
		{ID: "call-x", Direction: sip.DirectionIncoming, Remote: "sip:bob@example.com", Start: t0.Add(-time.Hour), Result: sip.ResultRejected, SIPStatus: 603},
	}}
	fi := sampleWebhooks()
	fp := &fakePhone{accounts: []AccountStatus{{Name: LocalEchoAccount, State: sip.StateRegistered}}}
	env, w := newViewEnv(t, &Services{History: fh, Inspector: fi, Trace: traceFixture(), Phone: fp})
	env.phone = newPhoneArea(env, &configState{}, "")
	a := newCallsArea(env)
	w.SetContent(a.Content())
	if len(a.rows) != 2 || a.empty.Visible() {
		t.Fatalf("rows %d empty %v", len(a.rows), a.empty.Visible())
	}
	a.list.Select(0)
	text := strings.Join(labelTexts(a.detail), "\n")
	for _, want := range []string{"1:23", "answered (SIP 200)", "PCMU / AES_CM_128_HMAC_SHA1_80", "4.38",
		"us ──INVITE──▶ server", "3 webhooks (matched by SipHeader_X-Hookphone-Call-Id)"} {
		if !strings.Contains(text, want) {
			t.Errorf("detail lacks %q:\n%s", want, text)
		}
	}
	inv, hook := strings.Index(text, "SIP  → INVITE"), strings.Index(text, "HOOK ⇠ GET /webhooks/answer answer (valid)")
	if inv < 0 || hook < 0 || inv > hook {
		t.Errorf("timeline does not interleave SIP then webhooks by time (INVITE at %d, answer webhook at %d):\n%s", inv, hook, text)
	}
	test.AssertImageMatches(t, "calls/detail.png", w.Canvas().Capture())
	tapButton(t, a.detail, "Redial")
	if len(fp.dials) != 1 || fp.dials[0] != LocalEchoAccount+"|echo" {
		t.Errorf("redial dialled %v", fp.dials)
	}
}

// Without the call id header, a call's webhooks are those received while it
// lasted whose from/to names the remote.
func TestCallWebhooksFallbackByFromToAndTime(t *testing.T) {
	fi := &fakeInspector{captures: map[int64]*wi.Capture{}}
	add := func(id int64, at time.Time, from, to string) {
		fi.rows = append([]wi.Summary{{ID: id, ReceivedAt: at}}, fi.rows...)
		fi.captures[id] = &wi.Capture{ID: id, Event: wi.Event{From: from, To: to}}
	}
	add(1, t0.Add(2*time.Second), "447700900000", "bob")
	add(2, t0.Add(3*time.Second), "447700900000", "carol")
	add(3, t0.Add(time.Hour), "447700900000", "bob")
	e := sip.HistoryEntry{ID: "nope", Remote: "sip:bob@example.com", Start: t0, Duration: 30 * time.Second}
	rows, how, err := callWebhooks(t.Context(), fi, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].ID != 1 || !strings.Contains(how, "from/to and time") {
		t.Errorf("rows %+v how %q", rows, how)
	}
}
