package sip_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
	"github.com/hookphone/hookphone/sip"
)

// Integration tests against a real Kamailio over TLS (internal/testlab).

func labAccount(t *testing.T, k *testlab.Kamailio, user, password string) sip.Account {
	t.Helper()
	srv, err := sip.ParseServerURI(k.ServerURI())
	if err != nil {
		t.Fatal(err)
	}
	return sip.Account{Mode: sip.ModeRegister, Server: srv, User: user, Password: password, CAFile: k.CAFile}
}

type running struct {
	reg    *sip.Registration
	ep     *sip.Endpoint
	cancel context.CancelFunc
	done   chan error
	events []sip.Event
}

func startRegistration(t *testing.T, acct sip.Account, opts sip.RegistrationOptions) *running {
	t.Helper()
	ep, err := sip.NewEndpoint(acct, sip.EndpointOptions{Trace: sip.NewTrace(0)})
	if err != nil {
		t.Fatal(err)
	}
	reg := sip.NewRegistration(ep, opts)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{reg: reg, ep: ep, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- reg.Run(ctx) }()
	t.Cleanup(func() { r.stop(t); ep.Close() })
	return r
}

// stop cancels Run and waits for it (it unregisters on the way out).
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("registration did not stop within 30 s")
		return nil
	}
}

// waitFor reads events until one matches, failing after limit.
func (r *running) waitFor(t *testing.T, limit time.Duration, match func(sip.Event) bool) sip.Event {
	t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-r.reg.Events():
			if !ok {
				t.Fatalf("events closed before the awaited one; seen %v", r.events)
			}
			r.events = append(r.events, ev)
			t.Logf("event: %s", ev)
			if match(ev) {
				return ev
			}
		case <-timer.C:
			t.Fatalf("no matching event within %s; seen %v", limit, r.events)
		}
	}
}

func isState(s sip.State) func(sip.Event) bool {
	return func(e sip.Event) bool { return e.State == s }
}

func TestKamailioRegisterVisibleInLocationAndUnregisterRemovesIt(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	r := startRegistration(t, labAccount(t, k, "alice", "secretA"), sip.RegistrationOptions{})
	ev := r.waitFor(t, 30*time.Second, isState(sip.StateRegistered))
	if ev.Expires != 600*time.Second {
		t.Errorf("granted %s, want the 600 s asked for", ev.Expires)
	}
	if ev.Flow == nil || !strings.HasPrefix(ev.Flow.TLS.Version, "TLS 1.") || ev.Flow.TLS.CipherSuite == "" {
		t.Fatalf("registered event lacks TLS details: %+v", ev.Flow)
	}
	if got := ev.Flow.TLS.ServerCertSHA256(); got != k.Fingerprint {
		t.Errorf("server cert fingerprint %s, want %s", got, k.Fingerprint)
	}
	b, err := k.BindingsFor("alice")
	if err != nil || len(b) != 1 {
		t.Fatalf("location table for alice: %v %v", b, err)
	}
	_, port, _ := strings.Cut(ev.Flow.Local, ":")
	if !strings.Contains(b[0].Contact, ":"+port) || !strings.Contains(b[0].Contact, "transport=tls") {
		t.Errorf("binding %q does not point at our flow %s with transport=tls", b[0].Contact, ev.Flow.Local)
	}
	msgs := r.ep.Trace().Messages(r.reg.CallID())
	if len(msgs) < 4 { // REGISTER, 401, REGISTER+credentials, 200
		t.Fatalf("trace of the registration has %d messages, want ≥ 4", len(msgs))
	}
	for _, m := range msgs {
		if strings.Contains(m.Text(false), "response=\"") && !strings.Contains(m.Text(false), `response="<redacted>"`) {
			t.Errorf("digest response not redacted:\n%s", m.Text(false))
		}
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run returned %v", err)
	}
	if b, err := k.BindingsFor("alice"); err != nil || len(b) != 0 {
		t.Fatalf("after unregister the location table still has %v (%v)", b, err)
	}
}

func TestKamailioWrongPasswordFailsWithoutRetries(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	r := startRegistration(t, labAccount(t, k, "alice", "wrong"), sip.RegistrationOptions{})
	ev := r.waitFor(t, 30*time.Second, func(e sip.Event) bool { return e.State == sip.StateFailed || e.State == sip.StateRegistered })
	if ev.State != sip.StateFailed || !strings.Contains(ev.Reason, "wrong password") || ev.Status != 403 {
		t.Fatalf("got %s (status %d), want failed: wrong password (403)", ev, ev.Status)
	}
	err := <-r.done
	r.done <- err
	var re *sip.RegisterError
	if !errors.As(err, &re) || !re.Permanent {
		t.Fatalf("Run returned %v, want a permanent *RegisterError", err)
	}
	n := 0
	for _, m := range r.ep.Trace().Messages("") {
		if m.Dir == sip.DirSent && strings.HasPrefix(m.Summary, "REGISTER") {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("sent %d REGISTERs, want exactly 2 (challenge + one try with credentials)", n)
	}
}
