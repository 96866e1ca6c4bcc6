package audiofile

import (
	"context"
	"errors"
	"testing"
)

func TestPeaks(t *testing.T) {
	// 8 buckets of 100 frames; bucket k holds a square wave of amplitude k/10
	// on the left channel and silence on the right.
	var s []float64
	for k := range 8 {
		for i := range 100 {
			v := float64(k) / 10
			if i%2 == 1 {
				v = -v
			}
			s = append(s, v, 0)
		}
	}
	b := wavSpec{tag: wavTagFloat, channels: 2, rate: 8000, bits: 32, samples: s}.bytes()
	r, err := NewReader(bytesReader(b))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Peaks(r, 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 8 {
		t.Fatalf("%d buckets, want 8", len(p))
	}
	for k, got := range p {
		a := float32(k) / 10
		if got.Max != a || got.Min != -a {
			t.Errorf("bucket %d = %+v, want ±%v", k, got, a)
		}
	}
}

func TestPeaksShortFileAndBadN(t *testing.T) {
	b := wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 16, samples: []float64{0.5, -0.25, 0}}.bytes()
	r, err := NewReader(bytesReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Peaks(r, 0); err == nil {
		t.Fatal("0 buckets accepted")
	}
	p, err := Peaks(r, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 3 || p[0].Max != 0.5 || p[1].Min != -0.25 {
		t.Fatalf("peaks %+v", p)
	}
}

func TestPeaksRealMP3(t *testing.T) {
	r, err := NewReader(bytesReader(goMP3Example(t)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Peaks(r, 200)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) < 190 || len(p) > 200 {
		t.Fatalf("%d buckets, want about 200", len(p))
	}
	loud := 0
	for _, b := range p {
		if b.Min > b.Max {
			t.Fatalf("bucket min %v > max %v", b.Min, b.Max)
		}
		if b.Max-b.Min > 0.1 {
			loud++
		}
	}
	if loud < 20 {
		t.Fatalf("only %d of %d buckets have sound", loud, len(p))
	}
}

func TestPeaksContextCancelled(t *testing.T) {
	r, err := NewReader(bytesReader(wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 16, samples: ramp(100)}.bytes()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := PeaksContext(ctx, r, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled peaks: %v", err)
	}
}
