package sip

import (
	"sync"
	"time"

	"github.com/hookphone/hookphone/media"
)

// CallEventKind says what a CallEvent reports.
type CallEventKind int

const (
	// EventUnknown is the zero value.
	EventUnknown CallEventKind = iota
	// EventState: the call changed state (State, and Status/Reason when it ended).
	EventState
	// EventStats: a periodic snapshot of the media statistics (Stats).
	EventStats
	// EventSecurity: the signalling and media security became known or changed (Security).
	EventSecurity
	// EventDTMF: the far end sent an RFC 4733 digit (Digit).
	EventDTMF
	// EventTransfer: a transfer progressed (Reason; NewCall when the far end
	// transferred us and we placed the new call).
	EventTransfer
	// EventProgress: a provisional response arrived (Status, Reason).
	EventProgress
)

// String names the kind.
func (k CallEventKind) String() string {
	switch k {
	case EventState:
		return "state"
	case EventStats:
		return "stats"
	case EventSecurity:
		return "security"
	case EventDTMF:
		return "dtmf"
	case EventTransfer:
		return "transfer"
	case EventProgress:
		return "progress"
	default:
		return "unknown"
	}
}

// MarshalText makes the kind a JSON string.
func (k CallEventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// CallEvent is one item of a call's event stream.
type CallEvent struct {
	Kind     CallEventKind `json:"kind"`
	Time     time.Time     `json:"time"`
	State    CallState     `json:"state,omitempty"`
	Status   int           `json:"sip_status,omitempty"`
	Reason   string        `json:"reason,omitempty"`
	Digit    string        `json:"digit,omitempty"`
	Stats    *media.Stats  `json:"stats,omitempty"`
	Security *Security     `json:"security,omitempty"`
	// NewCall is the call placed when the far end transferred us (REFER).
	NewCall *Call `json:"-"`
}

// Security is what protects a call: the TLS of the signalling flow and the
// negotiated SRTP suite of the media.
type Security struct {
	// Transport is the signalling transport ("TLS").
	Transport string `json:"transport"`
	// TLSVersion ("TLS 1.3") and TLSCipher (Go's cipher suite name) of the flow.
	TLSVersion string `json:"tls_version"`
	TLSCipher  string `json:"tls_cipher"`
	// PeerCertSHA256 is the fingerprint of the server's leaf certificate.
	PeerCertSHA256 string `json:"peer_cert_sha256,omitempty"`
	// SRTP is true when media is SRTP; SRTPSuite names the SDES suite.
	SRTP      bool   `json:"srtp"`
	SRTPSuite string `json:"srtp_suite"`
	// Codec is the negotiated audio codec ("PCMU").
	Codec string `json:"codec"`
}

// securityFromFlow fills the signalling half of Security.
func securityFromFlow(ci ConnInfo, ok bool) Security {
	s := Security{Transport: "TLS"}
	if !ok {
		return s
	}
	s.TLSVersion = ci.Version
	s.TLSCipher = ci.CipherSuite
	s.PeerCertSHA256 = ci.ServerCertSHA256()
	return s
}

// eventHub fans a call's events out to subscribers. A subscriber that does
// not keep up loses events (counted), never blocks the call; channels are
// closed when the call ends.
type eventHub struct {
	mu      sync.Mutex
	subs    map[chan CallEvent]struct{}
	closed  bool
	dropped int
}

func (h *eventHub) subscribe(buf int) (<-chan CallEvent, func()) {
	if buf <= 0 {
		buf = 64
	}
	ch := make(chan CallEvent, buf)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(ch)
		return ch, func() {}
	}
	if h.subs == nil {
		h.subs = map[chan CallEvent]struct{}{}
	}
	h.subs[ch] = struct{}{}
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
	}
}

func (h *eventHub) publish(ev CallEvent) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- ev:
		default:
			h.dropped++
		}
	}
}

func (h *eventHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for ch := range h.subs {
		close(ch)
	}
	h.subs = nil
}
