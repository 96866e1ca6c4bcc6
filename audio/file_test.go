package audio

import (
	"errors"
	"io"
	"math"
	"path/filepath"
	"testing"

	"github.com/hookphone/hookphone/internal/testlab"
	"github.com/hookphone/hookphone/media/audiofile"
)

// A 1 kHz stereo WAV at 44.1 kHz plays as a 1 kHz mono source at 8 kHz of
// the right length, and a recording sink writes a WAV that reads back exactly.
func TestFileSourceAndSink(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.wav")
	w, err := audiofile.CreateWAV(in, 44100, 2)
	if err != nil {
		t.Fatal(err)
	}
	st := make([]int16, 2*44100)
	for i := 0; i < 44100; i++ {
		v := int16(16000 * math.Sin(2*math.Pi*1000*float64(i)/44100))
		st[2*i], st[2*i+1] = v, v
	}
	if err := w.WriteInt16(st); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	src, err := OpenFileSource(in, 8000)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := filepath.Join(dir, "out.wav")
	sink, err := CreateFileSink(out, 8000)
	if err != nil {
		t.Fatal(err)
	}
	var got []int16
	frame := make([]int16, 160)
	for {
		err := src.ReadFrame(frame)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, frame...)
		if err := sink.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) < 8000 || len(got) > 8000+320 {
		t.Errorf("1 s file gave %d samples at 8 kHz", len(got))
	}
	tone, total := testlab.ToneLevel(got[800:7200], 8000, 1000)
	if math.Abs(tone-16000/32768.0/math.Sqrt2) > 0.01 || tone < 0.99*total {
		t.Errorf("1 kHz at RMS %.4f of %.4f", tone, total)
	}
	r, err := audiofile.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if i := r.Info(); i.SampleRate != 8000 || i.Channels != 1 || i.Frames != int64(len(got)) {
		t.Fatalf("recorded %+v", i)
	}
	back := make([]int16, len(got))
	n, _ := r.ReadInt16(back)
	for i := 0; i < n; i++ {
		if back[i] != got[i] {
			t.Fatalf("sample %d recorded as %d, was %d", i, back[i], got[i])
		}
	}
}

func TestFileSourceErrors(t *testing.T) {
	if _, err := OpenFileSource(filepath.Join(t.TempDir(), "missing.wav"), 8000); err == nil {
		t.Error("missing file accepted")
	}
}
