package media

import (
	"math"
	"time"
)

// The E-model (ITU-T G.107) reduced to what a G.711 softphone can measure:
// R = R0 − Is − Id − Ie,eff + A with the default R0 − Is = 93.2, A = 0.

// g711 equipment impairment (G.113 Appendix I): Ie = 0, and the packet-loss
// robustness Bpl = 25.1 with PLC (4.3 without).
const (
	g711Ie  = 0.0
	g711Bpl = 25.1
)

// rFactor computes R from the one-way mouth-to-ear delay and the packet loss
// percentage (random loss, BurstR = 1).
func rFactor(delay time.Duration, lossPct float64) float64 {
	d := float64(delay) / float64(time.Millisecond)
	id := 0.024 * d
	if d > 177.3 {
		id += 0.11 * (d - 177.3)
	}
	ieEff := g711Ie + (95-g711Ie)*lossPct/(lossPct+g711Bpl)
	return 93.2 - id - ieEff
}

// mosFromR maps R to an estimated MOS (G.107 Annex B).
func mosFromR(r float64) float64 {
	switch {
	case r <= 0:
		return 1
	case r >= 100:
		return 4.5
	}
	return 1 + 0.035*r + r*(r-60)*(100-r)*7e-6
}

// estimateMOS combines network delay (half the RTT, or a guess when no RTT
// is known), the jitter buffer delay and the loss into a MOS estimate.
func estimateMOS(rtt, bufferDelay, ptime time.Duration, lossPct float64) float64 {
	oneWay := rtt / 2
	delay := oneWay + bufferDelay + ptime // packetisation
	return math.Round(mosFromR(rFactor(delay, lossPct))*100) / 100
}
