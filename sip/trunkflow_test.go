package sip_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/sip"
	"github.com/hookphone/hookphone/sip/siptest"
)

func startTrunk(t *testing.T, roots bool) (*sip.Trunk, *siptest.Registrar, chan error, context.CancelFunc) {
	t.Helper()
	reg := siptest.NewRegistrar(t, nil)
	srv, _ := sip.ParseServerURI(reg.ServerURI())
	opts := sip.EndpointOptions{}
	if roots {
		opts.Roots = reg.Roots
	}
	ep, err := sip.NewEndpoint(sip.Account{Mode: sip.ModeTrunk, Server: srv, User: "key"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tr := sip.NewTrunk(ep, sip.RegistrationOptions{Clock: siptest.NewClock(time.Unix(0, 0))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; ep.Close() })
	return tr, reg, done, cancel
}

func nextState(t *testing.T, tr *sip.Trunk, want sip.State) sip.Event {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case ev, ok := <-tr.Events():
			if !ok {
				t.Fatalf("events closed waiting for %s", want)
			}
			if ev.State == want {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", want)
		}
	}
}

func TestTrunkKeepsFlowAndRedialsWhenItDies(t *testing.T) {
	tr, reg, done, cancel := startTrunk(t, true)
	first := nextState(t, tr, sip.StateConnected)
	if first.Flow == nil || first.Flow.TLS.Version == "" {
		t.Fatalf("connected without TLS details: %+v", first)
	}
	reg.CloseFlows()
	lost := nextState(t, tr, sip.StateConnecting)
	if !strings.Contains(lost.Reason, "flow lost") {
		t.Fatalf("reason %q", lost.Reason)
	}
	second := nextState(t, tr, sip.StateConnected)
	if second.Flow.ID == first.Flow.ID || reg.Registers() != 0 {
		t.Fatalf("flow %d → %d, %d REGISTERs (trunks send none)", first.Flow.ID, second.Flow.ID, reg.Registers())
	}
	cancel()
	nextState(t, tr, sip.StateUnregistered)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	done <- nil
}

func TestTrunkCertificateRefusalIsFinal(t *testing.T) {
	tr, _, done, _ := startTrunk(t, false)
	ev := nextState(t, tr, sip.StateFailed)
	var ce *sip.CertError
	if !errors.As(ev.Err, &ce) || ce.Reason != sip.RefusedUnknownAuthority {
		t.Fatalf("failed with %v", ev.Err)
	}
	if err := <-done; !errors.As(err, &ce) {
		t.Fatalf("Run returned %v", err)
	}
	done <- nil
}
