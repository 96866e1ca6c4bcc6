package audio

import (
	"errors"
	"io"
	"math"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
)

func readTone(t *testing.T, spec ToneSpec, rate int, d time.Duration) []int16 {
	t.Helper()
	src, err := NewToneSource(spec, rate, d)
	if err != nil {
		t.Fatal(err)
	}
	var out []int16
	frame := make([]int16, 160)
	for {
		err := src.ReadFrame(frame)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, frame...)
	}
}

// Each call-progress tone has its frequencies and its cadence.
func TestToneCadences(t *testing.T) {
	const rate = 8000
	for _, c := range []struct {
		spec ToneSpec
		on   []time.Duration // sample times that must be "on"
		off  []time.Duration
	}{
		{RingbackTone(RegionEurope), []time.Duration{ms(500)}, []time.Duration{ms(2000), ms(4900)}},
		{RingbackTone(RegionNorthAmerica), []time.Duration{ms(1000), ms(6500)}, []time.Duration{ms(3000)}},
		{RingbackTone(RegionUK), []time.Duration{ms(200), ms(800)}, []time.Duration{ms(500), ms(1500)}},
		{BusyTone(RegionEurope), []time.Duration{ms(250), ms(1250)}, []time.Duration{ms(750)}},
		{BusyTone(RegionNorthAmerica), []time.Duration{ms(250)}, []time.Duration{ms(750)}},
		{Ringtone(), []time.Duration{ms(200), ms(800)}, []time.Duration{ms(500), ms(2000)}},
	} {
		s := readTone(t, c.spec, rate, 8*time.Second)
		if len(s) != 8*rate {
			t.Fatalf("%s: %d samples for 8 s", c.spec.Name, len(s))
		}
		win := func(at time.Duration) []int16 { i := int(at.Seconds() * rate); return s[i-400 : i+400] }
		for _, at := range c.on {
			var sum float64
			for _, f := range c.spec.Freqs {
				tone, _ := testlab.ToneLevel(win(at), rate, f)
				sum += tone
			}
			if sum < 0.05 {
				t.Errorf("%s: at %v the tone is not on (level %.3f)", c.spec.Name, at, sum)
			}
		}
		for _, at := range c.off {
			if _, total := testlab.ToneLevel(win(at), rate, 1000); total != 0 {
				t.Errorf("%s: at %v not silent (RMS %.4f)", c.spec.Name, at, total)
			}
		}
	}
}

// Tones start and stop with ramps: no sample-to-sample jump larger than a
// full-level sine of the highest frequency can make.
func TestToneNoClicks(t *testing.T) {
	spec := BusyTone(RegionNorthAmerica)
	s := readTone(t, spec, 8000, 3*time.Second)
	limit := math.Pow(10, spec.LevelDBFS/20) * 32767 * 2 * math.Pi * 620 / 8000 * 1.05
	for i := 1; i < len(s); i++ {
		if d := math.Abs(float64(s[i]) - float64(s[i-1])); d > limit {
			t.Fatalf("jump of %.0f at sample %d (limit %.0f)", d, i, limit)
		}
	}
}

func TestToneBadSpecs(t *testing.T) {
	for _, spec := range []ToneSpec{{Name: "none"}, PureTone(5000, -6), {Name: "odd", Freqs: []float64{400}, Cadence: []time.Duration{ms(1)}}} {
		if _, err := NewToneSource(spec, 8000, 0); err == nil {
			t.Errorf("%+v accepted", spec)
		}
	}
	if _, err := ParseRegion("mars"); err == nil {
		t.Error("region mars accepted")
	}
}
