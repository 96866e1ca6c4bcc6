package sip_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/sip"
	"github.com/hookphone/hookphone/sip/siptest"
)

// KeepAlive on its own (as trunk mode uses it): pongs keep the flow, a
// silent peer gets the flow closed with the reason.
func TestKeepAliveClosesSilentFlow(t *testing.T) {
	reg := siptest.NewRegistrar(t, nil)
	srv, _ := sip.ParseServerURI(reg.ServerURI())
	ep, err := sip.NewEndpoint(sip.Account{Mode: sip.ModeTrunk, Server: srv, User: "trunk"}, sip.EndpointOptions{Roots: reg.Roots})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	f, err := ep.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	clock := siptest.NewClock(time.Unix(0, 0))
	done := make(chan error, 1)
	go func() {
		done <- sip.KeepAlive(context.Background(), f, sip.KeepAliveOptions{Interval: 20 * time.Second, Clock: clock})
	}()
	for i := 0; i < 3; i++ { // three answered pings
		if p, ok := clock.WaitPending(siptest.Has(20*time.Second), waitLimit); !ok {
			t.Fatalf("ping %d: pending %v", i, p)
		}
		clock.Advance(20 * time.Second)
		if p, ok := clock.WaitPending(func(p []time.Duration) bool { return len(p) == 1 && p[0] == 20*time.Second }, waitLimit); !ok {
			t.Fatalf("pong %d not seen: pending %v", i, p)
		}
	}
	reg.Silence()
	clock.Advance(20 * time.Second)
	clock.WaitPending(siptest.Has(10*time.Second), waitLimit)
	clock.Advance(10 * time.Second)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "flow dead") || f.Alive() || f.Err() == nil {
			t.Fatalf("KeepAlive returned %v; flow alive=%v err=%v", err, f.Alive(), f.Err())
		}
	case <-time.After(waitLimit):
		t.Fatal("KeepAlive did not notice the silent flow")
	}
	if ep.Flow() != nil {
		t.Fatal("endpoint still reports the dead flow")
	}
}

func TestKeepAliveStopsWithContext(t *testing.T) {
	reg := siptest.NewRegistrar(t, nil)
	srv, _ := sip.ParseServerURI(reg.ServerURI())
	ep, err := sip.NewEndpoint(sip.Account{Mode: sip.ModeTrunk, Server: srv}, sip.EndpointOptions{Roots: reg.Roots})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	f, err := ep.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sip.KeepAlive(ctx, f, sip.KeepAliveOptions{Clock: siptest.NewClock(time.Unix(0, 0))}) }()
	cancel()
	if err := <-done; err != nil || !f.Alive() {
		t.Fatalf("cancel: %v, flow alive %v", err, f.Alive())
	}
}
