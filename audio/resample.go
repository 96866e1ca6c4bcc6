package audio

import (
	"fmt"
	"math"
)

// Resampler converts a mono stream from one sample rate to another with a
// band-limited polyphase FIR filter: a Kaiser-windowed sinc prototype at
// L·inRate (L/M the reduced rate ratio), split into L phases so each output
// sample costs one dot product of about 350 taps at telephony rates. Its
// passband ends at 84 % and its stopband (≥ 80 dB by design) starts at 100 %
// of the lower Nyquist frequency, so nothing above the target's Nyquist
// aliases into the output.
//
// A Resampler keeps its state between calls: feeding a stream in chunks of any
// size gives the same output as feeding it at once (no clicks at buffer
// boundaries). It is not safe for concurrent use.
type Resampler struct {
	inRate, outRate int
	l, m            int         // output/input rate ratio, reduced
	taps            int         // taps per phase
	phases          [][]float32 // phases[φ][k] = L·h[(taps-1-k)·L+φ], reversed for a forward dot product
	hist            []float32   // last taps-1 input samples, then the current chunk
	pos             int64       // position of the next output in units of 1/L input samples, relative to hist[taps-1]
}

// Stopband attenuation and passband edge of the prototype filter.
const (
	resampleStopDB   = 80
	resamplePassFrac = 0.84
)

// NewResampler makes a resampler from inRate to outRate (both 1 Hz–384 kHz).
func NewResampler(inRate, outRate int) (*Resampler, error) {
	if inRate <= 0 || outRate <= 0 || inRate > 384000 || outRate > 384000 {
		return nil, fmt.Errorf("resampler %d→%d Hz: rates must be between 1 and 384000", inRate, outRate)
	}
	g := gcd(inRate, outRate)
	r := &Resampler{inRate: inRate, outRate: outRate, l: outRate / g, m: inRate / g}
	if r.l == 1 && r.m == 1 {
		return r, nil
	}
	if r.l > 1000 {
		return nil, fmt.Errorf("resampler %d→%d Hz: ratio %d/%d too fine", inRate, outRate, r.l, r.m)
	}
	proto := float64(inRate) * float64(r.l) // prototype sample rate
	nyq := float64(min(inRate, outRate)) / 2
	stop := nyq
	pass := resamplePassFrac * nyq
	fc := (pass + stop) / 2 / proto // cut-off, cycles per prototype sample
	dw := 2 * math.Pi * (stop - pass) / proto
	beta := 0.1102 * (resampleStopDB - 8.7)
	n := int(math.Ceil((resampleStopDB-7.95)/(2.285*dw))) + 1
	r.taps = (n + r.l - 1) / r.l
	n = r.taps * r.l
	h := make([]float64, n)
	mid := float64(n-1) / 2
	i0b := besselI0(beta)
	for i := range h {
		t := float64(i) - mid
		sinc := 2 * fc
		if t != 0 {
			sinc = math.Sin(2*math.Pi*fc*t) / (math.Pi * t)
		}
		x := 2*float64(i)/float64(n-1) - 1
		h[i] = sinc * besselI0(beta*math.Sqrt(max(0, 1-x*x))) / i0b
	}
	r.phases = make([][]float32, r.l)
	for ph := range r.phases {
		p := make([]float32, r.taps)
		for k := 0; k < r.taps; k++ {
			p[r.taps-1-k] = float32(float64(r.l) * h[k*r.l+ph])
		}
		r.phases[ph] = p
	}
	r.hist = make([]float32, r.taps-1)
	return r, nil
}

// InRate returns the input sample rate.
func (r *Resampler) InRate() int { return r.inRate }

// OutRate returns the output sample rate.
func (r *Resampler) OutRate() int { return r.outRate }

// Delay returns the filter's group delay in output samples.
func (r *Resampler) Delay() float64 {
	if r.phases == nil {
		return 0
	}
	return float64(r.taps*r.l-1) / 2 / float64(r.m)
}

// Process resamples in and appends the output to out, returning it. The
// number of output samples per call varies by at most one around
// len(in)·outRate/inRate.
func (r *Resampler) Process(in []float32, out []float32) []float32 {
	if r.phases == nil {
		return append(out, in...)
	}
	h := len(r.hist) // taps-1 samples of history come first
	buf := append(r.hist, in...)
	avail := int64(len(buf) - h) // new samples; output at pos needs sample index floor(pos/L) < avail
	l := int64(r.l)
	for {
		idx := r.pos / l
		if idx >= avail {
			break
		}
		ph := r.phases[r.pos%l]
		x := buf[idx : idx+int64(r.taps)]
		var acc float32
		for k, c := range ph {
			acc += c * x[k]
		}
		out = append(out, acc)
		r.pos += int64(r.m)
	}
	// Keep the last taps-1 samples and rebase pos on them.
	r.pos -= avail * l
	keep := buf[len(buf)-h:]
	if cap(r.hist) >= len(buf) {
		r.hist = buf[:h]
		copy(r.hist, keep)
	} else {
		r.hist = append(make([]float32, 0, len(buf)), keep...)
	}
	return out
}

// Reset clears the filter history, as for a new stream.
func (r *Resampler) Reset() {
	clear(r.hist)
	r.pos = 0
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// besselI0 is the zeroth-order modified Bessel function of the first kind
// (power series), used by the Kaiser window.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return sum
}

// Int16ToFloat converts PCM to floats in [-1, 1), appending to dst.
func Int16ToFloat(dst []float32, src []int16) []float32 {
	for _, s := range src {
		dst = append(dst, float32(s)/32768)
	}
	return dst
}

// FloatToInt16 converts floats to PCM with rounding and saturation.
func FloatToInt16(dst []int16, src []float32) {
	for i, f := range src {
		v := math.Round(float64(f) * 32768)
		switch {
		case v > 32767:
			v = 32767
		case v < -32768:
			v = -32768
		}
		dst[i] = int16(v)
	}
}
