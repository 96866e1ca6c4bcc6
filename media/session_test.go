package media

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"
)

// Two sessions on loopback exchange tones in both directions; each side
// must hear the other's frequency (Goertzel), for every suite and codec.
func TestLoopbackToneEverySuiteAndCodec(t *testing.T) {
	for _, suite := range DefaultSuites() {
		for _, codec := range DefaultCodecs() {
			t.Run(fmt.Sprintf("%s/%s", suite, codec), func(t *testing.T) {
				t.Parallel()
				cfg := Config{Suites: []Suite{suite}, Codecs: []Codec{codec}}
				a, b := newSession(t, cfg), newSession(t, cfg)
				na, nb := negotiate(t, a, b)
				if !na.Secure || na.Suite != suite || nb.Suite != suite || na.Codec != codec || nb.Codec != codec {
					t.Fatalf("negotiated %+v / %+v", na, nb)
				}
				const fa, fb = 1000.0, 1500.0
				sinkA, sinkB := newRecordSink(8000), newRecordSink(8000)
				ctx := context.Background()
				if err := a.Start(ctx, &toneSource{freq: fa}, sinkA); err != nil {
					t.Fatal(err)
				}
				if err := b.Start(ctx, &toneSource{freq: fb}, sinkB); err != nil {
					t.Fatal(err)
				}
				waitFull(t, sinkA, "a")
				waitFull(t, sinkB, "b")
				if got := dominantFrequency(sinkA.snapshot()); math.Abs(got-fb) > 25 {
					t.Errorf("a hears %.0f Hz, want %.0f", got, fb)
				}
				if got := dominantFrequency(sinkB.snapshot()); math.Abs(got-fa) > 25 {
					t.Errorf("b hears %.0f Hz, want %.0f", got, fa)
				}
				sa := a.Stats()
				if sa.Suite != suite.String() || sa.Codec != codec.String() || sa.Received == 0 || sa.SRTPAuthFailures != 0 {
					t.Errorf("stats %+v", sa)
				}
			})
		}
	}
}

func waitFull(t *testing.T, r *recordSink, name string) {
	t.Helper()
	select {
	case <-r.full:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: sink never filled (%d loud samples)", name, r.loud)
	}
}
