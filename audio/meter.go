package audio

import (
	"math"
	"sync"
	"time"
)

// Level is a meter reading in dBFS (0 = full scale; silence reads −120).
type Level struct {
	// RMS is the power average over about the last 300 ms.
	RMS float64 `json:"rms_dbfs"`
	// Peak is the highest sample level, held and then falling at 20 dB/s.
	Peak float64 `json:"peak_dbfs"`
}

// floorDB is what silence reads.
const floorDB = -120

// Meter measures the level of a stream of frames for the UI. Safe for one
// writer and any number of readers.
type Meter struct {
	mu    sync.Mutex
	rate  int
	power float64 // smoothed mean square, full scale = 1
	peak  float64 // dBFS, decaying
}

// NewMeter makes a meter for audio at rate Hz.
func NewMeter(rate int) *Meter { return &Meter{rate: rate, peak: floorDB} }

// Update feeds one frame.
func (m *Meter) Update(frame []int16) {
	if len(frame) == 0 {
		return
	}
	var sum float64
	var pk int
	for _, s := range frame {
		v := float64(s)
		sum += v * v
		pk = max(pk, abs16(s))
	}
	ms := sum / float64(len(frame)) / (32768 * 32768)
	dt := float64(len(frame)) / float64(m.rate)
	a := 1 - math.Exp(-dt/0.3)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.power += a * (ms - m.power)
	m.peak = max(toDB(float64(pk)/32768), m.peak-20*dt)
}

// Level returns the current reading.
func (m *Meter) Level() Level {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Level{RMS: max(floorDB, 10*math.Log10(max(m.power, 1e-30))), Peak: max(floorDB, m.peak)}
}

func toDB(x float64) float64 {
	if x <= 0 {
		return floorDB
	}
	return max(floorDB, 20*math.Log10(x))
}

func abs16(s int16) int {
	if s < 0 {
		return -int(s)
	}
	return int(s)
}

// meterInterval is how often a UI should poll a meter; it has no effect on measurement.
const meterInterval = 50 * time.Millisecond

// MeterInterval returns how often a UI should poll meters.
func MeterInterval() time.Duration { return meterInterval }
