package webhookinspector

import (
	"fmt"
	"net/http"
	"time"
)

// Header is one header line as it arrived: name in its original case.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Kind says which webhook URL a request came to.
type Kind int

// Webhook URL kinds (SPEC §3).
const (
	KindOther    Kind = iota // a path not configured as answer/event/fallback
	KindAnswer               // answer_url: returns an NCCO
	KindEvent                // event_url
	KindFallback             // fallback_answer_url
)

var kindNames = [...]string{"other", "answer", "event", "fallback"}

// String returns "other", "answer", "event" or "fallback".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// ParseKind reads a kind name as printed by String.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), nil
		}
	}
	return KindOther, fmt.Errorf("unknown webhook kind %q (want answer, event, fallback or other)", s)
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind name.
func (k *Kind) UnmarshalText(b []byte) error {
	p, err := ParseKind(string(b))
	*k = p
	return err
}

// Response is what the sender got back: the configured answer, or the
// forward target's response.
type Response struct {
	Status   int           `json:"status"`
	Headers  []Header      `json:"headers,omitempty"`
	Body     []byte        `json:"body,omitempty"`
	Duration time.Duration `json:"duration_ns,omitempty"`
}

// Capture is one request exactly as received, with what the inspector made
// of it and what was answered.
type Capture struct {
	ID         int64     `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	RemoteAddr string    `json:"remote_addr"`
	TLS        bool      `json:"tls"`
	Method     string    `json:"method"`
	// Target is the request-target as on the wire (path and query).
	Target   string `json:"target"`
	Path     string `json:"path"`
	RawQuery string `json:"raw_query"`
	Proto    string `json:"proto"`
	Host     string `json:"host"`
	// Headers are in the order and case they arrived in.
	Headers []Header `json:"headers"`
	// RawHead is the request line and headers byte for byte, when the
	// listener recorded them (always, for the capture server).
	RawHead []byte `json:"-"`
	// Body is the body as received (de-chunked), at most the body cap.
	Body []byte `json:"-"`
	// BodySize is the size received or declared; above len(Body) when the
	// body was over the cap (then BodyTruncated is set and 413 answered).
	BodySize      int64 `json:"body_size"`
	BodyTruncated bool  `json:"body_truncated"`

	Kind   Kind   `json:"kind"`
	Result Result `json:"result"`
	// Event is the parsed webhook payload (status, uuid, …).
	Event Event `json:"event"`

	Response     Response `json:"response"`
	ForwardURL   string   `json:"forward_url,omitempty"`
	ForwardError string   `json:"forward_error,omitempty"`
	// NCCOErrors are validation problems of the NCCO answered (configured
	// or returned by the forward target).
	NCCOErrors []string `json:"ncco_errors,omitempty"`
}

// Header returns the first value of the named header (case-insensitive).
func (c *Capture) Header(name string) (string, bool) {
	for _, h := range c.Headers {
		if http.CanonicalHeaderKey(h.Name) == http.CanonicalHeaderKey(name) {
			return h.Value, true
		}
	}
	return "", false
}

// VerifyRequest returns what verification looks at in this capture.
func (c *Capture) VerifyRequest() Request {
	auth, has := c.Header("Authorization")
	ct, _ := c.Header("Content-Type")
	return Request{Method: c.Method, Authorization: auth, HasAuthorization: has, RawQuery: c.RawQuery, ContentType: ct, Body: c.Body}
}

// BodySHA256 is the lowercase hex SHA-256 of the stored body.
func (c *Capture) BodySHA256() string { return sha256Hex(c.Body) }

// Summary is a capture without its bytes: what lists show.
type Summary struct {
	ID               int64     `json:"id"`
	ReceivedAt       time.Time `json:"received_at"`
	Method           string    `json:"method"`
	Path             string    `json:"path"`
	Kind             Kind      `json:"kind"`
	Verdict          Verdict   `json:"verdict"`
	Reason           string    `json:"reason"`
	Event            string    `json:"event"`
	UUID             string    `json:"uuid"`
	ConversationUUID string    `json:"conversation_uuid,omitempty"`
	CallID           string    `json:"call_id,omitempty"`
	EventTime        time.Time `json:"event_time,omitzero"`
	Status           int       `json:"status"`
	BodySHA256       string    `json:"body_sha256"`
	BodySize         int64     `json:"body_size"`
	// ForwardError and NCCOErrors say what went wrong with the answer
	// (forward target down, invalid NCCO returned).
	ForwardError string   `json:"forward_error,omitempty"`
	NCCOErrors   []string `json:"ncco_errors,omitempty"`
}

// Summary returns the capture's list row.
func (c *Capture) Summary() Summary {
	return Summary{
		ID: c.ID, ReceivedAt: c.ReceivedAt, Method: c.Method, Path: c.Path, Kind: c.Kind,
		Verdict: c.Result.Verdict, Reason: c.Result.Reason, Event: c.Event.Name(), UUID: c.Event.CallKey(),
		ConversationUUID: c.Event.ConversationUUID, CallID: c.Event.HookphoneCallID(), EventTime: c.Event.Timestamp,
		Status: c.Response.Status, BodySHA256: c.BodySHA256(), BodySize: c.BodySize,
		ForwardError: c.ForwardError, NCCOErrors: c.NCCOErrors,
	}
}
