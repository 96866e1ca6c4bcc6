package media

import "fmt"

// Direction is an SDP media direction attribute (RFC 3264 §5.1, §6.1), seen
// from the side that writes it.
type Direction int

const (
	// DirectionUnknown is the zero value; it is read as sendrecv.
	DirectionUnknown Direction = iota
	// DirectionSendRecv sends and receives media.
	DirectionSendRecv
	// DirectionSendOnly sends media only (the holder's side of a hold).
	DirectionSendOnly
	// DirectionRecvOnly receives media only (the held side).
	DirectionRecvOnly
	// DirectionInactive neither sends nor receives.
	DirectionInactive
)

// String returns the SDP attribute name.
func (d Direction) String() string {
	switch d {
	case DirectionSendRecv, DirectionUnknown:
		return "sendrecv"
	case DirectionSendOnly:
		return "sendonly"
	case DirectionRecvOnly:
		return "recvonly"
	case DirectionInactive:
		return "inactive"
	}
	return fmt.Sprintf("direction(%d)", int(d))
}

// ParseDirection parses an SDP direction attribute name.
func ParseDirection(s string) (Direction, error) {
	switch s {
	case "sendrecv":
		return DirectionSendRecv, nil
	case "sendonly":
		return DirectionSendOnly, nil
	case "recvonly":
		return DirectionRecvOnly, nil
	case "inactive":
		return DirectionInactive, nil
	}
	return DirectionUnknown, fmt.Errorf("direction %q: want sendrecv, sendonly, recvonly or inactive", s)
}

// Sends reports whether media flows out of the side that holds d.
func (d Direction) Sends() bool {
	return d == DirectionSendRecv || d == DirectionSendOnly || d == DirectionUnknown
}

// Receives reports whether media flows in to the side that holds d.
func (d Direction) Receives() bool {
	return d == DirectionSendRecv || d == DirectionRecvOnly || d == DirectionUnknown
}

// Reverse gives the direction as seen from the other side: sendonly
// becomes recvonly and the reverse; sendrecv and inactive stay.
func (d Direction) Reverse() Direction {
	return directionOf(d.Receives(), d.Sends())
}

// intersect is the direction allowed by both a (ours) and b (ours as
// permitted by the peer).
func (d Direction) intersect(b Direction) Direction {
	return directionOf(d.Sends() && b.Sends(), d.Receives() && b.Receives())
}

func directionOf(send, recv bool) Direction {
	switch {
	case send && recv:
		return DirectionSendRecv
	case send:
		return DirectionSendOnly
	case recv:
		return DirectionRecvOnly
	}
	return DirectionInactive
}
