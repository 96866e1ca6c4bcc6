package sip_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

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
	dump, err := k.SIPDump()
	if err != nil || !strings.Contains(dump, "REGISTER sip:127.0.0.1 SIP/2.0") || !strings.Contains(dump, "Contact: <sip:alice@"+ev.Flow.Local+";transport=tls>") {
		t.Fatalf("Kamailio's cleartext dump lacks our REGISTER (%v):\n%.2000s", err, dump)
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

func TestKamailioUnknownCARefusedWithFingerprint(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	acct := labAccount(t, k, "alice", "secretA")
	acct.CAFile = "" // only system roots: the lab CA is unknown
	r := startRegistration(t, acct, sip.RegistrationOptions{})
	ev := r.waitFor(t, 30*time.Second, func(e sip.Event) bool { return e.State == sip.StateFailed || e.State == sip.StateRegistered })
	var ce *sip.CertError
	if ev.State != sip.StateFailed || !errors.As(ev.Err, &ce) {
		t.Fatalf("got %s (%v), want failed with a *CertError", ev, ev.Err)
	}
	if ce.Reason != sip.RefusedUnknownAuthority {
		t.Errorf("reason %s, want unknown authority", ce.Reason)
	}
	if ce.Fingerprint() != k.Fingerprint || !strings.Contains(ev.Reason, k.Fingerprint) {
		t.Errorf("refusal does not show the presented fingerprint %s: %s", k.Fingerprint, ev.Reason)
	}
	for _, want := range []string{"unknown authority", "kamailio lab", "Hookphone lab CA", "127.0.0.1"} {
		if !strings.Contains(ev.Reason, want) {
			t.Errorf("refusal %q lacks %q", ev.Reason, want)
		}
	}
	if n := len(r.ep.Trace().Messages("")); n != 0 {
		t.Errorf("%d SIP messages were sent over a refused connection", n)
	}
}

func TestKamailioNameMismatchRefused(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{
		Users:     map[string]string{"alice": "secretA"},
		CertHosts: []string{"sip.example.test"},
	})
	r := startRegistration(t, labAccount(t, k, "alice", "secretA"), sip.RegistrationOptions{})
	ev := r.waitFor(t, 30*time.Second, func(e sip.Event) bool { return e.State == sip.StateFailed || e.State == sip.StateRegistered })
	var ce *sip.CertError
	if ev.State != sip.StateFailed || !errors.As(ev.Err, &ce) || ce.Reason != sip.RefusedNameMismatch {
		t.Fatalf("got %s (%v), want failed: name mismatch", ev, ev.Err)
	}
	if !strings.Contains(ev.Reason, "sip.example.test") || !strings.Contains(ev.Reason, k.Fingerprint) {
		t.Errorf("refusal does not show the presented SANs and fingerprint: %s", ev.Reason)
	}
}

func TestKamailioSelfSignedAcceptedOnlyWhenPinned(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}, SelfSigned: true})
	acct := labAccount(t, k, "alice", "secretA")
	acct.CAFile = ""

	unpinned := startRegistration(t, acct, sip.RegistrationOptions{})
	ev := unpinned.waitFor(t, 30*time.Second, func(e sip.Event) bool { return e.State == sip.StateFailed || e.State == sip.StateRegistered })
	if ev.State != sip.StateFailed {
		t.Fatalf("self-signed server accepted without a pin: %s", ev)
	}

	acct.PinnedSHA256 = strings.ToLower(strings.ReplaceAll(k.Fingerprint, ":", "")) // any accepted spelling
	pinned := startRegistration(t, acct, sip.RegistrationOptions{})
	ev = pinned.waitFor(t, 30*time.Second, func(e sip.Event) bool { return e.State == sip.StateFailed || e.State == sip.StateRegistered })
	if ev.State != sip.StateRegistered || !ev.Flow.TLS.Pinned {
		t.Fatalf("pinned self-signed server: %s (%v)", ev, ev.Err)
	}

	acct.PinnedSHA256 = strings.Repeat("AB", 32)
	wrongPin := startRegistration(t, acct, sip.RegistrationOptions{})
	ev = wrongPin.waitFor(t, 30*time.Second, func(e sip.Event) bool { return e.State == sip.StateFailed || e.State == sip.StateRegistered })
	var ce *sip.CertError
	if ev.State != sip.StateFailed || !errors.As(ev.Err, &ce) || ce.Reason != sip.RefusedPinMismatch {
		t.Fatalf("wrong pin: %s (%v), want failed: pinned fingerprint mismatch", ev, ev.Err)
	}
}

func TestKamailioShorterExpiresHonoured(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}, MaxExpires: 12, MinExpires: 5})
	r := startRegistration(t, labAccount(t, k, "alice", "secretA"), sip.RegistrationOptions{})
	ev := r.waitFor(t, 30*time.Second, isState(sip.StateRegistered))
	if ev.Expires != 12*time.Second {
		t.Fatalf("granted %s, want the server's 12 s (asked 600 s)", ev.Expires)
	}
	// The refresh is due at 80 % of 12 s (9.6 s): wait for it and check the binding never lapsed.
	ev = r.waitFor(t, 30*time.Second, func(e sip.Event) bool { return e.State == sip.StateRegistered && e.Refresh })
	if ev.Expires != 12*time.Second {
		t.Fatalf("refresh granted %s", ev.Expires)
	}
	if b, err := k.BindingsFor("alice"); err != nil || len(b) != 1 {
		t.Fatalf("after refresh: %v %v", b, err)
	}
}

func TestKamailioTwoAccountsAtOnce(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	if err := k.AddUser("bob", "secretB"); err != nil {
		t.Fatal(err)
	}
	a := startRegistration(t, labAccount(t, k, "alice", "secretA"), sip.RegistrationOptions{})
	b := startRegistration(t, labAccount(t, k, "bob", "secretB"), sip.RegistrationOptions{})
	ea := a.waitFor(t, 30*time.Second, isState(sip.StateRegistered))
	eb := b.waitFor(t, 30*time.Second, isState(sip.StateRegistered))
	if ea.Flow.Local == eb.Flow.Local {
		t.Fatalf("both accounts share flow %s; each needs its own", ea.Flow.Local)
	}
	all, err := k.Locations()
	if err != nil || len(all) != 2 {
		t.Fatalf("location table: %v %v", all, err)
	}
}

func TestKamailioKilledAndRestartedReRegisters(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	r := startRegistration(t, labAccount(t, k, "alice", "secretA"), sip.RegistrationOptions{})
	first := r.waitFor(t, 30*time.Second, isState(sip.StateRegistered))
	k.Kill()
	lost := r.waitFor(t, 30*time.Second, func(e sip.Event) bool { return e.State == sip.StateRegistering || e.State == sip.StateRetrying })
	if !strings.Contains(lost.Reason, "flow") && !strings.Contains(lost.Reason, "reach") {
		t.Errorf("loss event does not say the flow went away: %s", lost)
	}
	if err := k.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	ev := r.waitFor(t, 30*time.Second, isState(sip.StateRegistered))
	if ev.Flow.ID == first.Flow.ID {
		t.Fatalf("re-registered on the old flow %d", ev.Flow.ID)
	}
	t.Logf("re-registered %s after the restart", time.Since(restarted).Round(time.Millisecond))
	if b, err := k.BindingsFor("alice"); err != nil || len(b) != 1 {
		t.Fatalf("location after restart: %v %v", b, err)
	}
}

// A request for a registered user is routed by Kamailio's location lookup
// down that user's registered TLS flow (no listener on the callee side) and
// reaches the handler registered with Endpoint.Handle.
func TestKamailioRoutesToRegisteredFlow(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA", "bob": "secretB"}})
	bobAcct := labAccount(t, k, "bob", "secretB")
	bobEP, err := sip.NewEndpoint(bobAcct, sip.EndpointOptions{Trace: sip.NewTrace(0)})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	bobEP.Handle(sipgosip.MESSAGE, func(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
		got <- req.Source() + " " + string(req.Body())
		tx.Respond(sipgosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	bobReg := sip.NewRegistration(bobEP, sip.RegistrationOptions{})
	bob := &running{reg: bobReg, ep: bobEP, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	bob.cancel = cancel
	go func() { bob.done <- bobReg.Run(ctx) }()
	t.Cleanup(func() { bob.stop(t); bobEP.Close() })
	reg := bob.waitFor(t, 30*time.Second, isState(sip.StateRegistered))

	alice := startRegistration(t, labAccount(t, k, "alice", "secretA"), sip.RegistrationOptions{})
	alice.waitFor(t, 30*time.Second, isState(sip.StateRegistered))
	target, _ := sip.ParseTarget("bob", k.Domain())
	req := sipgosip.NewRequest(sipgosip.MESSAGE, target)
	req.SetBody([]byte("hello bob"))
	req.AppendHeader(sipgosip.NewHeader("Content-Type", "text/plain"))
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	res, err := alice.ep.Do(rctx, req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("alice → bob: %v %v", res, err)
	}
	select {
	case s := <-got:
		if !strings.HasSuffix(s, "hello bob") || !strings.HasPrefix(s, reg.Flow.Remote) {
			t.Fatalf("bob got %q; want it from the registrar %s on his flow", s, reg.Flow.Remote)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("bob's handler never ran")
	}
	var inbound bool
	for _, m := range bobEP.Trace().Messages("") {
		if m.Dir == sip.DirReceived && strings.HasPrefix(m.Summary, "MESSAGE") && m.Local == reg.Flow.Local {
			inbound = true
		}
	}
	if !inbound {
		t.Fatal("the MESSAGE did not arrive on bob's registered flow")
	}
}
