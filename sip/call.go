package sip

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"

	"github.com/hookphone/hookphone/media"
)

// Call is one phone call, placed by [CallManager.Dial] or received through
// [CallManagerConfig.OnIncoming]. Its methods are safe from any goroutine;
// blocking ones take a context.
type Call struct {
	// ID is Hookphone's own id for the call (sent in the X-Hookphone-Call-Id
	// header of outgoing INVITEs, stored in the history).
	ID string
	// Direction says who placed the call.
	Direction CallDirection
	// Remote is the far end's URI (To of our INVITE, From of theirs).
	Remote string
	// SIPCallID is the Call-ID header of the dialog.
	SIPCallID string

	mgr *CallManager
	src *callSource
	snk *callSink

	mu          sync.Mutex
	state       CallState
	result      CallResult
	status      int
	reason      string
	started     time.Time
	answered    time.Time
	firstMedia  time.Time
	mediaSource netip.AddrPort // where the far end's first authenticated media came from
	ended       time.Time
	muted       bool
	localHold   bool
	remoteHold  bool
	neg         media.Negotiated
	security    Security
	lastStats   media.Stats
	ms          mediaSession
	cs          *sipgo.DialogClientSession
	ss          *sipgo.DialogServerSession
	mediaOn     bool
	answerSDP   []byte
	answerNeg   media.Negotiated
	transferred bool
	byeSent     bool // we hung up: the dialog's end is ours, not the far end's

	hub      eventHub
	done     chan struct{}
	answerCh chan answerRequest
	cancel   context.CancelCauseFunc // outgoing set-up
	endOnce  sync.Once
}

// CallInfo is a snapshot of a call for views and reports.
type CallInfo struct {
	ID        string        `json:"id"`
	SIPCallID string        `json:"sip_call_id"`
	Direction CallDirection `json:"direction"`
	Remote    string        `json:"remote"`
	State     CallState     `json:"state"`
	// Result, SIPStatus and Reason say how the call ended (or, for Result,
	// "answered" once answered).
	Result    CallResult `json:"result"`
	SIPStatus int        `json:"sip_status"`
	Reason    string     `json:"reason,omitempty"`
	Started   time.Time  `json:"started"`
	Answered  time.Time  `json:"answered,omitzero"`
	Ended     time.Time  `json:"ended,omitzero"`
	// SetupTime is INVITE sent → 200 received (outgoing) or INVITE received →
	// ACK (incoming); FirstMediaTime is INVITE → first authenticated media packet.
	SetupTime      time.Duration `json:"-"`
	FirstMediaTime time.Duration `json:"-"`
	// Duration is answer → end (or now).
	Duration   time.Duration `json:"-"`
	Muted      bool          `json:"muted"`
	LocalHold  bool          `json:"local_hold"`
	RemoteHold bool          `json:"remote_hold"`
	Security   Security      `json:"security"`
	Stats      media.Stats   `json:"stats"`
	// DTMFPayloadType is the negotiated telephone-event payload type (-1: none).
	DTMFPayloadType int `json:"dtmf_payload_type"`
	// MediaSDPAddr is the RTP address the far end's SDP names; MediaSourceAddr
	// is where its first authenticated packet came from (zero until then). They
	// differ behind NAT or a media relay: the one-way-audio hints compare them.
	MediaSDPAddr    netip.AddrPort `json:"media_sdp_addr,omitzero"`
	MediaSourceAddr netip.AddrPort `json:"media_source_addr,omitzero"`
}

// AnswerOptions are the audio ends of an answered call.
type AnswerOptions struct {
	// Source is what we send (nil: silence); Sink gets what we hear (nil: discarded).
	Source media.Source
	Sink   media.Sink
}

type answerRequest struct {
	reject int
	reason string
	early  bool // 183 Session Progress with SDP, media on, still ringing
	opts   AnswerOptions
	done   chan error
}

// Errors of call control.
var (
	// ErrCallEnded is returned by operations on a call that is over.
	ErrCallEnded = errors.New("call has ended")
	// ErrNotAnswered is returned by in-call operations before the answer.
	ErrNotAnswered = errors.New("call is not answered yet")
	// ErrNotIncoming is returned by Answer/Reject on an outgoing call.
	ErrNotIncoming = errors.New("not an incoming ringing call")
)

func newCall(m *CallManager, dir CallDirection, remote string) *Call {
	return &Call{
		ID:        uuid.NewString(),
		Direction: dir,
		Remote:    remote,
		mgr:       m,
		src:       &callSource{},
		snk:       &callSink{},
		started:   time.Now(),
		done:      make(chan struct{}),
		answerCh:  make(chan answerRequest),
	}
}

// Subscribe returns a channel of the call's events (state, stats about once
// a second, security, DTMF, transfer) and a function to stop. buf is the
// channel's capacity (0: 64); a subscriber that falls behind loses events,
// never stalls the call. The channel is closed once the call has ended and
// its last state event was sent.
func (c *Call) Subscribe(buf int) (<-chan CallEvent, func()) { return c.hub.subscribe(buf) }

// Done is closed when the call has ended.
func (c *Call) Done() <-chan struct{} { return c.done }

// Info returns a snapshot of the call.
func (c *Call) Info() CallInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	stats := c.lastStats
	if c.ms != nil && c.ended.IsZero() {
		stats = c.ms.Stats()
	}
	info := CallInfo{
		ID: c.ID, SIPCallID: c.SIPCallID, Direction: c.Direction, Remote: c.Remote,
		State: c.state, Result: c.result, SIPStatus: c.status, Reason: c.reason,
		Started: c.started, Answered: c.answered, Ended: c.ended,
		Muted: c.muted, LocalHold: c.localHold, RemoteHold: c.remoteHold,
		Security: c.security, Stats: stats, DTMFPayloadType: -1,
		MediaSDPAddr: c.neg.Remote, MediaSourceAddr: c.mediaSource,
	}
	if c.neg.Codec != 0 || c.neg.Secure {
		info.DTMFPayloadType = c.neg.DTMFPayloadType
	}
	if !c.answered.IsZero() {
		info.SetupTime = c.answered.Sub(c.started)
		end := c.ended
		if end.IsZero() {
			end = time.Now()
		}
		info.Duration = end.Sub(c.answered)
	}
	if !c.firstMedia.IsZero() {
		info.FirstMediaTime = c.firstMedia.Sub(c.started)
	}
	return info
}

// State is the call's current state.
func (c *Call) State() CallState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// WaitAnswered blocks until the call is answered (nil) or ends before that
// (an error saying how: busy, rejected with the status and Warning, …).
func (c *Call) WaitAnswered(ctx context.Context) error {
	ch, stop := c.Subscribe(16)
	defer stop()
	for {
		c.mu.Lock()
		st, answered := c.state, !c.answered.IsZero()
		c.mu.Unlock()
		if answered && st != CallStateEnded {
			return nil
		}
		if st == CallStateEnded {
			info := c.Info()
			if answered {
				return nil
			}
			return &CallError{Result: info.Result, Status: info.SIPStatus, Reason: info.Reason}
		}
		select {
		case <-ch:
		case <-c.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// CallError says why a call did not get answered.
type CallError struct {
	Result CallResult
	Status int
	Reason string
}

// Error implements error.
func (e *CallError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("call %s (%d): %s", e.Result, e.Status, e.Reason)
	}
	return fmt.Sprintf("call %s: %s", e.Result, e.Reason)
}

// setState records and publishes a state change.
func (c *Call) setState(st CallState) {
	c.mu.Lock()
	if c.state == st || c.state == CallStateEnded {
		c.mu.Unlock()
		return
	}
	c.state = st
	c.mu.Unlock()
	c.hub.publish(CallEvent{Kind: EventState, State: st})
}

// Answer answers a ringing incoming call with the given audio ends and
// returns once the caller has acknowledged (ACK) or the answer failed.
// After [Call.EarlyMedia], nil ends in opts keep the early-media ones.
func (c *Call) Answer(ctx context.Context, opts AnswerOptions) error {
	return c.respond(ctx, answerRequest{opts: opts})
}

// EarlyMedia sends 183 Session Progress with our SDP answer and starts
// media (SRTP as negotiated) while the call still rings, as a PBX or voice
// API does for announcements and ringback (RFC 3960 gateway model). The
// call stays unanswered until [Call.Answer]; the caller may still cancel.
// A second call is a no-op.
func (c *Call) EarlyMedia(ctx context.Context, opts AnswerOptions) error {
	return c.respond(ctx, answerRequest{early: true, opts: opts})
}

// Reject declines a ringing incoming call with code (486 Busy Here, 603
// Decline; 0 means 486).
func (c *Call) Reject(ctx context.Context, code int) error {
	if code == 0 {
		code = 486
	}
	if code < 400 || code > 699 {
		return fmt.Errorf("reject with %d: want a 4xx, 5xx or 6xx status", code)
	}
	return c.respond(ctx, answerRequest{reject: code, reason: reasonPhrase(code)})
}

func (c *Call) respond(ctx context.Context, req answerRequest) error {
	if c.Direction != DirectionIncoming {
		return ErrNotIncoming
	}
	req.done = make(chan error, 1)
	select {
	case c.answerCh <- req:
	case <-c.done:
		return ErrCallEnded
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Hangup ends the call: CANCEL before the answer (outgoing), 603 Decline
// while an incoming call rings, BYE once answered. It returns when the call
// has ended.
func (c *Call) Hangup(ctx context.Context) error {
	c.mu.Lock()
	st, cs, ss, cancel := c.state, c.cs, c.ss, c.cancel
	answered := !c.answered.IsZero()
	c.mu.Unlock()
	if st == CallStateEnded {
		return nil
	}
	switch {
	case !answered && c.Direction == DirectionOutgoing:
		if cancel != nil {
			cancel(errHangup)
		}
	case !answered && c.Direction == DirectionIncoming:
		return c.Reject(ctx, 603)
	default:
		c.mu.Lock()
		c.byeSent = true
		c.mu.Unlock()
		var err error
		if cs != nil {
			err = cs.Bye(ctx)
		} else if ss != nil {
			err = ss.Bye(ctx)
		}
		reason := "local hangup"
		if err != nil {
			reason = fmt.Sprintf("local hangup (BYE: %v)", err)
		}
		c.finish(ResultAnswered, 0, reason)
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errHangup = errors.New("hung up before the answer")
var errRingTimeout = errors.New("no answer in time")

// SetMuted stops (true) or restarts (false) sending our audio; the far end
// hears silence while muted (the media engine keeps the stream alive).
func (c *Call) SetMuted(on bool) error {
	c.mu.Lock()
	ms := c.ms
	ended := !c.ended.IsZero()
	c.muted = on
	st := c.state
	c.mu.Unlock()
	if ended {
		return ErrCallEnded
	}
	if ms != nil {
		ms.Mute(on)
	}
	c.hub.publish(CallEvent{Kind: EventState, State: st, Reason: map[bool]string{true: "muted", false: "unmuted"}[on]})
	return nil
}

// SendDTMF sends digits (0-9, *, #, A-D) as RFC 4733 events and returns
// once they are sent.
func (c *Call) SendDTMF(ctx context.Context, digits string) error {
	c.mu.Lock()
	ms, answered := c.ms, !c.answered.IsZero() || c.mediaOn
	c.mu.Unlock()
	if ms == nil || !answered {
		return ErrNotAnswered
	}
	if err := ms.SendDTMF(ctx, digits, 100*time.Millisecond); err != nil {
		return fmt.Errorf("send dtmf %q: %w", digits, err)
	}
	return nil
}

// Hold puts the call on hold with a re-INVITE offering sendonly (RFC 3264
// §8.4), or inactive when the far end holds us already (RFC 6337 §5.3: a
// held party that holds offers inactive, as it receives nothing anyway).
func (c *Call) Hold(ctx context.Context) error {
	c.mu.Lock()
	dir := media.DirectionSendOnly
	if c.remoteHold {
		dir = media.DirectionInactive
	}
	c.mu.Unlock()
	if err := c.changeDirection(ctx, dir); err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	c.mu.Lock()
	c.localHold = true
	c.mu.Unlock()
	c.setState(CallStateHeld)
	return nil
}

// Resume takes the call off hold with a re-INVITE offering sendrecv.
func (c *Call) Resume(ctx context.Context) error {
	if err := c.changeDirection(ctx, media.DirectionSendRecv); err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	c.mu.Lock()
	c.localHold = false
	remote := c.remoteHold
	c.mu.Unlock()
	if remote {
		c.setState(CallStateRemoteHeld)
	} else {
		c.setState(CallStateActive)
	}
	return nil
}

func (c *Call) changeDirection(ctx context.Context, dir media.Direction) error {
	c.mu.Lock()
	ms := c.ms
	answered, ended := !c.answered.IsZero(), !c.ended.IsZero()
	c.mu.Unlock()
	if ended {
		return ErrCallEnded
	}
	if !answered || ms == nil {
		return ErrNotAnswered
	}
	offer, err := ms.SetDirection(dir)
	if err != nil {
		return err
	}
	res, err := c.reinvite(ctx, offer)
	if err != nil {
		return err
	}
	neg, err := ms.AcceptAnswer(res.Body())
	if err != nil {
		return fmt.Errorf("answer to re-INVITE: %w", err)
	}
	c.mu.Lock()
	c.neg = neg
	c.mu.Unlock()
	return nil
}

// Transfer asks the far end to call target instead (blind transfer, REFER,
// RFC 3515). Progress arrives as EventTransfer; once the far end reports
// success the call is hung up.
func (c *Call) Transfer(ctx context.Context, target string) error {
	uri, err := ParseTarget(target, c.mgr.cfg.Account.AORDomain())
	if err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	if err := c.requireUp(); err != nil {
		return err
	}
	if err := c.refer(ctx, "<"+uri.String()+">", "transfer"); err != nil {
		return fmt.Errorf("transfer to %s: %w", uri.String(), err)
	}
	return nil
}

// requireUp says why a call cannot be transferred: it ended, or it was
// never answered.
func (c *Call) requireUp() error {
	c.mu.Lock()
	answered, ended := !c.answered.IsZero(), !c.ended.IsZero()
	c.mu.Unlock()
	if ended {
		return ErrCallEnded
	}
	if !answered {
		return ErrNotAnswered
	}
	return nil
}

// refer sends the REFER (RFC 3515 §2.4.1) of a transfer ("transfer" or
// "attended transfer" in what), and marks the call so that the far end's
// NOTIFY of success hangs it up.
func (c *Call) refer(ctx context.Context, referTo, what string) error {
	res, err := c.sendReferTo(ctx, referTo)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.transferred = true
	c.mu.Unlock()
	c.hub.publish(CallEvent{Kind: EventTransfer, Status: res.StatusCode, Reason: what + " accepted by the far end"})
	return nil
}

// finish ends the call once: stops media, records the outcome, publishes the
// final state, writes the history and closes the event stream.
func (c *Call) finish(result CallResult, status int, reason string) {
	c.endOnce.Do(func() {
		c.mu.Lock()
		if !c.answered.IsZero() && result != ResultFailed {
			result = ResultAnswered
			if status == 0 {
				status = c.status // keep the 200 of the answer
			}
		}
		c.result, c.status, c.reason = result, status, reason
		c.ended = time.Now()
		ms := c.ms
		c.mu.Unlock()
		if ms != nil {
			stats := ms.Stats()
			c.mu.Lock()
			c.lastStats = stats
			c.mu.Unlock()
			_ = ms.Close()
		}
		if c.cancel != nil {
			c.cancel(nil)
		}
		c.mu.Lock()
		c.state = CallStateEnded
		c.mu.Unlock()
		c.mgr.remove(c)
		info := c.Info()
		c.hub.publish(CallEvent{Kind: EventStats, Stats: &info.Stats})
		c.hub.publish(CallEvent{Kind: EventState, State: CallStateEnded, Status: status, Reason: reason})
		c.hub.close()
		c.mgr.record(info)
		close(c.done)
		c.mgr.log.Info("call ended", "call", c.ID, "result", result.String(), "status", status, "reason", reason)
	})
}

// startMedia starts the engine once negotiation is complete and follows its
// events (DTMF, first packet, no media) and statistics until the call ends.
func (c *Call) startMedia(neg media.Negotiated) error {
	c.mu.Lock()
	if c.mediaOn {
		c.neg = neg
		c.mu.Unlock()
		return nil
	}
	c.mediaOn = true
	c.neg = neg
	ms := c.ms
	c.security.SRTP = neg.Secure
	if neg.Secure {
		c.security.SRTPSuite = neg.Suite.String()
	}
	c.security.Codec = neg.Codec.String()
	sec := c.security
	muted := c.muted
	c.mu.Unlock()
	ms.Mute(muted)
	ctx, cancel := context.WithCancel(context.Background())
	if err := ms.Start(ctx, c.src, c.snk); err != nil {
		cancel()
		return fmt.Errorf("start media: %w", err)
	}
	c.hub.publish(CallEvent{Kind: EventSecurity, Security: &sec})
	go c.followMedia(ctx, cancel, ms)
	return nil
}

func (c *Call) followMedia(ctx context.Context, cancel context.CancelFunc, ms mediaSession) {
	defer cancel()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	events := ms.Events()
	for {
		select {
		case <-c.done:
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			switch ev.Kind {
			case media.EventDTMF:
				c.hub.publish(CallEvent{Kind: EventDTMF, Digit: ev.Digit, Time: ev.Time})
			case media.EventLatched:
				c.mu.Lock()
				if !c.mediaSource.IsValid() {
					c.mediaSource = ev.Addr
				}
				if c.firstMedia.IsZero() {
					c.firstMedia = ev.Time
					if c.firstMedia.IsZero() {
						c.firstMedia = time.Now()
					}
				}
				c.mu.Unlock()
			case media.EventNoMedia:
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					c.hangupWithReason(ctx, "no media")
				}()
			}
		case <-tick.C:
			st := ms.Stats()
			c.hub.publish(CallEvent{Kind: EventStats, Stats: &st})
		}
	}
}

// hangupWithReason sends BYE (if answered) and ends the call with reason.
func (c *Call) hangupWithReason(ctx context.Context, reason string) {
	c.mu.Lock()
	cs, ss := c.cs, c.ss
	c.byeSent = true
	c.mu.Unlock()
	if cs != nil {
		_ = cs.Bye(ctx)
	} else if ss != nil {
		_ = ss.Bye(ctx)
	}
	c.finish(ResultAnswered, 0, reason)
}

// remoteEnded ends the call after the dialog ended, unless our own BYE
// ended it (then the hang-up path records its own reason).
func (c *Call) remoteEnded() {
	c.mu.Lock()
	ours := c.byeSent
	c.mu.Unlock()
	if ours {
		return
	}
	c.finish(ResultAnswered, 0, "remote hangup")
}

// remoteTarget is where in-dialog requests go (the peer's Contact).
func (c *Call) remoteTarget() sip.Uri {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cs != nil {
		if ct := c.cs.InviteResponse.Contact(); ct != nil {
			return *ct.Address.Clone()
		}
		return *c.cs.InviteRequest.Recipient.Clone()
	}
	if ct := c.ss.InviteRequest.Contact(); ct != nil {
		return *ct.Address.Clone()
	}
	return *c.ss.InviteRequest.From().Address.Clone()
}

// dialogDo sends an in-dialog request and waits for its final response.
func (c *Call) dialogDo(ctx context.Context, req *sip.Request) (*sip.Response, error) {
	c.mu.Lock()
	cs, ss := c.cs, c.ss
	c.mu.Unlock()
	switch {
	case cs != nil:
		return cs.Do(ctx, req)
	case ss != nil:
		return ss.Do(ctx, req)
	}
	return nil, ErrNotAnswered
}

// dialogWrite sends an in-dialog request without a transaction (ACK).
func (c *Call) dialogWrite(req *sip.Request) error {
	c.mu.Lock()
	cs, ss := c.cs, c.ss
	c.mu.Unlock()
	switch {
	case cs != nil:
		return cs.WriteRequest(req)
	case ss != nil:
		return ss.WriteRequest(req)
	}
	return ErrNotAnswered
}

func warningText(res *sip.Response) string {
	if res == nil {
		return ""
	}
	if h := res.GetHeader("Warning"); h != nil {
		return h.Value()
	}
	return ""
}

func describeFailure(res *sip.Response) string {
	reason := fmt.Sprintf("%d %s", res.StatusCode, res.Reason)
	if w := warningText(res); w != "" {
		reason += " (Warning: " + w + ")"
	}
	if res.StatusCode == 488 {
		reason = "the far end refused our media offer: " + reason
	}
	return strings.TrimSpace(reason)
}
