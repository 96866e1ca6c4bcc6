package media

import (
	"fmt"
	"net/netip"
	"time"
)

// EventKind says what an [Event] reports.
type EventKind int

const (
	// EventUnknown is the zero value.
	EventUnknown EventKind = iota
	// EventDTMF is a received RFC 4733 digit (reported once, at its end).
	EventDTMF
	// EventNoMedia means nothing arrived for Config.NoMediaTimeout; Reason
	// is "no media". The session keeps running: ending the call is the
	// caller's decision.
	EventNoMedia
	// EventLatched means the first authenticated packet arrived, from Addr;
	// we now send there (symmetric RTP).
	EventLatched
	// EventMediaResumed means media arrived again after EventNoMedia.
	EventMediaResumed
)

// String returns a short lower-case name.
func (k EventKind) String() string {
	switch k {
	case EventDTMF:
		return "dtmf"
	case EventNoMedia:
		return "no-media"
	case EventLatched:
		return "latched"
	case EventMediaResumed:
		return "media-resumed"
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// ReasonNoMedia is the Reason of [EventNoMedia].
const ReasonNoMedia = "no media"

// Event is one thing the engine reports.
type Event struct {
	// Kind says what happened.
	Kind EventKind
	// Time is when the engine noticed.
	Time time.Time
	// Digit, Duration, PayloadType and NegotiatedPayloadType describe an
	// EventDTMF: PayloadType is what the packets carried, NegotiatedPayloadType
	// what SDP said (-1 if none); they differ for a misconfigured peer.
	Digit                 string
	Duration              time.Duration
	PayloadType           uint8
	NegotiatedPayloadType int
	// Reason explains EventNoMedia ("no media").
	Reason string
	// Addr is the latched source of EventLatched.
	Addr netip.AddrPort
}
