package sip

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sort"
	"sync"
	"testing"
	"time"
)

// toneSource is a media.Source of a sine at freq Hz, 8 kHz.
type toneSource struct {
	mu    sync.Mutex
	freq  float64
	phase float64
}

func (s *toneSource) ReadFrame(frame []int16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	step := 2 * math.Pi * s.freq / 8000
	for i := range frame {
		frame[i] = int16(10000 * math.Sin(s.phase))
		s.phase += step
	}
	s.phase = math.Mod(s.phase, 2*math.Pi)
	return nil
}

// recorder is a media.Sink keeping everything it hears.
type recorder struct {
	mu      sync.Mutex
	samples []int16
}

func (r *recorder) WriteFrame(frame []int16) error {
	r.mu.Lock()
	r.samples = append(r.samples, frame...)
	r.mu.Unlock()
	return nil
}

func (r *recorder) Samples() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int16(nil), r.samples...)
}

// goertzel is the normalised power of freq in samples at rate (≈1 for a pure tone).
func goertzel(samples []int16, rate int, freq float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	coeff := 2 * math.Cos(2*math.Pi*freq/float64(rate))
	var s1, s2, energy float64
	for _, v := range samples {
		x := float64(v)
		energy += x * x
		s0 := x + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	if energy == 0 {
		return 0
	}
	return (s1*s1 + s2*s2 - coeff*s1*s2) / (energy * float64(len(samples)) / 2)
}

// dominant returns the strongest frequency among 100..3500 Hz (20 Hz steps).
func dominant(samples []int16, rate int) (float64, float64) {
	best, bestP := 0.0, -1.0
	for f := 100.0; f <= 3500; f += 20 {
		if p := goertzel(samples, rate, f); p > bestP {
			best, bestP = f, p
		}
	}
	return best, bestP
}

func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("HOOKPHONE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitState waits until c reaches st.
func waitState(t *testing.T, c *Call, st CallState, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for c.State() != st {
		if time.Now().After(deadline) {
			t.Fatalf("call %s: state %s, want %s (info %+v)", c.ID, c.State(), st, c.Info())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// toneCheck judges a recording the way a listener would: in 100 ms windows,
// most windows must be loud and the median loud window must be mostly want
// Hz. Scheduling gaps on a loaded machine (concealed as silence) cost some
// windows but cannot fake a tone.
func toneCheck(samples []int16, rate int, want float64) (ok bool, detail string) {
	win := rate / 10
	var shares []float64
	total := 0
	for i := 0; i+win <= len(samples); i += win {
		total++
		w := samples[i : i+win]
		if rms(w) < 300 {
			continue
		}
		shares = append(shares, goertzel(w, rate, want))
	}
	if total == 0 {
		return false, "no audio"
	}
	sort.Float64s(shares)
	median := 0.0
	if len(shares) > 0 {
		median = shares[len(shares)/2]
	}
	detail = fmt.Sprintf("%d of %d windows loud, median share of %.0f Hz %.2f", len(shares), total, want, median)
	return len(shares)*2 >= total && median >= 0.5, detail
}
