package audio

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// speechLike synthesises n samples of a speech-like signal at rate: voiced
// syllables (a glottal pulse train at a wandering pitch through three formant
// resonators), unvoiced bursts (noise) and pauses, with a syllabic envelope.
// Different seeds give different "talkers".
func speechLike(seed uint64, rate, n int, level float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]float64, n)
	type res struct{ a1, a2, y1, y2 float64 }
	formant := func(f, bw float64) res {
		r := math.Exp(-math.Pi * bw / float64(rate))
		return res{a1: 2 * r * math.Cos(2*math.Pi*f/float64(rate)), a2: -r * r}
	}
	for i := 0; i < n; {
		sylLen := int(float64(rate) * (0.12 + 0.2*rng.Float64()))
		pause := int(float64(rate) * 0.03 * rng.Float64())
		if rng.IntN(6) == 0 {
			pause += int(float64(rate) * (0.1 + 0.3*rng.Float64()))
		}
		voiced := rng.IntN(5) != 0
		f0 := 90 + 130*rng.Float64()
		fs := []res{formant(300+600*rng.Float64(), 80), formant(900+1500*rng.Float64(), 120), formant(2300+800*rng.Float64(), 200)}
		phase := 0.0
		for j := 0; j < sylLen && i < n; j, i = j+1, i+1 {
			env := math.Sin(math.Pi * float64(j) / float64(sylLen))
			var exc float64
			if voiced {
				phase += (f0 * (1 + 0.1*math.Sin(float64(j)/float64(rate)*8))) / float64(rate)
				if phase >= 1 {
					phase -= 1
					exc = 1
				}
			} else {
				exc = 0.15 * rng.NormFloat64()
			}
			var y float64
			for k := range fs {
				v := exc + fs[k].a1*fs[k].y1 + fs[k].a2*fs[k].y2
				fs[k].y2, fs[k].y1 = fs[k].y1, v
				y += v
			}
			out[i] = y * env
		}
		i += pause
	}
	// Telephone band: a 2nd-order high-pass at 250 Hz (Butterworth biquad).
	{
		w := 2 * math.Pi * 250 / float64(rate)
		alpha := math.Sin(w) / math.Sqrt2
		cw := math.Cos(w)
		a0 := 1 + alpha
		b0, b1, b2 := (1+cw)/2/a0, -(1+cw)/a0, (1+cw)/2/a0
		a1, a2 := -2*cw/a0, (1-alpha)/a0
		var x1, x2, y1, y2 float64
		for i, x := range out {
			y := b0*x + b1*x1 + b2*x2 - a1*y1 - a2*y2
			x2, x1, y2, y1 = x1, x, y1, y
			out[i] = y
		}
	}
	// Normalise the RMS of the active parts to level.
	var sum float64
	cnt := 0
	for _, v := range out {
		if v != 0 {
			sum += v * v
			cnt++
		}
	}
	g := level / math.Sqrt(sum/float64(max(1, cnt)))
	for i := range out {
		out[i] *= g
	}
	return out
}

// roomPath returns an echo path: a pure delay, then a room-like impulse
// response (exponentially decaying noise, 60 dB decay in rt60), scaled to the
// given overall attenuation.
func roomPath(rate int, delay, rt60 time.Duration, attenDB float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	d := int(delay.Seconds() * float64(rate))
	n := int(rt60.Seconds() * float64(rate))
	h := make([]float64, d+n)
	var e float64
	for i := 0; i < n; i++ {
		v := rng.NormFloat64() * math.Pow(10, -3*float64(i)/float64(n))
		if i == 0 {
			v = 3 // the direct path
		}
		h[d+i] = v
		e += v * v
	}
	g := math.Pow(10, -attenDB/20) / math.Sqrt(e)
	for i := range h {
		h[i] *= g
	}
	return h
}

func convolve(x, h []float64) []float64 {
	y := make([]float64, len(x))
	for i := range x {
		if x[i] == 0 {
			continue
		}
		for k, c := range h {
			if i+k >= len(y) {
				break
			}
			y[i+k] += x[i] * c
		}
	}
	return y
}

func toPCM(x []float64) []int16 {
	out := make([]int16, len(x))
	for i, v := range x {
		out[i] = int16(max(-32768, min(32767, math.Round(v*32768))))
	}
	return out
}

func energy(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

func correlation(a, b []int16) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// The canceller learns a simulated room (delay, attenuation, reverberant tail)
// from far-end speech and removes ≥ 20 dB of its echo; near-end speech that
// arrives afterwards passes, alone and during double talk.
func TestEchoCancellerERLE(t *testing.T) {
	const rate, frame = 8000, 80
	secs := func(s float64) int { return int(s * rate) }
	n := secs(36)
	far := speechLike(1, rate, n, 0.1)
	// Far end silent from 24 s to 30 s (near end alone); double talk after 30 s.
	for i := secs(24); i < secs(30); i++ {
		far[i] = 0
	}
	echo := convolve(far, roomPath(rate, 60*time.Millisecond, 150*time.Millisecond, 6, 3))
	nearSpeech := make([]float64, n)
	ns := speechLike(2, rate, n, 0.05)
	copy(nearSpeech[secs(24):], ns[secs(24):])
	noise := rand.New(rand.NewPCG(5, 5))
	mic := make([]float64, n)
	for i := range mic {
		mic[i] = echo[i] + nearSpeech[i] + 0.0003*noise.NormFloat64()
	}
	farPCM, micPCM, echoPCM, nearPCM := toPCM(far), toPCM(mic), toPCM(echo), toPCM(nearSpeech)

	run := func(cfg EchoConfig) []int16 {
		ec, err := NewEchoCanceller(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer ec.Close()
		out := make([]int16, n)
		for i := 0; i+frame <= n; i += frame {
			if err := ec.Process(micPCM[i:i+frame], farPCM[i:i+frame], out[i:i+frame]); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	out := run(EchoConfig{Rate: rate, FrameSize: frame})
	off := run(EchoConfig{Rate: rate, FrameSize: frame, NoEchoCancel: true})

	// ERLE over 12–24 s: echo energy at the mic over what is left of it.
	a, b := secs(12), secs(24)
	erle := 10 * math.Log10(energy(echoPCM[a:b])/energy(out[a:b]))
	erleOff := 10 * math.Log10(energy(echoPCM[a:b])/energy(off[a:b]))
	t.Logf("ERLE after convergence: %.1f dB (canceller off: %.1f dB)", erle, erleOff)
	if erle < 20 {
		t.Errorf("ERLE %.1f dB, want ≥ 20", erle)
	}
	if erleOff > 6 {
		t.Errorf("with the canceller off the echo dropped by %.1f dB: the measurement is not measuring the canceller", erleOff)
	}
	// Near end alone (24.5–30 s): kept in level and in its syllable
	// envelope. The preprocessor's overlap-add delays its output by one
	// frame; the canceller's DC notch shifts the phase of the lowest
	// formants, which is why waveform correlation is checked more loosely.
	a, b = secs(24.5), secs(30)
	out = out[frame:]
	c := correlation(out[a:b], nearPCM[a:b])
	env := envelopeCorrelation(out[a:b], nearPCM[a:b], rate/50)
	lvl := 10 * math.Log10(energy(out[a:b])/energy(nearPCM[a:b]))
	t.Logf("near end alone: envelope correlation %.3f, waveform %.3f, level %+.1f dB", env, c, lvl)
	if env < 0.9 || c < 0.8 || math.Abs(lvl) > 3 {
		t.Errorf("near-end speech damaged: envelope correlation %.3f (want ≥ 0.9), waveform %.3f (want ≥ 0.8), level %+.1f dB (want within ±3)", env, c, lvl)
	}
	// Double talk (31–36 s): the near end dominates the output far more
	// than it does the raw microphone signal.
	a, b = secs(31), secs(35.9)
	c = correlation(out[a:b], nearPCM[a:b])
	cMic := correlation(micPCM[a:b], nearPCM[a:b])
	env = envelopeCorrelation(out[a:b], nearPCM[a:b], rate/50)
	t.Logf("double talk: output↔near waveform %.3f envelope %.3f (raw mic↔near %.3f)", c, env, cMic)
	if env < 0.8 || c < cMic {
		t.Errorf("double talk: output↔near envelope %.3f (want ≥ 0.8), waveform %.3f (want ≥ the raw mic's %.3f)", env, c, cMic)
	}
}

// envelopeCorrelation correlates the per-window levels (dB) of a and b.
func envelopeCorrelation(a, b []int16, win int) float64 {
	var la, lb []int16
	for i := 0; i+win <= len(a); i += win {
		ea := 10 * math.Log10(1+energy(a[i:i+win])/float64(win))
		eb := 10 * math.Log10(1+energy(b[i:i+win])/float64(win))
		la, lb = append(la, int16(ea*100)), append(lb, int16(eb*100))
	}
	return correlation(la, lb)
}

func TestEchoCancellerBadConfig(t *testing.T) {
	for _, cfg := range []EchoConfig{{Rate: 4000, FrameSize: 40}, {Rate: 8000}, {Rate: 8000, FrameSize: 5000}} {
		if ec, err := NewEchoCanceller(cfg); err == nil {
			ec.Close()
			t.Errorf("%+v accepted", cfg)
		}
	}
	ec, err := NewEchoCanceller(EchoConfig{Rate: 8000, FrameSize: 80})
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	if err := ec.Process(make([]int16, 80), make([]int16, 79), make([]int16, 80)); err == nil {
		t.Error("short far frame accepted")
	}
}
