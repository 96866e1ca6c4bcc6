package audiofile

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// wavSpec describes a WAV file built byte by byte for tests, independent of
// WAVWriter so that the reader is not only checked against our own writer.
type wavSpec struct {
	tag        uint16 // wavTagPCM, wavTagFloat, …
	extensible bool   // wrap tag in WAVE_FORMAT_EXTENSIBLE
	channels   int
	rate       int
	bits       int
	blockAlign int         // 0: computed
	samples    []float64   // interleaved, in [-1, 1]
	before     [][2]string // extra chunks (id, body) before "fmt "
	between    [][2]string // extra chunks between "fmt " and "data"
	after      [][2]string // extra chunks after "data"
	dataSize   int64       // 0: real size; -1: 0xFFFFFFFF
}

func chunk(id string, body []byte) []byte {
	var b bytes.Buffer
	b.WriteString(id)
	binary.Write(&b, binary.LittleEndian, uint32(len(body)))
	b.Write(body)
	if len(body)%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

func encodeSample(tag uint16, bits int, v float64) []byte {
	b := make([]byte, bits/8)
	switch {
	case tag == wavTagFloat && bits == 32:
		binary.LittleEndian.PutUint32(b, math.Float32bits(float32(v)))
	case tag == wavTagFloat && bits == 64:
		binary.LittleEndian.PutUint64(b, math.Float64bits(v))
	case bits == 8:
		b[0] = byte(int(math.Round(v*128)) + 128)
	case bits == 16:
		binary.LittleEndian.PutUint16(b, uint16(int16(math.Round(v*32768))))
	case bits == 24:
		x := int32(math.Round(v * 8388608))
		b[0], b[1], b[2] = byte(x), byte(x>>8), byte(x>>16)
	case bits == 32:
		binary.LittleEndian.PutUint32(b, uint32(int32(math.Round(v*2147483648))))
	}
	return b
}

func (s wavSpec) bytes() []byte {
	ba := s.blockAlign
	if ba == 0 {
		ba = s.channels * s.bits / 8
	}
	var f bytes.Buffer
	tag := s.tag
	if s.extensible {
		tag = wavTagExtensible
	}
	binary.Write(&f, binary.LittleEndian, tag)
	binary.Write(&f, binary.LittleEndian, uint16(s.channels))
	binary.Write(&f, binary.LittleEndian, uint32(s.rate))
	binary.Write(&f, binary.LittleEndian, uint32(s.rate*ba))
	binary.Write(&f, binary.LittleEndian, uint16(ba))
	binary.Write(&f, binary.LittleEndian, uint16(s.bits))
	if s.extensible {
		binary.Write(&f, binary.LittleEndian, uint16(22))
		binary.Write(&f, binary.LittleEndian, uint16(s.bits))
		binary.Write(&f, binary.LittleEndian, uint32(3))
		binary.Write(&f, binary.LittleEndian, s.tag)
		f.Write(ksDataFormatTail)
	}
	var data bytes.Buffer
	for _, v := range s.samples {
		data.Write(encodeSample(s.tag, s.bits, v))
	}
	var body bytes.Buffer
	body.WriteString("WAVE")
	for _, c := range s.before {
		body.Write(chunk(c[0], []byte(c[1])))
	}
	body.Write(chunk("fmt ", f.Bytes()))
	for _, c := range s.between {
		body.Write(chunk(c[0], []byte(c[1])))
	}
	dc := chunk("data", data.Bytes())
	switch {
	case s.dataSize < 0:
		binary.LittleEndian.PutUint32(dc[4:8], unknownDataSize)
	case s.dataSize > 0:
		binary.LittleEndian.PutUint32(dc[4:8], uint32(s.dataSize))
	}
	body.Write(dc)
	for _, c := range s.after {
		body.Write(chunk(c[0], []byte(c[1])))
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

// silentMP3 builds n MPEG Layer III frames whose side information and main
// data are all zero: valid frames that decode to silence.
// version is "1", "2" or "2.5"; rateIndex 0..2; brIndex 1..14.
func silentMP3(version string, rateIndex, brIndex int, mono bool, n int) []byte {
	var verBits byte
	switch version {
	case "1":
		verBits = 3
	case "2":
		verBits = 2
	case "2.5":
		verBits = 0
	}
	hdr := []byte{0xFF, 0xE0 | verBits<<3 | 1<<1 | 1, byte(brIndex<<4 | rateIndex<<2), 0}
	if mono {
		hdr[3] = 3 << 6
	}
	h, ok, err := parseMP3Header(hdr)
	if !ok || err != nil {
		panic("silentMP3: bad header parameters")
	}
	var out bytes.Buffer
	for range n {
		frame := make([]byte, h.frameBytes)
		copy(frame, hdr)
		out.Write(frame)
	}
	return out.Bytes()
}

// goMP3Example returns the bytes of mpeg2.mp3 (public-domain speech) from the
// go-mp3 module in the module cache: a real encoder's output, read in place.
func goMP3Example(t testing.TB) []byte {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/hajimehoshi/go-mp3").Output()
	if err != nil {
		t.Fatalf("locating go-mp3 in the module cache (run go mod download): %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "example", "mpeg2.mp3"))
	if err != nil {
		t.Fatalf("reading go-mp3's example MP3: %v", err)
	}
	return b
}

func probeBytes(b []byte) (Info, error) { return Probe(bytes.NewReader(b), int64(len(b))) }

func decodeAll(t testing.TB, b []byte) (Info, []float32, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return Info{}, nil, err
	}
	var all []float32
	buf := make([]float32, 1000*r.Info().Channels)
	for {
		n, err := r.ReadFloat32(buf)
		all = append(all, buf[:n]...)
		if err != nil {
			if err.Error() == "EOF" {
				return r.Info(), all, nil
			}
			return r.Info(), all, err
		}
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
