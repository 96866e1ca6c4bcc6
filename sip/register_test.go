package sip_test

import (
	"context"
	"strings"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hookphone/hookphone/sip"
	"github.com/hookphone/hookphone/sip/siptest"
)

// Fast state-machine tests against the in-process registrar, driven by a
// fake clock: timers only fire when the test advances the clock.

const waitLimit = 10 * time.Second // real-time bound on waits for the machine to react

type unit struct {
	*running
	reg   *siptest.Registrar
	clock *siptest.Clock
}

func startUnit(t *testing.T, users map[string]string, user, password string, tweak func(*sip.Account, *sip.RegistrationOptions, *siptest.Registrar)) *unit {
	t.Helper()
	// Every registration, keep-alive and flow goroutine must be gone after the test.
	siptest.NoLeaks(t, "hookphone/sip.(*Registration)", "hookphone/sip.(*keeper)", "hookphone/sip.(*tracedConn)", "hookphone/sip.(*Endpoint)")
	reg := siptest.NewRegistrar(t, users)
	clock := siptest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv, err := sip.ParseServerURI(reg.ServerURI())
	if err != nil {
		t.Fatal(err)
	}
	acct := sip.Account{Mode: sip.ModeRegister, Server: srv, User: user, Password: password, Expires: 60 * time.Second}
	opts := sip.RegistrationOptions{Clock: clock, Rand: func() float64 { return 0 }}
	if tweak != nil {
		tweak(&acct, &opts, reg)
	}
	ep, err := sip.NewEndpoint(acct, sip.EndpointOptions{Roots: reg.Roots, Trace: sip.NewTrace(0)})
	if err != nil {
		t.Fatal(err)
	}
	r := sip.NewRegistration(ep, opts)
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{reg: r, ep: ep, cancel: cancel, done: make(chan error, 1)}
	go func() { run.done <- r.Run(ctx) }()
	t.Cleanup(func() { run.stop(t); ep.Close() })
	return &unit{running: run, reg: reg, clock: clock}
}

func (u *unit) waitTimers(t *testing.T, ds ...time.Duration) {
	t.Helper()
	if p, ok := u.clock.WaitPending(siptest.Has(ds...), waitLimit); !ok {
		t.Fatalf("pending timers %v, want %v among them", p, ds)
	}
}

func TestRefreshAt80PercentOfGrantedAndKeepAlivePongs(t *testing.T) {
	u := startUnit(t, map[string]string{"alice": "pw"}, "alice", "pw", nil)
	ev := u.waitFor(t, waitLimit, isState(sip.StateRegistered))
	if ev.Expires != 60*time.Second {
		t.Fatalf("granted %s, want 60s", ev.Expires)
	}
	u.waitTimers(t, 48*time.Second, 25*time.Second) // refresh at 80 %, keep-alive every 25 s
	if n := u.reg.Registers(); n != 2 {
		t.Fatalf("%d REGISTERs (want challenge + authenticated)", n)
	}
	u.clock.Advance(25 * time.Second) // keep-alive: CRLFCRLF ping; sipgo's reader pongs
	u.waitTimers(t, 23*time.Second, 25*time.Second)
	if o := u.reg.Options(); o != 0 {
		t.Fatalf("a pong was answered, yet %d OPTIONS probes were sent", o)
	}
	u.clock.Advance(23 * time.Second) // refresh due
	ev = u.waitFor(t, waitLimit, func(e sip.Event) bool { return e.State == sip.StateRegistered && e.Refresh })
	if ev.Flow.ID != 1 {
		t.Fatalf("refresh moved to flow %d; it must reuse flow 1", ev.Flow.ID)
	}
	last := u.reg.LastRegister()
	first := u.ep.Trace().Messages(u.running.reg.CallID())
	if last.CallID().Value() != u.running.reg.CallID() || len(first) < 6 {
		t.Fatalf("refresh used Call-ID %s, want the registration's %s", last.CallID().Value(), u.running.reg.CallID())
	}
	if b := u.reg.Bindings("alice"); len(b) != 1 {
		t.Fatalf("bindings %v", b)
	}
}

func TestServerExpiresHeaderAnd423MinExpires(t *testing.T) {
	calls := 0
	u := startUnit(t, map[string]string{"alice": "pw"}, "alice", "pw", func(a *sip.Account, _ *sip.RegistrationOptions, r *siptest.Registrar) {
		r.SetPolicy(func(req *sipgosip.Request) *sipgosip.Response {
			calls++
			if exp := req.GetHeader("Expires"); exp != nil && exp.Value() == "60" {
				res := sipgosip.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
				res.AppendHeader(sipgosip.NewHeader("Min-Expires", "90"))
				return res
			}
			res := sipgosip.NewResponseFromRequest(req, 200, "OK", nil)
			res.AppendHeader(sipgosip.NewHeader("Expires", "30")) // no Contact param: the header rules
			return res
		})
	})
	ev := u.waitFor(t, waitLimit, isState(sip.StateRegistered))
	if ev.Expires != 30*time.Second {
		t.Fatalf("granted %s, want 30s from the Expires header", ev.Expires)
	}
	if got := u.reg.LastRegister().GetHeader("Expires").Value(); got != "90" {
		t.Fatalf("after 423 the REGISTER asked Expires %s, want Min-Expires 90", got)
	}
	u.waitTimers(t, 24*time.Second)
}

func TestBackoffGrowsHonoursRetryAfterAndResets(t *testing.T) {
	fail := 3
	u := startUnit(t, map[string]string{"alice": "pw"}, "alice", "pw", func(_ *sip.Account, _ *sip.RegistrationOptions, r *siptest.Registrar) {
		n := 0
		r.SetPolicy(func(req *sipgosip.Request) *sipgosip.Response {
			n++
			if n <= fail {
				res := sipgosip.NewResponseFromRequest(req, 503, "Service Unavailable", nil)
				if n == 3 {
					res.AppendHeader(sipgosip.NewHeader("Retry-After", "120 (maintenance)"))
				}
				return res
			}
			return nil
		})
	})
	// Rand is 0, so each delay is the lower edge of its jitter window: 0.5 s, 1 s, then Retry-After 120 s.
	for i, want := range []time.Duration{500 * time.Millisecond, time.Second, 120 * time.Second} {
		ev := u.waitFor(t, waitLimit, isState(sip.StateRetrying))
		if ev.RetryIn != want || ev.Status != 503 {
			t.Fatalf("retry %d: in %s (status %d), want %s after 503", i, ev.RetryIn, ev.Status, want)
		}
		u.waitTimers(t, want)
		if n := u.reg.Registers(); n != i+1 {
			t.Fatalf("retry %d: %d REGISTERs sent while waiting", i, n)
		}
		u.clock.Advance(want)
	}
	u.waitFor(t, waitLimit, isState(sip.StateRegistered))
}

func TestBackoffDelayBoundsAndCap(t *testing.T) {
	b := sip.DefaultBackoff
	for attempt := 0; attempt < 30; attempt++ {
		lo, hi := b.Delay(attempt, 0), b.Delay(attempt, 0.999999)
		step := time.Second << min(attempt, 20)
		if step > 5*time.Minute {
			step = 5 * time.Minute
		}
		if lo != step/2 || hi > step || hi < step*99/100 {
			t.Fatalf("attempt %d: jitter window [%s, %s], want [%s, %s]", attempt, lo, hi, step/2, step)
		}
		if hi > 5*time.Minute {
			t.Fatalf("attempt %d: %s exceeds the 5 min cap", attempt, hi)
		}
	}
}

func TestWrongPasswordFailsOnceAndNeverRetries(t *testing.T) {
	u := startUnit(t, map[string]string{"alice": "pw"}, "alice", "nope", nil)
	ev := u.waitFor(t, waitLimit, func(e sip.Event) bool { return e.State == sip.StateFailed || e.State == sip.StateRetrying })
	if ev.State != sip.StateFailed || ev.Status != 401 || !strings.Contains(ev.Reason, "wrong password") {
		t.Fatalf("got %s (status %d), want failed: wrong password after 401", ev, ev.Status)
	}
	u.clock.Advance(time.Hour)
	if err := <-u.done; err == nil {
		t.Fatal("Run returned nil after a permanent failure")
	}
	u.done <- nil
	if n := u.reg.Registers(); n != 2 {
		t.Fatalf("%d REGISTERs; a wrong password must cost exactly 2", n)
	}
	if p := u.clock.Pending(); len(p) != 0 {
		t.Fatalf("timers still pending after failure: %v", p)
	}
}

func TestFlowLossReRegistersAtOnceOnNewFlowAndExpiresOldContact(t *testing.T) {
	u := startUnit(t, map[string]string{"alice": "pw"}, "alice", "pw", nil)
	first := u.waitFor(t, waitLimit, isState(sip.StateRegistered))
	u.reg.CloseFlows()
	lost := u.waitFor(t, waitLimit, isState(sip.StateRegistering))
	if !strings.Contains(lost.Reason, "flow lost") {
		t.Fatalf("loss reason %q", lost.Reason)
	}
	ev := u.waitFor(t, waitLimit, isState(sip.StateRegistered)) // no clock advance: immediate
	if ev.Flow.ID != first.Flow.ID+1 || ev.Flow.Local == first.Flow.Local {
		t.Fatalf("re-registered on %s, want a new flow after %s", ev.Flow, first.Flow)
	}
	b := u.reg.Bindings("alice")
	_, newPort, _ := strings.Cut(ev.Flow.Local, ":")
	if len(b) != 1 || !strings.Contains(b[0], ":"+newPort) {
		t.Fatalf("bindings %v: the dead flow's contact must be expired, the new one (port %s) bound", b, newPort)
	}
}

func TestSilentFlowDetectedByKeepAliveThenReplaced(t *testing.T) {
	u := startUnit(t, map[string]string{"alice": "pw"}, "alice", "pw", func(_ *sip.Account, o *sip.RegistrationOptions, _ *siptest.Registrar) {
		o.RequestTimeout = 5 * time.Second
	})
	first := u.waitFor(t, waitLimit, isState(sip.StateRegistered))
	u.waitTimers(t, 25*time.Second)
	u.reg.Silence()
	u.clock.Advance(25 * time.Second) // ping, no pong
	u.waitTimers(t, 10*time.Second)
	u.clock.Advance(10 * time.Second) // pong timeout → OPTIONS probe
	u.waitTimers(t, 5*time.Second)
	if !u.reg.WaitOptions(1, waitLimit) {
		t.Fatal("the OPTIONS probe never reached the registrar")
	}
	u.clock.Advance(5 * time.Second) // probe unanswered → flow declared dead
	lost := u.waitFor(t, waitLimit, isState(sip.StateRegistering))
	if !strings.Contains(lost.Reason, "flow dead") {
		t.Fatalf("reason %q", lost.Reason)
	}
	ev := u.waitFor(t, waitLimit, isState(sip.StateRegistered))
	if ev.Flow.ID == first.Flow.ID {
		t.Fatal("stayed on the dead flow")
	}
}

func TestUnregisterOnStop(t *testing.T) {
	u := startUnit(t, map[string]string{"alice": "pw"}, "alice", "pw", nil)
	u.waitFor(t, waitLimit, isState(sip.StateRegistered))
	if err := u.stop(t); err != nil {
		t.Fatal(err)
	}
	if b := u.reg.Bindings("alice"); len(b) != 0 {
		t.Fatalf("bindings after stop: %v", b)
	}
	if got := u.reg.LastRegister().GetHeader("Expires").Value(); got != "0" {
		t.Fatalf("last REGISTER Expires %s, want 0", got)
	}
	var last sip.Event
	for ev := range u.reg_events() {
		last = ev
	}
	if last.State != sip.StateUnregistered {
		t.Fatalf("final state %s", last.State)
	}
}

func (u *unit) reg_events() <-chan sip.Event { return u.running.reg.Events() }

func TestFlowTimerSetsKeepAliveInterval(t *testing.T) {
	u := startUnit(t, map[string]string{"alice": "pw"}, "alice", "pw", func(_ *sip.Account, _ *sip.RegistrationOptions, r *siptest.Registrar) {
		r.SetPolicy(func(req *sipgosip.Request) *sipgosip.Response {
			if req.GetHeader("Authorization") == nil {
				return nil // let the registrar challenge
			}
			res := sipgosip.NewResponseFromRequest(req, 200, "OK", nil)
			res.AppendHeader(sipgosip.NewHeader("Expires", "600"))
			res.AppendHeader(sipgosip.NewHeader("Flow-Timer", "20"))
			return res
		})
	})
	u.waitFor(t, waitLimit, isState(sip.StateRegistered))
	u.waitTimers(t, 480*time.Second, 16*time.Second) // refresh at 80 % of 600 s; keep-alive at 80 % of Flow-Timer (Rand 0)
}
