package audiofile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	gomp3 "github.com/hajimehoshi/go-mp3"
)

// mp3Header is one decoded MPEG audio frame header (ISO/IEC 11172-3 §2.4.1.3,
// 13818-3 for the low sampling frequencies, and the unofficial MPEG 2.5).
type mp3Header struct {
	version         string // "1", "2", "2.5"
	layer           int    // 1, 2 or 3
	bitrateKbps     int
	sampleRate      int
	channels        int
	frameBytes      int
	samplesPerFrame int
}

var (
	mp3BitratesV1L3 = [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}
	mp3BitratesV2L3 = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}
	mp3RatesV1      = [4]int{44100, 48000, 32000, 0}
)

// parseMP3Header decodes the 4 header bytes b. ok is false when b is not a
// frame header at all; err is set when it is one this package cannot decode.
func parseMP3Header(b []byte) (h mp3Header, ok bool, err error) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return h, false, nil
	}
	verBits := (b[1] >> 3) & 3
	layerBits := (b[1] >> 1) & 3
	brIndex := int(b[2] >> 4)
	srIndex := int((b[2] >> 2) & 3)
	padding := int((b[2] >> 1) & 1)
	mode := b[3] >> 6
	if verBits == 1 || layerBits == 0 || brIndex == 15 || srIndex == 3 || b[3]&3 == 2 {
		return h, false, nil // reserved values: not a header
	}
	h.layer = 4 - int(layerBits)
	div := 1
	switch verBits {
	case 3:
		h.version = "1"
	case 2:
		h.version, div = "2", 2
	case 0:
		h.version, div = "2.5", 4
	}
	h.sampleRate = mp3RatesV1[srIndex] / div
	h.channels = 2
	if mode == 3 {
		h.channels = 1
	}
	if h.layer != 3 {
		return h, true, fmt.Errorf("mp3: MPEG-%s Layer %d audio (only Layer III is decoded): %w", h.version, h.layer, ErrUnsupported)
	}
	if brIndex == 0 {
		return h, true, fmt.Errorf("mp3: free-format bitrate: %w", ErrUnsupported)
	}
	if h.version == "1" {
		h.bitrateKbps = mp3BitratesV1L3[brIndex]
		h.samplesPerFrame = 1152
		h.frameBytes = 144*h.bitrateKbps*1000/h.sampleRate + padding
	} else {
		h.bitrateKbps = mp3BitratesV2L3[brIndex]
		h.samplesPerFrame = 576
		h.frameBytes = 72*h.bitrateKbps*1000/h.sampleRate + padding
	}
	return h, true, nil
}

// id3v2Size returns the length of an ID3v2 tag at the start of head (the 10
// header bytes included), or 0 when there is none. head needs 10 bytes.
func id3v2Size(head []byte) (int64, error) {
	if len(head) < 10 || string(head[0:3]) != "ID3" {
		return 0, nil
	}
	var size int64
	for _, c := range head[6:10] {
		if c&0x80 != 0 {
			return 0, fmt.Errorf("mp3: ID3v2 tag size is not sync-safe: %w", ErrCorrupt)
		}
		size = size<<7 | int64(c)
	}
	size += 10
	if head[5]&0x10 != 0 { // footer present
		size += 10
	}
	return size, nil
}

// mp3Scan walks the frames of an MP3 whose audio starts at offset start of
// r (size bytes in all) and fills Info. Frames are counted up to the first
// place that is not a frame header (an ID3v1 tag, trailing junk); a last
// frame cut short means the file is truncated.
func mp3Scan(r io.ReaderAt, start, size int64) (Info, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, size-start), 64<<10)
	var hdr [4]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return Info{}, fmt.Errorf("mp3: no audio frame after the ID3 tag: %w", truncatedIfEOF(err))
	}
	first, ok, err := parseMP3Header(hdr[:])
	if err != nil {
		return Info{}, err
	}
	if !ok {
		return Info{}, fmt.Errorf("mp3: no frame header at byte %d (found % x): %w", start, hdr, ErrCorrupt)
	}
	info := Info{
		Format: FormatMP3, Encoding: EncodingMPEG, SampleRate: first.sampleRate, Channels: first.channels,
		BitrateKbps: first.bitrateKbps, MPEGVersion: first.version, DataOffset: start,
	}
	pos := start
	frames := int64(0)
	h := first
	for {
		if h.frameBytes < 4 {
			return Info{}, fmt.Errorf("mp3: frame at byte %d of %d bytes: %w", pos, h.frameBytes, ErrCorrupt)
		}
		if pos+int64(h.frameBytes) > size {
			return Info{}, fmt.Errorf("mp3: frame %d at byte %d needs %d bytes but the file ends after %d: %w",
				frames+1, pos, h.frameBytes, size-pos, ErrTruncated)
		}
		if _, err := br.Discard(h.frameBytes - 4); err != nil {
			return Info{}, fmt.Errorf("mp3: reading frame at byte %d: %w", pos, truncatedIfEOF(err))
		}
		frames++
		pos += int64(h.frameBytes)
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			break // end of file (a partial header at the end is junk, not audio)
		}
		next, ok, err := parseMP3Header(hdr[:])
		if !ok || err != nil || next.sampleRate != first.sampleRate || next.version != first.version {
			break // ID3v1 "TAG", APE tag or junk after the last frame
		}
		h = next
	}
	info.DataBytes = pos - start
	info.Frames = frames * int64(first.samplesPerFrame)
	info.Duration = framesDuration(info.Frames, info.SampleRate)
	return info, nil
}

// mp3Source decodes MP3 frames to float32 through go-mp3, which always
// produces 16-bit stereo; mono files are folded back to one channel.
type mp3Source struct {
	dec      *gomp3.Decoder
	channels int
	buf      []byte
	err      error
}

func newMP3Source(r io.ReadSeeker, channels int) (src *mp3Source, err error) {
	defer func() {
		if p := recover(); p != nil {
			src, err = nil, fmt.Errorf("mp3: decoder failed on malformed data (%v): %w", p, ErrCorrupt)
		}
	}()
	dec, err := gomp3.NewDecoder(r)
	if err != nil {
		return nil, fmt.Errorf("mp3: %v: %w", err, ErrCorrupt)
	}
	return &mp3Source{dec: dec, channels: channels}, nil
}

func (s *mp3Source) read(dst []float32) (n int, err error) {
	if s.err != nil {
		return 0, s.err
	}
	defer func() {
		if p := recover(); p != nil {
			s.err = fmt.Errorf("mp3: decoder failed on malformed data (%v): %w", p, ErrCorrupt)
			n, err = 0, s.err
		}
	}()
	frames := len(dst) / s.channels
	if frames == 0 {
		return 0, nil
	}
	want := frames * 4 // go-mp3 output: 2 channels × 2 bytes
	if cap(s.buf) < want {
		s.buf = make([]byte, want)
	}
	buf := s.buf[:want]
	got, rerr := io.ReadFull(s.dec, buf)
	whole := got / 4
	for i := 0; i < whole; i++ {
		l := float32(int16(binary.LittleEndian.Uint16(buf[4*i:]))) / 32768
		if s.channels == 1 {
			dst[i] = l
			continue
		}
		dst[2*i] = l
		dst[2*i+1] = float32(int16(binary.LittleEndian.Uint16(buf[4*i+2:]))) / 32768
	}
	switch {
	case rerr == nil:
	case errors.Is(rerr, io.EOF), errors.Is(rerr, io.ErrUnexpectedEOF):
		s.err = io.EOF
	default:
		s.err = fmt.Errorf("mp3: %v: %w", rerr, ErrCorrupt)
	}
	if whole == 0 && s.err != nil {
		return 0, s.err
	}
	return whole * s.channels, nil
}

// offsetSeeker presents r from byte base onwards as a stream starting at 0,
// so go-mp3 (which rewinds to 0 to index frames) never sees the ID3 tag.
type offsetSeeker struct {
	r    io.ReadSeeker
	base int64
}

// Read reads from the underlying stream.
func (o *offsetSeeker) Read(p []byte) (int, error) { return o.r.Read(p) }

// Seek moves relative to base for io.SeekStart, unchanged otherwise.
func (o *offsetSeeker) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		off += o.base
	}
	n, err := o.r.Seek(off, whence)
	return n - o.base, err
}
