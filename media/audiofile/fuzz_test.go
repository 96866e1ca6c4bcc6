package audiofile

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// The fuzz targets hold three promises for hostile input read from the
// network (stream audio): no panic, no hang, and a result that is
// self-consistent. Seeds live in testdata/fuzz/Fuzz*/ and run in every
// `go test`.

func FuzzProbe(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := probeBytes(data)
		if err != nil {
			if !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("error outside the sentinels: %v", err)
			}
			return
		}
		if info.Format == FormatUnknown || info.Channels < 1 || info.SampleRate < 1 || info.Frames < 0 ||
			info.DataOffset < 0 || info.DataBytes < 0 || info.DataOffset+info.DataBytes > int64(len(data)) {
			t.Fatalf("inconsistent info %+v for %d bytes", info, len(data))
		}
	})
}

func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		info := r.Info()
		buf := make([]int16, 512*info.Channels)
		total := int64(0)
		// Bounded: no input this small may decode to more than its header
		// promised (plus one MP3 frame of slack).
		limit := (info.Frames + 1152) * int64(info.Channels)
		for {
			n, err := r.ReadInt16(buf)
			total += int64(n)
			if n%info.Channels != 0 {
				t.Fatalf("read %d samples, not whole %d-channel frames", n, info.Channels)
			}
			if total > limit {
				t.Fatalf("decoded %d samples, header promised %d frames", total, info.Frames)
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				return
			}
			if n == 0 {
				t.Fatal("0 samples and no error: the caller would spin")
			}
		}
	})
}

func FuzzWAVHeader(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := readWAVHeader(bytes.NewReader(data))
		if err != nil {
			return
		}
		if h.blockAlign < 1 || h.info.Channels < 1 {
			t.Fatalf("header accepted with block align %d, %d channels", h.blockAlign, h.info.Channels)
		}
		src := newWAVSource(bytes.NewReader(data[h.info.DataOffset:]), h)
		buf := make([]float32, 256*h.info.Channels)
		for range len(data) + 2 {
			n, err := src.read(buf)
			if err != nil {
				return
			}
			if n == 0 {
				t.Fatal("0 samples and no error")
			}
		}
		t.Fatal("the WAV source never ended")
	})
}

// addSeeds adds a few generated files on top of the committed corpus, so the
// fuzz targets start from every shape the package handles.
func addSeeds(f *testing.F) {
	f.Add(wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 16, samples: ramp(20)}.bytes())
	f.Add(wavSpec{tag: wavTagFloat, extensible: true, channels: 2, rate: 48000, bits: 32, samples: ramp(20)}.bytes())
	f.Add(silentMP3("1", 0, 9, true, 2))
	f.Add(silentMP3("2", 2, 4, false, 2))
}
