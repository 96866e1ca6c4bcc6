package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/sip"
)

const phoneID = "phone"

// maxRecent is how many recent numbers the Phone area keeps.
const maxRecent = 12

// phoneArea is the Phone area: account picker with live registration state,
// dial field with keypad and recent numbers on the left, the call on the right.
type phoneArea struct {
	env   *viewEnv
	state *configState

	account  *widget.Select
	regIcon  *widget.Icon
	regText  *widget.Label
	entry    *dialEntry
	callBtn  *widget.Button
	status   *widget.Label
	recent   []string
	recentL  *widget.List
	cv       *callView
	in       *incomingBanner
	statuses []AccountStatus
	logged   map[string]sip.State // last registration state written to the test log
	content  fyne.CanvasObject
	// onTray, when set, rebuilds the tray menu (registration or call state changed).
	onTray func()
}

// ID returns the area's key.
func (p *phoneArea) ID() string { return phoneID }

// Title returns the sidebar label.
func (p *phoneArea) Title() string { return "Phone" }

// Icon returns the sidebar icon.
func (p *phoneArea) Icon() fyne.Resource { return theme.MediaRecordIcon() }

// Content returns the area's widgets.
func (p *phoneArea) Content() fyne.CanvasObject { return p.content }

func newPhoneArea(env *viewEnv, state *configState, dial string) *phoneArea {
	p := &phoneArea{env: env, state: state, logged: map[string]sip.State{}}
	p.cv = newCallView(env)
	p.cv.onState = func(info sip.CallInfo) {
		if info.State == sip.CallStateEnded {
			p.callEnded(info)
		}
		p.trayChanged()
	}
	p.in = newIncomingBanner(p)

	p.account = widget.NewSelect(nil, func(string) { p.showRegistration() })
	p.account.PlaceHolder = "No account"
	p.regIcon = widget.NewIcon(theme.NewDisabledResource(theme.RadioButtonIcon()))
	p.regText = widget.NewLabel("")
	p.regText.Wrapping = fyne.TextWrapWord

	p.entry = newDialEntry()
	p.entry.OnSubmitted = func(string) { p.Dial() }
	p.entry.onEscape = p.Escape
	if dial != "" {
		p.entry.SetText(dialTargetFromURI(dial))
	}
	p.callBtn = widget.NewButtonWithIcon("Call", theme.MediaRecordIcon(), p.Dial)
	p.callBtn.Importance = widget.SuccessImportance
	back := widget.NewButtonWithIcon("", theme.ContentUndoIcon(), func() {
		if t := p.entry.Text; t != "" {
			p.entry.SetText(t[:len(t)-1])
		}
	})
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord

	p.recentL = widget.NewList(func() int { return len(p.recent) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.HistoryIcon()), widget.NewLabel("sip:someone@example.com"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*fyne.Container).Objects[1].(*widget.Label).SetText(p.recent[i])
		})
	p.recentL.OnSelected = func(i widget.ListItemID) {
		if i < len(p.recent) {
			p.entry.SetText(p.recent[i])
		}
		p.recentL.UnselectAll()
		p.focusEntry()
	}

	keypad := newKeypad(p.pressKey)
	dialRow := container.NewBorder(nil, nil, nil, back, p.entry)
	regRow := container.NewBorder(nil, nil, p.regIcon, nil, p.regText)
	left := container.NewBorder(
		container.NewVBox(
			widget.NewLabelWithStyle("Account", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			p.account, regRow, widget.NewSeparator(),
			dialRow, keypad, p.callBtn, p.status,
			widget.NewLabelWithStyle("Recent", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})),
		nil, nil, nil, p.recentL)
	right := container.NewBorder(p.in.content, nil, nil, nil, container.NewVScroll(container.NewPadded(p.cv.Content())))
	split := container.NewHSplit(container.NewPadded(left), right)
	split.Offset = 0.34
	p.content = split

	if env.svc.Phone == nil {
		p.regText.SetText("The call engine did not start, so no account can register: see the log and Settings.")
		p.callBtn.Disable()
	} else {
		env.svc.Phone.OnChange(func() {
			if !env.svc.closing.Load() {
				fyne.Do(p.reloadAccounts)
			}
		})
		// Accounts added, changed or removed in Settings start and stop at once.
		state.onChange(func() {
			if state.err != nil || state.cfg == nil {
				return
			}
			accounts := state.cfg.Clone().Accounts
			env.async(func() {
				ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
				defer cancel()
				env.svc.Phone.Sync(ctx, accounts)
			})
		})
		env.svc.Phone.OnIncoming(func(c CallHandle) {
			if !env.svc.closing.Load() {
				fyne.Do(func() { p.in.ring(c) })
			}
		})
		// A transfer replaced the call on show: follow the replacement,
		// which plays through the same devices.
		env.svc.Phone.OnTransferred(func(old, nc CallHandle) {
			if !env.svc.closing.Load() {
				fyne.Do(func() { p.followTransfer(old, nc) })
			}
		})
		p.reloadAccounts()
	}
	p.loadRecent()
	p.hookKeys()
	return p
}

// hookKeys sends keys typed with no widget focused to the dialler: digits
// go into the number, Enter calls, Escape hangs up. While a dialog is open
// over the window, Escape closes that dialog and nothing reaches the
// dialler: closing the security report must not end the call.
func (p *phoneArea) hookKeys() {
	if p.env.win == nil {
		return
	}
	c := p.env.win.Canvas()
	c.SetOnTypedRune(func(r rune) {
		if !p.content.Visible() || c.Overlays().Top() != nil {
			return
		}
		// During a call, keypad characters typed with nothing focused are DTMF.
		if call := p.cv.Call(); call != nil && call.Info().State == sip.CallStateActive && strings.ContainsRune("0123456789*#ABCD", r) {
			p.cv.sendDigit(string(r))
			return
		}
		if isDialRune(r) {
			p.focusEntry()
			p.entry.CursorRow, p.entry.CursorColumn = 0, utf8.RuneCountInString(p.entry.Text)
			p.entry.TypedRune(r)
		}
	})
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if top := c.Overlays().Top(); top != nil {
			if k.Name == fyne.KeyEscape {
				top.Hide()
			}
			return
		}
		switch k.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			p.Dial()
		case fyne.KeyEscape:
			p.Escape()
		}
	})
}

// followTransfer shows nc in place of old when old is the call on show.
func (p *phoneArea) followTransfer(old, nc CallHandle) {
	if p.cv.Call() != old {
		return
	}
	p.env.svc.logf("call transferred from=%s to=%s", old.Info().Remote, nc.Info().Remote)
	p.cv.attach(nc)
	p.trayChanged()
}

func (p *phoneArea) focusEntry() {
	if p.env.win != nil {
		p.env.win.Canvas().Focus(p.entry)
	}
}

// pressKey is a keypad tap: a DTMF digit during a call, else a dialled digit.
func (p *phoneArea) pressKey(d string) {
	if c := p.cv.Call(); c != nil && c.Info().State == sip.CallStateActive {
		p.cv.sendDigit(d)
		return
	}
	p.entry.SetText(p.entry.Text + d)
}

// reloadAccounts refreshes the picker from the phone service.
func (p *phoneArea) reloadAccounts() {
	p.statuses = p.env.svc.Phone.Accounts()
	for _, a := range p.statuses {
		if p.logged[a.Name] != a.State {
			p.logged[a.Name] = a.State
			p.env.svc.logf("registration account=%q state=%s reason=%q", a.Name, a.State, a.Reason)
		}
	}
	names := make([]string, len(p.statuses))
	for i, a := range p.statuses {
		names[i] = a.Name
	}
	p.account.SetOptions(names)
	if (p.account.Selected == "" || !slices.Contains(names, p.account.Selected)) && len(names) > 0 {
		p.account.SetSelected(names[0])
	}
	p.showRegistration()
}

// selectedStatus is the picked account's status.
func (p *phoneArea) selectedStatus() (AccountStatus, bool) {
	for _, a := range p.statuses {
		if a.Name == p.account.Selected {
			return a, true
		}
	}
	return AccountStatus{}, false
}

// showRegistration shows the picked account's registration state and reason.
func (p *phoneArea) showRegistration() {
	a, ok := p.selectedStatus()
	if !ok {
		p.regIcon.SetResource(theme.NewWarningThemedResource(theme.WarningIcon()))
		p.regText.SetText("No account yet: add one in Settings → Accounts.")
		return
	}
	text, icon := registrationText(a)
	p.regIcon.SetResource(icon)
	p.regText.SetText(text)
	p.trayChanged()
}

// registrationText says where an account's registration stands, with the reason.
func registrationText(a AccountStatus) (string, fyne.Resource) {
	switch a.State {
	case sip.StateRegistered:
		s := "Registered as " + a.AOR
		if a.TLS != "" {
			s += " over " + a.TLS
		}
		return s, theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case sip.StateRegistering:
		return "Registering " + a.AOR + "…", theme.NewPrimaryThemedResource(theme.ViewRefreshIcon())
	case sip.StateRetrying:
		return "Not registered, retrying: " + orDash(a.Reason), theme.NewWarningThemedResource(theme.WarningIcon())
	case sip.StateFailed:
		return "Registration failed: " + orDash(a.Reason), theme.NewErrorThemedResource(theme.ErrorIcon())
	case sip.StateConnected:
		s := "Trunk connected to " + orDash(a.Server)
		if a.TLS != "" {
			s += " over " + a.TLS
		}
		return s, theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case sip.StateConnecting:
		return "Connecting to the trunk " + orDash(a.Server) + "…", theme.NewPrimaryThemedResource(theme.ViewRefreshIcon())
	}
	if a.Reason != "" {
		return "Not registered: " + a.Reason, theme.NewDisabledResource(theme.RadioButtonIcon())
	}
	return "Not registered", theme.NewDisabledResource(theme.RadioButtonIcon())
}

// Dial calls the number in the field (or answers a ringing incoming call).
func (p *phoneArea) Dial() {
	if p.in.call != nil {
		p.in.Answer()
		return
	}
	if c := p.cv.Call(); c != nil && c.Info().State != sip.CallStateEnded {
		p.setStatus("A call is in progress: hang up first (Escape).")
		return
	}
	target := normaliseDial(p.entry.Text)
	if target == "" {
		p.setStatus("Type a number, a user name or a sip: URI first (try echo).")
		return
	}
	if p.env.svc.Phone == nil {
		p.setStatus("No call engine: see Settings.")
		return
	}
	acct := p.account.Selected
	if acct == "" {
		p.setStatus("No account to call from: add one in Settings → Accounts.")
		return
	}
	p.addRecent(target)
	p.callBtn.Disable()
	p.setStatus(fmt.Sprintf("Calling %s from %s…", target, acct))
	p.env.svc.logf("ui dial target=%q account=%q", target, acct)
	p.env.async(func() {
		c, err := p.env.svc.Phone.Dial(context.Background(), acct, target)
		fyne.Do(func() {
			p.callBtn.Enable()
			if err != nil {
				p.setStatus("Call failed: " + err.Error())
				p.env.svc.logf("call failed err=%q", err.Error())
				return
			}
			p.setStatus("")
			p.cv.attach(c)
		})
	})
}

// Escape rejects a ringing incoming call or hangs up the call on show.
func (p *phoneArea) Escape() {
	if p.in.call != nil {
		p.in.Reject()
		return
	}
	p.cv.Hangup()
}

func (p *phoneArea) setStatus(s string) {
	p.status.SetText(s)
	if s == "" {
		p.status.Hide()
	} else {
		p.status.Show()
	}
	p.relayout()
}

// addRecent puts target first in the recent numbers.
func (p *phoneArea) addRecent(target string) {
	p.recent = slices.DeleteFunc(p.recent, func(s string) bool { return s == target })
	p.recent = append([]string{target}, p.recent...)
	if len(p.recent) > maxRecent {
		p.recent = p.recent[:maxRecent]
	}
	p.recentL.Refresh()
}

// loadRecent fills the recent numbers from the call history.
func (p *phoneArea) loadRecent() {
	h := p.env.svc.History
	if h == nil {
		return
	}
	var rows []sip.HistoryEntry
	p.env.run(func(ctx context.Context) (err error) {
		rows, err = h.List(ctx, time.Time{}, 50)
		return err
	}, func(err error) {
		for i := len(rows) - 1; i >= 0; i-- {
			if r := rows[i].Remote; r != "" && rows[i].Direction == sip.DirectionOutgoing {
				p.addRecent(shortRemote(r))
			}
		}
	})
}

// callEnded records the finished call (history refresh, status line).
func (p *phoneArea) callEnded(info sip.CallInfo) {
	p.setStatus(callStateText(info))
	if c := p.env.calls; c != nil {
		c.Reload()
		// The history row is written as the call ends; read again once it surely is.
		time.AfterFunc(1500*time.Millisecond, func() { p.env.ui(c.Reload) })
	}
}

// dialNumber fills the field (from a tray quick dial or a URI argument) and
// shows the Phone area.
func (p *phoneArea) dialNumber(target string) {
	p.entry.SetText(dialTargetFromURI(target))
	if p.env.show != nil {
		p.env.show(phoneID)
	}
	p.focusEntry()
}

// shortRemote turns a call's remote URI into what the dial field takes:
// "sip:bob@example.com;transport=tls" → "bob@example.com"; a loopback host
// (the local echo) keeps only the user.
func shortRemote(uri string) string {
	s := uri
	if i := strings.IndexByte(s, ':'); i >= 0 && !strings.Contains(s[:i], "@") {
		s = s[i+1:]
	}
	if i := strings.IndexAny(s, ";?>"); i >= 0 {
		s = s[:i]
	}
	user, host, ok := strings.Cut(s, "@")
	if ok && (strings.HasPrefix(host, "127.") || strings.HasPrefix(host, "localhost") || strings.HasPrefix(host, "[::1]")) {
		return user
	}
	return s
}

// relayout lays the area out again after a part was shown or hidden.
func (p *phoneArea) relayout() {
	if p.content != nil {
		p.content.Refresh()
	}
}
