package media

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

const simFrame = 160 // 20 ms at 8 kHz

// rampValue is the sample a simulated sender puts at timestamp ts, so that
// real playout is a +1 ramp and any reorder or gap shows as a break.
func rampValue(ts uint32) int16 { return int16(ts & 0x3fff) }

type simNet struct {
	frames   int
	delay    func(i int, r *rand.Rand) time.Duration // one-way delay of frame i
	lost     func(i int, r *rand.Rand) bool
	seed     uint64
	baseTS   uint32
	popPhase time.Duration
}

type simOut struct {
	out     []int16
	jb      *jitterBuffer
	lost    int
	targets []time.Duration
	breaks  int // ramp discontinuities while playing real audio
	endedAt time.Duration
}

// run plays a seeded network through a jitter buffer on a virtual clock.
func (n simNet) run() simOut {
	r := rand.New(rand.NewPCG(n.seed, 42))
	type arrival struct {
		at time.Duration
		ts uint32
	}
	var arr []arrival
	res := simOut{}
	for i := range n.frames {
		if n.lost != nil && n.lost(i, r) {
			res.lost++
			continue
		}
		sent := time.Duration(i) * 20 * time.Millisecond
		arr = append(arr, arrival{at: sent + n.delay(i, r), ts: n.baseTS + uint32(i*simFrame)})
	}
	sort.SliceStable(arr, func(a, b int) bool { return arr[a].at < arr[b].at })
	jb := newJitterBuffer(8000, simFrame, 20*time.Millisecond, 200*time.Millisecond)
	pcm := make([]int16, simFrame)
	frame := make([]int16, simFrame)
	next := 0
	prevPlayed := false
	total := time.Duration(n.frames+20) * 20 * time.Millisecond
	now := n.popPhase
	for ; now < total+10*time.Second && (now < total || next < len(arr) || len(jb.pkts) > 0 || jb.started); now += 20 * time.Millisecond {
		for next < len(arr) && arr[next].at <= now {
			for k := range pcm {
				pcm[k] = rampValue(arr[next].ts + uint32(k))
			}
			jb.Push(7, arr[next].ts, pcm, uint32(arr[next].at*8000/time.Second))
			next++
		}
		before := jb.counter.played
		jb.Pop(frame)
		played := jb.counter.played == before+simFrame
		if played && prevPlayed {
			for k := range frame {
				var prev int16
				if k > 0 {
					prev = frame[k-1]
				} else if len(res.out) > 0 {
					prev = res.out[len(res.out)-1]
				} else {
					continue
				}
				if frame[k] != (prev+1)&0x3fff {
					res.breaks++
				}
			}
		}
		prevPlayed = played
		res.out = append(res.out, frame...)
		res.targets = append(res.targets, jb.Target())
	}
	res.jb = jb
	res.endedAt = now
	return res
}

func constDelay(d time.Duration) func(int, *rand.Rand) time.Duration {
	return func(int, *rand.Rand) time.Duration { return d }
}

func TestJitterBufferInOrder(t *testing.T) {
	res := simNet{frames: 200, delay: constDelay(30 * time.Millisecond), seed: 1, baseTS: 4294960000, popPhase: 7 * time.Millisecond}.run()
	c := res.jb.counter
	if c.concealed != plcSilence || c.late != 0 || res.breaks != 0 || c.played != 200*simFrame {
		t.Fatalf("clean network across a timestamp wrap: %+v breaks %d", c, res.breaks)
	}
	if got := res.jb.Target(); got != 20*time.Millisecond {
		t.Errorf("target %v with zero jitter, want the 20 ms floor", got)
	}
}

// Every third packet is overtaken by the next one: the buffer puts them
// back in order and plays everything.
func TestJitterBufferReorders(t *testing.T) {
	res := simNet{frames: 300, seed: 2, popPhase: 3 * time.Millisecond, delay: func(i int, _ *rand.Rand) time.Duration {
		if i%3 == 0 {
			return 35 * time.Millisecond
		}
		return 5 * time.Millisecond
	}}.run()
	c := res.jb.counter
	if c.late != 0 || res.breaks != 0 || c.played != 300*simFrame {
		t.Fatalf("reordered packets not restored: %+v breaks %d", c, res.breaks)
	}
}

// Seeded 5 % random loss: every lost frame is concealed, nothing else.
func TestJitterBufferConcealsLoss(t *testing.T) {
	res := simNet{frames: 1000, seed: 3, popPhase: 5 * time.Millisecond, delay: constDelay(10 * time.Millisecond),
		lost: func(i int, r *rand.Rand) bool { return i > 0 && i < 999 && r.Float64() < 0.05 }}.run()
	c := res.jb.counter
	if res.lost < 30 {
		t.Fatalf("seed gave only %d losses", res.lost)
	}
	// Each lost frame is concealed once, plus the 60 ms of concealment
	// after the stream's end.
	if c.late != 0 || c.concealed != int64(res.lost*simFrame+plcSilence) || c.played != int64((1000-res.lost)*simFrame) {
		t.Fatalf("lost %d frames: %+v", res.lost, c)
	}
}

// Seeded jitter (uniform 0–100 ms): the target grows from the floor,
// stays within 200 ms, and few packets arrive too late; when the network
// calms down the target comes back down.
func TestJitterBufferAdaptsToJitter(t *testing.T) {
	const n = 1500
	res := simNet{frames: n, seed: 4, popPhase: 11 * time.Millisecond, delay: func(i int, r *rand.Rand) time.Duration {
		if i < 1000 {
			return time.Duration(r.Float64() * float64(100*time.Millisecond))
		}
		return 40 * time.Millisecond // calm
	}}.run()
	c := res.jb.counter
	peak := time.Duration(0)
	for _, tg := range res.targets[:1000] {
		peak = max(peak, tg)
	}
	if peak < 80*time.Millisecond || peak > 200*time.Millisecond {
		t.Errorf("target peaked at %v under 0–100 ms jitter, want 80–200 ms", peak)
	}
	if late := float64(c.late) / n; late > 0.03 {
		t.Errorf("%.1f%% of packets late (%+v)", late*100, c)
	}
	if end := res.targets[len(res.targets)-1]; end > 40*time.Millisecond {
		t.Errorf("target stayed at %v after the jitter stopped", end)
	}
}

// Delay spikes far beyond 200 ms: the target is capped and packets older
// than the playout point are dropped and counted, not played out of order.
func TestJitterBufferDropsLate(t *testing.T) {
	res := simNet{frames: 400, seed: 5, popPhase: 2 * time.Millisecond, delay: func(i int, r *rand.Rand) time.Duration {
		if i%50 == 25 {
			return 900 * time.Millisecond
		}
		return 10 * time.Millisecond
	}}.run()
	c := res.jb.counter
	if c.late == 0 {
		t.Fatalf("no late drops: %+v", c)
	}
	for _, tg := range res.targets {
		if tg > 200*time.Millisecond || tg < 20*time.Millisecond {
			t.Fatalf("target %v outside 20–200 ms", tg)
		}
	}
	// The only breaks allowed are the frames deliberately skipped to shrink
	// the delay again after the spike.
	if res.breaks > int(c.skipped) {
		t.Errorf("%d ramp breaks but %d skips: a late packet was played out of order", res.breaks, c.skipped)
	}
}

// The PLC continues a voiced-like sine at its pitch, fades, goes silent
// after 60 ms, and joins the real signal again without a click.
func TestPLCContinuesPitch(t *testing.T) {
	var p plc
	const f = 250.0 // 32-sample period
	gen := func(from, n int) []int16 {
		x := make([]int16, n)
		for i := range x {
			x[i] = int16(8000 * math.Sin(2*math.Pi*f*float64(from+i)/8000))
		}
		return x
	}
	p.good(gen(0, 800))
	first := make([]int16, 80) // first 10 ms of the erasure
	p.conceal(first)
	// The repetition joins the history without a click: the first
	// concealed sample continues the waveform's slope.
	if want := gen(800, 1)[0]; math.Abs(float64(first[0])-float64(want)) > 1600 {
		t.Errorf("erasure starts at %d, the signal would be at %d", first[0], want)
	}
	if p.pitch%32 != 0 {
		t.Errorf("pitch %d samples, want a multiple of 32", p.pitch)
	}
	if r := rms(first); r < 4000 {
		t.Errorf("first 10 ms concealed at RMS %.0f, want close to the signal's 5657", r)
	}
	if got := dominantFrequency(first); math.Abs(got-f) > 50 {
		t.Errorf("concealment at %.0f Hz, want %.0f", got, f)
	}
	rest := make([]int16, 480)
	p.conceal(rest)
	if r1, r2 := rms(rest[:80]), rms(rest[240:320]); !(r2 < r1) {
		t.Errorf("no attenuation: %.0f then %.0f", r1, r2)
	}
	if r := rms(rest[400:]); r != 0 {
		t.Errorf("still %.0f RMS after 60 ms of erasure, want silence", r)
	}
	// Resume after a short erasure: the cross-fade avoids a jump.
	var q plc
	q.good(gen(0, 800))
	lost := make([]int16, 160)
	q.conceal(lost)
	back := gen(960, 160)
	q.good(back)
	jump := math.Abs(float64(back[0]) - float64(lost[159]))
	if jump > 3000 {
		t.Errorf("resume jumps by %.0f", jump)
	}
}

// Every simulation drains: once packets stop, the buffer empties and goes
// back to waiting (no endless concealment).
func TestJitterBufferDrains(t *testing.T) {
	for _, n := range []simNet{
		{frames: 100, seed: 6, delay: constDelay(0)},
		{frames: 300, seed: 7, delay: func(i int, r *rand.Rand) time.Duration { return time.Duration(r.IntN(150)) * time.Millisecond }},
	} {
		res := n.run()
		limit := time.Duration(n.frames+20)*20*time.Millisecond + 2*time.Second
		if res.endedAt >= limit || res.jb.started {
			t.Errorf("seed %d: still playing at %v (%+v)", n.seed, res.endedAt, res.jb.counter)
		}
	}
}
