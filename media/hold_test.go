package media

import (
	"context"
	"math"
	"testing"
	"time"
)

// Hold by re-INVITE, both as holder and held: sendonly/recvonly stops the
// held side's media, inactive stops both, sendrecv resumes both.
func TestHoldDirections(t *testing.T) {
	a, b := newSession(t, Config{}), newSession(t, Config{})
	negotiate(t, a, b)
	sinkA, sinkB := newRecordSink(800), newRecordSink(800)
	ctx := context.Background()
	if err := a.Start(ctx, &toneSource{freq: 700}, sinkA); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx, &toneSource{freq: 1200}, sinkB); err != nil {
		t.Fatal(err)
	}
	waitFull(t, sinkA, "a")
	waitFull(t, sinkB, "b")

	hold := func(dir Direction) (Negotiated, Negotiated) {
		t.Helper()
		offer, err := a.SetDirection(dir)
		if err != nil {
			t.Fatal(err)
		}
		answer, nb, err := b.Answer(offer)
		if err != nil {
			t.Fatal(err)
		}
		na, err := a.AcceptAnswer(answer)
		if err != nil {
			t.Fatal(err)
		}
		return na, nb
	}
	// stopped lets both tick goroutines pick up the new parameters, then
	// checks that s sends nothing over ten more of its ticks.
	stopped := func(s *Session, name string, other *Session) {
		t.Helper()
		waitForTicks(t, s, 3)
		waitForTicks(t, other, 3)
		before := s.Stats().Sent
		waitForTicks(t, s, 10)
		if after := s.Stats().Sent; after != before {
			t.Errorf("%s still sends on hold: %d → %d", name, before, after)
		}
	}
	sending := func(s *Session, name string) {
		t.Helper()
		before := s.Stats().Sent
		waitFor(t, name+" sending", func() bool { return s.Stats().Sent >= before+10 }, func() any { return s.Stats() })
	}

	na, nb := hold(DirectionSendOnly)
	if na.Direction != DirectionSendOnly || nb.Direction != DirectionRecvOnly {
		t.Fatalf("sendonly hold: a %v b %v", na.Direction, nb.Direction)
	}
	stopped(b, "b (held, recvonly)", a)
	sending(a, "a (holder, sendonly)")

	na, nb = hold(DirectionInactive)
	if na.Direction != DirectionInactive || nb.Direction != DirectionInactive {
		t.Fatalf("inactive: a %v b %v", na.Direction, nb.Direction)
	}
	stopped(a, "a (inactive)", b)
	stopped(b, "b (inactive)", a)

	// The held side can hold too (b offers recvonly ⇒ a answers sendonly).
	offer, err := b.SetDirection(DirectionRecvOnly)
	if err != nil {
		t.Fatal(err)
	}
	answer, naa, err := a.Answer(offer)
	if err != nil {
		t.Fatal(err)
	}
	if naa.Direction != DirectionInactive {
		t.Errorf("a wants inactive, b offers recvonly ⇒ a answers inactive, got %v", naa.Direction)
	}
	if _, err := b.AcceptAnswer(answer); err != nil {
		t.Fatal(err)
	}
	b.SetDirection(DirectionSendRecv) // b's wish back to normal; a resumes:
	na, nb = hold(DirectionSendRecv)
	if na.Direction != DirectionSendRecv || nb.Direction != DirectionSendRecv {
		t.Fatalf("resume: a %v b %v", na.Direction, nb.Direction)
	}
	sending(a, "a resumed")
	sending(b, "b resumed")
	// After resuming, a hears b's tone again.
	sinkA.mu.Lock()
	sinkA.samples = nil
	sinkA.mu.Unlock()
	waitFor(t, "a hears b again", func() bool { return len(sinkA.snapshot()) >= 1600 }, func() any { return a.Stats() })
	tail := sinkA.snapshot()
	if got := dominantFrequency(tail[len(tail)-800:]); math.Abs(got-1200) > 25 {
		t.Errorf("after resume a hears %.0f Hz, want 1200", got)
	}
}

// waitForTicks waits until s's tick goroutine has run n more times (it
// writes one frame to the sink per tick; RTCP and sent counters may be
// frozen on hold, so count the playout side).
func waitForTicks(t *testing.T, s *Session, n int) {
	t.Helper()
	start := s.ticks.Load()
	waitFor(t, "ticks", func() bool { return s.ticks.Load() >= start+int64(n) }, func() any { return s.ticks.Load() })
}

// A short no-media timeout raises EventNoMedia with reason "no media";
// media arriving afterwards raises EventMediaResumed.
func TestNoMediaTimeout(t *testing.T) {
	a := newSession(t, Config{NoMediaTimeout: 150 * time.Millisecond})
	b := newSession(t, Config{})
	negotiate(t, a, b)
	ctx := context.Background()
	if err := a.Start(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, a, EventNoMedia)
	if ev.Reason != "no media" {
		t.Fatalf("reason %q", ev.Reason)
	}
	if err := b.Start(ctx, &toneSource{freq: 300}, nil); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, a, EventMediaResumed)
}

func nextEvent(t *testing.T, s *Session, kind EventKind) Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				t.Fatalf("events closed before %v", kind)
			}
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %v event", kind)
		}
	}
}

// Mute keeps packets flowing but carries silence; unmute brings the tone
// back.
func TestMute(t *testing.T) {
	a, b := newSession(t, Config{}), newSession(t, Config{})
	negotiate(t, a, b)
	sink := newRecordSink(800)
	if err := a.Start(context.Background(), &toneSource{freq: 900}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background(), nil, sink); err != nil {
		t.Fatal(err)
	}
	waitFull(t, sink, "b")
	a.Mute(true)
	sent := a.Stats().Sent
	mark := len(sink.snapshot())
	waitFor(t, "muted audio", func() bool { return len(sink.snapshot()) >= mark+4000 }, func() any { return b.Stats() })
	got := sink.snapshot()
	if r := rms(got[len(got)-1600:]); r > 10 {
		t.Errorf("muted stream still carries RMS %.0f", r)
	}
	if a.Stats().Sent <= sent {
		t.Error("mute stopped the packets")
	}
	a.Mute(false)
	mark = len(sink.snapshot())
	waitFor(t, "unmuted audio", func() bool {
		g := sink.snapshot()
		return len(g) >= mark+1600 && rms(g[len(g)-800:]) > 3000
	}, func() any { return b.Stats() })
}
