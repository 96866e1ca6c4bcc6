package media

import (
	"time"
)

// jitterBuffer is the adaptive playout buffer. Packets go in as decoded PCM
// with their RTP timestamp and arrival time; the playout clock takes one
// frame per tick. It reorders by timestamp, drops packets that arrive after
// their playout time, conceals gaps with [plc], and moves its target delay
// with the measured interarrival jitter (RFC 3550 A.8) between minTarget
// and maxTarget (see Pop for how the actual delay follows the target).
type jitterBuffer struct {
	rate      int
	frame     int // samples per Pop
	minTarget int // samples
	maxTarget int
	target    int

	pkts    []jbPacket // sorted by timestamp
	free    [][]int16  // recycled PCM slices
	playing bool       // taking audio out (false while buffering or stalled)
	started bool       // has played since the last reset
	synced  bool
	pts     uint32 // timestamp of the next sample to play
	ssrc    uint32
	arrived bool // a packet was kept since the last stall
	excess  int  // consecutive pops with more than target+2 frames held

	stats   rxStats // only its jitter part is used here
	plc     plc
	counter jbCounters
}

type jbPacket struct {
	ts  uint32
	pcm []int16
}

// jbCounters are cumulative, for [Stats].
type jbCounters struct {
	late, duplicate, concealed, skipped, stalls, played, resets int64
}

func newJitterBuffer(rate, frame int, minT, maxT time.Duration) *jitterBuffer {
	jb := &jitterBuffer{rate: rate, frame: frame}
	jb.minTarget = max(frame, int(minT*time.Duration(rate)/time.Second))
	jb.maxTarget = max(jb.minTarget, int(maxT*time.Duration(rate)/time.Second))
	jb.target = jb.minTarget
	return jb
}

// tsDiff is a−b as a signed distance on the 32-bit timestamp circle.
func tsDiff(a, b uint32) int32 { return int32(a - b) }

// Push adds one packet. arrival is the receive time in timestamp units on
// the receiver's clock (any origin). It reports whether the packet was kept.
func (jb *jitterBuffer) Push(ssrc, ts uint32, pcm []int16, arrival uint32) bool {
	if jb.synced && (ssrc != jb.ssrc || abs32(tsDiff(ts, jb.pts)) > int32(4*jb.rate)) {
		jb.reset() // new source or a timestamp jump: start over
	}
	if !jb.synced {
		jb.synced, jb.ssrc, jb.pts = true, ssrc, ts
	}
	jb.stats.updateJitter(arrival, ts)
	jb.adapt()
	end := ts + uint32(len(pcm))
	if jb.started && tsDiff(end, jb.pts) <= 0 {
		jb.counter.late++
		return false
	}
	if !jb.started && tsDiff(ts, jb.pts) < 0 {
		jb.pts = ts // still buffering: an earlier packet moves the start back
	}
	i := len(jb.pkts)
	for i > 0 && tsDiff(jb.pkts[i-1].ts, ts) > 0 {
		i--
	}
	if i > 0 && jb.pkts[i-1].ts == ts {
		jb.counter.duplicate++
		return false
	}
	buf := jb.alloc(len(pcm))
	copy(buf, pcm)
	jb.pkts = append(jb.pkts, jbPacket{})
	copy(jb.pkts[i+1:], jb.pkts[i:])
	jb.pkts[i] = jbPacket{ts: ts, pcm: buf}
	jb.arrived = true
	// Overflow: never hold more than the maximum target plus a frame.
	for jb.depth() > jb.maxTarget+jb.frame && len(jb.pkts) > 1 {
		jb.dropOldest()
	}
	return true
}

func (jb *jitterBuffer) alloc(n int) []int16 {
	if k := len(jb.free); k > 0 && cap(jb.free[k-1]) >= n {
		b := jb.free[k-1][:n]
		jb.free = jb.free[:k-1]
		return b
	}
	return make([]int16, n)
}

func (jb *jitterBuffer) release(p jbPacket) {
	if len(jb.free) < 64 {
		jb.free = append(jb.free, p.pcm)
	}
}

func (jb *jitterBuffer) dropOldest() {
	p := jb.pkts[0]
	jb.pkts = jb.pkts[1:]
	jb.counter.skipped++
	if next := p.ts + uint32(len(p.pcm)); tsDiff(next, jb.pts) > 0 {
		jb.pts = next
	}
	jb.release(p)
}

func (jb *jitterBuffer) reset() {
	for _, p := range jb.pkts {
		jb.release(p)
	}
	jb.pkts = jb.pkts[:0]
	jb.playing, jb.started, jb.synced, jb.excess = false, false, false, 0
	jb.stats.haveTransit = false
	jb.counter.resets++
}

// adapt sets the target to four times the A.8 jitter, rounded up to whole
// frames and clamped to [minTarget, maxTarget].
func (jb *jitterBuffer) adapt() {
	t := int(4 * jb.stats.jitter)
	t = (t + jb.frame - 1) / jb.frame * jb.frame
	jb.target = min(max(t, jb.minTarget), jb.maxTarget)
}

// depth is how many samples are buffered from the playout point to the end
// of the newest packet.
func (jb *jitterBuffer) depth() int {
	if len(jb.pkts) == 0 {
		return 0
	}
	last := jb.pkts[len(jb.pkts)-1]
	d := tsDiff(last.ts+uint32(len(last.pcm)), jb.pts)
	if d < 0 {
		return 0
	}
	return int(d)
}

// Target is the current target delay.
func (jb *jitterBuffer) Target() time.Duration {
	return time.Duration(jb.target) * time.Second / time.Duration(jb.rate)
}

// Pop fills out (one frame) with audio for the next playout slot.
//
// Before the first packet has been played it waits until the target is
// buffered. Afterwards an empty buffer is treated as loss (conceal and move
// on: a packet that turns up later is late and dropped); a buffer more than
// a frame below its target stalls for one concealed frame, which is how the
// delay grows when jitter rises; a buffer more than two frames above its
// target for ten frames in a row skips a frame, which is how it shrinks.
func (jb *jitterBuffer) Pop(out []int16) {
	if !jb.started {
		if !jb.synced || jb.depth() < jb.target {
			jb.fillGap(out)
			return
		}
		jb.playing, jb.started = true, true
	}
	jb.discardPlayed()
	if len(jb.pkts) == 0 && jb.plc.lost >= plcSilence {
		// The stream stopped (hold, silence suppression, a dead peer): play
		// silence and start afresh, prebuffering, with the next packet.
		jb.started, jb.playing, jb.synced = false, false, false
		clear(out)
		return
	}
	d := jb.depth()
	if d > 0 && d < jb.target-jb.frame && jb.arrived {
		jb.arrived = false  // stall at most once per arrival, so a stopped stream drains
		jb.concealInto(out) // stall: the playout point stays, the delay grows
		jb.counter.stalls++
		return
	}
	if d > jb.target+2*jb.frame {
		jb.excess++
		if jb.excess >= 10 {
			jb.excess = 0
			jb.pts += uint32(jb.frame)
			jb.counter.skipped++
			jb.discardPlayed()
		}
	} else {
		jb.excess = 0
	}
	pos := 0
	for pos < len(out) {
		cur := jb.pts + uint32(pos)
		idx := -1
		for i, p := range jb.pkts {
			if tsDiff(p.ts+uint32(len(p.pcm)), cur) > 0 {
				idx = i
				break
			}
		}
		if idx < 0 {
			jb.concealInto(out[pos:])
			break
		}
		p := jb.pkts[idx]
		if gap := int(tsDiff(p.ts, cur)); gap > 0 {
			n := min(gap, len(out)-pos)
			jb.concealInto(out[pos : pos+n])
			pos += n
			continue
		}
		off := int(tsDiff(cur, p.ts))
		n := copy(out[pos:], p.pcm[off:])
		jb.plc.good(out[pos : pos+n])
		jb.counter.played += int64(n)
		pos += n
	}
	jb.pts += uint32(len(out))
}

// discardPlayed releases packets wholly before the playout point.
func (jb *jitterBuffer) discardPlayed() {
	for len(jb.pkts) > 0 && tsDiff(jb.pkts[0].ts+uint32(len(jb.pkts[0].pcm)), jb.pts) <= 0 {
		jb.release(jb.pkts[0])
		jb.pkts = jb.pkts[1:]
	}
}

// fillGap is called while buffering or stalled: conceal right after audio,
// silence otherwise.
func (jb *jitterBuffer) fillGap(out []int16) {
	if jb.counter.played > 0 && jb.plc.lost < plcSilence {
		jb.concealInto(out)
		return
	}
	clear(out)
}

func (jb *jitterBuffer) concealInto(out []int16) {
	jb.plc.conceal(out)
	jb.counter.concealed += int64(len(out))
}

func abs32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}
