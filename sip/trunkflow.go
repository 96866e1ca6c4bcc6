package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
)

// Trunk keeps a trunk account's flow (ModeTrunk: no REGISTER) open and
// alive, so that the account's TLS state and any certificate refusal are
// known before the first call, and a NAT keeps the connection: it dials,
// keeps alive (CRLF ping, OPTIONS probe), redials at once when the flow dies
// and backs off (jitter, 5 min cap) while the server cannot be reached. A
// refused certificate is final. States: connecting, connected, retrying,
// failed, unregistered (stopped).
type Trunk struct {
	e      *Endpoint
	o      RegistrationOptions
	keeper *keeper
	events chan Event
	mu     sync.Mutex
	last   Event
	once   sync.Once
}

// NewTrunk prepares the flow keeper of e's account; RegistrationOptions'
// Clock, Backoff, Rand, PongTimeout and RequestTimeout apply.
func NewTrunk(e *Endpoint, o RegistrationOptions) *Trunk {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Backoff == (Backoff{}) {
		o.Backoff = DefaultBackoff
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	t := &Trunk{e: e, o: o, events: make(chan Event, 64)}
	t.keeper = newKeeper(KeepAliveOptions{
		Interval: e.Account.KeepAlive, PongTimeout: o.PongTimeout, ProbeTimeout: o.RequestTimeout, Clock: o.Clock,
		Probe: func(ctx context.Context, f *Flow) error { _, err := e.Options(ctx, f); return err },
	})
	t.last = Event{Account: e.Account.Label(), State: StateUnregistered, Time: o.Clock.Now()}
	return t
}

// Events delivers state changes (closed when Run returns; oldest dropped if unread).
func (t *Trunk) Events() <-chan Event { return t.events }

// State returns the latest event.
func (t *Trunk) State() Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

func (t *Trunk) emit(ev Event) {
	ev.Account = t.e.Account.Label()
	ev.Time = t.o.Clock.Now()
	t.mu.Lock()
	t.last = ev
	t.mu.Unlock()
	sendDropOldest(t.events, ev)
}

// Run keeps the flow until ctx ends (nil) or the server's certificate is
// refused (the *CertError). Run may be called once.
func (t *Trunk) Run(ctx context.Context) error {
	err := errors.New("trunk already ran")
	t.once.Do(func() {
		defer close(t.events)
		err = t.run(ctx)
	})
	return err
}

func (t *Trunk) run(ctx context.Context) error {
	attempt := 0
	reason := ""
	for {
		if ctx.Err() != nil {
			t.emit(Event{State: StateUnregistered, Reason: "stopped"})
			return nil
		}
		t.emit(Event{State: StateConnecting, Reason: reason})
		f, err := t.e.Connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			var ce *CertError
			if errors.As(err, &ce) {
				t.emit(Event{State: StateFailed, Reason: ce.Error(), Err: err})
				return err
			}
			delay := t.o.Backoff.Delay(attempt, t.o.Rand())
			attempt++
			why := fmt.Sprintf("cannot reach %s: %v", t.e.Account.Server, err)
			t.emit(Event{State: StateRetrying, RetryIn: delay, Reason: why, Err: err})
			reason = "retry after: " + why
			timer := t.o.Clock.NewTimer(delay)
			select {
			case <-timer.C():
			case <-ctx.Done():
				timer.Stop()
			}
			continue
		}
		attempt = 0
		t.emit(Event{State: StateConnected, Server: t.e.Account.Server.String(), Flow: f})
		t.keeper.run(ctx, f)
		if ctx.Err() == nil {
			reason = fmt.Sprintf("flow lost: %v", f.Err())
		}
	}
}
