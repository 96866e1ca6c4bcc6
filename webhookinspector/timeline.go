package webhookinspector

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Timeline is every webhook of one call leg, in arrival order, with its
// status progression and what looks wrong in it.
type Timeline struct {
	// Call is the leg uuid (call_uuid for AMD events), or the
	// conversation_uuid for a conversation seen only through legless events.
	Call             string          `json:"call"`
	ConversationUUID string          `json:"conversation_uuid,omitempty"`
	CallID           string          `json:"call_id,omitempty"` // SipHeader_X-Hookphone-Call-Id
	Entries          []TimelineEntry `json:"entries"`
	// Statuses are the call statuses in arrival order (started, ringing, …).
	Statuses []string `json:"statuses"`
	// Flags are plain sentences about gaps and anomalies.
	Flags []string `json:"flags,omitempty"`
}

// TimelineEntry is one webhook in a timeline.
type TimelineEntry struct {
	CaptureID  int64     `json:"capture_id"`
	ReceivedAt time.Time `json:"received_at"`
	EventTime  time.Time `json:"event_time,omitzero"`
	Event      string    `json:"event"`
	Verdict    Verdict   `json:"verdict"`
}

// statusRank orders the call statuses of SPEC §3.2 along a call's life.
var statusRank = map[string]int{
	"answer": 1, "started": 1, "ringing": 2, "answered": 3, "human": 4, "machine": 4, "input": 4, "record": 4,
	"transfer": 4, "disconnected": 5, "completed": 6, "busy": 6, "cancelled": 6, "unanswered": 6, "rejected": 6,
	"failed": 6, "timeout": 6,
}

var terminal = map[string]bool{"completed": true, "busy": true, "cancelled": true, "unanswered": true, "rejected": true, "failed": true, "timeout": true}

// DefaultTimelineGap is the silence between two webhooks of a call that is flagged.
const DefaultTimelineGap = 2 * time.Minute

// BuildTimelines groups capture summaries (any order) into per-call
// timelines, ordered by their first webhook. gap ≤ 0 means DefaultTimelineGap.
func BuildTimelines(rows []Summary, gap time.Duration) []Timeline {
	if gap <= 0 {
		gap = DefaultTimelineGap
	}
	sorted := append([]Summary(nil), rows...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	byKey := map[string]*Timeline{}
	byConv := map[string]*Timeline{}
	var order []*Timeline
	get := func(key string) *Timeline {
		if t, ok := byKey[key]; ok {
			return t
		}
		t := &Timeline{Call: key}
		byKey[key] = t
		order = append(order, t)
		return t
	}
	for _, s := range sorted {
		var t *Timeline
		switch {
		case s.UUID != "":
			t = get(s.UUID)
		case s.ConversationUUID != "":
			if ct, ok := byConv[s.ConversationUUID]; ok {
				t = ct
			} else {
				t = get(s.ConversationUUID)
			}
		default:
			continue // not a call webhook
		}
		if t.ConversationUUID == "" && s.ConversationUUID != "" {
			t.ConversationUUID = s.ConversationUUID
			if _, ok := byConv[s.ConversationUUID]; !ok {
				byConv[s.ConversationUUID] = t
			}
		}
		if t.CallID == "" {
			t.CallID = s.CallID
		}
		t.Entries = append(t.Entries, TimelineEntry{CaptureID: s.ID, ReceivedAt: s.ReceivedAt, EventTime: s.EventTime, Event: s.Event, Verdict: s.Verdict})
	}
	out := make([]Timeline, 0, len(order))
	for _, t := range order {
		t.analyse(gap)
		out = append(out, *t)
	}
	return out
}

func (t *Timeline) analyse(gap time.Duration) {
	counts := map[string]int{}
	maxRank, maxName := 0, ""
	bad := 0
	for i, e := range t.Entries {
		if _, ok := statusRank[e.Event]; ok && e.Event != "input" && e.Event != "record" && e.Event != "answer" {
			t.Statuses = append(t.Statuses, e.Event)
		}
		counts[e.Event]++
		if e.Verdict != VerdictValid {
			bad++
		}
		if r, ok := statusRank[e.Event]; ok {
			if r < maxRank && e.Event != "answer" {
				t.Flags = append(t.Flags, fmt.Sprintf("%s arrived after %s (out of order).", e.Event, maxName))
			}
			if r > maxRank {
				maxRank, maxName = r, e.Event
			}
		}
		if i > 0 {
			prev := t.Entries[i-1]
			if d := e.ReceivedAt.Sub(prev.ReceivedAt); d > gap {
				t.Flags = append(t.Flags, fmt.Sprintf("No webhook for %s between %s and %s.", d.Round(time.Second), prev.Event, e.Event))
			}
		}
	}
	for _, name := range sortedKeys(counts) {
		if n := counts[name]; n > 1 && (terminal[name] || name == "started" || name == "answered" || name == "answer") {
			t.Flags = append(t.Flags, fmt.Sprintf("%s arrived %d times (a retry after a slow or failed answer?).", name, n))
		}
	}
	has := func(s string) bool { return counts[s] > 0 }
	final := ""
	for s := range terminal {
		if has(s) {
			final = s
		}
	}
	if final != "" && !has("started") {
		t.Flags = append(t.Flags, fmt.Sprintf("%s arrived but no started event did.", final))
	}
	if final == "completed" && !has("answered") {
		t.Flags = append(t.Flags, "completed arrived but no answered event did.")
	}
	if has("answered") && !has("started") && final == "" {
		t.Flags = append(t.Flags, "answered arrived but no started event did.")
	}
	if final == "" && len(t.Statuses) > 0 {
		t.Flags = append(t.Flags, "No final status (completed, busy, failed, …) yet.")
	}
	if bad > 0 {
		t.Flags = append(t.Flags, fmt.Sprintf("%d of %d webhooks did not verify.", bad, len(t.Entries)))
	}
}

// Timeline pages through the store for one call (uuid, conversation_uuid
// or Hookphone call id) and builds its timeline.
func (s *Store) Timeline(ctx context.Context, call string, gap time.Duration) (Timeline, error) {
	var rows []Summary
	err := s.Each(ctx, Filter{Call: call, Limit: 10000}, func(sm Summary) error {
		rows = append(rows, sm)
		return nil
	})
	if err != nil {
		return Timeline{}, err
	}
	seen := map[int64]bool{}
	legs, convs := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		seen[r.ID] = true
		if r.UUID != "" {
			legs[r.UUID] = true
		}
		if r.ConversationUUID != "" {
			convs[r.ConversationUUID] = true
		}
	}
	more := func(key string, keep func(Summary) bool) error {
		return s.Each(ctx, Filter{Call: key, Limit: 10000}, func(sm Summary) error {
			if !seen[sm.ID] && keep(sm) {
				seen[sm.ID] = true
				rows = append(rows, sm)
			}
			return nil
		})
	}
	// Found by Hookphone call id: pull in the rest of the leg's webhooks.
	for _, leg := range sortedKeys(legs) {
		if leg != call {
			if err := more(leg, func(Summary) bool { return true }); err != nil {
				return Timeline{}, err
			}
		}
	}
	// Legless events (record) carry only the conversation: add them too.
	for _, conv := range sortedKeys(convs) {
		if conv != call {
			if err := more(conv, func(sm Summary) bool { return sm.UUID == "" || legs[sm.UUID] }); err != nil {
				return Timeline{}, err
			}
		}
	}
	tls := BuildTimelines(rows, gap)
	for _, t := range tls {
		if t.Call == call || t.ConversationUUID == call || t.CallID == call {
			return t, nil
		}
	}
	return Timeline{Call: call}, nil
}
