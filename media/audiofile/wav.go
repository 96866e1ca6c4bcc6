package audiofile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// WAV format tags (RIFF WAVE "fmt " chunk, wFormatTag).
const (
	wavTagPCM        = 0x0001
	wavTagFloat      = 0x0003
	wavTagALaw       = 0x0006
	wavTagMuLaw      = 0x0007
	wavTagExtensible = 0xFFFE
)

// unknownDataSize is the data-chunk size a streaming writer leaves in place
// until it knows the real one; readers take it as "until end of file".
const unknownDataSize = 0xFFFFFFFF

// maxFmtChunk bounds the "fmt " chunk we are willing to read into memory.
const maxFmtChunk = 4096

// ksDataFormatTail is bytes 2..15 of the KSDATAFORMAT_SUBTYPE_* GUIDs used by
// WAVE_FORMAT_EXTENSIBLE: the first two bytes carry the plain format tag.
var ksDataFormatTail = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// wavHeader is what the chunks before the sample data say.
type wavHeader struct {
	info       Info
	blockAlign int
	// dataSize is the declared size of the data chunk, or -1 when the
	// writer never filled it in (read until end of file).
	dataSize int64
}

// readWAVHeader reads RIFF/WAVE chunks from r up to the start of the sample
// data, skipping every chunk it does not need (LIST, fact, cue, …). It leaves
// r positioned at the first sample byte.
func readWAVHeader(r io.Reader) (wavHeader, error) {
	var h wavHeader
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return h, fmt.Errorf("wav: reading RIFF header: %w", truncatedIfEOF(err))
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		if string(riff[0:4]) == "RF64" {
			return h, fmt.Errorf("wav: RF64 (WAV over 4 GiB) files are not supported: %w", ErrUnsupported)
		}
		return h, fmt.Errorf("wav: missing RIFF/WAVE signature: %w", ErrUnknownFormat)
	}
	pos := int64(12)
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if !haveFmt {
				return h, fmt.Errorf("wav: no \"fmt \" chunk before end of file: %w", truncatedIfEOF(err))
			}
			return h, fmt.Errorf("wav: no \"data\" chunk before end of file: %w", truncatedIfEOF(err))
		}
		pos += 8
		id := string(ch[0:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			if haveFmt {
				return h, fmt.Errorf("wav: second \"fmt \" chunk at byte %d: %w", pos-8, ErrCorrupt)
			}
			if size < 16 || size > maxFmtChunk {
				return h, fmt.Errorf("wav: \"fmt \" chunk of %d bytes (want 16 to %d): %w", size, maxFmtChunk, ErrCorrupt)
			}
			buf := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, buf); err != nil {
				return h, fmt.Errorf("wav: reading \"fmt \" chunk: %w", truncatedIfEOF(err))
			}
			if err := h.parseFmt(buf[:size]); err != nil {
				return h, err
			}
			haveFmt = true
			pos += int64(len(buf))
		case "data":
			if !haveFmt {
				return h, fmt.Errorf("wav: \"data\" chunk before the \"fmt \" chunk: %w", ErrCorrupt)
			}
			h.dataSize = size
			if size == unknownDataSize {
				h.dataSize = -1
			}
			h.info.DataOffset = pos
			h.info.DataBytes = h.dataSize
			h.info.Frames = -1
			if h.dataSize >= 0 {
				h.info.Frames = h.dataSize / int64(h.blockAlign)
				h.info.Duration = framesDuration(h.info.Frames, h.info.SampleRate)
			}
			return h, nil
		default:
			skip := size + size%2 // chunks are padded to an even length
			n, err := io.CopyN(io.Discard, r, skip)
			pos += n
			if err != nil {
				return h, fmt.Errorf("wav: skipping %q chunk of %d bytes: %w", printableID(ch[0:4]), size, truncatedIfEOF(err))
			}
		}
	}
}

// parseFmt decodes a "fmt " chunk body (WAVEFORMATEX, possibly EXTENSIBLE).
func (h *wavHeader) parseFmt(b []byte) error {
	tag := binary.LittleEndian.Uint16(b[0:2])
	channels := int(binary.LittleEndian.Uint16(b[2:4]))
	rate := int64(binary.LittleEndian.Uint32(b[4:8]))
	blockAlign := int(binary.LittleEndian.Uint16(b[12:14]))
	bits := int(binary.LittleEndian.Uint16(b[14:16]))
	if tag == wavTagExtensible {
		if len(b) < 40 {
			return fmt.Errorf("wav: WAVE_FORMAT_EXTENSIBLE \"fmt \" chunk of %d bytes (want 40): %w", len(b), ErrCorrupt)
		}
		valid := int(binary.LittleEndian.Uint16(b[18:20]))
		if valid > bits {
			return fmt.Errorf("wav: %d valid bits in a %d-bit container: %w", valid, bits, ErrCorrupt)
		}
		if !bytes.Equal(b[26:40], ksDataFormatTail) {
			return fmt.Errorf("wav: WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID: %w", ErrUnsupported)
		}
		tag = binary.LittleEndian.Uint16(b[24:26])
	}
	if channels < 1 || channels > 32 {
		return fmt.Errorf("wav: %d channels (want 1 to 32): %w", channels, ErrCorrupt)
	}
	if rate < 1 || rate > 1_000_000 {
		return fmt.Errorf("wav: sample rate %d Hz (want 1 to 1000000): %w", rate, ErrCorrupt)
	}
	h.info = Info{Format: FormatWAV, SampleRate: int(rate), Channels: channels, BitDepth: bits}
	switch tag {
	case wavTagPCM:
		h.info.Encoding = EncodingPCM
		if bits != 8 && bits != 16 && bits != 24 && bits != 32 {
			return fmt.Errorf("wav: %d-bit PCM (want 8, 16, 24 or 32): %w", bits, ErrUnsupported)
		}
	case wavTagFloat:
		h.info.Encoding = EncodingFloat
		if bits != 32 && bits != 64 {
			return fmt.Errorf("wav: %d-bit float (want 32 or 64): %w", bits, ErrUnsupported)
		}
	case wavTagALaw:
		h.info.Encoding = EncodingALaw
		return fmt.Errorf("wav: G.711 A-law samples: %w", ErrUnsupported)
	case wavTagMuLaw:
		h.info.Encoding = EncodingMuLaw
		return fmt.Errorf("wav: G.711 µ-law samples: %w", ErrUnsupported)
	default:
		return fmt.Errorf("wav: format tag 0x%04x: %w", tag, ErrUnsupported)
	}
	if want := channels * bits / 8; blockAlign != want {
		return fmt.Errorf("wav: block align %d, but %d channels of %d bits need %d: %w", blockAlign, channels, bits, want, ErrCorrupt)
	}
	h.blockAlign = blockAlign
	return nil
}

// wavSource decodes the data chunk of a WAV file to float32 samples.
type wavSource struct {
	r         io.Reader
	h         wavHeader
	remaining int64 // bytes of the data chunk left; -1 until end of file
	buf       []byte
	err       error // sticky error returned once buffered samples are out
}

func newWAVSource(r io.Reader, h wavHeader) *wavSource {
	return &wavSource{r: r, h: h, remaining: h.dataSize}
}

// read fills dst with whole frames of interleaved samples.
func (s *wavSource) read(dst []float32) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	ch := s.h.info.Channels
	frames := len(dst) / ch
	if frames == 0 {
		return 0, nil
	}
	want := int64(frames * s.h.blockAlign)
	if s.remaining >= 0 {
		if s.remaining < int64(s.h.blockAlign) {
			s.err = io.EOF
			return 0, io.EOF
		}
		want = min(want, s.remaining-s.remaining%int64(s.h.blockAlign))
	}
	if int64(cap(s.buf)) < want {
		s.buf = make([]byte, want)
	}
	buf := s.buf[:want]
	n, err := io.ReadFull(s.r, buf)
	if s.remaining >= 0 {
		s.remaining -= int64(n)
	}
	switch {
	case err == nil:
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if s.remaining >= 0 {
			s.err = fmt.Errorf("wav: data chunk ends %d bytes early: %w", s.remaining, ErrTruncated)
		} else {
			s.err = io.EOF
		}
	default:
		s.err = fmt.Errorf("wav: reading samples: %w", err)
	}
	whole := n / s.h.blockAlign
	out := whole * ch
	decodePCM(dst[:out], buf[:whole*s.h.blockAlign], s.h.info.Encoding, s.h.info.BitDepth)
	if out == 0 && s.err != nil {
		return 0, s.err
	}
	return out, nil
}

// decodePCM converts little-endian stored samples to float32 in [-1, 1].
func decodePCM(dst []float32, src []byte, enc Encoding, bits int) {
	switch {
	case enc == EncodingPCM && bits == 8:
		for i := range dst {
			dst[i] = (float32(src[i]) - 128) / 128
		}
	case enc == EncodingPCM && bits == 16:
		for i := range dst {
			dst[i] = float32(int16(binary.LittleEndian.Uint16(src[2*i:]))) / 32768
		}
	case enc == EncodingPCM && bits == 24:
		for i := range dst {
			b := src[3*i:]
			v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
			dst[i] = float32(v) / (1 << 23)
		}
	case enc == EncodingPCM && bits == 32:
		for i := range dst {
			dst[i] = float32(float64(int32(binary.LittleEndian.Uint32(src[4*i:]))) / (1 << 31))
		}
	case enc == EncodingFloat && bits == 32:
		for i := range dst {
			dst[i] = clampSample(float64(math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))))
		}
	case enc == EncodingFloat && bits == 64:
		for i := range dst {
			dst[i] = clampSample(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
	}
}

// clampSample keeps float samples within [-1, 1] and maps NaN to silence, so
// a hostile float WAV cannot poison peaks or int16 conversion.
func clampSample(v float64) float32 {
	switch {
	case math.IsNaN(v):
		return 0
	case v > 1:
		return 1
	case v < -1:
		return -1
	}
	return float32(v)
}

func truncatedIfEOF(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrTruncated
	}
	return err
}

func printableID(id []byte) string {
	out := make([]byte, len(id))
	for i, c := range id {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}
