package webhookinspector

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseEventCompletedNumbersAsStrings(t *testing.T) {
	e, err := ParseEvent(KindEvent, "", "application/json", []byte(eventBody))
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "completed" || e.Duration.Value != 68 || !e.Duration.Set || e.Price.Value != 0.0051 || e.Network != "GB-FIXED" {
		t.Fatalf("%+v", e)
	}
	if !e.Timestamp.Equal(time.Date(2024, 5, 1, 10, 16, 10, 123e6, time.UTC)) || e.Extra != nil || len(e.Problems) != 0 {
		t.Fatalf("timestamp %v extra %v problems %v", e.Timestamp, e.Extra, e.Problems)
	}
	// The same with real numbers and an unknown field.
	e, _ = ParseEvent(KindEvent, "", "application/json", []byte(`{"uuid":"u","status":"completed","duration":68,"rate":0.0045,"new_field":{"x":1}}`))
	if e.Duration.Value != 68 || e.Rate.Value != 0.0045 || string(e.Extra["new_field"]) != `{"x":1}` {
		t.Fatalf("%+v", e)
	}
	b, _ := json.Marshal(e)
	if !strings.Contains(string(b), `"new_field":{"x":1}`) {
		t.Fatalf("unknown field not kept in JSON: %s", b)
	}
}

func TestParseEventKinds(t *testing.T) {
	cases := []struct {
		kind  Kind
		query string
		body  string
		name  string
		check func(Event) bool
	}{
		{KindAnswer, answerQuery, "", "answer", func(e Event) bool { return e.HookphoneCallID() == "c+1@host" && e.From == "447700900001" }},
		{KindEvent, "", `{"call_uuid":"leg-1","status":"machine","conversation_uuid":"CON-1"}`, "machine", func(e Event) bool { return e.CallKey() == "leg-1" }},
		{KindEvent, "", `{"speech":{"results":[{"text":"yes","confidence":"0.9"}]},"dtmf":{"digits":"42","timed_out":false},"uuid":"u"}`, "input", func(e Event) bool { return e.DTMF.Digits == "42" && e.Speech.Results[0].Confidence.Value == 0.9 }},
		{KindEvent, "", `{"recording_url":"https://x/r","recording_uuid":"r","size":"12222","conversation_uuid":"CON-1"}`, "record", func(e Event) bool { return e.Size.Value == 12222 }},
		{KindEvent, "", `{"conversation_uuid_from":"CON-1","conversation_uuid_to":"CON-2","uuid":"u"}`, "transfer", nil},
		{KindEvent, "", `{"reason":"Bad NCCO","conversation_uuid":"CON-1"}`, "error", nil},
		{KindFallback, "", `{"uuid":"u","reason":"Connection refused","original_request":{"url":"https://x/a","type":"answer_url"}}`, "fallback", func(e Event) bool { return e.OriginalRequest.Type == "answer_url" }},
		{KindEvent, "status=ringing&uuid=u-get", "", "ringing", func(e Event) bool { return e.UUID == "u-get" }},
		{KindEvent, "", `{"uuid":"u","duration":"sixty"}`, "unknown", func(e Event) bool { return len(e.Problems) == 1 }},
	}
	for _, tc := range cases {
		e, err := ParseEvent(tc.kind, tc.query, "application/json", []byte(tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if e.Name() != tc.name || (tc.check != nil && !tc.check(e)) {
			t.Errorf("%s: got %q %+v", tc.name, e.Name(), e)
		}
	}
	if _, err := ParseEvent(KindEvent, "", "application/json", []byte(`[1]`)); err == nil {
		t.Error("array body accepted as an event")
	}
}

func TestTimelines(t *testing.T) {
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	row := func(id int64, sec int, ev, uuid, conv string, v Verdict) Summary {
		return Summary{ID: id, ReceivedAt: base.Add(time.Duration(sec) * time.Second), Event: ev, UUID: uuid, ConversationUUID: conv, Verdict: v}
	}
	rows := []Summary{
		row(1, 0, "answer", "leg-a", "CON-1", VerdictValid),
		row(2, 1, "started", "leg-a", "CON-1", VerdictValid),
		row(3, 2, "ringing", "leg-b", "CON-2", VerdictValid),
		row(4, 3, "answered", "leg-a", "CON-1", VerdictValid),
		row(5, 300, "record", "", "CON-1", VerdictInvalid),
		row(6, 301, "completed", "leg-a", "CON-1", VerdictValid),
		row(7, 302, "completed", "leg-a", "CON-1", VerdictValid),
		row(8, 303, "completed", "leg-b", "CON-2", VerdictValid),
		row(9, 304, "answered", "leg-b", "CON-2", VerdictValid),
	}
	tls := BuildTimelines(rows, time.Minute)
	if len(tls) != 2 {
		t.Fatalf("%d timelines", len(tls))
	}
	a, b := tls[0], tls[1]
	if a.Call != "leg-a" || len(a.Entries) != 6 || strings.Join(a.Statuses, ",") != "started,answered,completed,completed" {
		t.Fatalf("leg-a: %+v", a)
	}
	flags := strings.Join(a.Flags, " | ")
	for _, w := range []string{"No webhook for 4m57s between answered and record", "completed arrived 2 times", "1 of 6 webhooks did not verify"} {
		if !strings.Contains(flags, w) {
			t.Errorf("leg-a flags %q lack %q", flags, w)
		}
	}
	flags = strings.Join(b.Flags, " | ")
	for _, w := range []string{"answered arrived after completed", "completed arrived but no started event did"} {
		if !strings.Contains(flags, w) {
			t.Errorf("leg-b flags %q lack %q", flags, w)
		}
	}
}
