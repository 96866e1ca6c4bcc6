package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"

	"github.com/hookphone/hookphone/media"
)

// DefaultRingTimeout is how long an outgoing call may ring before Hookphone
// gives up (result "timeout").
const DefaultRingTimeout = 60 * time.Second

// CallManagerConfig wires call control to one account's signalling.
type CallManagerConfig struct {
	// Account supplies the AOR, digest credentials, SRTP policy, suites,
	// codecs and the call-id header name. It must be validated.
	Account *Account
	// Client sends our requests on the account's flow.
	Client *sipgo.Client
	// Contact is our Contact header (sip:user@ip:port;transport=tls).
	Contact sip.ContactHeader
	// LocalIP is the address media binds to and advertises in SDP.
	LocalIP netip.Addr
	// Outbound is "host:port" where out-of-dialog INVITEs are sent (the
	// registrar/proxy); "" sends them to the Request-URI's host.
	Outbound string
	// Prepare, when set, readies each out-of-dialog request for the wire
	// (the account's flow: transport, destination) and returns the Contact
	// to use; it replaces Outbound and Contact. See NewEndpointCallManager.
	Prepare func(ctx context.Context, req *sip.Request) (sip.ContactHeader, error)
	// FlowInfo reports the TLS of the signalling flow for the security view.
	FlowInfo func() (ConnInfo, bool)
	// History, when set, records every finished call.
	History *History
	// RingTimeout bounds an outgoing call's ringing (0: DefaultRingTimeout).
	RingTimeout time.Duration
	// NoMediaTimeout ends a call whose media stopped (0: media's default 30 s).
	NoMediaTimeout time.Duration
	// OnIncoming is called (on its own goroutine) for each new incoming call,
	// which rings until Answer, Reject or the caller's CANCEL. Nil: incoming
	// calls are rejected with 480 Temporarily Unavailable.
	OnIncoming func(*Call)
	// OnReplaced, when set, is told (on its own goroutine) that an incoming
	// INVITE with Replaces took over an answered call: the new call is up
	// with the old call's audio ends, and the old one has ended. Such a
	// call never rings and never reaches OnIncoming.
	OnReplaced func(old, replacement *Call)
	// Logger receives call-control logs (nil: slog.Default()).
	Logger *slog.Logger

	newMedia mediaFactory // tests replace the engine
}

// CallManager places and receives the calls of one account. Route the
// account's inbound requests to it with [CallManager.Attach] (or its Handle*
// methods from your own handlers).
type CallManager struct {
	cfg CallManagerConfig
	dua *sipgo.DialogUA
	log *slog.Logger
	// localIP, when set, gives the media address per call (the flow's local IP).
	localIP func() netip.Addr
	// contactFn, when set, gives our Contact per use (the endpoint's current one).
	contactFn func() sip.ContactHeader
	// flowLookup, when set, finds the TLS of the flow an incoming request
	// arrived on (a trunk listener's connection), by its remote address.
	flowLookup func(remote string) (ConnInfo, bool)

	mu     sync.Mutex
	calls  map[string]*Call // by SIP Call-ID
	closed bool
	wg     sync.WaitGroup
}

// NewCallManager checks cfg and returns a manager with no calls.
func NewCallManager(cfg CallManagerConfig) (*CallManager, error) {
	if cfg.Account == nil || cfg.Client == nil {
		return nil, errors.New("call manager: account and client are required")
	}
	if cfg.RingTimeout == 0 {
		cfg.RingTimeout = DefaultRingTimeout
	}
	if cfg.newMedia == nil {
		cfg.newMedia = newMediaSession
	}
	if cfg.Account.CallIDHeader == "" {
		cfg.Account.CallIDHeader = DefaultCallIDHeader
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &CallManager{
		cfg:   cfg,
		dua:   &sipgo.DialogUA{Client: cfg.Client, ContactHDR: cfg.Contact},
		log:   log.With("account", cfg.Account.Label()),
		calls: map[string]*Call{},
	}, nil
}

// Attach registers the manager's handlers for INVITE, ACK, BYE, REFER and
// NOTIFY on srv (the server of the account's user agent).
func (m *CallManager) Attach(srv *sipgo.Server) {
	srv.OnInvite(m.HandleInvite)
	srv.OnAck(m.HandleAck)
	srv.OnBye(m.HandleBye)
	srv.OnRefer(m.HandleRefer)
	srv.OnNotify(m.HandleNotify)
}

// Calls returns the calls in progress.
func (m *CallManager) Calls() []*Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Call, 0, len(m.calls))
	for _, c := range m.calls {
		out = append(out, c)
	}
	return out
}

// Close hangs up every call and waits for their goroutines.
func (m *CallManager) Close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	for _, c := range m.Calls() {
		_ = c.Hangup(ctx)
	}
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close call manager: %w", ctx.Err())
	}
}

// mediaIP is the address media binds to and advertises: the flow's local
// IP, else the address in our Contact (a trunk listener's), else LocalIP.
func (m *CallManager) mediaIP() netip.Addr {
	if m.localIP != nil {
		if ip := m.localIP(); ip.IsValid() {
			return ip
		}
		if ip, err := netip.ParseAddr(m.contact().Address.Host); err == nil && !ip.IsUnspecified() {
			return ip
		}
	}
	return m.cfg.LocalIP
}

func (m *CallManager) contactHeader() sip.Header {
	ct := m.contact()
	return &ct
}

// contact is our current Contact (it follows the account's flow, or the
// trunk listener's address).
func (m *CallManager) contact() sip.ContactHeader {
	if m.contactFn != nil {
		ct := m.contactFn()
		m.setContact(ct)
		return ct
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return *m.dua.ContactHDR.Clone()
}

func (m *CallManager) setContact(ct sip.ContactHeader) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dua.ContactHDR.Address.String() != ct.Address.String() {
		m.dua.ContactHDR = ct
	}
}

func (m *CallManager) add(c *Call) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errors.New("call manager closed")
	}
	m.calls[c.SIPCallID] = c
	return nil
}

func (m *CallManager) remove(c *Call) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.calls[c.SIPCallID] == c {
		delete(m.calls, c.SIPCallID)
	}
}

func (m *CallManager) lookup(req *sip.Request) *Call {
	id := req.CallID()
	if id == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[id.Value()]
}

func (m *CallManager) record(info CallInfo) {
	if m.cfg.History == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e := HistoryEntryFromCall(info)
	e.Account = m.cfg.Account.Label()
	if err := m.cfg.History.Add(ctx, e); err != nil {
		m.log.Warn("call history", "call", info.ID, "err", err)
	}
}

// SetFlowLookup tells the manager how to find the TLS of the connection an
// incoming call arrives on, by the connection's remote "ip:port" (for calls
// on a trunk listener: search TrunkListener.Flows()). Without it incoming
// calls report the account's own flow.
func (m *CallManager) SetFlowLookup(f func(remote string) (ConnInfo, bool)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.flowLookup = f
}

// securityFor is the security of a request that arrived from source.
func (m *CallManager) securityFor(source string) Security {
	m.mu.Lock()
	lookup := m.flowLookup
	m.mu.Unlock()
	if lookup != nil {
		if ci, ok := lookup(source); ok {
			return securityFromFlow(ci, true)
		}
	}
	return m.security()
}

func (m *CallManager) security() Security {
	if m.cfg.FlowInfo == nil {
		return Security{Transport: "TLS"}
	}
	return securityFromFlow(m.cfg.FlowInfo())
}

// DialOptions are the audio ends and limits of an outgoing call.
type DialOptions struct {
	// Source is what we send (nil: silence); Sink gets what we hear (nil: discarded).
	Source media.Source
	Sink   media.Sink
	// RingTimeout overrides the manager's (0: the manager's).
	RingTimeout time.Duration
	// Replaces, when set, is a Replaces header (RFC 3891) for the INVITE:
	// the call takes the place of that dialog at the far end (attended
	// transfer, as the transferee).
	Replaces string
}

// Dial places a call to target (a sip:/sips: URI, user@host, or a bare user
// or number completed with the account's domain). It returns once the INVITE
// is on its way; follow the call with Subscribe, WaitAnswered or Done.
func (m *CallManager) Dial(ctx context.Context, target string, opts DialOptions) (*Call, error) {
	acc := m.cfg.Account
	uri, err := ParseTarget(target, acc.AORDomain())
	if err != nil {
		return nil, fmt.Errorf("call: %w", err)
	}
	mcfg, err := mediaConfig(acc, m.mediaIP(), m.cfg.NoMediaTimeout)
	mcfg.Logger = m.log
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", uri.String(), err)
	}
	ms, err := m.cfg.newMedia(ctx, mcfg)
	if err != nil {
		return nil, fmt.Errorf("call %s: open media: %w", uri.String(), err)
	}
	offer, err := ms.Offer()
	if err != nil {
		ms.Close()
		return nil, fmt.Errorf("call %s: sdp offer: %w", uri.String(), err)
	}
	c := newCall(m, DirectionOutgoing, uri.String())
	c.ms = ms
	c.src.attach(opts.Source)
	c.snk.attach(opts.Sink)
	req := m.newInvite(uri, offer, c.ID)
	if opts.Replaces != "" {
		r, err := parseReplaces(opts.Replaces)
		if err != nil {
			ms.Close()
			return nil, fmt.Errorf("call %s: %w", uri.String(), err)
		}
		req.AppendHeader(sip.NewHeader("Replaces", r.String()))
	}
	if m.cfg.Prepare != nil {
		ct, err := m.cfg.Prepare(ctx, req)
		if err != nil {
			ms.Close()
			return nil, fmt.Errorf("call %s: %w", uri.String(), err)
		}
		req.RemoveHeader("Contact")
		req.AppendHeader(&ct)
		m.setContact(ct)
	}
	c.SIPCallID = req.CallID().Value()
	c.security = m.security()
	if err := m.add(c); err != nil {
		ms.Close()
		return nil, err
	}
	ring := opts.RingTimeout
	if ring == 0 {
		ring = m.cfg.RingTimeout
	}
	setup, cancel := context.WithCancelCause(context.Background())
	c.cancel = cancel
	c.state = CallStateCalling
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer m.recoverCall(c)
		c.runOutgoing(setup, req, ring)
	}()
	return c, nil
}

// newInvite builds our INVITE: From our AOR with a tag, To the target,
// Contact, the call-id header, User-Agent and the SDP offer, over TLS.
func (m *CallManager) newInvite(uri sip.Uri, offer []byte, callID string) *sip.Request {
	acc := m.cfg.Account
	req := sip.NewRequest(sip.INVITE, uri)
	req.SetTransport("TLS")
	var aor sip.Uri
	_ = sip.ParseUri(acc.AOR(), &aor)
	from := &sip.FromHeader{DisplayName: acc.DisplayName, Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	to := &sip.ToHeader{Address: *uri.Clone(), Params: sip.NewParams()}
	to.Address.UriParams = sip.NewParams()
	req.AppendHeader(to)
	cid := sip.CallIDHeader(uuid.NewString())
	req.AppendHeader(&cid)
	req.AppendHeader(sip.NewHeader(acc.CallIDHeader, callID))
	req.AppendHeader(sip.NewHeader("User-Agent", acc.UserAgent))
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS"))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	ct := m.contact()
	req.AppendHeader(&ct)
	req.SetBody(offer)
	if m.cfg.Outbound != "" {
		req.SetDestination(m.cfg.Outbound)
	}
	return req
}

func (c *Call) runOutgoing(setup context.Context, req *sip.Request, ring time.Duration) {
	m := c.mgr
	acc := m.cfg.Account
	timer := time.AfterFunc(ring, func() { c.cancel(errRingTimeout) })
	defer timer.Stop()
	sess, err := m.dua.WriteInvite(setup, req)
	if err != nil {
		c.finish(ResultFailed, 0, fmt.Sprintf("send INVITE: %v", err))
		return
	}
	c.mu.Lock()
	c.cs = sess
	c.mu.Unlock()
	defer sess.Close()
	err = sess.WaitAnswer(setup, sipgo.AnswerOptions{
		Username: acc.AuthUsername(), Password: acc.Password,
		OnResponse: func(res *sip.Response) error {
			c.onProvisional(res)
			return nil
		},
	})
	if err != nil {
		var dr *sipgo.ErrDialogResponse
		switch {
		case errors.As(err, &dr):
			c.finish(resultForStatus(dr.Res.StatusCode), dr.Res.StatusCode, describeFailure(dr.Res))
		case errors.Is(context.Cause(setup), errRingTimeout):
			c.finish(ResultTimeout, 0, fmt.Sprintf("no answer within %s", ring))
		case errors.Is(context.Cause(setup), errHangup):
			c.finish(ResultCancelled, 487, "cancelled before the answer")
		default:
			c.finish(ResultFailed, 0, fmt.Sprintf("INVITE: %v", err))
		}
		return
	}
	timer.Stop()
	now := time.Now()
	if err := sess.Ack(context.Background()); err != nil {
		c.finish(ResultFailed, 200, fmt.Sprintf("send ACK: %v", err))
		return
	}
	neg, err := c.ms.AcceptAnswer(sess.InviteResponse.Body())
	if err != nil {
		// The far end answered with media we must not use (e.g. plain RTP
		// on a mandatory-SRTP account): end the dialog and say why.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = sess.Bye(ctx)
		cancel()
		c.finish(ResultFailed, 200, fmt.Sprintf("the answer's media is not acceptable: %v", err))
		return
	}
	c.mu.Lock()
	c.answered = now
	c.result = ResultAnswered
	c.status = 200
	c.mu.Unlock()
	if err := c.startMedia(neg); err != nil {
		c.hangupWithReason(context.Background(), err.Error())
		return
	}
	c.setState(CallStateActive)
	select {
	case <-sess.Context().Done():
		c.remoteEnded()
	case <-c.done:
	}
}

// onProvisional surfaces 180/183 and starts early media on a 183 with SDP.
func (c *Call) onProvisional(res *sip.Response) {
	if !res.IsProvisional() || res.StatusCode == 100 {
		return
	}
	c.hub.publish(CallEvent{Kind: EventProgress, Status: res.StatusCode, Reason: res.Reason})
	switch {
	case res.StatusCode == 183 && len(res.Body()) > 0:
		neg, err := c.ms.AcceptAnswer(res.Body())
		if err != nil {
			c.mgr.log.Warn("early media refused", "call", c.ID, "err", err)
			return
		}
		if err := c.startMedia(neg); err != nil {
			c.mgr.log.Warn("early media", "call", c.ID, "err", err)
			return
		}
		c.setState(CallStateEarlyMedia)
	case res.StatusCode == 180 || res.StatusCode == 183:
		if c.State() != CallStateEarlyMedia {
			c.setState(CallStateRinging)
		}
	}
}

// HandleInvite takes a new incoming INVITE (ringing, then answered or
// rejected by the user) or a re-INVITE within one of our calls.
func (m *CallManager) HandleInvite(req *sip.Request, tx sip.ServerTransaction) {
	defer m.recoverHandler(req, tx)
	if to := req.To(); to != nil && to.Params != nil && to.Params.Has("tag") {
		m.handleReinvite(req, tx)
		return
	}
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed || m.cfg.OnIncoming == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 480, "Temporarily Unavailable", nil))
		return
	}
	// An attended transfer's INVITE (RFC 3891): it replaces one of our
	// answered calls, or gets 481 (400 when the header is malformed).
	var replaced *Call
	if h := req.GetHeader("Replaces"); h != nil {
		r, err := parseReplaces(h.Value())
		if err != nil {
			_ = tx.Respond(withWarning(sip.NewResponseFromRequest(req, 400, "Bad Replaces", nil), err, m.contact().Address.Host))
			return
		}
		if replaced, err = m.replacedCall(r); err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
			return
		}
	}
	d, err := m.dua.ReadInvite(req, tx)
	if err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 400, "Bad Request", nil))
		return
	}
	defer d.Close()
	remote := req.From().Address.String()
	c := newCall(m, DirectionIncoming, remote)
	c.SIPCallID = req.CallID().Value()
	c.ss = d
	c.security = m.securityFor(req.Source())
	if h := req.GetHeader(m.cfg.Account.CallIDHeader); h != nil {
		// The far end is another Hookphone: keep its id so both histories agree.
		if id := h.Value(); ValidateHeaderValue("call id", id) == nil && len(id) <= 64 {
			c.ID = id
		}
	}
	mcfg, err := mediaConfig(m.cfg.Account, m.mediaIP(), m.cfg.NoMediaTimeout)
	mcfg.Logger = m.log
	if err == nil {
		c.ms, err = m.cfg.newMedia(context.Background(), mcfg)
	}
	if err != nil {
		_ = d.Respond(500, "Server Internal Error", nil, m.contactHeader())
		c.finish(ResultFailed, 500, fmt.Sprintf("open media: %v", err))
		return
	}
	answer, neg, err := c.ms.Answer(req.Body())
	if err != nil {
		status, warning := 488, err.Error()
		var ne *media.NegotiationError
		if errors.As(err, &ne) {
			status, warning = ne.Status, ne.Warning
		}
		code := 305
		if ne != nil && ne.WarningCode != 0 {
			code = ne.WarningCode
		}
		_ = d.Respond(status, reasonPhrase(status), nil, warningHeader(code, m.contact().Address.Host, warning), m.contactHeader())
		c.finish(ResultRejected, status, "we refused the caller's media offer: "+warning)
		return
	}
	c.answerSDP = answer
	c.answerNeg = neg
	if err := m.add(c); err != nil {
		_ = d.Respond(480, "Temporarily Unavailable", nil, m.contactHeader())
		c.finish(ResultFailed, 480, err.Error())
		return
	}
	c.state = CallStateRinging
	if replaced != nil {
		// No ringing: the user is already talking on the replaced call.
		go m.takeOver(replaced, c)
		c.runIncoming(d)
		return
	}
	if err := d.Respond(180, "Ringing", nil, m.contactHeader()); err != nil {
		c.finish(ResultFailed, 0, fmt.Sprintf("send 180: %v", err))
		return
	}
	go m.cfg.OnIncoming(c)
	c.hub.publish(CallEvent{Kind: EventState, State: CallStateRinging})
	c.runIncoming(d)
}

func (c *Call) runIncoming(d *sipgo.DialogServerSession) {
	early := false
	for answered := false; !answered; {
		select {
		case <-d.Context().Done():
			c.finish(ResultCancelled, 487, "the caller cancelled")
			return
		case <-c.done:
			return
		case a := <-c.answerCh:
			switch {
			case a.reject != 0:
				c.reject(d, a)
				return
			case a.early:
				if early {
					a.done <- nil
					continue
				}
				err := c.progress(d, a.opts)
				early = err == nil
				a.done <- err
				if err != nil {
					return
				}
			default:
				if !c.answer(d, a, early) {
					return
				}
				answered = true
			}
		}
	}
	select {
	case <-d.Context().Done():
		c.remoteEnded()
	case <-c.done:
	}
}

// reject sends the final refusal of a ringing incoming call.
func (c *Call) reject(d *sipgo.DialogServerSession, a answerRequest) {
	err := d.Respond(a.reject, a.reason, nil, c.mgr.contactHeader())
	res := ResultRejected
	if a.reject == 486 || a.reject == 600 {
		res = ResultBusy
	}
	c.finish(res, a.reject, fmt.Sprintf("rejected here with %d %s", a.reject, a.reason))
	a.done <- err
}

// progress sends 183 Session Progress with our answer SDP and starts media
// before the answer; a failure ends the call.
func (c *Call) progress(d *sipgo.DialogServerSession, opts AnswerOptions) error {
	c.src.attach(opts.Source)
	c.snk.attach(opts.Sink)
	res := sip.NewSDPResponseFromRequest(d.InviteRequest, c.answerSDP)
	res.StatusCode, res.Reason = 183, "Session Progress"
	ct := c.mgr.contact()
	res.AppendHeader(&ct)
	if err := d.WriteResponse(res); err != nil {
		c.finish(ResultFailed, 0, fmt.Sprintf("send 183: %v", err))
		return fmt.Errorf("early media: send 183: %w", err)
	}
	if err := c.startMedia(c.answerNeg); err != nil {
		_ = d.Respond(500, "Server Internal Error", nil, c.mgr.contactHeader())
		c.finish(ResultFailed, 500, err.Error())
		return fmt.Errorf("early media: %w", err)
	}
	c.setState(CallStateEarlyMedia)
	return nil
}

// answer sends 200 OK with our SDP, waits for the ACK and starts media
// (already running after early media). It reports whether the call is up.
func (c *Call) answer(d *sipgo.DialogServerSession, a answerRequest, early bool) bool {
	if !early || a.opts.Source != nil {
		c.src.attach(a.opts.Source)
	}
	if !early || a.opts.Sink != nil {
		c.snk.attach(a.opts.Sink)
	}
	res := sip.NewSDPResponseFromRequest(d.InviteRequest, c.answerSDP) // the same SDP as the 183
	ct := c.mgr.contact()
	res.AppendHeader(&ct)
	if err := d.WriteResponse(res); err != nil { // blocks until the ACK (HandleAck)
		c.finish(ResultFailed, 200, fmt.Sprintf("answer: %v", err))
		a.done <- err
		return false
	}
	c.mu.Lock()
	c.answered = time.Now()
	c.result = ResultAnswered
	c.status = 200
	c.mu.Unlock()
	if err := c.startMedia(c.answerNeg); err != nil {
		c.hangupWithReason(context.Background(), err.Error())
		a.done <- err
		return false
	}
	c.setState(CallStateActive)
	a.done <- nil
	return true
}

// HandleAck confirms the dialog of an answered incoming call (sipgo's
// RespondSDP waits for it) and absorbs ACKs of re-INVITEs.
func (m *CallManager) HandleAck(req *sip.Request, tx sip.ServerTransaction) {
	defer m.recoverHandler(req, nil)
	c := m.lookup(req)
	if c == nil {
		return
	}
	c.mu.Lock()
	ss := c.ss
	c.mu.Unlock()
	if ss != nil {
		_ = ss.ReadAck(req, tx) // a re-INVITE's ACK has another CSeq: ignored
	}
}

// HandleBye ends the call the BYE belongs to (481 if none).
func (m *CallManager) HandleBye(req *sip.Request, tx sip.ServerTransaction) {
	defer m.recoverHandler(req, tx)
	c := m.lookup(req)
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.mu.Lock()
	cs, ss := c.cs, c.ss
	c.mu.Unlock()
	var err error
	switch {
	case cs != nil:
		err = cs.ReadBye(req, tx)
	case ss != nil:
		err = ss.ReadBye(req, tx)
	}
	if err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.finish(ResultAnswered, 0, "remote hangup")
}

// recoverHandler keeps a panic in call control from killing the process
// (sipgo has no recover of its own).
func (m *CallManager) recoverHandler(req *sip.Request, tx sip.ServerTransaction) {
	if r := recover(); r != nil {
		m.log.Error("panic in SIP handler", "method", req.Method.String(), "panic", r, "stack", string(debug.Stack()))
		if tx != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 500, "Server Internal Error", nil))
		}
	}
}

func (m *CallManager) recoverCall(c *Call) {
	if r := recover(); r != nil {
		m.log.Error("panic in call", "call", c.ID, "panic", r, "stack", string(debug.Stack()))
		c.finish(ResultFailed, 0, fmt.Sprintf("internal error: %v", r))
	}
}

// warningHeader builds an RFC 3261 §20.43 Warning: code agent "text".
func warningHeader(code int, agent, text string) sip.Header {
	if agent == "" {
		agent = "hookphone"
	}
	clean := make([]rune, 0, len(text))
	for _, r := range text {
		switch {
		case r == '"' || r == '\\':
			clean = append(clean, '\'')
		case r < 0x20 || r == 0x7f:
			clean = append(clean, ' ')
		default:
			clean = append(clean, r)
		}
	}
	return sip.NewHeader("Warning", fmt.Sprintf("%d %s \"%s\"", code, agent, string(clean)))
}

// NewEndpointCallManager builds a call manager on an account's Endpoint:
// requests go out on the endpoint's flow (dialled on demand), the Contact
// and media address follow the flow, the security view reads the flow's
// TLS, and INVITE/ACK/BYE/REFER/NOTIFY are routed to the manager. Call it
// before the endpoint's first Connect.
func NewEndpointCallManager(e *Endpoint, cfg CallManagerConfig) (*CallManager, error) {
	cfg.Account = &e.Account
	cfg.Client = e.Client
	cfg.Contact = e.Contact(e.Flow())
	cfg.Prepare = func(ctx context.Context, req *sip.Request) (sip.ContactHeader, error) {
		f, err := e.Connect(ctx)
		if err != nil {
			return sip.ContactHeader{}, err
		}
		e.Prepare(req, f)
		return e.Contact(f), nil
	}
	cfg.FlowInfo = func() (ConnInfo, bool) {
		if f := e.Flow(); f != nil {
			return f.TLS, true
		}
		return ConnInfo{}, false
	}
	if cfg.Logger == nil {
		cfg.Logger = e.Logger()
	}
	m, err := NewCallManager(cfg)
	if err != nil {
		return nil, err
	}
	if !cfg.LocalIP.IsValid() {
		m.localIP = func() netip.Addr {
			if f := e.Flow(); f != nil {
				if ap, err := netip.ParseAddrPort(f.Local); err == nil {
					return ap.Addr()
				}
			}
			return netip.Addr{}
		}
	}
	m.contactFn = func() sip.ContactHeader { return e.Contact(e.Flow()) }
	e.OnFlow(func(f *Flow) { m.setContact(e.Contact(f)) })
	e.Handle(sip.INVITE, m.HandleInvite)
	e.Handle(sip.ACK, m.HandleAck)
	e.Handle(sip.BYE, m.HandleBye)
	e.Handle(sip.REFER, m.HandleRefer)
	e.Handle(sip.NOTIFY, m.HandleNotify)
	return m, nil
}
