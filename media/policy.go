package media

import (
	"fmt"
	"strings"
)

// Policy says how a session treats SRTP during offer/answer.
type Policy int

const (
	// PolicyUnknown is the zero value; [Config] treats it as [PolicyMandatory].
	PolicyUnknown Policy = iota
	// PolicyMandatory offers RTP/SAVP with a=crypto lines and never falls back
	// to plain RTP: an offer or answer without an acceptable crypto line fails
	// with a [*NegotiationError] carrying SIP status 488.
	PolicyMandatory
	// PolicyOptional offers crypto on an RTP/AVP m-line (best effort) and
	// accepts either SRTP or plain RTP.
	PolicyOptional
	// PolicyOff offers and accepts plain RTP/AVP only.
	PolicyOff
)

// String returns the policy's name as used by the --srtp flag.
func (p Policy) String() string {
	switch p {
	case PolicyMandatory:
		return "mandatory"
	case PolicyOptional:
		return "optional"
	case PolicyOff:
		return "off"
	default:
		return "unknown"
	}
}

// ParsePolicy parses "mandatory", "optional" or "off".
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "mandatory":
		return PolicyMandatory, nil
	case "optional":
		return PolicyOptional, nil
	case "off":
		return PolicyOff, nil
	}
	return PolicyUnknown, fmt.Errorf("srtp policy %q: want mandatory, optional or off", s)
}
