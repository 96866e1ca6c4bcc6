package audiofile

import (
	"errors"
	"math"
	"testing"
	"time"
)

func ramp(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Sin(float64(i)*0.37) * 0.9
	}
	return out
}

func TestWAVRead(t *testing.T) {
	cases := []struct {
		name string
		spec wavSpec
		enc  Encoding
		tol  float64
	}{
		{"8-bit mono 8 kHz", wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 8, samples: ramp(801)}, EncodingPCM, 1.0 / 250},
		{"16-bit mono 16 kHz", wavSpec{tag: wavTagPCM, channels: 1, rate: 16000, bits: 16, samples: ramp(1600)}, EncodingPCM, 1.0 / 30000},
		{"16-bit stereo 44.1 kHz", wavSpec{tag: wavTagPCM, channels: 2, rate: 44100, bits: 16, samples: ramp(882)}, EncodingPCM, 1.0 / 30000},
		{"24-bit stereo 48 kHz", wavSpec{tag: wavTagPCM, channels: 2, rate: 48000, bits: 24, samples: ramp(960)}, EncodingPCM, 1.0 / 16000000},
		{"32-bit PCM mono", wavSpec{tag: wavTagPCM, channels: 1, rate: 22050, bits: 32, samples: ramp(100)}, EncodingPCM, 1e-6},
		{"32-bit float stereo", wavSpec{tag: wavTagFloat, channels: 2, rate: 48000, bits: 32, samples: ramp(200)}, EncodingFloat, 1e-7},
		{"64-bit float mono", wavSpec{tag: wavTagFloat, channels: 1, rate: 96000, bits: 64, samples: ramp(200)}, EncodingFloat, 1e-7},
		{"extensible 16-bit", wavSpec{tag: wavTagPCM, extensible: true, channels: 2, rate: 8000, bits: 16, samples: ramp(40)}, EncodingPCM, 1.0 / 30000},
		{"extensible float", wavSpec{tag: wavTagFloat, extensible: true, channels: 1, rate: 8000, bits: 32, samples: ramp(40)}, EncodingFloat, 1e-7},
		{"LIST before fmt, odd chunk padded, fact between, junk after", wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 16, samples: ramp(99),
			before: [][2]string{{"LIST", "INFOabc"}, {"JUNK", ""}}, between: [][2]string{{"fact", "1234"}}, after: [][2]string{{"id3 ", "xyz"}}}, EncodingPCM, 1.0 / 30000},
		{"data size never fixed up", wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 16, samples: ramp(80), dataSize: -1}, EncodingPCM, 1.0 / 30000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.spec.bytes()
			info, err := probeBytes(b)
			if err != nil {
				t.Fatalf("probe: %v", err)
			}
			frames := int64(len(c.spec.samples) / c.spec.channels)
			if info.Format != FormatWAV || info.Encoding != c.enc || info.Channels != c.spec.channels ||
				info.SampleRate != c.spec.rate || info.BitDepth != c.spec.bits || info.Frames != frames {
				t.Fatalf("probe = %+v", info)
			}
			if want := time.Duration(frames) * time.Second / time.Duration(c.spec.rate); info.Duration != want {
				t.Errorf("duration %v, want %v", info.Duration, want)
			}
			_, got, err := decodeAll(t, b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(got) != len(c.spec.samples) {
				t.Fatalf("decoded %d samples, want %d", len(got), len(c.spec.samples))
			}
			for i, v := range got {
				if d := math.Abs(float64(v) - c.spec.samples[i]); d > c.tol {
					t.Fatalf("sample %d = %v, want %v (±%v)", i, v, c.spec.samples[i], c.tol)
				}
			}
		})
	}
}

func TestWAV16BitExactInt16(t *testing.T) {
	spec := wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 16}
	want := []int16{0, 1, -1, 32767, -32768, 12345, -23456}
	for _, v := range want {
		spec.samples = append(spec.samples, 0) // placeholder, bytes patched below
		_ = v
	}
	b := spec.bytes()
	for i, v := range want {
		off := len(b) - 2*len(want) + 2*i
		b[off], b[off+1] = byte(uint16(v)), byte(uint16(v)>>8)
	}
	r, err := NewReader(bytesReader(b))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]int16, 16)
	n, err := r.ReadInt16(got)
	if err != nil || n != len(want) {
		t.Fatalf("ReadInt16 = %d, %v", n, err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sample %d = %d, want %d (16-bit must be bit-exact)", i, got[i], want[i])
		}
	}
}

func TestWAVErrors(t *testing.T) {
	good := wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 16, samples: ramp(100)}.bytes()
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrUnknownFormat},
		{"RIFF only", good[:6], ErrTruncated},
		{"not WAVE", append([]byte("RIFF\x04\x00\x00\x00AVI "), good[12:]...), ErrUnknownFormat},
		{"RF64", append([]byte("RF64"), good[4:]...), ErrUnsupported},
		{"cut inside fmt", good[:30], ErrTruncated},
		{"cut before data chunk", good[:36], ErrTruncated},
		{"data shorter than declared", good[:len(good)-11], ErrTruncated},
		{"block align lies", wavSpec{tag: wavTagPCM, channels: 2, rate: 8000, bits: 16, blockAlign: 3, samples: ramp(10)}.bytes(), ErrCorrupt},
		{"12-bit PCM", wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 12, blockAlign: 2}.bytes(), ErrUnsupported},
		{"A-law", wavSpec{tag: wavTagALaw, channels: 1, rate: 8000, bits: 8, samples: ramp(10)}.bytes(), ErrUnsupported},
		{"µ-law", wavSpec{tag: wavTagMuLaw, channels: 1, rate: 8000, bits: 8, samples: ramp(10)}.bytes(), ErrUnsupported},
		{"ADPCM", wavSpec{tag: 0x0011, channels: 1, rate: 8000, bits: 4, blockAlign: 256}.bytes(), ErrUnsupported},
		{"zero channels", wavSpec{tag: wavTagPCM, channels: 0, rate: 8000, bits: 16, blockAlign: 2}.bytes(), ErrCorrupt},
		{"zero rate", wavSpec{tag: wavTagPCM, channels: 1, rate: 0, bits: 16, samples: ramp(2)}.bytes(), ErrCorrupt},
		{"data before fmt", []byte("RIFF\x20\x00\x00\x00WAVEdata\x02\x00\x00\x00\x00\x00"), ErrCorrupt},
		{"huge fmt chunk", []byte("RIFF\x20\x00\x00\x00WAVEfmt \x00\x00\x10\x00"), ErrCorrupt},
		{"skipped chunk runs past end", []byte("RIFF\x20\x00\x00\x00WAVELIST\xff\xff\x00\x00abc"), ErrTruncated},
		{"extensible with foreign GUID", func() []byte {
			b := wavSpec{tag: wavTagPCM, extensible: true, channels: 1, rate: 8000, bits: 16, samples: ramp(4)}.bytes()
			b[12+8+26+5] ^= 0xFF
			return b
		}(), ErrUnsupported},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := probeBytes(c.b)
			if !errors.Is(err, c.want) {
				t.Fatalf("Probe error = %v, want %v", err, c.want)
			}
			if _, err := NewReader(bytesReader(c.b)); !errors.Is(err, c.want) {
				t.Fatalf("NewReader error = %v, want %v", err, c.want)
			}
		})
	}
}

func TestWAVTruncatedWhileStreaming(t *testing.T) {
	// A reader made from a full header, fed a stream that ends early, must
	// report truncation, not a clean EOF.
	b := wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 16, samples: ramp(1000)}.bytes()
	h, err := readWAVHeader(bytesReader(b))
	if err != nil {
		t.Fatal(err)
	}
	src := newWAVSource(bytesReader(b[h.info.DataOffset:len(b)-100]), h)
	buf := make([]float32, 256)
	total := 0
	for {
		n, err := src.read(buf)
		total += n
		if err != nil {
			if !errors.Is(err, ErrTruncated) {
				t.Fatalf("err = %v, want ErrTruncated", err)
			}
			break
		}
	}
	if total != 950 {
		t.Fatalf("read %d samples before the cut, want 950", total)
	}
}
