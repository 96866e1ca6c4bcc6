package media

import (
	"errors"
	"fmt"
)

var (
	// ErrUnknownSuite is wrapped when an a=crypto line names a suite we do
	// not implement.
	ErrUnknownSuite = errors.New("unknown crypto suite")
	// ErrClosed is returned by methods called after [Session.Close].
	ErrClosed = errors.New("media session closed")
	// ErrNotNegotiated is returned by [Session.Start] and friends before an
	// offer/answer exchange has completed.
	ErrNotNegotiated = errors.New("media not negotiated yet")
	// ErrDTMFNotNegotiated is returned by [Session.SendDTMF] when the peer
	// did not accept telephone-event.
	ErrDTMFNotNegotiated = errors.New("telephone-event not negotiated")
	// ErrAlreadyStarted is returned by a second [Session.Start].
	ErrAlreadyStarted = errors.New("media session already started")
)

// NegotiationError is an offer/answer failure the signalling layer must turn
// into a SIP final response: Status (488 Not Acceptable Here) plus a Warning
// header (RFC 3261 §20.43) with WarningCode and the human-readable Warning.
type NegotiationError struct {
	// Status is the SIP status code to answer with (488).
	Status int
	// WarningCode is the RFC 3261 warn-code (305 incompatible media format,
	// 304 media type not available).
	WarningCode int
	// Warning says why, for the Warning header and the user.
	Warning string
}

// Error implements error.
func (e *NegotiationError) Error() string {
	return fmt.Sprintf("sdp negotiation: %d: %s", e.Status, e.Warning)
}

func notAcceptable(code int, format string, args ...any) *NegotiationError {
	return &NegotiationError{Status: 488, WarningCode: code, Warning: fmt.Sprintf(format, args...)}
}
