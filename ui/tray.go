package ui

import (
	"fmt"

	"fyne.io/fyne/v2"

	"github.com/hookphone/hookphone/sip"
)

// trayState is the tray's first line: the call in progress, else the picked
// account's registration.
func (p *phoneArea) trayState() string {
	if c := p.cv.Call(); c != nil {
		info := c.Info()
		switch info.State {
		case sip.CallStateEnded, sip.CallStateUnknown:
		case sip.CallStateRinging:
			if info.Direction == sip.DirectionIncoming {
				return "Incoming call from " + shortRemote(info.Remote)
			}
			return "Calling " + shortRemote(info.Remote)
		default:
			// The start time, not a running timer: a panel shows the menu
			// as last sent, and re-sending it every second would make it
			// flicker while open.
			since := info.Answered
			if since.IsZero() {
				since = info.Started
			}
			if since.IsZero() {
				return "In call with " + shortRemote(info.Remote)
			}
			return fmt.Sprintf("In call with %s since %s", shortRemote(info.Remote), since.Local().Format("15:04"))
		}
	}
	a, ok := p.selectedStatus()
	if !ok {
		return "No account"
	}
	switch a.State {
	case sip.StateRegistered:
		return a.Name + ": registered"
	case sip.StateRegistering:
		return a.Name + ": registering…"
	case sip.StateRetrying:
		return a.Name + ": not registered, retrying"
	case sip.StateFailed:
		return a.Name + ": registration failed"
	case sip.StateConnected:
		return a.Name + ": trunk connected"
	}
	return a.Name + ": not registered"
}

// trayItems are the tray menu's phone entries: the state line, quick dial
// (shows the window on the dial field), redial of the recent numbers, and
// hang up during a call.
func (p *phoneArea) trayItems() []*fyne.MenuItem {
	state := fyne.NewMenuItem(p.trayState(), nil)
	state.Disabled = true
	items := []*fyne.MenuItem{state, fyne.NewMenuItem("Quick dial…", func() {
		if p.env.win != nil {
			p.env.win.Show()
			p.env.win.RequestFocus()
		}
		p.dialNumber("")
	})}
	if c := p.cv.Call(); c != nil && c.Info().State != sip.CallStateEnded {
		items = append(items, fyne.NewMenuItem("Hang up", p.cv.Hangup))
	} else if len(p.recent) > 0 {
		var sub []*fyne.MenuItem
		for _, r := range p.recent[:min(len(p.recent), 5)] {
			sub = append(sub, fyne.NewMenuItem(r, func() {
				p.dialNumber(r)
				p.Dial()
			}))
		}
		redial := fyne.NewMenuItem("Redial", nil)
		redial.ChildMenu = fyne.NewMenu("", sub...)
		items = append(items, redial)
	}
	return append(items, fyne.NewMenuItemSeparator())
}

// trayChanged asks the shell to rebuild the tray menu.
func (p *phoneArea) trayChanged() {
	if p.onTray != nil {
		p.onTray()
	}
}
