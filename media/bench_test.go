package media

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// framePipeline is one 20 ms frame through the whole receive chain:
// encode → RTP → protect → unprotect → parse → jitter buffer → decode
// (G.711 decode happens on push, playout on pop).
type framePipeline struct {
	codec  Codec
	tx, rx *srtpCipher
	cnt    cryptoCounters
	jb     *jitterBuffer
	pcm    []int16
	out    []int16
	enc    []byte
	wire   []byte
	dec    []byte
	dpcm   []int16
	seq    uint16
	ts     uint32
}

func newFramePipeline(tb testing.TB, suite Suite) *framePipeline {
	p := &framePipeline{codec: CodecPCMU, jb: newJitterBuffer(8000, 160, 20*time.Millisecond, 200*time.Millisecond),
		pcm: make([]int16, 160), out: make([]int16, 160), dpcm: make([]int16, 160),
		enc: make([]byte, 0, 200), wire: make([]byte, 0, 300), dec: make([]byte, 0, 300)}
	(&toneSource{freq: 1000}).ReadFrame(p.pcm)
	if suite != SuiteUnknown {
		var err error
		if p.tx, err = newCipher(testKey(suite), false); err != nil {
			tb.Fatal(err)
		}
		if p.rx, err = newCipher(testKey(suite), true); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

func (p *framePipeline) frame(tb testing.TB) {
	payload := p.codec.encode(p.enc[:0], p.pcm)
	h := rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: 1}
	raw, _ := h.Marshal()
	raw = append(raw, payload...)
	pkt := raw
	var err error
	if p.tx != nil {
		if pkt, err = p.tx.encryptRTP(p.wire[:0], raw); err != nil {
			tb.Fatal(err)
		}
		if pkt, err = p.rx.decryptRTP(p.dec[:0], pkt, nil, &p.cnt); err != nil {
			tb.Fatal(err)
		}
	}
	var rp rtp.Packet
	if err := rp.Unmarshal(pkt); err != nil {
		tb.Fatal(err)
	}
	p.codec.decode(p.dpcm, rp.Payload)
	p.jb.Push(1, rp.Timestamp, p.dpcm[:len(rp.Payload)], p.ts)
	p.jb.Pop(p.out)
	p.seq++
	p.ts += 160
}

// BenchmarkFramePipeline times one 20 ms frame per suite. The same chain
// over plain RTP runs interleaved frame by frame in the same loop (so both
// see the same machine load) and the cost of SRTP is reported as the ratio
// x_plain, with both per-frame times.
func BenchmarkFramePipeline(b *testing.B) {
	for _, suite := range DefaultSuites() {
		b.Run(suite.String(), func(b *testing.B) {
			srtpP, plainP := newFramePipeline(b, suite), newFramePipeline(b, SuiteUnknown)
			var srtpT, plainT time.Duration
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				srtpP.frame(b)
				t1 := time.Now()
				plainP.frame(b)
				t2 := time.Now()
				srtpT += t1.Sub(t0)
				plainT += t2.Sub(t1)
			}
			if plainT > 0 {
				b.ReportMetric(float64(srtpT)/float64(plainT), "x_plain")
			}
			b.ReportMetric(float64(srtpT)/float64(b.N), "srtp_ns/frame")
			b.ReportMetric(float64(plainT)/float64(b.N), "plain_ns/frame")
		})
	}
}

// The pipeline used by the benchmark really delivers the tone.
func TestFramePipelineDelivers(t *testing.T) {
	for _, s := range append([]Suite{SuiteUnknown}, DefaultSuites()...) {
		p := newFramePipeline(t, s)
		var got []int16
		for range 60 {
			p.frame(t)
			got = append(got, p.out...)
		}
		if f := dominantFrequency(got[1600:]); f != 1000 {
			t.Errorf("%v: pipeline output at %.0f Hz", s, f)
		}
	}
}
