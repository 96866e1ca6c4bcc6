package media

import (
	"context"
	"testing"
	"time"
)

// RFC 4733 §2.5.1: one event at 20 ms packets, 100 ms long (800 units).
func TestDTMFSchedule(t *testing.T) {
	got := dtmfSchedule(5, 800, 160)
	want := []dtmfPacket{
		{Marker: true, Event: telephoneEvent{Event: 5, Volume: 10, Duration: 160}},
		{Event: telephoneEvent{Event: 5, Volume: 10, Duration: 320}},
		{Event: telephoneEvent{Event: 5, Volume: 10, Duration: 480}},
		{Event: telephoneEvent{Event: 5, Volume: 10, Duration: 640}},
		{Event: telephoneEvent{Event: 5, End: true, Volume: 10, Duration: 800}},
		{Event: telephoneEvent{Event: 5, End: true, Volume: 10, Duration: 800}},
		{Event: telephoneEvent{Event: 5, End: true, Volume: 10, Duration: 800}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d packets, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("packet %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// An event shorter than one packet: only the end packets, the first
	// of them marked.
	short := dtmfSchedule(1, 160, 160)
	if len(short) != 3 || !short[0].Marker || short[1].Marker || !short[0].Event.End {
		t.Errorf("short event: %+v", short)
	}
}

func TestTelephoneEventWireFormat(t *testing.T) {
	// "#" (11), end bit, volume 10, duration 1000 = 0x03e8.
	b := telephoneEvent{Event: 11, End: true, Volume: 10, Duration: 1000}.marshal(nil)
	if want := []byte{11, 0x8a, 0x03, 0xe8}; string(b) != string(want) {
		t.Fatalf("marshal = % x, want % x", b, want)
	}
	ev, err := parseTelephoneEvent([]byte{11, 0xca, 0x03, 0xe8}) // R bit set: ignored
	if err != nil || ev != (telephoneEvent{Event: 11, End: true, Volume: 10, Duration: 1000}) {
		t.Fatalf("parse = %+v, %v", ev, err)
	}
	if _, err := parseTelephoneEvent([]byte{1, 2}); err == nil {
		t.Error("short payload accepted")
	}
	for _, tt := range []struct {
		r    rune
		code uint8
	}{{'0', 0}, {'9', 9}, {'*', 10}, {'#', 11}, {'A', 12}, {'d', 15}} {
		c, ok := dtmfCode(tt.r)
		if !ok || c != tt.code || (dtmfDigit(c) != string(tt.r) && tt.r != 'd') {
			t.Errorf("digit %q: code %d %v", tt.r, c, ok)
		}
	}
	if _, err := parseDigits("12x"); err == nil {
		t.Error("bad digit accepted")
	}
}

// The receiver reports each event once however many end packets arrive,
// and reports an event whose end packets were all lost when the next starts.
func TestDTMFReceiver(t *testing.T) {
	var r dtmfReceiver
	var got []receivedDTMF
	for _, p := range dtmfSchedule(1, 800, 160) {
		got = append(got, r.push(1000, 101, p.Event)...)
	}
	for _, p := range dtmfSchedule(2, 800, 160)[:3] { // end packets lost
		got = append(got, r.push(3000, 101, p.Event)...)
	}
	for _, p := range dtmfSchedule(3, 480, 160) {
		got = append(got, r.push(5000, 96, p.Event)...)
	}
	got = append(got, r.push(3000, 101, telephoneEvent{Event: 2, End: true, Duration: 800})...) // stray old end
	want := []receivedDTMF{{"1", 800, 101}, {"2", 480, 101}, {"3", 480, 96}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// Two sessions: digits sent by one arrive as events on the other, with the
// negotiated payload type reported.
func TestDTMFRoundTrip(t *testing.T) {
	a, b := newSession(t, Config{}), newSession(t, Config{DTMFPayloadType: 110})
	_, na := negotiate(t, b, a) // b offers 110; the answerer a must use it, not its own 101
	if na.DTMFPayloadType != 110 {
		t.Fatalf("answerer negotiated dtmf pt %d, want the offered 110", na.DTMFPayloadType)
	}
	ctx := context.Background()
	if err := a.Start(ctx, &toneSource{freq: 440}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	sendCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := a.SendDTMF(sendCtx, "19#*", 80*time.Millisecond); err != nil {
		t.Fatalf("send dtmf: %v", err)
	}
	var digits string
	timeout := time.After(20 * time.Second)
	for len(digits) < 4 {
		select {
		case ev := <-b.Events():
			if ev.Kind != EventDTMF {
				continue
			}
			if int(ev.PayloadType) != ev.NegotiatedPayloadType {
				t.Errorf("pt %d vs negotiated %d", ev.PayloadType, ev.NegotiatedPayloadType)
			}
			if ev.Duration != 80*time.Millisecond {
				t.Errorf("digit %s lasted %v, want 80ms", ev.Digit, ev.Duration)
			}
			digits += ev.Digit
		case <-timeout:
			t.Fatalf("received only %q", digits)
		}
	}
	if digits != "19#*" {
		t.Errorf("received %q, want 19#*", digits)
	}
	if err := a.SendDTMF(ctx, "5", time.Millisecond); err == nil {
		t.Error("1 ms digit accepted")
	}
}

// A peer that sends telephone-event on another payload type than SDP said
// is still understood, and the mismatch is reported.
func TestDTMFPayloadTypeMismatchReported(t *testing.T) {
	a, b := newSession(t, Config{}), newSession(t, Config{})
	negotiate(t, a, b)
	if err := a.Start(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	p := b.params.Load()
	wrong := *p
	wrong.neg.DTMFPayloadType = 96
	for _, dp := range dtmfSchedule(7, 480, 160) {
		b.writeRTP(&wrong, 96, dp.Marker, 4242, dp.Event.marshal(nil), nil)
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-a.Events():
			if ev.Kind != EventDTMF {
				continue
			}
			if ev.Digit != "7" || ev.PayloadType != 96 || ev.NegotiatedPayloadType != 101 {
				t.Fatalf("event %+v", ev)
			}
			return
		case <-timeout:
			t.Fatal("no dtmf event")
		}
	}
}
