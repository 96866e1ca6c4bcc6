package sip

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/hookphone/hookphone/media"
)

// reinvite sends an in-dialog INVITE carrying offer (a target refresh,
// RFC 3261 §14.1), waits for its 2xx and ACKs it.
func (c *Call) reinvite(ctx context.Context, offer []byte) (*sip.Response, error) {
	req := sip.NewRequest(sip.INVITE, c.remoteTarget())
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(offer)
	res, err := c.dialogDo(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("re-INVITE: %w", err)
	}
	if !res.IsSuccess() {
		return nil, fmt.Errorf("re-INVITE: %s", describeFailure(res))
	}
	ack := sip.NewRequest(sip.ACK, c.remoteTarget())
	if err := c.dialogWrite(ack); err != nil {
		return nil, fmt.Errorf("ACK re-INVITE: %w", err)
	}
	return res, nil
}

// handleReinvite answers an in-dialog INVITE: a hold/resume or other
// session change from the far end (RFC 3264 §8). An offer we cannot accept
// gets 488 with a Warning and leaves the session as it was (RFC 3261 §14.2).
func (m *CallManager) handleReinvite(req *sip.Request, tx sip.ServerTransaction) {
	c := m.lookup(req)
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.mu.Lock()
	ms, answered := c.ms, !c.answered.IsZero()
	c.mu.Unlock()
	if !answered || ms == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 491, "Request Pending", nil))
		return
	}
	if len(req.Body()) == 0 {
		// An offerless re-INVITE would need our offer in the 200 and the
		// answer in the ACK; no peer we support sends one.
		_ = tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
		return
	}
	answer, neg, err := ms.Answer(req.Body())
	if err != nil {
		_ = tx.Respond(withWarning(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil), err, m.contact().Address.Host))
		c.hub.publish(CallEvent{Kind: EventProgress, Status: 488, Reason: "refused the far end's re-INVITE: " + err.Error()})
		return
	}
	res := sip.NewSDPResponseFromRequest(req, answer)
	ct := m.contact()
	res.AppendHeader(&ct)
	if err := tx.Respond(res); err != nil {
		m.log.Warn("answer re-INVITE", "call", c.ID, "err", err)
		return
	}
	// neg.Direction is our side of the answer: a far end that offers
	// sendonly or inactive (RFC 3264 §8.4) leaves us recvonly or inactive,
	// i.e. not sending: they hold us.
	held := !neg.Direction.Sends()
	c.mu.Lock()
	c.neg = neg
	local := c.localHold
	c.remoteHold = held && !local
	remote := c.remoteHold
	c.mu.Unlock()
	switch {
	case local:
		c.setState(CallStateHeld)
	case remote:
		c.setState(CallStateRemoteHeld)
	default:
		c.setState(CallStateActive)
	}
	// Wait briefly for the ACK so the transaction ends cleanly.
	select {
	case <-tx.Acks():
	case <-tx.Done():
	case <-time.After(2 * time.Second):
	}
}

func withWarning(res *sip.Response, err error, agent string) *sip.Response {
	code, text := 305, err.Error()
	if ne, ok := err.(*media.NegotiationError); ok {
		if ne.WarningCode != 0 {
			code = ne.WarningCode
		}
		text = ne.Warning
	}
	res.AppendHeader(warningHeader(code, agent, text))
	return res
}

// sendReferTo asks the far end to call the Refer-To value's URI (RFC 3515
// §2.4.1).
func (c *Call) sendReferTo(ctx context.Context, referTo string) (*sip.Response, error) {
	req := sip.NewRequest(sip.REFER, c.remoteTarget())
	req.AppendHeader(sip.NewHeader("Refer-To", referTo))
	req.AppendHeader(sip.NewHeader("Referred-By", "<"+c.mgr.cfg.Account.AOR()+">"))
	res, err := c.dialogDo(ctx, req)
	if err != nil {
		return nil, err
	}
	if !res.IsSuccess() {
		return res, fmt.Errorf("REFER refused: %s", describeFailure(res))
	}
	return res, nil
}

// HandleNotify takes the far end's transfer progress (RFC 3515 §2.4.5:
// message/sipfrag with the new call's status line). A 2xx sipfrag means the
// transfer worked: we hang up our leg.
func (m *CallManager) HandleNotify(req *sip.Request, tx sip.ServerTransaction) {
	defer m.recoverHandler(req, tx)
	c := m.lookup(req)
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Subscription Does Not Exist", nil))
		return
	}
	_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	frag := strings.TrimSpace(strings.SplitN(string(req.Body()), "\n", 2)[0])
	code := sipfragStatus(frag)
	c.hub.publish(CallEvent{Kind: EventTransfer, Status: code, Reason: "transfer progress: " + frag})
	c.mu.Lock()
	transferred := c.transferred
	c.mu.Unlock()
	if transferred && code >= 200 && code < 300 {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c.hangupWithReason(ctx, "transferred")
		}()
	}
}

// sipfragStatus reads the status code of "SIP/2.0 200 OK" (0 if malformed).
func sipfragStatus(line string) int {
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "SIP/") {
		return 0
	}
	var code int
	if _, err := fmt.Sscanf(f[1], "%d", &code); err != nil || code < 100 || code > 699 {
		return 0
	}
	return code
}

// HandleRefer lets the far end transfer us (RFC 3515): we accept (202),
// place a call to Refer-To with this call's audio ends, report its outcome
// in NOTIFYs, and hang up this call once the new one is answered.
func (m *CallManager) HandleRefer(req *sip.Request, tx sip.ServerTransaction) {
	defer m.recoverHandler(req, tx)
	c := m.lookup(req)
	if c == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	h := req.GetHeader("Refer-To")
	if h == nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 400, "Missing Refer-To", nil))
		return
	}
	target, replaces, err := referTarget(h.Value(), m.cfg.Account.AORDomain())
	if err != nil {
		_ = tx.Respond(withWarning(sip.NewResponseFromRequest(req, 400, "Bad Refer-To", nil), err, m.contact().Address.Host))
		return
	}
	if err := tx.Respond(sip.NewResponseFromRequest(req, 202, "Accepted", nil)); err != nil {
		return
	}
	how := "transferred by the far end to "
	if replaces != "" {
		how = "attended transfer by the far end to "
	}
	c.hub.publish(CallEvent{Kind: EventTransfer, Reason: how + target})
	go c.followRefer(target, replaces)
}

// referTarget reads the URI of a Refer-To header value (RFC 3515 §2.1:
// name-addr or addr-spec, with header params after '>') and its Replaces
// URI header (an attended transfer, RFC 5589 §7), refusing any other URI
// header and anything ParseTarget would not dial.
func referTarget(value, domain string) (target, replaces string, err error) {
	v := strings.TrimSpace(value)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return "", "", fmt.Errorf("refer-to %q: '<' without '>'", value)
		}
		v = v[i+1 : i+j]
	} else if i := strings.IndexByte(v, ';'); i >= 0 && !strings.Contains(v[:i], "@") {
		v = v[:i]
	}
	if base, headers, ok := strings.Cut(v, "?"); ok {
		v = base
		for _, h := range strings.Split(headers, "&") {
			name, val, _ := strings.Cut(h, "=")
			if !strings.EqualFold(name, "Replaces") {
				return "", "", fmt.Errorf("refer-to %q: URI header %q is not supported (only Replaces)", value, name)
			}
			raw, err := url.QueryUnescape(val)
			if err != nil {
				return "", "", fmt.Errorf("refer-to %q: Replaces: %w", value, err)
			}
			r, err := parseReplaces(raw)
			if err != nil {
				return "", "", fmt.Errorf("refer-to: %w", err)
			}
			replaces = r.String()
		}
	}
	uri, err := ParseTarget(v, domain)
	if err != nil {
		return "", "", fmt.Errorf("refer-to: %w", err)
	}
	return uri.String(), replaces, nil
}

func (c *Call) followRefer(target, replaces string) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	_ = c.sendNotify(ctx, "SIP/2.0 100 Trying", "active;expires=60")
	src, sink := c.src.detach(), c.snk.detach()
	nc, err := c.mgr.Dial(ctx, target, DialOptions{Source: src, Sink: sink, Replaces: replaces})
	if err != nil {
		c.src.attach(src)
		c.snk.attach(sink)
		_ = c.sendNotify(ctx, "SIP/2.0 503 Service Unavailable", "terminated;reason=noresource")
		c.hub.publish(CallEvent{Kind: EventTransfer, Reason: "transfer failed: " + err.Error()})
		return
	}
	c.hub.publish(CallEvent{Kind: EventTransfer, Reason: "calling " + target, NewCall: nc})
	err = nc.WaitAnswered(ctx)
	if err != nil {
		info := nc.Info()
		status := info.SIPStatus
		if status == 0 {
			status = 500
		}
		c.src.attach(src)
		c.snk.attach(sink)
		_ = c.sendNotify(ctx, fmt.Sprintf("SIP/2.0 %d %s", status, reasonPhrase(status)), "terminated;reason=noresource")
		c.hub.publish(CallEvent{Kind: EventTransfer, Status: status, Reason: "transfer failed: " + err.Error()})
		return
	}
	_ = c.sendNotify(ctx, "SIP/2.0 200 OK", "terminated;reason=noresource")
	c.hub.publish(CallEvent{Kind: EventTransfer, Status: 200, Reason: "transfer complete", NewCall: nc})
	c.hangupWithReason(ctx, "transferred")
}

// sendNotify reports transfer progress in the dialog of the REFER (RFC 3515 §2.4.4).
func (c *Call) sendNotify(ctx context.Context, frag, subState string) error {
	req := sip.NewRequest(sip.NOTIFY, c.remoteTarget())
	req.AppendHeader(sip.NewHeader("Event", "refer"))
	req.AppendHeader(sip.NewHeader("Subscription-State", subState))
	req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
	req.SetBody([]byte(frag + "\r\n"))
	res, err := c.dialogDo(ctx, req)
	if err != nil {
		return fmt.Errorf("NOTIFY: %w", err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("NOTIFY: %d %s", res.StatusCode, res.Reason)
	}
	return nil
}
