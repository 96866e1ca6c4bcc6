package audiofile

import (
	"fmt"
	"strings"
	"time"
)

// Format is the container/codec family of an audio file.
type Format int

// The formats this package knows.
const (
	FormatUnknown Format = iota // not recognised
	FormatWAV                   // RIFF/WAVE
	FormatMP3                   // MPEG audio Layer III
)

// String returns "wav", "mp3" or "unknown" (the names used in JSON output).
func (f Format) String() string {
	switch f {
	case FormatWAV:
		return "wav"
	case FormatMP3:
		return "mp3"
	default:
		return "unknown"
	}
}

// ParseFormat is the inverse of [Format.String]; unknown names give FormatUnknown.
func ParseFormat(s string) Format {
	switch strings.ToLower(s) {
	case "wav":
		return FormatWAV
	case "mp3":
		return FormatMP3
	default:
		return FormatUnknown
	}
}

// Encoding is how samples are stored inside a WAV file.
type Encoding int

// WAV sample encodings (format tags from the RIFF WAVE specification).
const (
	EncodingUnknown Encoding = iota // not a WAV, or not recognised
	EncodingPCM                     // integer linear PCM (tag 1)
	EncodingFloat                   // IEEE float (tag 3)
	EncodingALaw                    // G.711 A-law (tag 6), recognised but not decoded
	EncodingMuLaw                   // G.711 µ-law (tag 7), recognised but not decoded
	EncodingMPEG                    // MPEG audio (an MP3 file)
)

// String names the encoding for reports.
func (e Encoding) String() string {
	switch e {
	case EncodingPCM:
		return "pcm"
	case EncodingFloat:
		return "float"
	case EncodingALaw:
		return "alaw"
	case EncodingMuLaw:
		return "mulaw"
	case EncodingMPEG:
		return "mpeg"
	default:
		return "unknown"
	}
}

// Info describes an audio file as [Probe] or [NewReader] found it.
type Info struct {
	Format     Format
	Encoding   Encoding
	SampleRate int // samples per second per channel
	Channels   int // 1 mono, 2 stereo, …
	// BitDepth is the stored bits per sample for WAV (8, 16, 24, 32). For MP3
	// it is 0: MP3 has no bit depth; it decodes to 16-bit PCM.
	BitDepth int
	// Frames is the number of sample frames (samples per channel); -1 when
	// unknown.
	Frames int64
	// Duration is Frames / SampleRate (0 when Frames is unknown).
	Duration time.Duration
	// BitrateKbps is the bitrate of an MP3's first frame (0 for WAV).
	BitrateKbps int
	// MPEGVersion is "1", "2" or "2.5" for MP3, "" for WAV.
	MPEGVersion string
	// DataOffset and DataBytes locate the sample data inside the file (the
	// WAV data chunk, or the MP3 frames after any ID3v2 tag).
	DataOffset, DataBytes int64
}

// StreamAccepted says whether the voice platform's NCCO `stream` action takes
// this file, and if not, why (SPEC §4.1: "an MP3 or WAV (16-bit) file").
func (i Info) StreamAccepted() (ok bool, why string) {
	switch i.Format {
	case FormatMP3:
		return true, "MP3 is accepted by the stream action"
	case FormatWAV:
		if i.Encoding == EncodingPCM && i.BitDepth == 16 {
			return true, "16-bit PCM WAV is accepted by the stream action"
		}
		return false, fmt.Sprintf("the stream action wants 16-bit PCM WAV or MP3; this WAV is %d-bit %s", i.BitDepth, i.Encoding)
	default:
		return false, "the stream action plays only MP3 or 16-bit WAV files"
	}
}

// String summarises the file in one line, e.g. "wav pcm 16-bit 8000 Hz mono 2.50 s".
func (i Info) String() string {
	ch := fmt.Sprintf("%d channels", i.Channels)
	switch i.Channels {
	case 1:
		ch = "mono"
	case 2:
		ch = "stereo"
	}
	var b strings.Builder
	b.WriteString(i.Format.String())
	switch i.Format {
	case FormatWAV:
		fmt.Fprintf(&b, " %s %d-bit", i.Encoding, i.BitDepth)
	case FormatMP3:
		fmt.Fprintf(&b, " MPEG-%s %d kbps", i.MPEGVersion, i.BitrateKbps)
	}
	fmt.Fprintf(&b, " %d Hz %s", i.SampleRate, ch)
	if i.Frames >= 0 {
		fmt.Fprintf(&b, " %.2f s", i.Duration.Seconds())
	}
	return b.String()
}

func framesDuration(frames int64, rate int) time.Duration {
	if frames < 0 || rate <= 0 {
		return 0
	}
	sec := frames / int64(rate)
	rem := frames % int64(rate)
	return time.Duration(sec)*time.Second + time.Duration(rem)*time.Second/time.Duration(rate)
}
