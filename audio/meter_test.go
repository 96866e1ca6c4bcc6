package audio

import (
	"math"
	"testing"
)

func TestMeterSineAndSilence(t *testing.T) {
	m := NewMeter(8000)
	if l := m.Level(); l.RMS != floorDB || l.Peak != floorDB {
		t.Fatalf("fresh meter reads %+v", l)
	}
	frame := make([]int16, 160)
	for i := 0; i < 200; i++ { // 4 s of a half-scale sine
		for j := range frame {
			frame[j] = int16(16384 * math.Sin(2*math.Pi*1000*float64(i*160+j)/8000))
		}
		m.Update(frame)
	}
	l := m.Level()
	// RMS of a half-scale sine: −6.02 − 3.01 = −9.03 dBFS; peak −6.02 dBFS.
	if math.Abs(l.RMS+9.03) > 0.2 || math.Abs(l.Peak+6.02) > 0.1 {
		t.Fatalf("sine reads %+v, want RMS −9.03 and peak −6.02 dBFS", l)
	}
	clear(frame)
	for i := 0; i < 50; i++ { // 1 s of silence
		m.Update(frame)
	}
	l = m.Level()
	if l.RMS > -20 || l.Peak > -25 || l.Peak < -27 {
		t.Fatalf("after 1 s of silence reads %+v: RMS should have fallen, peak by 20 dB", l)
	}
}
