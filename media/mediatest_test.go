package media

import (
	"context"
	"log/slog"
	"math"
	"net/netip"
	"sync"
	"testing"
)

// toneSource produces a sine at freq Hz, amplitude -10 dBFS, at 8 kHz.
type toneSource struct {
	mu   sync.Mutex
	freq float64
	n    int
}

func (t *toneSource) ReadFrame(f []int16) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range f {
		f[i] = int16(10000 * math.Sin(2*math.Pi*t.freq*float64(t.n)/8000))
		t.n++
	}
	return nil
}

// recordSink keeps what it is given and signals once it holds want
// samples of non-silent audio.
type recordSink struct {
	mu      sync.Mutex
	samples []int16
	loud    int
	want    int
	full    chan struct{}
	once    sync.Once
}

func newRecordSink(want int) *recordSink {
	return &recordSink{want: want, full: make(chan struct{})}
}

func (r *recordSink) WriteFrame(f []int16) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rms(f) < 300 {
		if r.loud == 0 {
			return nil // skip the leading silence
		}
	}
	r.samples = append(r.samples, f...)
	r.loud += len(f)
	if r.loud >= r.want {
		r.once.Do(func() { close(r.full) })
	}
	return nil
}

func (r *recordSink) snapshot() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int16(nil), r.samples...)
}

func rms(f []int16) float64 {
	var e float64
	for _, s := range f {
		e += float64(s) * float64(s)
	}
	return math.Sqrt(e / float64(max(1, len(f))))
}

// goertzelPower is the power of x at freq (Hz, 8 kHz sampling).
func goertzelPower(x []int16, freq float64) float64 {
	w := 2 * math.Pi * freq / 8000
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// dominantFrequency scans 200–3600 Hz in 25 Hz steps.
func dominantFrequency(x []int16) float64 {
	best, bestP := 0.0, -1.0
	for f := 200.0; f <= 3600; f += 25 {
		if p := goertzelPower(x, f); p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

// newSession makes a session on 127.0.0.1 closed at test end.
func newSession(t *testing.T, cfg Config) *Session {
	t.Helper()
	return newSessionTB(t, cfg)
}

func newSessionTB(t testing.TB, cfg Config) *Session {
	t.Helper()
	cfg.LocalIP = netip.MustParseAddr("127.0.0.1")
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := NewSession(context.Background(), cfg)
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// negotiate runs a's offer through b's answer back to a.
func negotiate(t *testing.T, a, b *Session) (Negotiated, Negotiated) {
	t.Helper()
	offer, err := a.Offer()
	if err != nil {
		t.Fatalf("offer: %v", err)
	}
	answer, nb, err := b.Answer(offer)
	if err != nil {
		t.Fatalf("answer: %v\noffer:\n%s", err, offer)
	}
	na, err := a.AcceptAnswer(answer)
	if err != nil {
		t.Fatalf("accept answer: %v\nanswer:\n%s", err, answer)
	}
	return na, nb
}
