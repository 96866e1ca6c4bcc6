package audio

import (
	"fmt"
	"io"
	"math"
	"time"
)

// ToneSpec describes a call-progress tone or ringtone: the sum of Freqs
// (equal parts) at Level, switched by a repeating on/off Cadence.
type ToneSpec struct {
	Name string
	// Freqs are the frequencies in Hz; Alternate switches between them
	// every AlternateEvery instead of summing them (a warbling ringtone).
	Freqs          []float64
	Alternate      bool
	AlternateEvery time.Duration
	// LevelDBFS is the peak level of the sum (e.g. −10).
	LevelDBFS float64
	// Cadence alternates on and off durations (on, off, on, off…) and
	// repeats; empty means continuous.
	Cadence []time.Duration
}

// Region selects national call-progress tones.
type Region int

const (
	// RegionUnknown is the zero value; treated as RegionEurope.
	RegionUnknown Region = iota
	// RegionEurope is CEPT/ETSI (ETSI TR 101 041, ITU-T E.180): 425 Hz.
	RegionEurope
	// RegionNorthAmerica is the North American Precise Tone Plan.
	RegionNorthAmerica
	// RegionUK is BT's (SIN 350).
	RegionUK
)

// String names the region.
func (r Region) String() string {
	switch r {
	case RegionEurope:
		return "europe"
	case RegionNorthAmerica:
		return "north-america"
	case RegionUK:
		return "uk"
	}
	return "unknown"
}

// ParseRegion reads "europe", "north-america" (or "us") and "uk".
func ParseRegion(s string) (Region, error) {
	switch s {
	case "europe", "eu", "":
		return RegionEurope, nil
	case "north-america", "us", "na":
		return RegionNorthAmerica, nil
	case "uk", "gb":
		return RegionUK, nil
	}
	return RegionUnknown, fmt.Errorf("unknown tone region %q: want europe, north-america or uk", s)
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// RingbackTone is the tone a caller hears while the far end rings.
func RingbackTone(r Region) ToneSpec {
	switch r {
	case RegionNorthAmerica: // 440+480 Hz, 2 s on, 4 s off
		return ToneSpec{Name: "ringback", Freqs: []float64{440, 480}, LevelDBFS: -13, Cadence: []time.Duration{ms(2000), ms(4000)}}
	case RegionUK: // 400+450 Hz, 0.4 on 0.2 off 0.4 on 2 off
		return ToneSpec{Name: "ringback", Freqs: []float64{400, 450}, LevelDBFS: -13, Cadence: []time.Duration{ms(400), ms(200), ms(400), ms(2000)}}
	}
	// 425 Hz, 1 s on, 4 s off
	return ToneSpec{Name: "ringback", Freqs: []float64{425}, LevelDBFS: -13, Cadence: []time.Duration{ms(1000), ms(4000)}}
}

// BusyTone is the tone for a busy callee.
func BusyTone(r Region) ToneSpec {
	switch r {
	case RegionNorthAmerica: // 480+620 Hz, 0.5 s on, 0.5 s off
		return ToneSpec{Name: "busy", Freqs: []float64{480, 620}, LevelDBFS: -13, Cadence: []time.Duration{ms(500), ms(500)}}
	case RegionUK: // 400 Hz, 0.375 on 0.375 off
		return ToneSpec{Name: "busy", Freqs: []float64{400}, LevelDBFS: -13, Cadence: []time.Duration{ms(375), ms(375)}}
	}
	// 425 Hz, 0.5 s on, 0.5 s off
	return ToneSpec{Name: "busy", Freqs: []float64{425}, LevelDBFS: -13, Cadence: []time.Duration{ms(500), ms(500)}}
}

// Ringtone is the incoming-call alert played on the ringer device: a
// warble between two tones in a double-ring cadence.
func Ringtone() ToneSpec {
	return ToneSpec{Name: "ringtone", Freqs: []float64{1000, 1250}, Alternate: true, AlternateEvery: ms(50),
		LevelDBFS: -6, Cadence: []time.Duration{ms(400), ms(200), ms(400), ms(2000)}}
}

// PureTone is a continuous sine (a test tone).
func PureTone(freq, levelDBFS float64) ToneSpec {
	return ToneSpec{Name: fmt.Sprintf("%g Hz", freq), Freqs: []float64{freq}, LevelDBFS: levelDBFS}
}

// ToneSource generates a ToneSpec as a media.Source: continuous phase
// across frames and 5 ms ramps at every on/off edge, so no clicks.
type ToneSource struct {
	spec     ToneSpec
	rate     int
	n        int64 // samples generated
	limit    int64 // 0: endless
	phase    []float64
	amp      float64
	rampN    int64
	cycle    int64   // cadence period in samples
	edges    []int64 // cumulative cadence boundaries in samples
	altEvery int64
}

// NewToneSource makes a source of spec at rate Hz, ending (io.EOF) after
// duration d (0: endless).
func NewToneSource(spec ToneSpec, rate int, d time.Duration) (*ToneSource, error) {
	if rate <= 0 {
		return nil, fmt.Errorf("tone %s: rate %d", spec.Name, rate)
	}
	if len(spec.Freqs) == 0 {
		return nil, fmt.Errorf("tone %s: no frequencies", spec.Name)
	}
	for _, f := range spec.Freqs {
		if f <= 0 || f >= float64(rate)/2 {
			return nil, fmt.Errorf("tone %s: %g Hz cannot be generated at %d Hz", spec.Name, f, rate)
		}
	}
	if len(spec.Cadence)%2 != 0 {
		return nil, fmt.Errorf("tone %s: cadence needs on/off pairs", spec.Name)
	}
	t := &ToneSource{spec: spec, rate: rate, phase: make([]float64, len(spec.Freqs)),
		rampN: int64(rate / 200), limit: int64(d.Seconds() * float64(rate))}
	t.amp = math.Pow(10, spec.LevelDBFS/20) * 32767
	if !spec.Alternate {
		t.amp /= float64(len(spec.Freqs))
	}
	var c int64
	for _, dur := range spec.Cadence {
		c += int64(dur.Seconds() * float64(rate))
		t.edges = append(t.edges, c)
	}
	t.cycle = c
	t.altEvery = max(1, int64(spec.AlternateEvery.Seconds()*float64(rate)))
	return t, nil
}

// gain is the cadence envelope at sample n: 1 inside an "on" segment, 0
// in an "off" one, with linear ramps at the edges.
func (t *ToneSource) gain(n int64) float64 {
	if t.cycle == 0 {
		return 1
	}
	pos := n % t.cycle
	var start int64
	for i, end := range t.edges {
		if pos < end {
			if i%2 == 1 {
				return 0
			}
			d := min(pos-start, end-1-pos)
			if d < t.rampN {
				return float64(d) / float64(t.rampN)
			}
			return 1
		}
		start = end
	}
	return 0
}

// ReadFrame implements media.Source.
func (t *ToneSource) ReadFrame(frame []int16) error {
	if t.limit > 0 && t.n >= t.limit {
		clear(frame)
		return io.EOF
	}
	for i := range frame {
		if t.limit > 0 && t.n >= t.limit {
			clear(frame[i:])
			break
		}
		g := t.gain(t.n)
		var v float64
		if t.spec.Alternate {
			k := int((t.n / t.altEvery) % int64(len(t.spec.Freqs)))
			v = math.Sin(t.phase[0])
			t.phase[0] += 2 * math.Pi * t.spec.Freqs[k] / float64(t.rate)
		} else {
			for k, f := range t.spec.Freqs {
				v += math.Sin(t.phase[k])
				t.phase[k] += 2 * math.Pi * f / float64(t.rate)
			}
		}
		for k := range t.phase {
			if t.phase[k] > 2*math.Pi {
				t.phase[k] -= 2 * math.Pi
			}
		}
		frame[i] = int16(math.Round(v * t.amp * g))
		t.n++
	}
	return nil
}

// Silence is a media.Source of silence and a media.Sink that discards.
type Silence struct{}

// ReadFrame fills frame with zeros.
func (Silence) ReadFrame(frame []int16) error {
	clear(frame)
	return nil
}

// WriteFrame discards frame.
func (Silence) WriteFrame([]int16) error { return nil }
