package media

import (
	"math"
	"testing"
	"time"
)

// RFC 3550 §6.4.1 worked example: A = 0xb710:8000 (46864.500 s),
// LSR = 0xb705:2000 (46853.125 s), DLSR = 0x0005:4000 (5.250 s) ⇒
// RTT = 0x0006:2000 = 6.125 s.
func TestRoundTripRFC3550Example(t *testing.T) {
	rtt, ok := roundTrip(0xb7108000, 0xb7052000, 0x00054000)
	if !ok || rtt != 6125*time.Millisecond {
		t.Fatalf("rtt = %v, %v; want 6.125s", rtt, ok)
	}
	if _, ok := roundTrip(0xb7108000, 0, 0x00054000); ok {
		t.Error("LSR 0 means no SR received: no RTT")
	}
	if _, ok := roundTrip(0xb7052000, 0xb7108000, 0); ok {
		t.Error("negative RTT must be rejected")
	}
}

func TestNTPTime(t *testing.T) {
	// 1970-01-01 is 2208988800 s after the NTP epoch; half a second is
	// 0x80000000 in the fraction.
	got := ntpTime(time.Unix(0, 5e8))
	if want := uint64(2208988800)<<32 | 0x80000000; got != want {
		t.Fatalf("ntp = %#x, want %#x", got, want)
	}
	if c := compactNTP(uint64(0xb710)<<32 | 0x80000000); c != 0xb7108000 {
		t.Errorf("compact = %#x", c)
	}
}

// Loss per A.3 over a sequence-number wrap, with duplicates and a gap.
func TestLossAcrossWrap(t *testing.T) {
	tests := []struct {
		name     string
		seqs     []uint16
		expected uint32
		lost     int64
		extMax   uint32
		fraction uint8
	}{
		{"in order", []uint16{10, 11, 12, 13}, 4, 0, 13, 0},
		{"one lost of four", []uint16{10, 11, 13}, 4, 1, 13, 64},
		{"wrap", []uint16{65534, 65535, 0, 1}, 4, 0, 65536 + 1, 0},
		{"wrap with loss", []uint16{65534, 0, 2}, 5, 2, 65536 + 2, 102},
		{"reorder", []uint16{1, 3, 2, 4}, 4, 0, 4, 0},
		{"duplicate makes loss negative", []uint16{1, 2, 2, 3}, 3, -1, 3, 0},
	}
	for _, tt := range tests {
		var s rxStats
		for _, q := range tt.seqs {
			s.updateSeq(q)
		}
		if s.expected() != tt.expected || s.lost() != tt.lost || s.extendedMax() != tt.extMax {
			t.Errorf("%s: expected %d lost %d extmax %d; want %d %d %d", tt.name, s.expected(), s.lost(), s.extendedMax(), tt.expected, tt.lost, tt.extMax)
		}
		if f := s.interval(); f != tt.fraction {
			t.Errorf("%s: fraction %d, want %d", tt.name, f, tt.fraction)
		}
		if f := s.interval(); f != 0 {
			t.Errorf("%s: empty interval fraction %d", tt.name, f)
		}
	}
	if reportLost(-1) != 0xffffff || reportLost(1<<30) != 0x7fffff {
		t.Error("24-bit clamp of cumulative loss")
	}
}

// A very large jump is accepted only when the next packet confirms it
// (A.1: the source restarted).
func TestSeqJumpNeedsConfirmation(t *testing.T) {
	var s rxStats
	s.updateSeq(100)
	if s.updateSeq(30000) {
		t.Fatal("first packet of a jump must be held back")
	}
	if !s.updateSeq(30001) {
		t.Fatal("second packet confirms the jump")
	}
	if s.expected() != 1 || s.extendedMax() != 30001 {
		t.Errorf("after resync: expected %d extmax %d", s.expected(), s.extendedMax())
	}
}

// A.8: constant transit gives zero jitter; a transit alternating by D
// converges on D (J += (|D| − J)/16).
func TestJitterA8(t *testing.T) {
	var s rxStats
	for i := range 100 {
		s.updateJitter(uint32(i*160+5000), uint32(i*160))
	}
	if s.jitter != 0 {
		t.Fatalf("constant transit: jitter %v", s.jitter)
	}
	s = rxStats{}
	s.updateJitter(0, 0)
	s.updateJitter(160+80, 160) // D = 80
	if want := 80.0 / 16; s.jitter != want {
		t.Fatalf("after one step: %v want %v", s.jitter, want)
	}
	for i := 2; i < 400; i++ {
		extra := uint32(0)
		if i%2 == 1 {
			extra = 80
		}
		s.updateJitter(uint32(i*160)+extra, uint32(i*160))
	}
	if math.Abs(s.jitter-80) > 0.5 {
		t.Fatalf("alternating D=80: jitter %v, want ≈80", s.jitter)
	}
	if d := jitterDuration(80, 8000); d != 10*time.Millisecond {
		t.Errorf("80 units at 8 kHz = %v", d)
	}
}

// E-model sanity: G.711 with no loss and short delay is "toll quality"
// (R 93.2 ⇒ MOS ≈ 4.41); loss and delay lower it monotonically.
func TestMOS(t *testing.T) {
	if m := mosFromR(93.2); math.Abs(m-4.41) > 0.01 {
		t.Errorf("MOS(R=93.2) = %.3f, want 4.41", m)
	}
	best := estimateMOS(0, 20*time.Millisecond, 20*time.Millisecond, 0)
	lossy := estimateMOS(0, 20*time.Millisecond, 20*time.Millisecond, 5)
	slow := estimateMOS(600*time.Millisecond, 20*time.Millisecond, 20*time.Millisecond, 0)
	if !(best > lossy && best > slow && best <= 4.5 && lossy >= 1) {
		t.Errorf("best %.2f lossy %.2f slow %.2f", best, lossy, slow)
	}
	if mosFromR(-5) != 1 || mosFromR(120) != 4.5 {
		t.Error("MOS clamps")
	}
}
