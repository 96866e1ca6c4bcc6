package audio

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func sine(rate int, freq, amp float64, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return s
}

// toneRMS is the RMS of the freq component of x (Goertzel) and of all of x,
// over the longest prefix of x holding whole cycles of freq (no leakage).
func toneRMS(x []float32, rate int, freq float64) (tone, total float64) {
	if f := int(freq); float64(f) == freq && f > 0 {
		period := rate / gcd(rate, f)
		if len(x) >= period {
			x = x[:len(x)/period*period]
		}
	}
	w := 2 * math.Pi * freq / float64(rate)
	c := 2 * math.Cos(w)
	var s1, s2, sum float64
	for _, v := range x {
		f := float64(v)
		sum += f * f
		s0 := f + c*s1 - s2
		s2, s1 = s1, s0
	}
	n := float64(len(x))
	return math.Sqrt(2*(s1*s1+s2*s2-c*s1*s2)) / n, math.Sqrt(sum / n)
}

func db(x float64) float64 { return 20 * math.Log10(x) }

// resampleAll runs a whole signal through a fresh resampler and trims the
// filter's start-up transient and tail.
func resampleAll(t *testing.T, in []float32, from, to int) []float32 {
	t.Helper()
	r, err := NewResampler(from, to)
	if err != nil {
		t.Fatal(err)
	}
	out := r.Process(in, nil)
	skip := int(r.Delay()) * 2
	return out[skip : len(out)-skip]
}

func TestResamplerPassband(t *testing.T) {
	for _, c := range []struct{ from, to int }{{48000, 8000}, {8000, 48000}, {48000, 16000}, {16000, 48000}, {44100, 8000}, {8000, 44100}} {
		for _, f := range []float64{300, 1000, 2000, 3300} {
			t.Run(fmt.Sprintf("%d-%d/%gHz", c.from, c.to, f), func(t *testing.T) {
				out := resampleAll(t, sine(c.from, f, 0.5, c.from), c.from, c.to)
				tone, total := toneRMS(out, c.to, f)
				if g := db(tone / (0.5 / math.Sqrt2)); math.Abs(g) > 0.1 {
					t.Errorf("gain %.3f dB, want within ±0.1 dB", g)
				}
				// Everything that is not the tone: images, aliases, filter noise.
				if snr := db(tone / math.Sqrt(max(1e-30, total*total-tone*tone))); snr < 60 {
					t.Errorf("tone-to-rest %.1f dB, want ≥ 60", snr)
				}
			})
		}
	}
}

// A tone above the target's Nyquist frequency must not come out as an alias.
func TestResamplerAliasing(t *testing.T) {
	for _, c := range []struct {
		from, to int
		f        float64
	}{{48000, 8000, 4100}, {48000, 8000, 5000}, {48000, 8000, 7000}, {48000, 8000, 11000}, {48000, 8000, 20000},
		{48000, 16000, 8200}, {48000, 16000, 12000}, {44100, 8000, 6000}} {
		t.Run(fmt.Sprintf("%d-%d/%gHz", c.from, c.to, c.f), func(t *testing.T) {
			out := resampleAll(t, sine(c.from, c.f, 0.5, c.from), c.from, c.to)
			_, total := toneRMS(out, c.to, 1000)
			if att := db((0.5 / math.Sqrt2) / total); att < 40 {
				t.Errorf("attenuation %.1f dB, want ≥ 40 (design 80)", att)
			} else {
				t.Logf("attenuation %.1f dB", att)
			}
		})
	}
}

// Upsampling must not leave images of the input spectrum above the old Nyquist.
func TestResamplerImages(t *testing.T) {
	out := resampleAll(t, sine(8000, 1000, 0.5, 8000), 8000, 48000)
	for _, img := range []float64{7000, 9000, 15000, 17000} {
		tone, _ := toneRMS(out, 48000, img)
		if att := db((0.5 / math.Sqrt2) / tone); att < 60 {
			t.Errorf("image at %g Hz attenuated %.1f dB, want ≥ 60", img, att)
		}
	}
}

// Feeding a stream in chunks of random sizes gives exactly the output of
// feeding it at once, and the output of a sine has no jump larger than a sine
// of that frequency can make (no clicks at buffer boundaries).
func TestResamplerContinuity(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ from, to int }{{48000, 8000}, {8000, 48000}, {44100, 8000}, {8000, 16000}} {
		t.Run(fmt.Sprintf("%d-%d", c.from, c.to), func(t *testing.T) {
			in := sine(c.from, 1000, 0.8, c.from)
			whole, _ := NewResampler(c.from, c.to)
			want := whole.Process(in, nil)
			chunked, _ := NewResampler(c.from, c.to)
			var got []float32
			for i := 0; i < len(in); {
				n := min(len(in)-i, 1+rng.IntN(700))
				got = chunked.Process(in[i:i+n], got)
				i += n
			}
			if len(got) != len(want) {
				t.Fatalf("chunked output %d samples, whole %d", len(got), len(want))
			}
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-6 {
					t.Fatalf("sample %d differs by %g between chunked and whole", i, d)
				}
			}
			maxStep := 0.8 * 2 * math.Pi * 1000 / float64(c.to) * 1.02
			skip := int(whole.Delay()) * 2
			for i := skip + 1; i < len(got); i++ {
				if d := math.Abs(float64(got[i] - got[i-1])); d > maxStep {
					t.Fatalf("jump of %.4f at output sample %d, a 1 kHz sine moves at most %.4f", d, i, maxStep)
				}
			}
		})
	}
}

// 48 kHz → 8 kHz → 48 kHz keeps an in-band tone clean.
func TestResamplerRoundTripSNR(t *testing.T) {
	for _, f := range []float64{440, 1000, 3000} {
		down, _ := NewResampler(48000, 8000)
		up, _ := NewResampler(8000, 48000)
		in := sine(48000, f, 0.5, 2*48000)
		out := up.Process(down.Process(in, nil), nil)
		skip := int(up.Delay()+down.Delay()*6) * 2
		seg := out[skip : len(out)-skip]
		tone, total := toneRMS(seg, 48000, f)
		snr := db(tone / math.Sqrt(max(1e-30, total*total-tone*tone)))
		if snr < 60 || math.Abs(db(tone/(0.5/math.Sqrt2))) > 0.2 {
			t.Errorf("%g Hz: SNR %.1f dB (want ≥ 60), gain %.2f dB", f, snr, db(tone/(0.5/math.Sqrt2)))
		}
		t.Logf("%g Hz round trip: SNR %.1f dB", f, snr)
	}
}

func TestResamplerBadRates(t *testing.T) {
	for _, c := range [][2]int{{0, 8000}, {8000, -1}, {8000, 1_000_000}, {48000, 47999}} {
		if _, err := NewResampler(c[0], c[1]); err == nil {
			t.Errorf("NewResampler(%d, %d) accepted", c[0], c[1])
		}
	}
}

func BenchmarkResampler48kTo8k(b *testing.B) { benchResampler(b, 48000, 8000) }
func BenchmarkResampler8kTo48k(b *testing.B) { benchResampler(b, 8000, 48000) }

// benchResampler reports the cost of one second of audio.
func benchResampler(b *testing.B, from, to int) {
	r, _ := NewResampler(from, to)
	in := sine(from, 1000, 0.5, from/100)
	out := make([]float32, 0, to/50)
	b.SetBytes(int64(from * 2))
	for b.Loop() {
		for range 100 {
			out = r.Process(in, out[:0])
		}
	}
}
