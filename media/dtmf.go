package media

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// RFC 4733 telephone-events: payload format (§2.3), sender rules (§2.5.1)
// and receiver rules (§2.5.2).

const (
	dtmfVolume      = 10 // −10 dBm0, a typical DTMF level (RFC 4733 §2.3.4)
	dtmfEndRepeats  = 3  // §2.5.1.4: the final packet is sent three times
	maxDTMFDuration = 8 * time.Second
	minDTMFDuration = 40 * time.Millisecond
	// dtmfGap is the pause between digits of one SendDTMF call.
	dtmfGap = 60 * time.Millisecond
)

// telephoneEvent is the 4-byte event payload:
//
//	 0                   1                   2                   3
//	|     event     |E|R| volume    |          duration             |
type telephoneEvent struct {
	Event    uint8
	End      bool
	Volume   uint8
	Duration uint16
}

var errShortEvent = errors.New("telephone-event payload shorter than 4 bytes")

// parseTelephoneEvent reads the first event block of a payload (a packet may
// carry redundant blocks after it, RFC 4733 §2.4.2, which we ignore).
func parseTelephoneEvent(b []byte) (telephoneEvent, error) {
	if len(b) < 4 {
		return telephoneEvent{}, fmt.Errorf("%w (%d bytes)", errShortEvent, len(b))
	}
	return telephoneEvent{
		Event:    b[0],
		End:      b[1]&0x80 != 0,
		Volume:   b[1] & 0x3f,
		Duration: uint16(b[2])<<8 | uint16(b[3]),
	}, nil
}

func (e telephoneEvent) marshal(dst []byte) []byte {
	b1 := e.Volume & 0x3f
	if e.End {
		b1 |= 0x80
	}
	return append(dst, e.Event, b1, byte(e.Duration>>8), byte(e.Duration))
}

// dtmfCode maps a digit to its event code (RFC 4733 §3.2 table 3).
func dtmfCode(r rune) (uint8, bool) {
	switch {
	case r >= '0' && r <= '9':
		return uint8(r - '0'), true
	case r == '*':
		return 10, true
	case r == '#':
		return 11, true
	case r >= 'A' && r <= 'D':
		return uint8(12 + r - 'A'), true
	case r >= 'a' && r <= 'd':
		return uint8(12 + r - 'a'), true
	}
	return 0, false
}

// dtmfDigit is the reverse of dtmfCode; 16 is hook flash.
func dtmfDigit(code uint8) string {
	switch {
	case code <= 9:
		return string(rune('0' + code))
	case code == 10:
		return "*"
	case code == 11:
		return "#"
	case code <= 15:
		return string(rune('A' + code - 12))
	case code == 16:
		return "flash"
	}
	return fmt.Sprintf("event-%d", code)
}

// parseDigits validates a digit string for SendDTMF.
func parseDigits(digits string) ([]uint8, error) {
	if digits == "" {
		return nil, errors.New("dtmf: no digits")
	}
	var codes []uint8
	for _, r := range digits {
		c, ok := dtmfCode(r)
		if !ok {
			return nil, fmt.Errorf("dtmf digit %q: want 0-9, *, #, A-D", r)
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// dtmfPacket is one RTP packet of an event.
type dtmfPacket struct {
	Marker bool
	Event  telephoneEvent
}

// dtmfSchedule lays out one event as one packet per frame tick: the first
// carries the marker, each update the duration so far, and the end packet
// goes out three times (RFC 4733 §2.5.1.2–§2.5.1.4). total and frame are in
// timestamp units; total must fit 16 bits (callers cap it).
func dtmfSchedule(code uint8, total, frame int) []dtmfPacket {
	var out []dtmfPacket
	for d := frame; d < total; d += frame {
		out = append(out, dtmfPacket{Marker: d == frame, Event: telephoneEvent{Event: code, Volume: dtmfVolume, Duration: uint16(d)}})
	}
	for i := range dtmfEndRepeats {
		out = append(out, dtmfPacket{Marker: len(out) == 0 && i == 0,
			Event: telephoneEvent{Event: code, End: true, Volume: dtmfVolume, Duration: uint16(total)}})
	}
	return out
}

// dtmfReceiver turns received event packets into one report per event:
// packets of one event share their RTP timestamp, and the end is reported
// once however many end packets arrive.
type dtmfReceiver struct {
	active   bool
	ts       uint32
	reported bool
	last     telephoneEvent
	pt       uint8
}

// receivedDTMF is one finished event.
type receivedDTMF struct {
	Digit    string
	Duration uint16
	PT       uint8
}

// push takes one packet and returns the events it completes (at most two:
// an earlier event whose end packets were all lost, then this one).
func (r *dtmfReceiver) push(ts uint32, pt uint8, ev telephoneEvent) []receivedDTMF {
	var out []receivedDTMF
	if r.active && ts != r.ts {
		if !r.reported && tsDiff(ts, r.ts) > 0 {
			out = append(out, receivedDTMF{Digit: dtmfDigit(r.last.Event), Duration: r.last.Duration, PT: r.pt})
		}
		if tsDiff(ts, r.ts) < 0 {
			return out // a stray packet of an older event
		}
		r.active = false
	}
	if !r.active {
		r.active, r.ts, r.reported = true, ts, false
	}
	r.last, r.pt = ev, pt
	if ev.End && !r.reported {
		r.reported = true
		out = append(out, receivedDTMF{Digit: dtmfDigit(ev.Event), Duration: ev.Duration, PT: pt})
	}
	return out
}

// digitsString is for log lines.
func digitsString(codes []uint8) string {
	var b strings.Builder
	for _, c := range codes {
		b.WriteString(dtmfDigit(c))
	}
	return b.String()
}
