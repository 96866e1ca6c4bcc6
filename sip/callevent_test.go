package sip

import "testing"

func TestEventHubFanOutDropAndClose(t *testing.T) {
	var h eventHub
	fast, stopFast := h.subscribe(8)
	slow, _ := h.subscribe(1)
	for i := 0; i < 3; i++ {
		h.publish(CallEvent{Kind: EventState, State: CallStateRinging})
	}
	if len(fast) != 3 || len(slow) != 1 {
		t.Fatalf("queued fast=%d slow=%d, want 3 and 1 (a slow subscriber loses events, never blocks)", len(fast), len(slow))
	}
	if h.dropped != 2 {
		t.Errorf("dropped %d, want 2", h.dropped)
	}
	stopFast()
	stopFast() // idempotent
	h.close()
	h.close()
	if _, ok := <-slow; !ok {
		t.Fatal("queued event lost at close")
	}
	if _, ok := <-slow; ok {
		t.Fatal("channel still open after close")
	}
	late, _ := h.subscribe(4)
	if _, ok := <-late; ok {
		t.Fatal("a subscription after the end should be closed at once")
	}
	h.publish(CallEvent{Kind: EventStats}) // no panic after close
	if ev := <-fast; ev.Time.IsZero() {
		t.Error("publish did not stamp the event time")
	}
}
