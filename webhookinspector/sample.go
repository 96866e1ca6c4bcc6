package webhookinspector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// SampleEvents are the webhooks "webhook send" can produce.
var SampleEvents = []string{"answer", "started", "ringing", "answered", "completed", "input", "record", "fallback"}

// Tamper is a deliberate fault put into a sample webhook.
type Tamper int

// Tamper kinds: each must make the verifier say invalid (or unsigned) for
// the reason named.
const (
	TamperNone      Tamper = iota // correctly signed
	TamperBody                    // body changed after signing → payload_hash
	TamperSignature               // signature bytes changed → signature
	TamperIAT                     // issued 20 minutes ago → iat
	TamperAlg                     // RS256 instead of HS256 → alg
	TamperReplay                  // the same signed request sent twice → jti
	TamperUnsigned                // no Authorization header → unsigned
)

var tamperNames = [...]string{"none", "body", "signature", "iat", "alg", "replay", "unsigned"}

// String returns the tamper kind's name.
func (t Tamper) String() string {
	if t < 0 || int(t) >= len(tamperNames) {
		return fmt.Sprintf("tamper(%d)", int(t))
	}
	return tamperNames[t]
}

// ParseTamper reads a tamper kind name ("" means none).
func ParseTamper(s string) (Tamper, error) {
	if s == "" {
		return TamperNone, nil
	}
	for i, n := range tamperNames {
		if n == s {
			return Tamper(i), nil
		}
	}
	return TamperNone, fmt.Errorf("unknown tamper kind %q (want body, signature, iat, alg, replay or unsigned)", s)
}

// SampleOptions describe a sample webhook.
type SampleOptions struct {
	Event         string // one of SampleEvents
	Secret        string // signature secret to sign with
	APIKey        string // api_key claim
	ApplicationID string // application_id claim
	Tamper        Tamper
	Now           time.Time
	// UUID and ConversationUUID identify the call; empty: fresh ones.
	UUID, ConversationUUID string
	// CallID goes into SipHeader_X-Hookphone-Call-Id on answer webhooks.
	CallID string
}

// SampleRequest is one request to send.
type SampleRequest struct {
	Method   string
	Path     string // default path of the webhook kind
	RawQuery string
	Headers  []Header
	Body     []byte
}

// BuildSample makes a realistic webhook (SPEC §3.4 field names) signed as the
// voice API signs it, with the requested fault. TamperReplay returns the same
// request twice.
func BuildSample(o SampleOptions) ([]SampleRequest, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.UUID == "" {
		o.UUID = uuid.NewString()
	}
	if o.ConversationUUID == "" {
		o.ConversationUUID = "CON-" + uuid.NewString()
	}
	ts := o.Now.UTC().Format("2006-01-02T15:04:05.000Z")
	common := func(extra ...any) []byte {
		fields := []orderedField{}
		for i := 0; i+1 < len(extra); i += 2 {
			fields = append(fields, orderedField{extra[i].(string), extra[i+1]})
		}
		var b bytes.Buffer
		stringifyJS(&b, fields)
		return b.Bytes()
	}
	from, to := "447700900001", "447700900000"
	req := SampleRequest{Method: http.MethodPost, Path: DefaultEventPath, Headers: []Header{{"Content-Type", "application/json"}}}
	switch o.Event {
	case "answer":
		q := url.Values{}
		params := [][2]string{{"to", to}, {"from", from}, {"uuid", o.UUID}, {"conversation_uuid", o.ConversationUUID}}
		if o.CallID != "" {
			params = append(params, [2]string{HookphoneCallIDField, o.CallID})
		}
		var parts []string
		for _, p := range params {
			q.Set(p[0], p[1])
			parts = append(parts, url.QueryEscape(p[0])+"="+url.QueryEscape(p[1]))
		}
		req = SampleRequest{Method: http.MethodGet, Path: DefaultAnswerPath, RawQuery: strings.Join(parts, "&")}
	case "started", "ringing", "answered":
		req.Body = common("from", from, "to", to, "uuid", o.UUID, "conversation_uuid", o.ConversationUUID,
			"status", o.Event, "direction", "inbound", "timestamp", ts)
		if o.Event == "answered" {
			req.Body = common("start_time", nil, "rate", nil, "from", from, "to", to, "uuid", o.UUID,
				"conversation_uuid", o.ConversationUUID, "status", "answered", "direction", "inbound", "network", nil, "timestamp", ts)
		}
	case "completed":
		start := o.Now.Add(-68 * time.Second).UTC().Format("2006-01-02T15:04:05.000Z")
		req.Body = common("start_time", start, "end_time", ts, "uuid", o.UUID, "network", "GB-FIXED", "duration", "68",
			"rate", "0.00450000", "price", "0.00510000", "from", from, "to", to, "conversation_uuid", o.ConversationUUID,
			"status", "completed", "direction", "inbound", "timestamp", ts)
	case "input":
		req.Body = common("speech", []orderedField{{"results", []any{}}}, "dtmf", []orderedField{{"digits", "42"}, {"timed_out", false}},
			"from", from, "to", to, "uuid", o.UUID, "conversation_uuid", o.ConversationUUID, "timestamp", ts)
	case "record":
		start := o.Now.Add(-30 * time.Second).UTC().Format("2006-01-02T15:04:05Z")
		req.Body = common("start_time", start, "recording_url", "https://api.nexmo.com/v1/files/"+uuid.NewString(),
			"size", json.Number("12222"), "recording_uuid", uuid.NewString(), "end_time", o.Now.UTC().Format("2006-01-02T15:04:05Z"),
			"conversation_uuid", o.ConversationUUID, "timestamp", ts)
	case "fallback":
		req.Path = DefaultFallbackPath
		req.Body = common("to", to, "from", from, "uuid", o.UUID, "conversation_uuid", o.ConversationUUID,
			"reason", "Connection refused", "original_request", []orderedField{{"url", "https://example.com/webhooks/answer"}, {"type", "answer_url"}})
	default:
		return nil, fmt.Errorf("unknown sample event %q (want one of %s)", o.Event, strings.Join(SampleEvents, ", "))
	}

	if o.Tamper != TamperUnsigned {
		vr := Request{Method: req.Method, RawQuery: req.RawQuery, Body: req.Body}
		form := FormRawBody
		if req.Method == http.MethodGet {
			form = FormQueryJSON
		}
		iat := o.Now
		if o.Tamper == TamperIAT {
			iat = o.Now.Add(-20 * time.Minute)
		}
		claims := NewClaims(iat, o.APIKey, o.ApplicationID, PayloadHash(vr, form))
		var tok string
		var err error
		if o.Tamper == TamperAlg {
			tok, err = SignRS256(claims)
		} else {
			tok, err = Sign(claims, o.Secret)
		}
		if err != nil {
			return nil, err
		}
		if o.Tamper == TamperSignature {
			// Flip bits in the middle of the signature: still 32 bytes of base64url.
			i := strings.LastIndexByte(tok, '.') + 10
			c := byte('A')
			if tok[i] == 'A' {
				c = 'B'
			}
			tok = tok[:i] + string(c) + tok[i+1:]
		}
		req.Headers = append([]Header{{"Authorization", "Bearer " + tok}}, req.Headers...)
	}
	if o.Tamper == TamperBody {
		if req.Method == http.MethodGet {
			req.RawQuery = strings.Replace(req.RawQuery, "from="+from, "from=447700900666", 1)
		} else {
			tampered := bytes.Replace(req.Body, []byte(from), []byte("447700900666"), 1)
			if bytes.Equal(tampered, req.Body) { // record events carry no from: change the conversation
				tampered = bytes.Replace(req.Body, []byte(o.ConversationUUID), []byte(o.ConversationUUID[:len(o.ConversationUUID)-1]+"X"), 1)
			}
			req.Body = tampered
		}
	}
	req.Headers = append(req.Headers, Header{"User-Agent", "Hookphone-sample/1"})
	if o.Tamper == TamperReplay {
		return []SampleRequest{req, req}, nil
	}
	return []SampleRequest{req}, nil
}

// SentSample is the outcome of sending one sample request.
type SentSample struct {
	URL       string `json:"url"`
	Method    string `json:"method"`
	Status    int    `json:"status"`
	CaptureID string `json:"capture_id,omitempty"` // X-Hookphone-Capture-Id when the receiver is an inspector
	Verdict   string `json:"verdict,omitempty"`    // X-Hookphone-Verdict when the receiver is an inspector
}

// SendSample sends r to base: base's path when it has one, else r's default
// path for its webhook kind.
func SendSample(ctx context.Context, client *http.Client, base *url.URL, r SampleRequest) (SentSample, error) {
	u := *base
	if u.Path == "" || u.Path == "/" {
		u.Path = r.Path
	}
	u.RawQuery = r.RawQuery
	var body *bytes.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	} else {
		body = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return SentSample{}, fmt.Errorf("build request: %w", err)
	}
	if r.Body == nil {
		req.Body = http.NoBody
	}
	for _, h := range r.Headers {
		req.Header.Add(h.Name, h.Value)
	}
	resp, err := client.Do(req)
	if err != nil {
		return SentSample{}, fmt.Errorf("send %s %s: %w", r.Method, u.Redacted(), err)
	}
	defer resp.Body.Close()
	var sink bytes.Buffer
	sink.ReadFrom(http.MaxBytesReader(nil, resp.Body, 1<<20))
	return SentSample{URL: u.String(), Method: r.Method, Status: resp.StatusCode,
		CaptureID: resp.Header.Get("X-Hookphone-Capture-Id"), Verdict: resp.Header.Get("X-Hookphone-Verdict")}, nil
}
