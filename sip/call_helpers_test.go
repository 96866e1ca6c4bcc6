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

// hearsNext records for 2 s from now and wants at least 1 s of it, with
// want Hz dominant in its second half (what names the moment in errors).
func (r *recorder) hearsNext(t *testing.T, want float64, what string) {
	t.Helper()
	mark := len(r.Samples())
	time.Sleep(2 * time.Second)
	after := r.Samples()[mark:]
	if len(after) < 8000 {
		t.Errorf("%s: heard %d samples in 2 s", what, len(after))
	} else if f, _ := dominant(after[len(after)/2:], 8000); f != want {
		t.Errorf("%s: heard %.0f Hz, want %.0f", what, f, want)
	}
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
