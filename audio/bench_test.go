package audio

import (
	"io"
	"log/slog"
	"math"
	"syscall"
	"testing"
	"time"
)

// benchDuplex measures the CPU cost of one second of duplex call audio at
// 8 kHz against 48 kHz devices: 100 capture periods (downmix, resample,
// gain, echo cancellation, noise suppression, AGC, meter, queue) and 100
// playback periods (queue, reference, meter, resample, upmix), with speech
// in both directions. It reports ms of CPU per second of audio.
func benchDuplex(b *testing.B, cfg DuplexConfig) {
	cfg.CodecRate = 8000
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	d, aec, err := newDuplex(nil, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer aec.Close()
	capc := newCaptureChain(d, aec, 48000)
	play := newPlaybackChain(d, 48000)
	mic := toPCM(speechLike(3, 48000, 48000, 0.1))
	far := toPCM(speechLike(4, 8000, 8000, 0.1))
	out := make([]int16, 480)
	engineIn := make([]int16, 160)
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		for p := 0; p < 100; p++ {
			if p%2 == 0 { // the engine: one 20 ms frame each way
				d.Sink().WriteFrame(far[p*80 : p*80+160])
				d.Source().ReadFrame(engineIn)
			}
			play.fill(out, 1, 480)
			capc.process(mic[p*480:(p+1)*480], 1)
		}
	}
	// CPU time of the process (not wall time: the machine may be busy).
	perSec := float64((processCPU() - cpu0).Nanoseconds()) / float64(b.N) / 1e6
	b.ReportMetric(perSec, "cpu-ms/s-audio")
	b.ReportMetric(perSec/10, "%core")
}

// processCPU is the user+system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDuplexAECOn and BenchmarkDuplexAECOff give the cost of the echo
// canceller as the ratio of their cpu-ms/s-audio.
func BenchmarkDuplexAECOn(b *testing.B)  { benchDuplex(b, DuplexConfig{}) }
func BenchmarkDuplexAECOff(b *testing.B) { benchDuplex(b, DuplexConfig{NoEchoCancel: true}) }

// BenchmarkDuplexBare is the chain with all processing off (resampling,
// queues and meters only).
func BenchmarkDuplexBare(b *testing.B) {
	benchDuplex(b, DuplexConfig{NoEchoCancel: true, NoNoiseSuppress: true, NoAGC: true})
}

// The benchmark's harness really moves audio: one second in gives one
// second out on each side.
func TestDuplexChainsMoveAudio(t *testing.T) {
	d, aec, err := newDuplex(nil, DuplexConfig{CodecRate: 8000, NoNoiseSuppress: true, NoAGC: true, NoEchoCancel: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer aec.Close()
	capc := newCaptureChain(d, aec, 48000)
	in := make([]int16, 480)
	n := 0
	var got []int16
	frame := make([]int16, 160)
	for p := 0; p < 100; p++ {
		for i := range in {
			in[i] = int16(10000 * math.Sin(2*math.Pi*1000*float64(n)/48000))
			n++
		}
		capc.process(in, 1)
		if p%2 == 1 {
			d.Source().ReadFrame(frame)
			got = append(got, frame...)
		}
	}
	if st := d.Stats(); st.Captured < 7900 || st.CaptureShort > 160 {
		t.Fatalf("stats %+v", st)
	}
	fl := Int16ToFloat(nil, got[2000:])
	tone, total := toneRMS(fl, 8000, 1000)
	if tone < 0.2 || tone < 0.99*total {
		t.Fatalf("1 kHz through the capture chain at RMS %.3f of %.3f", tone, total)
	}
}
