package audio

import (
	"fmt"
	"time"
)

// EventKind says what happened to a device stream.
type EventKind int

const (
	// EventUnknown is the zero value.
	EventUnknown EventKind = iota
	// EventOpened: a stream started on Device (Fallback set when it is the
	// default standing in for the missing Wanted device).
	EventOpened
	// EventDeviceLost: the stream on Device failed mid-call (unplugged, server
	// gone); Err says how. The stream is reopened on the default device.
	EventDeviceLost
	// EventOpenFailed: no device could be opened for Direction; retried every second.
	EventOpenFailed
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventOpened:
		return "opened"
	case EventDeviceLost:
		return "device-lost"
	case EventOpenFailed:
		return "open-failed"
	}
	return "unknown"
}

// Event reports a change of a stream's device, for the UI and the CLI.
type Event struct {
	Kind      EventKind `json:"kind"`
	Direction Direction `json:"direction"`
	// Device is the device concerned (opened, lost, or tried).
	Device string `json:"device"`
	// Wanted is the device the user chose ("" or "default": the default).
	Wanted string `json:"wanted,omitempty"`
	// Fallback is set when Device is the default standing in for Wanted.
	Fallback bool `json:"fallback,omitempty"`
	// Rate and Channels describe an opened stream.
	Rate     int `json:"rate,omitempty"`
	Channels int `json:"channels,omitempty"`
	// Latency is the device latency PortAudio reports for an opened stream.
	Latency time.Duration `json:"latency_ns,omitempty"`
	// Err is set for EventDeviceLost and EventOpenFailed.
	Err  error     `json:"-"`
	Time time.Time `json:"time"`
}

// String is a one-line message for a person.
func (e Event) String() string {
	switch e.Kind {
	case EventOpened:
		if e.Fallback {
			return fmt.Sprintf("%s device %q not found; using the default %q (%d Hz, %d ch)", e.Direction, e.Wanted, e.Device, e.Rate, e.Channels)
		}
		return fmt.Sprintf("%s on %q (%d Hz, %d ch, %.1f ms)", e.Direction, e.Device, e.Rate, e.Channels, float64(e.Latency.Microseconds())/1000)
	case EventDeviceLost:
		return fmt.Sprintf("%s device %q stopped working (%v); switching to the default device", e.Direction, e.Device, e.Err)
	case EventOpenFailed:
		return fmt.Sprintf("cannot open an %s device: %v; retrying", e.Direction, e.Err)
	}
	return "audio event"
}

// MarshalText makes Direction print as "input"/"output" in JSON.
func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// MarshalText makes EventKind print as its name in JSON.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }
