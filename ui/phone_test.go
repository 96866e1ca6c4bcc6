package ui

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/sip"
)

func newTestPhone(t *testing.T) (*phoneArea, *fakePhone, fyne.Window) {
	t.Helper()
	fp := &fakePhone{accounts: []AccountStatus{
		{Name: LocalEchoAccount, AOR: "sip:me@127.0.0.1", State: sip.StateRegistered, TLS: "TLS 1.3"},
		{Name: "work", AOR: "sip:alice@pbx.example.com", State: sip.StateFailed, Reason: "401 Unauthorized: wrong password (not retried)"},
	}}
	env, w := newViewEnv(t, &Services{Phone: fp})
	p := newPhoneArea(env, &configState{}, "")
	env.phone = p
	w.SetContent(p.Content())
	return p, fp, w
}

func tapKey(t *testing.T, p *phoneArea, label string) {
	t.Helper()
	tapButton(t, p.Content(), label)
}

// tapButton taps the button whose label is label (or label followed by a space).
func tapButton(t *testing.T, root fyne.CanvasObject, label string) {
	t.Helper()
	for _, o := range allObjects(root) {
		if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, label) && (len(b.Text) == len(label) || b.Text[len(label)] == ' ') {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no key %q", label)
}

// allObjects walks a widget tree (containers and widget renderers).
func allObjects(o fyne.CanvasObject) []fyne.CanvasObject {
	out := []fyne.CanvasObject{o}
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			out = append(out, allObjects(c)...)
		}
	case fyne.Widget:
		if _, isLabel := x.(*widget.Label); isLabel {
			return out
		}
		for _, c := range test.WidgetRenderer(x).Objects() {
			out = append(out, allObjects(c)...)
		}
	}
	return out
}

func TestPhoneRegistrationStateAndReason(t *testing.T) {
	p, fp, w := newTestPhone(t)
	if got := p.regText.Text; got != "Registered as sip:me@127.0.0.1 over TLS 1.3" {
		t.Errorf("registration text = %q", got)
	}
	p.account.SetSelected("work")
	if got := p.regText.Text; got != "Registration failed: 401 Unauthorized: wrong password (not retried)" {
		t.Errorf("failed account text = %q", got)
	}
	fp.setState(1, sip.StateRetrying, "flow lost: connection reset")
	if got := p.regText.Text; !strings.Contains(got, "retrying: flow lost") {
		t.Errorf("after a live change: %q", got)
	}
	p.account.SetSelected(LocalEchoAccount)
	test.AssertImageMatches(t, "phone/idle.png", w.Canvas().Capture())
}

func TestPhoneDialFromKeypad(t *testing.T) {
	p, fp, w := newTestPhone(t)
	for _, k := range []string{"1", "2", "3", "*", "0", "#"} {
		tapKey(t, p, k)
	}
	if p.entry.Text != "123*0#" {
		t.Fatalf("keypad typed %q", p.entry.Text)
	}
	test.AssertImageMatches(t, "phone/keypad_typed.png", w.Canvas().Capture())
	test.Tap(p.callBtn)
	if len(fp.dials) != 1 || fp.dials[0] != LocalEchoAccount+"|123*0#" {
		t.Fatalf("dials = %v", fp.dials)
	}
	if p.cv.Call() == nil || p.recent[0] != "123*0#" {
		t.Errorf("call view not attached or recent not updated: %v", p.recent)
	}
}

// Keyboard only: digits typed with nothing focused go to the number, Enter
// dials, Escape hangs up.
func TestPhoneKeyboardOnlyDialAndHangup(t *testing.T) {
	p, fp, w := newTestPhone(t)
	c := newFakeCall(sip.DirectionOutgoing, "sip:echo@127.0.0.1;transport=tls")
	fp.next = c
	w.Canvas().Unfocus()
	for _, r := range "555" {
		w.Canvas().OnTypedRune()(r)
	}
	// Once the field has focus, the window passes runes to it (as a real window does).
	for _, r := range "1234" {
		w.Canvas().Focused().TypedRune(r)
	}
	w.Canvas().OnTypedRune()(' ') // not a dial key: ignored
	if p.entry.Text != "5551234" {
		t.Fatalf("typed %q", p.entry.Text)
	}
	if w.Canvas().Focused() != p.entry {
		t.Fatalf("the number field should take focus after a typed digit")
	}
	w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(fp.dials) != 1 || fp.dials[0] != LocalEchoAccount+"|5551234" {
		t.Fatalf("Enter did not dial: %v", fp.dials)
	}
	secureEstablished(c)
	p.cv.refresh()
	// During the call, digits typed with nothing focused are sent as DTMF.
	focused := w.Canvas().Focused()
	w.Canvas().Unfocus()
	w.Canvas().OnTypedRune()('7')
	if got := c.did(); len(got) != 1 || got[0] != "dtmf 7" {
		t.Fatalf("typed 7 in a call did %v, want dtmf 7", got)
	}
	// With the security report open, Escape closes the report, Enter and
	// digits do nothing, and the call goes on.
	showSecurityReport(w, securityReport{Info: c.Info(), TLS: c.TLS()})
	if w.Canvas().Overlays().Top() == nil {
		t.Fatal("the security report did not open")
	}
	w.Canvas().OnTypedRune()('8')
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Fatal("Escape left the security report open")
	}
	if got := c.did(); len(got) != 1 || len(fp.dials) != 1 {
		t.Fatalf("keys over the report did %v and dialled %v; want nothing", got, fp.dials)
	}
	w.Canvas().Focus(focused)
	w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if got := c.did(); len(got) != 2 || got[1] != "hangup" {
		t.Fatalf("Escape did %v, want hangup", got)
	}
	// With nothing focused, Escape on the canvas hangs up as well (already ended: no second BYE).
	w.Canvas().Unfocus()
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if got := c.did(); len(got) != 2 {
		t.Errorf("second Escape did %v", got)
	}
}

func TestPhoneDialErrorsAreExplained(t *testing.T) {
	p, fp, _ := newTestPhone(t)
	test.Tap(p.callBtn)
	if !strings.Contains(p.status.Text, "Type a number") || len(fp.dials) != 0 {
		t.Errorf("empty number: status %q dials %v", p.status.Text, fp.dials)
	}
	fp.dialErr = errors.New(`call: bad target "sip:": missing host`)
	p.entry.SetText("sip:")
	test.Tap(p.callBtn)
	if !strings.Contains(p.status.Text, "missing host") {
		t.Errorf("status %q", p.status.Text)
	}
}

// Keyboard answering: an incoming call rings (banner, window raised);
// Enter answers; a second incoming call is then refused busy.
func TestPhoneIncomingAnswerWithEnter(t *testing.T) {
	p, fp, w := newTestPhone(t)
	c := newFakeCall(sip.DirectionIncoming, "sip:bob@example.com")
	c.update(func(i *sip.CallInfo) { i.State = sip.CallStateRinging })
	ring := &fakeRinger{}
	p.env.svc.Ringer = ring
	test.AssertNotificationSent(t, fyne.NewNotification("Incoming call", "sip:bob@example.com"), func() { fp.incoming[0](c) })
	if ring.playing != 1 {
		t.Errorf("ringtone playing %d, want 1", ring.playing)
	}
	if !p.in.content.Visible() || !strings.Contains(p.in.who.Text, "bob@example.com") {
		t.Fatalf("banner hidden or wrong: %q", p.in.who.Text)
	}
	test.AssertImageMatches(t, "phone/incoming.png", w.Canvas().Capture())
	p.focusEntry()
	w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got := c.did(); len(got) != 1 || got[0] != "answer" {
		t.Fatalf("Enter did %v, want answer", got)
	}
	if p.in.content.Visible() || p.cv.Call() != c {
		t.Errorf("after answer: banner visible %v, call shown %v", p.in.content.Visible(), p.cv.Call() == c)
	}
	if ring.playing != 0 {
		t.Errorf("ringtone still playing after the answer")
	}
	p.cv.refresh()
	c2 := newFakeCall(sip.DirectionIncoming, "sip:carol@example.com")
	fp.incoming[0](c2)
	if got := c2.did(); len(got) != 1 || got[0] != "reject 486" {
		t.Errorf("second call while busy: %v", got)
	}
}

func TestPhoneIncomingRejectWithEscape(t *testing.T) {
	p, fp, w := newTestPhone(t)
	c := newFakeCall(sip.DirectionIncoming, "sip:bob@example.com")
	c.update(func(i *sip.CallInfo) { i.State = sip.CallStateRinging })
	fp.incoming[0](c)
	if p.in.call != c {
		t.Fatal("not ringing")
	}
	w.Canvas().Unfocus()
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if got := c.did(); len(got) != 1 || got[0] != "reject 603" {
		t.Fatalf("Escape did %v, want reject 603", got)
	}
}

func TestDialTargetFromURI(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"tel:+1-202-555-0100", "+12025550100"},
		{"tel:+44 20 7946 0958;phone-context=x", "+442079460958"},
		{"sips:bob@example.com", "sips:bob@example.com"},
		{"sip:echo@127.0.0.1", "sip:echo@127.0.0.1"},
		{"tel:(020) 7946-0958", "02079460958"},
	} {
		if got := dialTargetFromURI(tc.in); got != tc.want {
			t.Errorf("dialTargetFromURI(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestShortRemote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sip:echo@127.0.0.1:5061;transport=tls", "echo"},
		{"sips:bob@example.com", "bob@example.com"},
		{"<sip:carol@pbx.example.com;transport=tls>", "carol@pbx.example.com"},
	} {
		if got := shortRemote(tc.in); got != tc.want {
			t.Errorf("shortRemote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormaliseDial(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{" (020) 7946-0958 ", "02079460958"},
		{"+1 202.555.0100", "+12025550100"},
		{"echo", "echo"},
		{"sip:bob@example.com ", "sip:bob@example.com"},
	} {
		if got := normaliseDial(tc.in); got != tc.want {
			t.Errorf("normaliseDial(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// `hookphone sips:…|tel:…` opens the dialer with the number filled in.
func TestPhoneOpensWithCommandLineURI(t *testing.T) {
	env, _ := newViewEnv(t, &Services{Phone: &fakePhone{}})
	if p := newPhoneArea(env, &configState{}, "tel:+1-202-555-0100"); p.entry.Text != "+12025550100" {
		t.Errorf("tel: URI gave %q", p.entry.Text)
	}
	if p := newPhoneArea(env, &configState{}, "sips:bob@example.com"); p.entry.Text != "sips:bob@example.com" {
		t.Errorf("sips: URI gave %q", p.entry.Text)
	}
}

func TestTrayStateAndItems(t *testing.T) {
	p, fp, _ := newTestPhone(t)
	if got := p.trayState(); got != "Local echo: registered" {
		t.Errorf("idle tray = %q", got)
	}
	fp.setState(0, sip.StateRetrying, "flow lost")
	if got := p.trayState(); got != "Local echo: not registered, retrying" {
		t.Errorf("retrying tray = %q", got)
	}
	c := newFakeCall(sip.DirectionOutgoing, "sip:echo@127.0.0.1;transport=tls")
	fp.next = c
	p.entry.SetText("echo")
	p.Dial()
	secureEstablished(c)
	want := "In call with echo since " + c.Info().Answered.Local().Format("15:04")
	if got := p.trayState(); got != want {
		t.Errorf("in-call tray = %q, want %q", got, want)
	}
	items := p.trayItems()
	if items[0].Label != want || !items[0].Disabled || items[2].Label != "Hang up" {
		t.Fatalf("in-call items: %q %q %q", items[0].Label, items[1].Label, items[2].Label)
	}
	items[2].Action()
	if got := c.did(); len(got) != 1 || got[0] != "hangup" {
		t.Errorf("tray Hang up did %v", got)
	}
	items = p.trayItems()
	if items[2].Label != "Redial" || items[2].ChildMenu.Items[0].Label != "echo" {
		t.Fatalf("after the call: %q", items[2].Label)
	}
	items[2].ChildMenu.Items[0].Action()
	if len(fp.dials) != 2 || fp.dials[1] != LocalEchoAccount+"|echo" {
		t.Errorf("tray redial dialled %v", fp.dials)
	}
}

func TestRegistrationText(t *testing.T) {
	for _, tc := range []struct {
		a    AccountStatus
		want string
	}{
		{AccountStatus{AOR: "sip:a@x", State: sip.StateRegistered, TLS: "TLS 1.2"}, "Registered as sip:a@x over TLS 1.2"},
		{AccountStatus{AOR: "sip:a@x", State: sip.StateRegistering}, "Registering sip:a@x…"},
		{AccountStatus{State: sip.StateRetrying, Reason: "503 Service Unavailable"}, "Not registered, retrying: 503 Service Unavailable"},
		{AccountStatus{State: sip.StateFailed, Reason: "certificate signed by an unknown CA"}, "Registration failed: certificate signed by an unknown CA"},
		{AccountStatus{State: sip.StateConnected, Server: "sips:sip.example.com", TLS: "TLS 1.3"}, "Trunk connected to sips:sip.example.com over TLS 1.3"},
		{AccountStatus{State: sip.StateConnecting, Server: "sips:sip.example.com"}, "Connecting to the trunk sips:sip.example.com…"},
		{AccountStatus{State: sip.StateUnregistered}, "Not registered"},
	} {
		if got, _ := registrationText(tc.a); got != tc.want {
			t.Errorf("registrationText(%+v) = %q, want %q", tc.a, got, tc.want)
		}
	}
}

// Saving accounts in Settings makes the phone service follow them at once.
func TestPhoneFollowsSavedAccounts(t *testing.T) {
	fp := &fakePhone{accounts: []AccountStatus{{Name: LocalEchoAccount, State: sip.StateRegistered}}}
	env, _ := newViewEnv(t, &Services{Phone: fp})
	st := &configState{store: &memConfig{}, cfg: config.Default()}
	newPhoneArea(env, st, "")
	cfg := config.Default()
	cfg.Accounts = []config.Account{{Name: "work", Server: "sips:pbx.example.com", User: "alice"}}
	st.saved(cfg)
	st.err = errors.New("broken")
	st.changed()
	if len(fp.synced) != 1 || fp.synced[0] != 1 {
		t.Errorf("Sync calls %v, want one with 1 account (none while the config is broken)", fp.synced)
	}
}

// A transfer that replaces the call on show (the far end's REFER we
// followed, or an attended transfer's INVITE) moves the view to the
// replacement; a transfer of some other call leaves the view alone.
func TestPhoneFollowsTransfer(t *testing.T) {
	p, fp, _ := newTestPhone(t)
	c := newFakeCall(sip.DirectionOutgoing, "sip:alice@127.0.0.1;transport=tls")
	fp.next = c
	p.entry.SetText("alice")
	p.Dial()
	secureEstablished(c)
	other := newFakeCall(sip.DirectionIncoming, "sip:dave@127.0.0.1;transport=tls")
	nc := newFakeCall(sip.DirectionOutgoing, "sip:carol@127.0.0.1;transport=tls")
	nc.info.ID = "c2"
	secureEstablished(nc)
	if len(fp.moved) != 1 {
		t.Fatalf("the phone area registered %d transfer hooks, want 1", len(fp.moved))
	}
	fp.moved[0](other, nc)
	if p.cv.Call() != c {
		t.Fatalf("a transfer of another call moved the view")
	}
	fp.moved[0](c, nc)
	if p.cv.Call() != nc {
		t.Fatalf("the view did not follow the transfer to carol")
	}
	if !strings.Contains(p.cv.remote.Text, "carol") {
		t.Errorf("the call view shows %q, want carol", p.cv.remote.Text)
	}
	if got := p.trayState(); !strings.HasPrefix(got, "In call with carol") {
		t.Errorf("tray after the transfer: %q", got)
	}
}
