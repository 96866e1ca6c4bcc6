package ui

import (
	"context"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/sip"
)

// incomingBanner is the ringing call across the top of the Phone area: who
// calls, Answer (Enter) and Reject (Escape). While it shows, the ringtone
// plays on the ringer device, a desktop notification is sent and the window
// is raised.
type incomingBanner struct {
	p        *phoneArea
	call     CallHandle
	who      *widget.Label
	answer   *widget.Button
	reject   *widget.Button
	content  *fyne.Container
	stopRing func()
}

func newIncomingBanner(p *phoneArea) *incomingBanner {
	b := &incomingBanner{p: p}
	b.who = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	b.who.Truncation = fyne.TextTruncateEllipsis
	b.answer = widget.NewButtonWithIcon("Answer (Enter)", theme.ConfirmIcon(), b.Answer)
	b.answer.Importance = widget.SuccessImportance
	b.reject = widget.NewButtonWithIcon("Reject (Esc)", theme.CancelIcon(), b.Reject)
	b.reject.Importance = widget.DangerImportance
	bg := canvas.NewRectangle(color.NRGBA{R: 0x1e, G: 0x6f, B: 0xd9, A: 0x30})
	bg.CornerRadius = 6
	row := container.NewBorder(nil, nil, widget.NewIcon(theme.NewPrimaryThemedResource(theme.MediaRecordIcon())),
		container.NewHBox(b.answer, b.reject), b.who)
	b.content = container.NewStack(bg, container.NewPadded(row))
	b.content.Hide()
	return b
}

// ring shows an incoming call (a second one while busy is declined 486).
func (b *incomingBanner) ring(c CallHandle) {
	env := b.p.env
	if b.call != nil || (b.p.cv.Call() != nil && b.p.cv.Call().Info().State != sip.CallStateEnded) {
		env.svc.logf("incoming busy remote=%q", c.Info().Remote)
		env.run(func(ctx context.Context) error { return c.Reject(ctx, 486) }, nil)
		return
	}
	b.call = c
	who := c.Info().Remote
	b.who.SetText("Incoming call from " + who)
	b.content.Show()
	b.p.relayout()
	env.svc.logf("incoming ringing remote=%q", who)
	if a := fyne.CurrentApp(); a != nil {
		a.SendNotification(fyne.NewNotification("Incoming call", who))
	}
	if env.win != nil {
		env.win.Show()
		env.win.RequestFocus()
	}
	if env.show != nil {
		env.show(phoneID)
	}
	if env.svc.Ringer != nil {
		b.stopRing = env.svc.Ringer.Ring()
	}
	b.p.cv.attach(c)
	// The caller may give up: hide the banner when the call stops ringing.
	events, cancel := c.Subscribe(16)
	go func() {
		defer cancel()
		for ev := range events {
			if ev.Kind == sip.EventState && ev.State != sip.CallStateRinging {
				b.p.env.ui(func() { b.stoppedRinging(c) })
				return
			}
		}
		b.p.env.ui(func() { b.stoppedRinging(c) })
	}()
}

// stoppedRinging hides the banner once c is answered, rejected or cancelled.
func (b *incomingBanner) stoppedRinging(c CallHandle) {
	if b.call != c {
		return
	}
	b.dismiss()
}

func (b *incomingBanner) dismiss() {
	b.call = nil
	b.content.Hide()
	b.p.relayout()
	if b.stopRing != nil {
		b.stopRing()
		b.stopRing = nil
	}
}

// Answer takes the ringing call.
func (b *incomingBanner) Answer() {
	c := b.call
	if c == nil {
		return
	}
	b.dismiss()
	b.p.env.svc.logf("ui answer remote=%q", c.Info().Remote)
	b.p.cv.attach(c)
	b.p.env.run(func(ctx context.Context) error { return c.Answer(ctx) }, b.p.cv.done("Answer"))
}

// Reject declines the ringing call (603 Decline).
func (b *incomingBanner) Reject() {
	c := b.call
	if c == nil {
		return
	}
	b.dismiss()
	b.p.env.svc.logf("ui reject remote=%q", c.Info().Remote)
	b.p.env.run(func(ctx context.Context) error { return c.Reject(ctx, 603) }, b.p.cv.done("Reject"))
}
