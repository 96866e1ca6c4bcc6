package sip

import (
	"context"
	"log/slog"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
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

// dominant returns the strongest frequency among 100..3500 Hz (20 Hz steps).
func dominant(samples []int16, rate int) (float64, float64) {
	return testlab.DominantFrequency(samples, rate, testlab.ToneScan())
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
