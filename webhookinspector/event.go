package webhookinspector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FlexNumber is a number the voice API sends either as a JSON number or as
// a string ("duration":"68", "rate":"0.00450000"): SPEC §3.2 says handle both.
type FlexNumber struct {
	Value float64 // the number
	Set   bool    // false when absent, null or empty
	Raw   string  // the text as received
}

// UnmarshalJSON accepts 68, "68", "0.0045", null and "".
func (n *FlexNumber) UnmarshalJSON(b []byte) error {
	*n = FlexNumber{}
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		n.Raw = s
		if strings.TrimSpace(s) == "" {
			return nil
		}
	} else {
		n.Raw = s
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("%q is not a number", n.Raw)
	}
	n.Value, n.Set = f, true
	return nil
}

// MarshalJSON writes the number, or null when unset.
func (n FlexNumber) MarshalJSON() ([]byte, error) {
	if !n.Set {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(n.Value, 'f', -1, 64)), nil
}

// DTMF is the dtmf part of an input event.
type DTMF struct {
	Digits   string `json:"digits"`
	TimedOut bool   `json:"timed_out"`
}

// SpeechResult is one speech recognition hypothesis.
type SpeechResult struct {
	Text       string     `json:"text"`
	Confidence FlexNumber `json:"confidence"`
}

// Speech is the speech part of an input event.
type Speech struct {
	Results       []SpeechResult `json:"results"`
	TimeoutReason string         `json:"timeout_reason,omitempty"`
	Error         string         `json:"error,omitempty"`
	RecordingURL  string         `json:"recording_url,omitempty"`
}

// OriginalRequest is the request a fallback_answer_url call stands in for (SPEC §3.3).
type OriginalRequest struct {
	URL  string `json:"url"`
	Type string `json:"type"`
}

// Event is one answer, event or fallback webhook payload (SPEC §3), typed,
// with every field it did not know kept in Extra.
type Event struct {
	Kind             Kind       `json:"kind"`
	Status           string     `json:"status,omitempty"`
	UUID             string     `json:"uuid,omitempty"`
	CallUUID         string     `json:"call_uuid,omitempty"` // AMD (human/machine) events
	ConversationUUID string     `json:"conversation_uuid,omitempty"`
	From             string     `json:"from,omitempty"`
	To               string     `json:"to,omitempty"`
	Direction        string     `json:"direction,omitempty"`
	Timestamp        time.Time  `json:"timestamp,omitzero"`
	StartTime        time.Time  `json:"start_time,omitzero"`
	EndTime          time.Time  `json:"end_time,omitzero"`
	Duration         FlexNumber `json:"duration,omitzero"`
	Rate             FlexNumber `json:"rate,omitzero"`
	Price            FlexNumber `json:"price,omitzero"`
	Network          string     `json:"network,omitempty"`
	// Record events.
	RecordingURL  string     `json:"recording_url,omitempty"`
	RecordingUUID string     `json:"recording_uuid,omitempty"`
	Size          FlexNumber `json:"size,omitzero"`
	// Input events.
	DTMF   *DTMF   `json:"dtmf,omitempty"`
	Speech *Speech `json:"speech,omitempty"`
	// Transfer events.
	ConversationUUIDFrom string `json:"conversation_uuid_from,omitempty"`
	ConversationUUIDTo   string `json:"conversation_uuid_to,omitempty"`
	// Fallback and error.
	Reason          string           `json:"reason,omitempty"`
	OriginalRequest *OriginalRequest `json:"original_request,omitempty"`
	// SipHeaders holds SipHeader_X-Name fields by header name ("X-Name").
	SipHeaders map[string]string `json:"sip_headers,omitempty"`
	// Extra holds every field the model does not know, as received.
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
	// Problems lists fields that were present but unreadable.
	Problems []string `json:"problems,omitempty"`
}

// HookphoneCallIDField is the answer-webhook field carrying the X-Hookphone-Call-Id
// header Hookphone puts on its INVITEs, which ties a webhook to a SIP call.
const HookphoneCallIDField = "SipHeader_X-Hookphone-Call-Id"

// HookphoneCallID returns the correlation id from SipHeader_X-Hookphone-Call-Id.
func (e Event) HookphoneCallID() string { return e.SipHeaders["X-Hookphone-Call-Id"] }

// CallKey is the leg id that groups events of one call: uuid, or call_uuid
// for answering-machine events.
func (e Event) CallKey() string {
	if e.UUID != "" {
		return e.UUID
	}
	return e.CallUUID
}

// Name says what the webhook is: "answer", "fallback", a call status
// ("started", "completed", …), "record", "input", "transfer", "error" or "unknown".
func (e Event) Name() string {
	switch {
	case e.Kind == KindFallback:
		return "fallback"
	case e.Status != "":
		return e.Status
	case e.Kind == KindAnswer:
		return "answer"
	case e.RecordingURL != "":
		return "record"
	case e.DTMF != nil || e.Speech != nil:
		return "input"
	case e.ConversationUUIDFrom != "" || e.ConversationUUIDTo != "":
		return "transfer"
	case e.Reason != "":
		return "error"
	case e.Kind == KindOther && e.UUID != "" && e.ConversationUUID != "" && e.From != "" && e.To != "":
		return "answer"
	}
	return "unknown"
}

// ParseEvent reads a webhook payload: the JSON body, or the query parameters
// when there is no body (GET webhooks), or a form body. Fields it cannot read
// are listed in Problems; it fails only when the payload is not an object.
func ParseEvent(kind Kind, rawQuery, contentType string, body []byte) (Event, error) {
	e := Event{Kind: kind}
	fields := map[string]json.RawMessage{}
	addParams := func(ps []queryParam) {
		for _, p := range ps {
			b, _ := json.Marshal(p.value)
			fields[p.name] = b
		}
	}
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		addParams(parseOrderedQuery(rawQuery))
	case isFormContentType(contentType):
		addParams(parseOrderedQuery(string(body)))
	default:
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&fields); err != nil {
			return e, fmt.Errorf("parse webhook body: not a JSON object: %w", err)
		}
		// Query parameters on a POST are kept as extra fields.
		for _, p := range parseOrderedQuery(rawQuery) {
			if _, dup := fields[p.name]; !dup {
				b, _ := json.Marshal(p.value)
				fields[p.name] = b
			}
		}
	}
	str := func(k string, dst *string) {
		if raw, ok := fields[k]; ok {
			delete(fields, k)
			if err := json.Unmarshal(raw, dst); err != nil {
				// A number or other scalar where a string was expected: keep its text.
				*dst = strings.Trim(string(raw), `"`)
			}
		}
	}
	num := func(k string, dst *FlexNumber) {
		if raw, ok := fields[k]; ok {
			delete(fields, k)
			if err := json.Unmarshal(raw, dst); err != nil {
				e.Problems = append(e.Problems, fmt.Sprintf("%s: %v", k, err))
			}
		}
	}
	ts := func(k string, dst *time.Time) {
		var s string
		if _, ok := fields[k]; !ok {
			return
		}
		str(k, &s)
		if s == "" {
			return
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t, err = time.Parse("2006-01-02 15:04:05", s)
		}
		if err != nil {
			e.Problems = append(e.Problems, fmt.Sprintf("%s: %q is not an ISO 8601 time", k, s))
			return
		}
		*dst = t
	}
	obj := func(k string, dst any) {
		if raw, ok := fields[k]; ok {
			delete(fields, k)
			if err := json.Unmarshal(raw, dst); err != nil {
				e.Problems = append(e.Problems, fmt.Sprintf("%s: %v", k, err))
			}
		}
	}
	str("status", &e.Status)
	str("uuid", &e.UUID)
	str("call_uuid", &e.CallUUID)
	str("conversation_uuid", &e.ConversationUUID)
	str("from", &e.From)
	str("to", &e.To)
	str("direction", &e.Direction)
	ts("timestamp", &e.Timestamp)
	ts("start_time", &e.StartTime)
	ts("end_time", &e.EndTime)
	num("duration", &e.Duration)
	num("rate", &e.Rate)
	num("price", &e.Price)
	str("network", &e.Network)
	str("recording_url", &e.RecordingURL)
	str("recording_uuid", &e.RecordingUUID)
	num("size", &e.Size)
	str("conversation_uuid_from", &e.ConversationUUIDFrom)
	str("conversation_uuid_to", &e.ConversationUUIDTo)
	str("reason", &e.Reason)
	if _, ok := fields["dtmf"]; ok {
		e.DTMF = &DTMF{}
		obj("dtmf", e.DTMF)
	}
	if _, ok := fields["speech"]; ok {
		e.Speech = &Speech{}
		obj("speech", e.Speech)
	}
	if _, ok := fields["original_request"]; ok {
		e.OriginalRequest = &OriginalRequest{}
		obj("original_request", e.OriginalRequest)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if name, ok := strings.CutPrefix(k, "SipHeader_"); ok {
			var v string
			str(k, &v)
			if e.SipHeaders == nil {
				e.SipHeaders = map[string]string{}
			}
			e.SipHeaders[name] = v
		}
	}
	if len(fields) > 0 {
		e.Extra = fields
	}
	return e, nil
}
