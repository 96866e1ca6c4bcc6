package sip

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Attended transfer (RFC 5589 §7): the transferor has a call with the
// transferee and a consultation call with the target, and REFERs the
// transferee to the target with a Replaces header (RFC 3891) naming the
// consultation dialog. The transferee's INVITE carries that header, and the
// target swaps the consultation call for the new one without ringing.

// replacesSpec is a Replaces header: the dialog to replace, its tags seen
// from the UA that receives the header (to-tag is that UA's own tag).
type replacesSpec struct {
	callID, toTag, fromTag string
	earlyOnly              bool
}

// String renders the header value.
func (r replacesSpec) String() string {
	s := r.callID + ";to-tag=" + r.toTag + ";from-tag=" + r.fromTag
	if r.earlyOnly {
		s += ";early-only"
	}
	return s
}

// parseReplaces reads a Replaces header value.
func parseReplaces(v string) (replacesSpec, error) {
	parts := strings.Split(strings.TrimSpace(v), ";")
	r := replacesSpec{callID: strings.TrimSpace(parts[0])}
	for _, p := range parts[1:] {
		name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(name) {
		case "to-tag":
			r.toTag = val
		case "from-tag":
			r.fromTag = val
		case "early-only":
			r.earlyOnly = true
		}
	}
	if r.callID == "" || r.toTag == "" || r.fromTag == "" {
		return r, fmt.Errorf("replaces %q: want call-id;to-tag=…;from-tag=…", v)
	}
	for _, s := range []string{r.callID, r.toTag, r.fromTag} {
		if err := ValidateHeaderValue("replaces", s); err != nil {
			return r, err
		}
	}
	return r, nil
}

// dialogTags returns our tag and the far end's tag of an established call
// ("" before the dialog has both).
func (c *Call) dialogTags() (local, remote string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tag := func(p sip.HeaderParams) string {
		if p == nil {
			return ""
		}
		v, _ := p.Get("tag")
		return v
	}
	switch {
	case c.cs != nil && c.cs.InviteResponse != nil:
		return tag(c.cs.InviteRequest.From().Params), tag(c.cs.InviteResponse.To().Params)
	case c.ss != nil:
		return tag(c.ss.InviteRequest.To().Params), tag(c.ss.InviteRequest.From().Params)
	}
	return "", ""
}

// errNoReplacedDialog answers an INVITE whose Replaces names no call of ours.
var errNoReplacedDialog = errors.New("no such dialog to replace")

// replacedCall finds the answered call a Replaces header names.
func (m *CallManager) replacedCall(r replacesSpec) (*Call, error) {
	m.mu.Lock()
	c := m.calls[r.callID]
	m.mu.Unlock()
	if c == nil {
		return nil, errNoReplacedDialog
	}
	local, remote := c.dialogTags()
	if local != r.toTag || remote != r.fromTag {
		return nil, errNoReplacedDialog
	}
	c.mu.Lock()
	answered, ended := !c.answered.IsZero(), !c.ended.IsZero()
	c.mu.Unlock()
	if ended || !answered || r.earlyOnly {
		// early-only asks to replace a dialog still ringing; ours are up.
		return nil, errNoReplacedDialog
	}
	return c, nil
}

// takeOver answers nc, the INVITE that replaces old, with old's audio ends,
// then ends old: its far end (the transferor) is no longer part of the
// conversation.
func (m *CallManager) takeOver(old, nc *Call) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src, snk := old.src.detach(), old.snk.detach()
	if err := nc.Answer(ctx, AnswerOptions{Source: src, Sink: snk}); err != nil {
		old.src.attach(src)
		old.snk.attach(snk)
		m.log.Warn("replace call", "call", old.ID, "err", err)
		return
	}
	old.hub.publish(CallEvent{Kind: EventTransfer, Status: 200, Reason: "replaced by a call from " + nc.Remote, NewCall: nc})
	old.hangupWithReason(ctx, "replaced by a call from "+nc.Remote)
	if m.cfg.OnReplaced != nil {
		go m.cfg.OnReplaced(old, nc)
	}
}

// TransferAttended hands this call's far end over to the far end of
// consult (both calls answered): it REFERs this call's far end to
// consult's with a Replaces header naming the consultation dialog. The far
// end calls there and replaces our consultation leg; once it reports success
// (NOTIFY 2xx) this call hangs up, and the target ends the consultation.
func (c *Call) TransferAttended(ctx context.Context, consult *Call) error {
	for _, x := range []*Call{c, consult} {
		if err := x.requireUp(); err != nil {
			return fmt.Errorf("attended transfer: %w", err)
		}
	}
	local, remote := consult.dialogTags()
	if local == "" || remote == "" {
		return errors.New("attended transfer: the consultation dialog has no tags yet")
	}
	target := consult.farAOR()
	spec := replacesSpec{callID: consult.SIPCallID, toTag: remote, fromTag: local}
	uri := target.String() + "?Replaces=" + url.QueryEscape(spec.String())
	if err := c.refer(ctx, "<"+uri+">", "attended transfer"); err != nil {
		return fmt.Errorf("attended transfer to %s: %w", target.String(), err)
	}
	return nil
}

// farAOR is the far end's address of record: whom we called, or who
// called us.
func (c *Call) farAOR() sip.Uri {
	c.mu.Lock()
	defer c.mu.Unlock()
	var u sip.Uri
	if c.cs != nil {
		u = *c.cs.InviteRequest.To().Address.Clone()
	} else {
		u = *c.ss.InviteRequest.From().Address.Clone()
	}
	u.UriParams, u.Headers = nil, nil
	return u
}
