package sip

import "fmt"

// CallState is where a call is in its life (RFC 3261 §13 INVITE dialog, seen
// from the user's side).
type CallState int

const (
	// CallStateUnknown is the zero value.
	CallStateUnknown CallState = iota
	// CallStateCalling: our INVITE is out, no ringing yet.
	CallStateCalling
	// CallStateRinging: the far end rings (180), or an incoming call rings here.
	CallStateRinging
	// CallStateEarlyMedia: 183 with SDP; media flows before the answer.
	CallStateEarlyMedia
	// CallStateActive: answered (200/ACK), media both ways.
	CallStateActive
	// CallStateHeld: we put the call on hold (we send sendonly/inactive).
	CallStateHeld
	// CallStateRemoteHeld: the far end put us on hold.
	CallStateRemoteHeld
	// CallStateEnded: over; Info().Result says how.
	CallStateEnded
)

// String returns the state's lower-case name.
func (s CallState) String() string {
	switch s {
	case CallStateCalling:
		return "calling"
	case CallStateRinging:
		return "ringing"
	case CallStateEarlyMedia:
		return "early-media"
	case CallStateActive:
		return "active"
	case CallStateHeld:
		return "held"
	case CallStateRemoteHeld:
		return "remote-held"
	case CallStateEnded:
		return "ended"
	default:
		return "unknown"
	}
}

// MarshalText makes the state a JSON string.
func (s CallState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// CallResult is how a call ended, with the names of the `hookphone call`
// result object (DESIGN.md).
type CallResult int

const (
	// ResultNone: the call has not ended.
	ResultNone CallResult = iota
	// ResultAnswered: the call was answered (whatever ended it later).
	ResultAnswered
	// ResultBusy: 486 Busy Here or 600 Busy Everywhere.
	ResultBusy
	// ResultRejected: another final failure chosen by the far end or a proxy
	// (403, 404, 480, 488, 603, …).
	ResultRejected
	// ResultFailed: a transport, TLS, media or protocol failure.
	ResultFailed
	// ResultTimeout: no answer in time (our timer or 408).
	ResultTimeout
	// ResultCancelled: the caller gave up before the answer (CANCEL / 487).
	ResultCancelled
)

// String returns answered, busy, rejected, failed, timeout, cancelled or "" for none.
func (r CallResult) String() string {
	switch r {
	case ResultAnswered:
		return "answered"
	case ResultBusy:
		return "busy"
	case ResultRejected:
		return "rejected"
	case ResultFailed:
		return "failed"
	case ResultTimeout:
		return "timeout"
	case ResultCancelled:
		return "cancelled"
	default:
		return ""
	}
}

// MarshalText makes the result a JSON string.
func (r CallResult) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// ParseCallResult is the inverse of String.
func ParseCallResult(s string) (CallResult, error) {
	for r := ResultAnswered; r <= ResultCancelled; r++ {
		if r.String() == s {
			return r, nil
		}
	}
	return ResultNone, fmt.Errorf("call result %q: want answered, busy, rejected, failed, timeout or cancelled", s)
}

// resultForStatus maps a final non-2xx INVITE status to a result.
func resultForStatus(code int) CallResult {
	switch code {
	case 486, 600:
		return ResultBusy
	case 487:
		return ResultCancelled
	case 408:
		return ResultTimeout
	}
	if code >= 400 && code < 500 || code >= 600 {
		return ResultRejected
	}
	return ResultFailed
}

// CallDirection says who placed the call.
type CallDirection int

const (
	// DirectionUnknown is the zero value.
	DirectionUnknown CallDirection = iota
	// DirectionOutgoing: we sent the INVITE.
	DirectionOutgoing
	// DirectionIncoming: we received it.
	DirectionIncoming
)

// String returns "outgoing", "incoming" or "unknown".
func (d CallDirection) String() string {
	switch d {
	case DirectionOutgoing:
		return "outgoing"
	case DirectionIncoming:
		return "incoming"
	default:
		return "unknown"
	}
}

// MarshalText makes the direction a JSON string.
func (d CallDirection) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// reasonPhrase is the RFC 3261 §21 reason phrase of the codes call control sends.
func reasonPhrase(code int) string {
	switch code {
	case 180:
		return "Ringing"
	case 200:
		return "OK"
	case 202:
		return "Accepted"
	case 400:
		return "Bad Request"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 408:
		return "Request Timeout"
	case 480:
		return "Temporarily Unavailable"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 491:
		return "Request Pending"
	case 500:
		return "Server Internal Error"
	case 503:
		return "Service Unavailable"
	case 600:
		return "Busy Everywhere"
	case 603:
		return "Decline"
	}
	switch code / 100 {
	case 4:
		return "Request Failure"
	case 5:
		return "Server Failure"
	case 6:
		return "Global Failure"
	}
	return "Unknown"
}
