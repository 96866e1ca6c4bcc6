package media

import (
	"fmt"
	"strings"
)

// Codec is an audio codec the engine can encode and decode.
type Codec int

const (
	// CodecUnknown is the zero value: no codec.
	CodecUnknown Codec = iota
	// CodecPCMU is G.711 µ-law, static payload type 0 (RFC 3551).
	CodecPCMU
	// CodecPCMA is G.711 A-law, static payload type 8 (RFC 3551).
	CodecPCMA
)

// String returns the RTP encoding name ("PCMU", "PCMA").
func (c Codec) String() string {
	switch c {
	case CodecPCMU:
		return "PCMU"
	case CodecPCMA:
		return "PCMA"
	case CodecUnknown:
		return ""
	}
	return fmt.Sprintf("codec(%d)", int(c))
}

// ClockRate is the RTP clock rate in Hz (8000 for G.711).
func (c Codec) ClockRate() int { return 8000 }

// staticPT is the RFC 3551 static payload type.
func (c Codec) staticPT() uint8 {
	if c == CodecPCMA {
		return 8
	}
	return 0
}

// DefaultCodecs is the offer order used when [Config.Codecs] is empty.
func DefaultCodecs() []Codec { return []Codec{CodecPCMU, CodecPCMA} }

// ParseCodec parses an encoding name, case-insensitively (RFC 4566 §6).
func ParseCodec(name string) (Codec, error) {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case "PCMU":
		return CodecPCMU, nil
	case "PCMA":
		return CodecPCMA, nil
	}
	return CodecUnknown, fmt.Errorf("codec %q: want PCMU or PCMA", name)
}

// ParseCodecs parses a comma-separated list such as the --codecs flag.
func ParseCodecs(list string) ([]Codec, error) {
	var out []Codec
	for _, f := range strings.Split(list, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		c, err := ParseCodec(f)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("codecs %q: empty list", list)
	}
	return out, nil
}
