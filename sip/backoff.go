package sip

import (
	"math"
	"time"
)

// Backoff computes retry delays: exponential growth from Min, capped at
// Max, with "equal jitter" (a random point in the upper half of the step) so
// that many phones losing the same registrar do not come back in lock-step.
type Backoff struct {
	// Min is the first delay (default 1 s).
	Min time.Duration
	// Max caps every delay (default 5 min).
	Max time.Duration
}

// DefaultBackoff starts at 1 s and is capped at 5 minutes.
var DefaultBackoff = Backoff{Min: time.Second, Max: 5 * time.Minute}

// Delay returns the wait before retry number attempt (0 for the first retry),
// with rnd in [0,1) choosing the jitter.
func (b Backoff) Delay(attempt int, rnd float64) time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = time.Second
	}
	if hi <= 0 {
		hi = 5 * time.Minute
	}
	if attempt < 0 {
		attempt = 0
	}
	step := float64(lo) * math.Pow(2, float64(min(attempt, 40)))
	if step > float64(hi) {
		step = float64(hi)
	}
	if rnd < 0 || rnd >= 1 || math.IsNaN(rnd) {
		rnd = 0.5
	}
	d := time.Duration(step/2 + rnd*step/2)
	if d < lo/2 {
		d = lo / 2
	}
	if d > hi {
		d = hi
	}
	return d
}
