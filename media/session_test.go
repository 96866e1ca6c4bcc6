package media

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/pion/rtp"
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

// Policy pairs end to end: who ends up with SRTP, and audio still flows.
func TestLoopbackPolicies(t *testing.T) {
	tests := []struct {
		offerer, answerer Policy
		secure            bool
	}{
		{PolicyOptional, PolicyMandatory, true}, // best-effort offer upgraded
		{PolicyOptional, PolicyOptional, true},
		{PolicyOptional, PolicyOff, false},
		{PolicyOff, PolicyOptional, false},
		{PolicyOff, PolicyOff, false},
	}
	for _, tt := range tests {
		t.Run(tt.offerer.String()+"-"+tt.answerer.String(), func(t *testing.T) {
			t.Parallel()
			a, b := newSession(t, Config{Policy: tt.offerer}), newSession(t, Config{Policy: tt.answerer})
			na, nb := negotiate(t, a, b)
			if na.Secure != tt.secure || nb.Secure != tt.secure {
				t.Fatalf("secure: offerer %v answerer %v, want %v", na.Secure, nb.Secure, tt.secure)
			}
			sink := newRecordSink(4000)
			if err := a.Start(context.Background(), nil, sink); err != nil {
				t.Fatal(err)
			}
			if err := b.Start(context.Background(), &toneSource{freq: 2000}, nil); err != nil {
				t.Fatal(err)
			}
			waitFull(t, sink, "a")
			if got := dominantFrequency(sink.snapshot()); got != 2000 {
				t.Errorf("a hears %.0f Hz", got)
			}
		})
	}
	// Mandatory never talks to plain: the offer side refuses too.
	a, b := newSession(t, Config{Policy: PolicyMandatory}), newSession(t, Config{Policy: PolicyOff})
	offer, _ := a.Offer()
	if _, _, err := b.Answer(offer); err == nil {
		t.Fatal("off answered an RTP/SAVP offer")
	}
	offer, _ = b.Offer()
	_, _, err := a.Answer(offer)
	var ne *NegotiationError
	if !errors.As(err, &ne) || ne.Status != 488 || ne.WarningCode != 305 {
		t.Fatalf("mandatory answered a plain offer: %v", err)
	}
}

// Start, Close and misuse: clear errors, no goroutines left (TestMain).
func TestSessionLifecycle(t *testing.T) {
	s := newSession(t, Config{})
	if err := s.Start(context.Background(), nil, nil); !errors.Is(err, ErrNotNegotiated) {
		t.Errorf("start before negotiation: %v", err)
	}
	if err := s.SendDTMF(context.Background(), "1", 0); err == nil {
		t.Error("dtmf before start accepted")
	}
	if _, err := s.AcceptAnswer([]byte("v=0")); err == nil {
		t.Error("answer without offer accepted")
	}
	b := newSession(t, Config{})
	negotiate(t, s, b)
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx, nil, nil); !errors.Is(err, ErrAlreadyStarted) {
		t.Errorf("second start: %v", err)
	}
	cancel()
	if err := s.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if _, ok := <-s.Events(); ok {
		t.Error("events channel not closed")
	}
	if _, err := s.Offer(); !errors.Is(err, ErrClosed) {
		t.Errorf("offer after close: %v", err)
	}
	for _, bad := range []Config{{PTime: 25 * time.Millisecond}, {Port: 5001}, {DTMFPayloadType: 20}, {Suites: []Suite{Suite(99)}}, {JitterMin: time.Second, JitterMax: time.Millisecond}} {
		if _, err := NewSession(context.Background(), bad); err == nil {
			t.Errorf("config %+v accepted", bad)
		}
	}
}

// The tick goroutine keeps real time: a late wake-up processes the frames
// it owes, a very late one skips (timestamps still advance), an early one
// waits.
func TestFramesDue(t *testing.T) {
	const pt = 20 * time.Millisecond
	for _, tt := range []struct {
		elapsed   time.Duration
		done      int64
		run, skip int64
	}{
		{20 * time.Millisecond, 0, 1, 0},
		{19 * time.Millisecond, 0, 1, 0}, // a slightly early tick
		{39 * time.Millisecond, 1, 1, 0},
		{25 * time.Millisecond, 1, 0, 0},  // nothing owed yet
		{61 * time.Millisecond, 1, 2, 0},  // woke a frame late: catch up
		{100 * time.Millisecond, 0, 5, 0}, // the most one wake-up does
		{500 * time.Millisecond, 2, 1, 22},
	} {
		run, skip := framesDue(tt.elapsed, pt, tt.done)
		if run != tt.run || skip != tt.skip {
			t.Errorf("elapsed %v done %d: run %d skip %d, want %d %d", tt.elapsed, tt.done, run, skip, tt.run, tt.skip)
		}
	}
}

// A peer that switches to the other G.711 law (static payload type 8 while
// PCMU was negotiated) is still decoded correctly.
func TestOtherG711LawDecoded(t *testing.T) {
	a, b := newSession(t, Config{Codecs: []Codec{CodecPCMU}}), newSession(t, Config{})
	negotiate(t, a, b)
	p := a.params.Load()
	tone := &toneSource{freq: 1000}
	frame := make([]int16, 160)
	dec := make([]byte, maxPacket)
	for i := range 30 {
		tone.ReadFrame(frame)
		h := rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: uint16(i), Timestamp: uint32(i * 160), SSRC: 5}
		raw, _ := h.Marshal()
		raw = CodecPCMA.encode(raw, frame)
		pkt, err := a.tx.Load().encryptRTP(nil, raw)
		if err != nil {
			t.Fatal(err)
		}
		b.handleRTP(pkt, dec, p.neg.Remote)
	}
	var got []int16
	out := make([]int16, 160)
	b.rx.mu.Lock()
	for range 10 {
		b.rx.jb.Pop(out)
		got = append(got, out...)
	}
	b.rx.mu.Unlock()
	if r := rms(got); r < 5000 {
		t.Fatalf("PCMA packets played at RMS %.0f", r)
	}
	if f := dominantFrequency(got); f != 1000 {
		t.Errorf("PCMA packets decoded to %.0f Hz", f)
	}
}
