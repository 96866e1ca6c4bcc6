package media

import (
	"context"
	"strings"
	"testing"
	"time"
)

// RTCP flows both ways, with and without rtcp-mux (baresip runs without):
// each side learns an RTT from LSR/DLSR and the peer's view of its stream.
func TestRTCPExchange(t *testing.T) {
	for _, mux := range []bool{true, false} {
		name := "mux"
		if !mux {
			name = "separate-port"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{RTCPInterval: 60 * time.Millisecond} // short, to keep the test short
			a, b := newSession(t, cfg), newSession(t, cfg)
			offer, err := a.Offer()
			if err != nil {
				t.Fatal(err)
			}
			if !mux {
				offer = []byte(strings.Replace(string(offer), "a=rtcp-mux\r\n", "", 1))
			}
			answer, nb, err := b.Answer(offer)
			if err != nil {
				t.Fatal(err)
			}
			na, err := a.AcceptAnswer(answer)
			if err != nil {
				t.Fatal(err)
			}
			if na.RTCPMux != mux || nb.RTCPMux != mux {
				t.Fatalf("rtcp-mux negotiated %v/%v, want %v", na.RTCPMux, nb.RTCPMux, mux)
			}
			if !mux && (na.RemoteRTCP.Port() != b.LocalAddr().Port()+1 || nb.RemoteRTCP.Port() != a.LocalAddr().Port()+1) {
				t.Fatalf("rtcp ports %v %v", na.RemoteRTCP, nb.RemoteRTCP)
			}
			ctx := context.Background()
			if err := a.Start(ctx, &toneSource{freq: 500}, nil); err != nil {
				t.Fatal(err)
			}
			if err := b.Start(ctx, &toneSource{freq: 600}, nil); err != nil {
				t.Fatal(err)
			}
			for _, s := range []*Session{a, b} {
				waitFor(t, "rtcp round trip", func() bool {
					st := s.Stats()
					return st.RTCPReceived >= 3 && st.RTTMS > 0 && st.MOS > 4
				}, func() any { return s.Stats() })
			}
			st := a.Stats()
			if st.SRTPAuthFailures != 0 || st.Replays != 0 || st.RemoteLost != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// A peer sending 32-bit SRTCP tags under _32 (libre) is understood without
// a single counted failure, and we answer in kind.
func TestRTCPShortTagPeer(t *testing.T) {
	cfg := Config{Suites: []Suite{SuiteAESCM128HMACSHA1_32}, RTCPInterval: 60 * time.Millisecond}
	a, b := newSession(t, cfg), newSession(t, cfg)
	negotiate(t, a, b)
	b.shortSRTCPTags.Store(true) // b behaves like libre from the start
	ctx := context.Background()
	if err := a.Start(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Session{a, b} {
		waitFor(t, "rtcp both ways", func() bool { return s.Stats().RTCPReceived >= 3 && s.Stats().RTTMS > 0 }, func() any { return s.Stats() })
	}
	if !a.shortSRTCPTags.Load() {
		t.Error("a did not switch to 32-bit SRTCP tags")
	}
	for _, s := range []*Session{a, b} {
		if st := s.Stats(); st.SRTCPAuthFailures != 0 || st.SRTPAuthFailures != 0 {
			t.Errorf("failures counted: %+v", st)
		}
	}
}

// Close sends an RTCP BYE (RFC 3550 §6.6) the peer notices.
func TestCloseSendsBye(t *testing.T) {
	a, b := newSession(t, Config{}), newSession(t, Config{})
	negotiate(t, a, b)
	ctx := context.Background()
	if err := a.Start(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a latched", func() bool { return a.latched.Load() != nil }, func() any { return a.Stats() })
	if b.Stats().RemoteBye {
		t.Fatal("bye before close")
	}
	a.Close()
	waitFor(t, "bye at b", func() bool { return b.Stats().RemoteBye }, func() any { return b.Stats() })
}
