package sip

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Direction says whether a traced message was sent or received.
type Direction int

const (
	// DirUnknown is the zero value.
	DirUnknown Direction = iota
	// DirSent is a message Hookphone wrote.
	DirSent
	// DirReceived is a message Hookphone read.
	DirReceived
)

// String returns "sent" or "received".
func (d Direction) String() string {
	switch d {
	case DirSent:
		return "sent"
	case DirReceived:
		return "received"
	default:
		return "unknown"
	}
}

// Arrow returns "→" for sent and "←" for received (for text exports).
func (d Direction) Arrow() string {
	if d == DirSent {
		return "→"
	}
	return "←"
}

// TraceMessage is one SIP message as it crossed the wire.
type TraceMessage struct {
	// Seq orders messages within a Trace (assigned by Add).
	Seq uint64
	// Time is when the message was read or written.
	Time time.Time
	// Dir is sent or received.
	Dir Direction
	// Transport is "TLS".
	Transport string
	// Local and Remote are the flow's addresses.
	Local, Remote string
	// CallID groups messages (a registration's REGISTERs share one).
	CallID string
	// Summary is the start line: "REGISTER sip:…" or "SIP/2.0 200 OK".
	Summary string
	// CSeq is the CSeq header value.
	CSeq string
	raw  []byte
}

// NewTraceMessage builds a trace entry from raw wire bytes (copied).
func NewTraceMessage(t time.Time, dir Direction, transport, local, remote string, raw []byte) TraceMessage {
	m := TraceMessage{Time: t, Dir: dir, Transport: transport, Local: local, Remote: remote, raw: bytes.Clone(raw)}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	m.Summary = lines[0]
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "call-id", "i":
			m.CallID = strings.TrimSpace(value)
		case "cseq":
			m.CSeq = strings.TrimSpace(value)
		}
	}
	return m
}

// Raw returns the message exactly as on the wire, secrets included.
func (m TraceMessage) Raw() []byte { return m.raw }

// Text returns the message, with digest responses and SDES keys replaced by
// "<redacted>" unless reveal is true.
func (m TraceMessage) Text(reveal bool) string {
	if reveal {
		return string(m.raw)
	}
	return Redact(string(m.raw))
}

// Header returns the export heading of the message.
func (m TraceMessage) Header() string {
	from, to := m.Local, m.Remote
	if m.Dir == DirReceived {
		from, to = m.Remote, m.Local
	}
	return fmt.Sprintf("%s %s %s %s → %s", m.Time.UTC().Format("2006-01-02T15:04:05.000000Z"), m.Dir, m.Transport, from, to)
}

var (
	// Digest response= in Authorization / Proxy-Authorization (RFC 2617 §3.2.2).
	reDigestResponse = regexp.MustCompile(`(?i)(\bresponse\s*=\s*)("[^"]*"|[^\s,]+)`)
	// SDES key-params (RFC 4568 §9.1): inline:<base64 key||salt>[|lifetime][|MKI:len].
	reSDESInline = regexp.MustCompile(`(?i)(\binline:)([A-Za-z0-9+/=]+)`)
)

// Redact hides secrets in a SIP message: the digest response of
// Authorization and Proxy-Authorization headers and the master key of SDES
// a=crypto lines (lifetime and MKI are kept).
func Redact(msg string) string {
	var b strings.Builder
	for i, line := range strings.SplitAfter(msg, "\n") {
		_ = i
		low := strings.ToLower(line)
		switch {
		case strings.HasPrefix(low, "authorization:") || strings.HasPrefix(low, "proxy-authorization:"):
			line = reDigestResponse.ReplaceAllString(line, `${1}"<redacted>"`)
		case strings.HasPrefix(low, "a=crypto:"):
			line = reSDESInline.ReplaceAllString(line, `${1}<redacted>`)
		}
		b.WriteString(line)
	}
	return b.String()
}

// DefaultTraceLimit is how many messages a Trace keeps in memory.
const DefaultTraceLimit = 5000

// Trace records SIP messages in memory (the newest Limit of them) and passes
// each to its subscribers (the UI, a TraceStore). Safe for concurrent use.
type Trace struct {
	mu    sync.Mutex
	limit int
	ring  []TraceMessage
	start int // index of the oldest message in ring once full
	seq   uint64
	subs  map[int]func(TraceMessage)
	subID int
}

// NewTrace makes a trace keeping at most limit messages (≤0: DefaultTraceLimit).
func NewTrace(limit int) *Trace {
	if limit <= 0 {
		limit = DefaultTraceLimit
	}
	return &Trace{limit: limit, subs: map[int]func(TraceMessage){}}
}

// Add records a message (dropping the oldest beyond the limit) and notifies subscribers.
func (t *Trace) Add(m TraceMessage) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.seq++
	m.Seq = t.seq
	if len(t.ring) < t.limit {
		t.ring = append(t.ring, m)
	} else {
		t.ring[t.start] = m
		t.start = (t.start + 1) % t.limit
	}
	subs := make([]func(TraceMessage), 0, len(t.subs))
	for _, f := range t.subs {
		subs = append(subs, f)
	}
	t.mu.Unlock()
	for _, f := range subs {
		f(m)
	}
}

// Subscribe calls f with every message added from now on (from the adding
// goroutine: f must not block). The returned function unsubscribes.
func (t *Trace) Subscribe(f func(TraceMessage)) (cancel func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.subID++
	id := t.subID
	t.subs[id] = f
	return func() {
		t.mu.Lock()
		delete(t.subs, id)
		t.mu.Unlock()
	}
}

// Messages returns the kept messages, oldest first; with callID != "" only that call's.
func (t *Trace) Messages(callID string) []TraceMessage {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]TraceMessage, 0, len(t.ring))
	for i := range t.ring {
		m := t.ring[(t.start+i)%len(t.ring)]
		if callID == "" || m.CallID == callID {
			out = append(out, m)
		}
	}
	return out
}

// TraceGroup summarises the messages of one Call-ID.
type TraceGroup struct {
	CallID      string
	First, Last time.Time
	Count       int
	// Summary is the start line of the group's first message.
	Summary string
}

// Groups returns one entry per Call-ID, in order of first message.
func (t *Trace) Groups() []TraceGroup {
	msgs := t.Messages("")
	idx := map[string]int{}
	var out []TraceGroup
	for _, m := range msgs {
		i, ok := idx[m.CallID]
		if !ok {
			idx[m.CallID] = len(out)
			out = append(out, TraceGroup{CallID: m.CallID, First: m.Time, Summary: m.Summary})
			i = len(out) - 1
		}
		out[i].Last = m.Time
		out[i].Count++
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].First.Before(out[b].First) })
	return out
}

// Export writes messages as text (the format of `hookphone … --trace`): a
// heading line per message, then the message, redacted unless reveal.
func Export(w io.Writer, msgs []TraceMessage, reveal bool) error {
	for _, m := range msgs {
		text := m.Text(reveal)
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		if _, err := fmt.Fprintf(w, "=== %s\n%s\n", m.Header(), text); err != nil {
			return fmt.Errorf("export trace: %w", err)
		}
	}
	return nil
}
