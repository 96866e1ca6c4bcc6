package audio

import (
	"math"
	"time"
)

// captureChain turns device periods (native rate, interleaved) into
// processed 10 ms codec-rate blocks for the engine: downmix, resample, mic
// gain, echo cancellation against the played reference, noise suppression
// and AGC, meter, bounded queue.
type captureChain struct {
	d      *Duplex
	aec    *EchoCanceller
	rs     *Resampler
	fl     []float32
	acc    []float32
	frame  []int16
	far    []int16
	aecWas bool
}

func newCaptureChain(d *Duplex, aec *EchoCanceller, devRate int) *captureChain {
	c := &captureChain{d: d, aec: aec, frame: make([]int16, d.block), far: make([]int16, d.block), aecWas: true}
	c.restart(devRate)
	return c
}

// restart begins a new device stream: new rate, new echo path.
func (c *captureChain) restart(devRate int) {
	c.rs, _ = NewResampler(devRate, c.d.cfg.CodecRate)
	c.acc = c.acc[:0]
	c.aec.Reset()
	c.d.farQ.trim(0)
}

func (c *captureChain) process(buf []int16, channels int) {
	d := c.d
	c.fl = downmix(c.fl[:0], buf, channels)
	c.acc = c.rs.Process(c.fl, c.acc)
	g := math.Float64frombits(d.micGain.Load())
	i := 0
	for ; i+d.block <= len(c.acc); i += d.block {
		for j, v := range c.acc[i : i+d.block] {
			c.frame[j] = sat16(float64(v) * 32768 * g)
		}
		if on := d.aecOn.Load(); on != c.aecWas {
			c.aec.SetEchoCancel(on)
			c.aecWas = on
		}
		// One reference block per microphone block keeps the alignment
		// constant while both devices run. The reference must not fall
		// behind the echo (the echo in this block was played earlier than
		// the newest reference by the devices' latency, which the filter's
		// tail covers), so a backlog above 60 ms is cut to 30 ms; cutting
		// only then, not every block, spares the filter a re-learn.
		if d.farQ.len() > 6*d.block {
			d.farQ.trim(3 * d.block)
		}
		d.farQ.pop(c.far)
		c.aec.Process(c.frame, c.far, c.frame)
		d.micMeter.Update(c.frame)
		d.capQ.push(c.frame)
		d.capQ.govern(d.block, d.cfg.CodecRate/2, d.latencyTarget(), d.block)
		d.captured.Add(uint64(d.block))
	}
	c.acc = c.acc[:copy(c.acc, c.acc[i:])]
}

// playbackChain fills device periods from the engine's audio (silence when
// there is none), keeping what it plays as the echo reference.
type playbackChain struct {
	d       *Duplex
	rs      *Resampler
	pending []float32
	block   []int16
	fblock  []float32
}

func newPlaybackChain(d *Duplex, devRate int) *playbackChain {
	c := &playbackChain{d: d, block: make([]int16, d.block), fblock: make([]float32, 0, d.block)}
	c.restart(devRate)
	return c
}

func (c *playbackChain) restart(devRate int) {
	c.rs, _ = NewResampler(c.d.cfg.CodecRate, devRate)
	c.pending = c.pending[:0]
}

// fill writes period frames of channels interleaved channels into buf.
func (c *playbackChain) fill(buf []int16, channels, period int) {
	d := c.d
	for len(c.pending) < period {
		d.playQ.govern(d.block, d.cfg.CodecRate/2, d.latencyTarget(), d.block)
		d.playQ.pop(c.block)
		d.farQ.push(c.block)
		d.spkMeter.Update(c.block)
		d.played.Add(uint64(d.block))
		c.pending = c.rs.Process(Int16ToFloat(c.fblock[:0], c.block), c.pending)
	}
	upmix(buf, c.pending[:period], channels)
	c.pending = c.pending[:copy(c.pending, c.pending[period:])]
}

// latencyTarget is the standing queue depth tolerated between a device and
// the engine (samples): a healthy queue empties to less than one 20 ms
// engine frame once in a while. A backlog above it that stands for half a
// second is cut to one 10 ms block.
func (d *Duplex) latencyTarget() int {
	return int((20 * time.Millisecond).Seconds() * float64(d.cfg.CodecRate))
}
