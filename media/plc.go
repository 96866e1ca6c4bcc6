package media

import "math"

// Packet loss concealment in the manner of ITU-T G.711 Appendix I: on an
// erasure, estimate the pitch period from the recent history, repeat the
// last pitch period(s) with an overlap-add at the joint, widen the repeated
// span to two and then three periods as the erasure grows, attenuate after
// the first 10 ms (20 % per 10 ms) and fall silent after 60 ms; on the first
// good samples after an erasure, cross-fade from the synthetic signal into
// the real one.

const (
	plcRate     = 8000
	plcHistLen  = 390                // 48.75 ms of history (3 × max pitch + 1/4 pitch + margin)
	plcMinPitch = plcRate / 200      // 40 samples: 200 Hz
	plcMaxPitch = plcRate / 66       // 121 samples: ~66 Hz
	plcCorrLen  = plcRate / 50       // 20 ms correlation window
	plcStep     = plcRate / 100      // 10 ms
	plcSilence  = 6 * plcStep        // 60 ms: concealment ends in silence
	plcFadeLen  = plcRate / 1000 * 4 // 4 ms extra cross-fade per 10 ms of erasure
)

type plc struct {
	hist   [plcHistLen]int16 // most recent output, oldest first
	filled int               // how much of hist is real
	lost   int               // samples concealed in the current erasure
	pitch  int
	pbuf   []int16 // the last 3 pitch periods at the start of the erasure
	phase  int
	synth  []int16 // scratch for the cross-fade at the end of an erasure
}

func (p *plc) push(x []int16) {
	if len(x) >= plcHistLen {
		copy(p.hist[:], x[len(x)-plcHistLen:])
	} else {
		copy(p.hist[:], p.hist[len(x):])
		copy(p.hist[plcHistLen-len(x):], x)
	}
	p.filled = min(plcHistLen, p.filled+len(x))
}

// good takes real decoded audio; after an erasure it cross-fades the start
// of x from the continued synthetic signal (in place).
func (p *plc) good(x []int16) {
	if p.lost > 0 && p.pitch > 0 {
		n := p.pitch/4 + plcFadeLen*(p.lost/plcStep)
		n = min(n, len(x))
		if cap(p.synth) < n {
			p.synth = make([]int16, n)
		}
		s := p.synth[:n]
		p.generate(s)
		for i := range n {
			w := float64(i+1) / float64(n+1)
			x[i] = clamp16(float64(s[i])*(1-w) + float64(x[i])*w)
		}
	}
	p.lost = 0
	p.push(x)
}

// conceal fills out with a synthetic continuation of the history.
func (p *plc) conceal(out []int16) {
	if p.lost == 0 {
		p.startErasure()
	}
	if p.pitch == 0 {
		clear(out)
		p.lost += len(out)
		p.push(out)
		return
	}
	p.generate(out)
	p.push(out)
}

func (p *plc) startErasure() {
	p.pitch = 0
	if p.filled < plcCorrLen+plcMaxPitch {
		return // not enough history: conceal with silence
	}
	p.pitch = findPitch(p.hist[:])
	n := 3 * p.pitch
	if cap(p.pbuf) < n {
		p.pbuf = make([]int16, n)
	}
	p.pbuf = p.pbuf[:n]
	copy(p.pbuf, p.hist[plcHistLen-n:])
	// Overlap-add the last quarter period before the pitch buffer's final
	// period with the history tail, so the first repetition joins smoothly.
	q := p.pitch / 4
	for i := range q {
		w := float64(i+1) / float64(q+1)
		a := float64(p.hist[plcHistLen-q+i])   // true signal end
		b := float64(p.pbuf[n-p.pitch-q+i])    // one period earlier
		p.pbuf[n-q+i] = clamp16(a*(1-w) + b*w) // tail leads into the repeat
	}
	p.phase = 0
}

// generate produces len(out) concealment samples and advances the erasure.
func (p *plc) generate(out []int16) {
	for i := range out {
		periods := 1 + p.lost/plcStep
		if periods > 3 {
			periods = 3
		}
		span := periods * p.pitch
		start := len(p.pbuf) - span
		v := float64(p.pbuf[start+p.phase%span])
		gain := 1.0
		if p.lost >= plcStep {
			gain = 1 - 0.2*float64(p.lost-plcStep)/float64(plcStep)
		}
		if p.lost >= plcSilence || gain < 0 {
			gain = 0
		}
		out[i] = clamp16(v * gain)
		p.phase++
		p.lost++
	}
}

// findPitch picks the lag (5–15 ms) that maximises the normalised
// correlation between the last 20 ms and the 20 ms one lag earlier.
func findPitch(h []int16) int {
	end := len(h)
	ref := h[end-plcCorrLen:]
	best, bestScore := plcMinPitch, -1.0
	for lag := plcMinPitch; lag <= plcMaxPitch && end-plcCorrLen-lag >= 0; lag++ {
		cand := h[end-plcCorrLen-lag : end-lag]
		var xy, yy float64
		for i := range ref {
			xy += float64(ref[i]) * float64(cand[i])
			yy += float64(cand[i]) * float64(cand[i])
		}
		if yy == 0 {
			continue
		}
		score := xy / sqrt(yy)
		if score > bestScore {
			best, bestScore = lag, score
		}
	}
	return best
}

func clamp16(v float64) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}

func sqrt(x float64) float64 { return math.Sqrt(x) }
