package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// State is where an account's registration stands.
type State int

const (
	// StateUnregistered: not registered (before start, after unregistering).
	StateUnregistered State = iota
	// StateRegistering: a REGISTER is in progress.
	StateRegistering
	// StateRegistered: the server holds our binding for Event.Expires on Event.Flow.
	StateRegistered
	// StateFailed: registration failed for good (wrong password, refused
	// certificate…); Event.Reason says why. No more attempts are made.
	StateFailed
	// StateRetrying: an attempt failed for a passing reason; the next one
	// starts in Event.RetryIn.
	StateRetrying
	// StateConnecting: a trunk account (no REGISTER) is opening its flow.
	StateConnecting
	// StateConnected: a trunk account's flow is up (Event.Flow) and kept alive.
	StateConnected
)

// String returns the state's name as printed by `hookphone register`.
func (s State) String() string {
	switch s {
	case StateUnregistered:
		return "unregistered"
	case StateRegistering:
		return "registering"
	case StateRegistered:
		return "registered"
	case StateFailed:
		return "failed"
	case StateRetrying:
		return "retrying"
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	default:
		return "unknown"
	}
}

// Event is one state change of a Registration.
type Event struct {
	// Account is the account's label.
	Account string
	// State is the new state.
	State State
	// Time is when the state was entered (from the Registration's Clock).
	Time time.Time
	// Expires is the lifetime the server granted (StateRegistered).
	Expires time.Duration
	// Server is the registrar's URI (StateRegistered).
	Server string
	// Flow is the flow the binding is on (StateRegistered); it carries the TLS details.
	Flow *Flow
	// Refresh is true when a StateRegistered event renews an existing registration.
	Refresh bool
	// RetryIn is the delay before the next attempt (StateRetrying).
	RetryIn time.Duration
	// Reason explains StateFailed, StateRetrying and StateRegistering after a loss.
	Reason string
	// Status is the SIP status of the last final response (0 if none).
	Status int
	// Err is the error behind StateFailed or StateRetrying.
	Err error
}

// String is a one-line description for logs and `register --hold`.
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Account, e.State)
	switch e.State {
	case StateConnected:
		fmt.Fprintf(&b, " to %s", e.Server)
		if e.Flow != nil {
			fmt.Fprintf(&b, " on %s", e.Flow)
		}
	case StateRegistered:
		fmt.Fprintf(&b, " for %s at %s", e.Expires, e.Server)
		if e.Flow != nil {
			fmt.Fprintf(&b, " on %s", e.Flow)
		}
		if e.Refresh {
			b.WriteString(" (refresh)")
		}
	case StateRetrying:
		fmt.Fprintf(&b, " in %s: %s", e.RetryIn.Round(time.Millisecond), e.Reason)
	default:
		if e.Reason != "" {
			fmt.Fprintf(&b, ": %s", e.Reason)
		}
	}
	return b.String()
}

// RegistrationOptions tune a Registration; the zero value is fine.
type RegistrationOptions struct {
	// Clock drives refresh, back-off and keep-alive timers (nil: SystemClock).
	Clock Clock
	// Backoff computes retry delays (zero: DefaultBackoff).
	Backoff Backoff
	// Rand returns jitter in [0,1) (nil: math/rand/v2).
	Rand func() float64
	// PongTimeout is how long a CRLF keep-alive may wait for its pong
	// (RFC 5626 §4.4.1: 10 s) before an OPTIONS probe decides.
	PongTimeout time.Duration
	// RequestTimeout bounds each REGISTER or OPTIONS exchange on Clock (default 32 s, RFC 3261 Timer F).
	RequestTimeout time.Duration
}

// RegisterError is a REGISTER that did not succeed.
type RegisterError struct {
	// AOR is the address of record.
	AOR string
	// Status is the final SIP status (0 for transport failures).
	Status int
	// Reason is a sentence for the user.
	Reason string
	// Permanent is true when retrying cannot help (credentials, certificate, refused account).
	Permanent bool
	// Err is the underlying error, if any.
	Err error
	// RetryAfter is the server's Retry-After, if given.
	RetryAfter time.Duration
}

// Error says which AOR failed and why.
func (e *RegisterError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("register %s: %s: %v", e.AOR, e.Reason, e.Err)
	}
	return fmt.Sprintf("register %s: %s", e.AOR, e.Reason)
}

// Unwrap returns the underlying error.
func (e *RegisterError) Unwrap() error { return e.Err }

// Registration keeps one account registered (RFC 3261 §10) on the account
// endpoint's flow: REGISTER with digest, refresh before the granted expiry,
// keep-alive on the flow, immediate re-REGISTER on a new flow when the flow
// dies, exponential back-off on failures, no retries on a wrong password.
type Registration struct {
	e     *Endpoint
	o     RegistrationOptions
	clock Clock

	events chan Event
	mu     sync.Mutex
	last   Event

	callID  string
	fromTag string
	cseq    uint32
	// stale holds contacts of lost flows, expired in the next REGISTER.
	stale []sip.Uri
	// contact is the contact currently bound (valid while registered).
	contact  *sip.ContactHeader
	expires  time.Duration // requested lifetime
	keeper   *keeper       // keep-alive of the current flow (remembers servers that do not pong)
	runOnce  sync.Once
	finished chan struct{}
}

// NewRegistration prepares the registration of e's account (ModeRegister).
func NewRegistration(e *Endpoint, o RegistrationOptions) *Registration {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Backoff == (Backoff{}) {
		o.Backoff = DefaultBackoff
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.PongTimeout <= 0 {
		o.PongTimeout = 10 * time.Second
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 32 * time.Second
	}
	r := &Registration{
		e:        e,
		o:        o,
		clock:    o.Clock,
		events:   make(chan Event, 64),
		callID:   newCallID(),
		fromTag:  sip.GenerateTagN(16),
		cseq:     uint32(rand.IntN(1 << 15)),
		expires:  e.Account.Expires,
		finished: make(chan struct{}),
	}
	r.keeper = newKeeper(KeepAliveOptions{
		Interval:     e.Account.KeepAlive,
		PongTimeout:  o.PongTimeout,
		ProbeTimeout: o.RequestTimeout,
		Clock:        o.Clock,
		Probe: func(ctx context.Context, f *Flow) error {
			_, err := e.Options(ctx, f)
			return err
		},
	})
	r.last = Event{Account: e.Account.Label(), State: StateUnregistered, Time: r.clock.Now()}
	return r
}

func newCallID() string {
	return fmt.Sprintf("%016x%016x@hookphone", rand.Uint64(), rand.Uint64())
}

// CallID is the Call-ID shared by all of this registration's REGISTERs (its trace group).
func (r *Registration) CallID() string { return r.callID }

// Events delivers state changes. The channel is buffered; when the reader
// falls behind, the oldest undelivered events are dropped (State always has
// the latest). It is closed when Run returns.
func (r *Registration) Events() <-chan Event { return r.events }

// State returns the latest event.
func (r *Registration) State() Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

func (r *Registration) emit(ev Event) {
	ev.Account = r.e.Account.Label()
	ev.Time = r.clock.Now()
	r.mu.Lock()
	r.last = ev
	r.mu.Unlock()
	r.e.log.Info("registration", "state", ev.State.String(), "expires", ev.Expires, "retry_in", ev.RetryIn, "reason", ev.Reason)
	sendDropOldest(r.events, ev)
}

// sendDropOldest puts v on ch without blocking: when ch is full its oldest
// value goes, since the newest state is the one that matters.
func sendDropOldest[T any](ch chan T, v T) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// Run registers and keeps the registration alive until ctx is done, then
// unregisters (Expires: 0) and returns nil. It returns the *RegisterError
// when registration fails for good. Run may be called once.
func (r *Registration) Run(ctx context.Context) error {
	err := errors.New("registration already ran")
	r.runOnce.Do(func() {
		defer close(r.finished)
		defer close(r.events)
		err = r.run(ctx)
	})
	return err
}

func (r *Registration) run(ctx context.Context) error {
	attempt := 0
	reason := ""
	refresh := false
	for {
		if ctx.Err() != nil {
			r.emit(Event{State: StateUnregistered, Reason: "stopped"})
			return nil
		}
		if !refresh {
			r.emit(Event{State: StateRegistering, Reason: reason})
		}
		flow, granted, err := r.register(ctx, refresh)
		if err != nil {
			if ctx.Err() != nil {
				r.emit(Event{State: StateUnregistered, Reason: "stopped"})
				return nil
			}
			var re *RegisterError
			if !errors.As(err, &re) {
				re = &RegisterError{AOR: r.e.Account.AOR(), Reason: err.Error(), Err: err}
			}
			if re.Permanent {
				r.emit(Event{State: StateFailed, Reason: re.Reason, Status: re.Status, Err: re})
				return re
			}
			delay := r.o.Backoff.Delay(attempt, r.o.Rand())
			if re.RetryAfter > delay {
				delay = re.RetryAfter
			}
			attempt++
			r.emit(Event{State: StateRetrying, RetryIn: delay, Reason: re.Reason, Status: re.Status, Err: re})
			refresh = false
			reason = "retry after: " + re.Reason
			if !r.sleep(ctx, delay) {
				r.emit(Event{State: StateUnregistered, Reason: "stopped"})
				return nil
			}
			continue
		}
		attempt = 0
		r.emit(Event{State: StateRegistered, Expires: granted, Server: r.e.Account.Server.String(), Flow: flow, Refresh: refresh, Status: 200})
		why, lost := r.hold(ctx, flow, granted)
		if ctx.Err() != nil {
			r.unregister(flow)
			r.emit(Event{State: StateUnregistered, Reason: "unregistered on exit"})
			return nil
		}
		if lost {
			// RFC 5626 §4.4.1: a failed flow is replaced and registered again at once.
			refresh = false
			reason = why
			continue
		}
		refresh = true
	}
}

// sleep waits d on the clock; false if ctx ended first.
func (r *Registration) sleep(ctx context.Context, d time.Duration) bool {
	t := r.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	}
}

// refreshIn is when to refresh a binding granted for d: at 80 % of it, but
// never later than 2 s before expiry when that leaves a usable interval.
func refreshIn(d time.Duration) time.Duration {
	in := d * 8 / 10
	if d-in < 2*time.Second && d > 4*time.Second {
		in = d - 2*time.Second
	}
	if in <= 0 {
		in = d / 2
	}
	return in
}

// applyFlowTimer follows a registrar's Flow-Timer (RFC 5626 §4.4.1): keep
// alive at a random 80–100 % of it; without one, the account's interval.
func (r *Registration) applyFlowTimer(res *sip.Response) {
	interval := r.e.Account.KeepAlive
	if h := res.GetHeader("Flow-Timer"); h != nil && interval > 0 {
		if n, ok := ParseDeltaSeconds(h.Value()); ok && n > 0 {
			ft := time.Duration(n) * time.Second
			interval = ft*8/10 + time.Duration(r.o.Rand()*float64(ft*2/10))
		}
	}
	r.keeper.o.Interval = interval
}

// hold keeps a granted registration while a keeper watches the flow: it
// returns when the refresh is due (lost false), or when the flow died (lost
// true, with why).
func (r *Registration) hold(ctx context.Context, flow *Flow, granted time.Duration) (why string, lost bool) {
	refresh := r.clock.NewTimer(refreshIn(granted))
	defer refresh.Stop()
	kctx, stop := context.WithCancel(ctx)
	kdone := make(chan struct{})
	go func() {
		defer close(kdone)
		r.keeper.run(kctx, flow)
	}()
	defer func() { stop(); <-kdone }()
	select {
	case <-ctx.Done():
		return "", false
	case <-flow.Done():
		return fmt.Sprintf("flow lost: %v", flow.Err()), true
	case <-refresh.C():
		return "", false
	}
}

// do runs one exchange bounded by RequestTimeout on the clock.
func (r *Registration) do(ctx context.Context, f func(ctx context.Context) (*sip.Response, error)) (*sip.Response, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		res *sip.Response
		err error
	}
	ch := make(chan result, 1)
	go func() {
		res, err := f(ctx)
		ch <- result{res, err}
	}()
	t := r.clock.NewTimer(r.o.RequestTimeout)
	defer t.Stop()
	select {
	case out := <-ch:
		return out.res, out.err
	case <-t.C():
		cancel()
		<-ch
		return nil, fmt.Errorf("no answer within %s", r.o.RequestTimeout)
	}
}

// register sends one REGISTER (with digest if challenged) on the live flow,
// dialling a new flow when there is none, and returns the granted lifetime.
func (r *Registration) register(ctx context.Context, refresh bool) (*Flow, time.Duration, error) {
	acct := &r.e.Account
	aor := acct.AOR()
	old := r.e.Flow()
	flow, err := r.e.Connect(ctx)
	if err != nil {
		var ce *CertError
		if errors.As(err, &ce) {
			return nil, 0, &RegisterError{AOR: aor, Reason: ce.Error(), Permanent: true, Err: err}
		}
		return nil, 0, &RegisterError{AOR: aor, Reason: fmt.Sprintf("cannot reach %s: %v", acct.Server, err), Err: err}
	}
	if old == nil && r.contact != nil {
		// The previous binding pointed at a flow that is gone: expire it in
		// this REGISTER so the registrar does not fork calls to a dead flow.
		known := false
		for _, s := range r.stale {
			known = known || sameContact(s.String(), r.contact.Address.String())
		}
		if !known {
			r.stale = append(r.stale, r.contact.Address)
		}
	}
	contact := r.e.Contact(flow)
	expires := r.expires
	for round := 0; round < 3; round++ {
		res, credsSent, err := r.sendRegister(ctx, flow, &contact, expires)
		if err != nil {
			return nil, 0, &RegisterError{AOR: aor, Reason: "REGISTER failed: " + err.Error(), Err: err}
		}
		switch {
		case res.StatusCode >= 200 && res.StatusCode < 300:
			granted := grantedExpires(res, contact.Address, expires)
			if granted <= 0 {
				return nil, 0, &RegisterError{AOR: aor, Status: res.StatusCode, Reason: "registrar granted no lifetime to our contact"}
			}
			r.contact = &contact
			r.stale = nil
			r.applyFlowTimer(res)
			return flow, granted, nil
		case res.StatusCode == 423:
			// RFC 3261 §10.2.8: Interval Too Brief carries Min-Expires.
			if h := res.GetHeader("Min-Expires"); h != nil {
				if n, ok := ParseDeltaSeconds(h.Value()); ok && time.Duration(n)*time.Second > expires {
					expires = time.Duration(n) * time.Second
					r.expires = expires
					continue
				}
			}
			return nil, 0, statusError(aor, res, credsSent, "423 Interval Too Brief without a usable Min-Expires")
		default:
			return nil, 0, statusError(aor, res, credsSent, "")
		}
	}
	return nil, 0, &RegisterError{AOR: aor, Reason: "registrar kept asking for a longer interval", Permanent: true}
}

// sendRegister sends REGISTER and answers one digest challenge (two when the
// server says the nonce was stale). A challenge after credentials means they
// are wrong: the response is returned as is.
func (r *Registration) sendRegister(ctx context.Context, flow *Flow, contact *sip.ContactHeader, expires time.Duration) (res *sip.Response, credsSent bool, err error) {
	req := r.buildRegister(flow, contact, expires, false)
	res, err = r.do(ctx, func(ctx context.Context) (*sip.Response, error) {
		return r.e.Client.Do(ctx, req, sipgo.ClientRequestAddVia)
	})
	if err != nil {
		return nil, false, err
	}
	for tries := 0; tries < 2 && (res.StatusCode == 401 || res.StatusCode == 407); tries++ {
		if tries == 1 && !isStale(res) {
			break
		}
		acct := &r.e.Account
		challenge := res
		res, err = r.do(ctx, func(ctx context.Context) (*sip.Response, error) {
			return r.e.Client.DoDigestAuth(ctx, req, challenge, sipgo.DigestAuth{Username: acct.AuthUsername(), Password: acct.Password})
		})
		credsSent = true
		if cs := req.CSeq(); cs != nil {
			r.cseq = cs.SeqNo
		}
		if err != nil {
			return nil, true, err
		}
	}
	return res, credsSent, nil
}

func isStale(res *sip.Response) bool {
	for _, name := range []string{"WWW-Authenticate", "Proxy-Authenticate"} {
		if h := res.GetHeader(name); h != nil && strings.Contains(strings.ToLower(strings.ReplaceAll(h.Value(), " ", "")), "stale=true") {
			return true
		}
	}
	return false
}

// buildRegister makes a REGISTER of this registration (same Call-ID and From
// tag on every refresh, CSeq increasing: RFC 3261 §10.2.4).
func (r *Registration) buildRegister(flow *Flow, contact *sip.ContactHeader, expires time.Duration, remove bool) *sip.Request {
	acct := &r.e.Account
	ruri := sip.Uri{Scheme: "sip", Host: acct.AORDomain(), UriParams: sip.NewParams(), Headers: sip.NewParams()}
	req := sip.NewRequest(sip.REGISTER, ruri)
	r.e.Prepare(req, flow)
	aorURI := sip.Uri{Scheme: "sip", User: acct.User, Host: acct.AORDomain(), UriParams: sip.NewParams(), Headers: sip.NewParams()}
	fromParams := sip.NewParams()
	fromParams.Add("tag", r.fromTag)
	req.AppendHeader(&sip.FromHeader{DisplayName: acct.DisplayName, Address: aorURI, Params: fromParams})
	req.AppendHeader(&sip.ToHeader{DisplayName: acct.DisplayName, Address: aorURI, Params: sip.NewParams()})
	callID := sip.CallIDHeader(r.callID)
	req.AppendHeader(&callID)
	r.cseq++
	req.AppendHeader(&sip.CSeqHeader{SeqNo: r.cseq, MethodName: sip.REGISTER})
	maxfwd := sip.MaxForwardsHeader(70)
	req.AppendHeader(&maxfwd)
	secs := int(expires / time.Second)
	if remove {
		secs = 0
	}
	c := *contact
	c.Params = sip.NewParams()
	c.Params.Add("expires", strconv.Itoa(secs))
	req.AppendHeader(&c)
	for _, s := range r.stale {
		p := sip.NewParams()
		p.Add("expires", "0")
		req.AppendHeader(&sip.ContactHeader{Address: s, Params: p})
	}
	exp := sip.ExpiresHeader(secs)
	req.AppendHeader(&exp)
	req.AppendHeader(sip.NewHeader("User-Agent", acct.UserAgent))
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER"))
	req.SetBody(nil)
	return req
}

// grantedExpires reads the lifetime the registrar granted our contact: its
// expires parameter in the 200's Contact list, else the Expires header, else
// what we asked (RFC 3261 §10.2.4).
func grantedExpires(res *sip.Response, ours sip.Uri, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		for _, b := range ParseContacts(h.Value()) {
			if b.Expires >= 0 && sameContact(b.URI, ours.String()) {
				return time.Duration(b.Expires) * time.Second
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, ok := ParseDeltaSeconds(h.Value()); ok {
			return time.Duration(n) * time.Second
		}
	}
	return asked
}

// statusError explains a non-2xx final response to REGISTER and says whether retrying can help.
func statusError(aor string, res *sip.Response, afterCreds bool, detail string) *RegisterError {
	e := &RegisterError{AOR: aor, Status: res.StatusCode}
	status := fmt.Sprintf("%d %s", res.StatusCode, res.Reason)
	switch {
	case res.StatusCode == 401 || res.StatusCode == 407:
		e.Permanent = true
		if afterCreds {
			e.Reason = fmt.Sprintf("wrong password or auth user: the server rejected our credentials again (%s)", status)
		} else {
			e.Reason = fmt.Sprintf("authentication failed (%s)", status)
		}
	case res.StatusCode == 403:
		e.Permanent = true
		e.Reason = fmt.Sprintf("wrong password or user not allowed: the server answered %s", status)
	case res.StatusCode == 404:
		e.Permanent = true
		e.Reason = fmt.Sprintf("unknown user or domain: the server answered %s", status)
	case res.StatusCode == 408 || res.StatusCode == 429 || res.StatusCode == 480 || res.StatusCode >= 500 && res.StatusCode < 600:
		e.Reason = "server answered " + status
	default:
		e.Permanent = true
		e.Reason = "server refused the registration: " + status
	}
	if detail != "" {
		e.Reason += ": " + detail
	}
	if h := res.GetHeader("Retry-After"); h != nil {
		if d, ok := ParseRetryAfter(h.Value()); ok {
			e.RetryAfter = d
		}
	}
	return e
}

// unregister removes our binding (Expires: 0) on the flow, best effort, bounded to 5 s.
func (r *Registration) unregister(flow *Flow) {
	if r.contact == nil || flow == nil || !flow.Alive() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := r.buildRegister(flow, r.contact, 0, true)
	res, err := r.e.Client.Do(ctx, req, sipgo.ClientRequestAddVia)
	if err == nil && (res.StatusCode == 401 || res.StatusCode == 407) {
		acct := &r.e.Account
		res, err = r.e.Client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: acct.AuthUsername(), Password: acct.Password})
	}
	if err != nil {
		r.e.log.Warn("unregister failed", "error", err)
		return
	}
	if res.StatusCode >= 300 {
		r.e.log.Warn("unregister refused", "status", res.StatusCode, "reason", res.Reason)
		return
	}
	r.contact = nil
}

// Done is closed when Run has returned (after unregistering).
func (r *Registration) Done() <-chan struct{} { return r.finished }
