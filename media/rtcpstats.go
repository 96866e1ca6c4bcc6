package media

import (
	"math"
	"time"
)

// RFC 3550 receiver statistics for one source: sequence tracking
// (Appendix A.1), loss (A.3) and interarrival jitter (A.8).

const (
	maxDropout  = 3000 // A.1 MAX_DROPOUT
	maxMisorder = 100  // A.1 MAX_MISORDER
	seqMod      = 1 << 16
)

// rxStats is the per-source state of RFC 3550 A.1, without the probation
// step (a softphone has one expected source, authenticated by SRTP).
type rxStats struct {
	started       bool
	maxSeq        uint16
	cycles        uint32 // shifted count of sequence number cycles
	baseSeq       uint32
	badSeq        uint32
	received      uint32
	expectedPrior uint32
	receivedPrior uint32
	transit       int64
	haveTransit   bool
	jitter        float64 // in timestamp units
}

func (s *rxStats) init(seq uint16) {
	s.baseSeq = uint32(seq)
	s.maxSeq = seq
	s.badSeq = seqMod + 1
	s.cycles = 0
	s.received = 0
	s.receivedPrior = 0
	s.expectedPrior = 0
	s.started = true
}

// updateSeq follows RFC 3550 A.1 update_seq; it returns false for a packet
// to be ignored for statistics (a wild jump not yet confirmed).
func (s *rxStats) updateSeq(seq uint16) bool {
	if !s.started {
		s.init(seq)
		s.received++
		return true
	}
	udelta := seq - s.maxSeq
	switch {
	case udelta < maxDropout:
		if seq < s.maxSeq {
			s.cycles += seqMod // wrapped
		}
		s.maxSeq = seq
	case uint32(udelta) <= seqMod-maxMisorder:
		// A very large jump: accept it only when the next packet follows it.
		if uint32(seq) == s.badSeq {
			s.init(seq)
		} else {
			s.badSeq = (uint32(seq) + 1) & (seqMod - 1)
			return false
		}
	default:
		// duplicate or reordered packet
	}
	s.received++
	return true
}

// extendedMax is the highest extended sequence number received.
func (s *rxStats) extendedMax() uint32 { return s.cycles + uint32(s.maxSeq) }

// expected is the number of packets expected so far (A.3).
func (s *rxStats) expected() uint32 {
	if !s.started {
		return 0
	}
	return s.extendedMax() - s.baseSeq + 1
}

// lost is the cumulative number of packets lost (A.3); duplicates can make
// it negative.
func (s *rxStats) lost() int64 { return int64(s.expected()) - int64(s.received) }

// interval computes the fraction lost since the previous call as the 8-bit
// fixed-point value of a reception report (A.3) and moves the interval on.
func (s *rxStats) interval() uint8 {
	expected := s.expected()
	expInt := expected - s.expectedPrior
	s.expectedPrior = expected
	recInt := s.received - s.receivedPrior
	s.receivedPrior = s.received
	lostInt := int64(expInt) - int64(recInt)
	if expInt == 0 || lostInt <= 0 {
		return 0
	}
	return uint8((lostInt << 8) / int64(expInt))
}

// reportLost clamps the cumulative loss to the 24-bit signed field.
func reportLost(l int64) uint32 {
	const maxL, minL = 0x7fffff, -0x800000
	if l > maxL {
		l = maxL
	}
	if l < minL {
		l = minL
	}
	return uint32(l) & 0xffffff
}

// updateJitter applies RFC 3550 A.8: arrival and rtpTS are in timestamp
// units; J += (|D| - J) / 16.
func (s *rxStats) updateJitter(arrival, rtpTS uint32) {
	transit := int64(int32(arrival - rtpTS))
	if s.haveTransit {
		d := transit - s.transit
		if d < 0 {
			d = -d
		}
		s.jitter += (float64(d) - s.jitter) / 16
	}
	s.transit = transit
	s.haveTransit = true
}

// ntpTime is the 64-bit NTP timestamp of t (RFC 5905 era 0).
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800 // seconds from 1900 to 1970
	ns := t.UnixNano()
	secs := uint64(ns/1e9) + ntpEpochOffset
	frac := (uint64(ns%1e9) << 32) / 1e9
	return secs<<32 | frac
}

// compactNTP is the middle 32 bits of an NTP timestamp (the LSR field).
func compactNTP(ntp uint64) uint32 { return uint32(ntp >> 16) }

// roundTrip applies RFC 3550 §6.4.1: RTT = A − LSR − DLSR, all in 1/65536 s.
// It reports false when the report carries no LSR or the result is negative.
func roundTrip(arrival, lsr, dlsr uint32) (time.Duration, bool) {
	if lsr == 0 {
		return 0, false
	}
	rtt := int64(int32(arrival - lsr - dlsr))
	if rtt < 0 {
		return 0, false
	}
	return time.Duration(rtt * int64(time.Second) / 65536), true
}

// jitterDuration converts a jitter in timestamp units to time.
func jitterDuration(j float64, rate int) time.Duration {
	return time.Duration(j / float64(rate) * float64(time.Second))
}

// round2 rounds to two decimals for stable JSON.
func round2(x float64) float64 { return math.Round(x*100) / 100 }
