package sip

import (
	"context"
	"fmt"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// KeepAliveOptions tune KeepAlive; the zero value is fine.
type KeepAliveOptions struct {
	// Interval between keep-alives on the flow (0: DefaultKeepAlive).
	Interval time.Duration
	// PongTimeout is how long a CRLFCRLF ping waits for its CRLF pong
	// (RFC 5626 §4.4.1 says 10 s; 0: 10 s).
	PongTimeout time.Duration
	// Probe sends a request on the flow when a ping got no pong; any answer
	// proves the flow alive (nil: no probe, the flow is declared dead).
	Probe func(ctx context.Context, f *Flow) error
	// ProbeTimeout bounds each Probe on Clock (0: 32 s, RFC 3261 Timer F).
	ProbeTimeout time.Duration
	// Clock drives the timers (nil: SystemClock).
	Clock Clock
}

// keeper keeps one flow alive. Servers that answer OPTIONS but not RFC 5626
// pings are remembered (noPong), and probed with OPTIONS from then on.
type keeper struct {
	o      KeepAliveOptions
	noPong bool
}

func newKeeper(o KeepAliveOptions) *keeper {
	if o.Interval == 0 {
		o.Interval = DefaultKeepAlive
	}
	if o.PongTimeout <= 0 {
		o.PongTimeout = 10 * time.Second
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = 32 * time.Second
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	return &keeper{o: o}
}

// KeepAlive pings f every Interval until ctx ends (nil) or the flow dies.
// When the server stops answering, it closes f with the reason (so
// everything waiting on f.Done learns it at once) and returns that reason.
func KeepAlive(ctx context.Context, f *Flow, o KeepAliveOptions) error {
	return newKeeper(o).run(ctx, f)
}

func (k *keeper) run(ctx context.Context, f *Flow) error {
	if k.o.Interval < 0 {
		select {
		case <-ctx.Done():
			return nil
		case <-f.Done():
			return f.Err()
		}
	}
	for {
		if !k.wait(ctx, f, k.o.Interval) {
			return k.end(ctx, f)
		}
		if !k.noPong {
			pong, err := k.ping(ctx, f)
			if err != nil {
				return err
			}
			if pong {
				continue
			}
			if ctx.Err() != nil || !f.Alive() {
				return k.end(ctx, f)
			}
		}
		// No pong (or a server known not to pong): an OPTIONS probe decides.
		if err := k.probe(ctx, f); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			cause := fmt.Errorf("flow dead: no answer to keep-alive ping within %s nor to OPTIONS (%v)", k.o.PongTimeout, err)
			if k.noPong {
				cause = fmt.Errorf("flow dead: keep-alive OPTIONS got no answer (%v)", err)
			}
			f.Close(cause)
			return cause
		}
		k.noPong = true
	}
}

// ping sends CRLFCRLF and waits for the pong; false when none came in time.
func (k *keeper) ping(ctx context.Context, f *Flow) (bool, error) {
	select { // drop a stale pong
	case <-f.Pongs():
	default:
	}
	if err := f.Ping(); err != nil {
		return false, err
	}
	t := k.o.Clock.NewTimer(k.o.PongTimeout)
	defer t.Stop()
	select {
	case <-f.Pongs():
		return true, nil
	case <-t.C():
		return false, nil
	case <-f.Done():
		return false, f.Err()
	case <-ctx.Done():
		return false, nil
	}
}

// probe runs Probe bounded by ProbeTimeout on the clock.
func (k *keeper) probe(ctx context.Context, f *Flow) error {
	if k.o.Probe == nil {
		return fmt.Errorf("no pong")
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan error, 1)
	go func() { ch <- k.o.Probe(pctx, f) }()
	t := k.o.Clock.NewTimer(k.o.ProbeTimeout)
	defer t.Stop()
	select {
	case err := <-ch:
		return err
	case <-t.C():
		cancel()
		<-ch
		return fmt.Errorf("no answer within %s", k.o.ProbeTimeout)
	}
}

// wait sleeps d on the clock; false if ctx ended or the flow died first.
func (k *keeper) wait(ctx context.Context, f *Flow, d time.Duration) bool {
	t := k.o.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	case <-f.Done():
		return false
	}
}

func (k *keeper) end(ctx context.Context, f *Flow) error {
	if ctx.Err() != nil {
		return nil
	}
	return f.Err()
}

// Options sends an OPTIONS to the account's domain on flow f (RFC 3261
// §11) and returns the final response: the keep-alive's probe, and a
// round-trip check for the UI.
func (e *Endpoint) Options(ctx context.Context, f *Flow) (*sip.Response, error) {
	acct := &e.Account
	req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", Host: acct.AORDomain(), UriParams: sip.NewParams(), Headers: sip.NewParams()})
	e.Prepare(req, f)
	from := e.From()
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: from.Address, Params: sip.NewParams()})
	callID := sip.CallIDHeader(newCallID())
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: sip.OPTIONS})
	maxfwd := sip.MaxForwardsHeader(70)
	req.AppendHeader(&maxfwd)
	req.AppendHeader(sip.NewHeader("User-Agent", acct.UserAgent))
	req.SetBody(nil)
	res, err := e.Client.Do(ctx, req, sipgo.ClientRequestAddVia)
	if err != nil {
		return nil, fmt.Errorf("OPTIONS on %s: %w", f, err)
	}
	return res, nil
}
