package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

const phoneID = "phone"

// newPhoneView is the Phone area: the dial pad, account registration state and
// the security of the call in progress. Until the call engine is wired in, it
// says so and lists the accounts that are ready.
func newPhoneView(state *configState, dial string, openSettings func()) View {
	note := widget.NewLabel("")
	update := func() {
		var b strings.Builder
		switch n := len(state.cfg.Accounts); {
		case state.err != nil:
			b.WriteString("The config file has errors, so no account is loaded: see Settings.")
		case n == 0:
			b.WriteString("No SIP account yet.")
		default:
			names := make([]string, n)
			for i, a := range state.cfg.Accounts {
				names[i] = a.Name
			}
			fmt.Fprintf(&b, "Accounts saved: %s.", strings.Join(names, ", "))
		}
		if dial != "" {
			fmt.Fprintf(&b, "\nStarted to dial %s: dialling from the window comes with the dial pad.", dial)
		}
		note.SetText(b.String())
	}
	state.onChange(update)
	update()
	e := &emptyState{
		icon:  theme.MediaRecordIcon(),
		title: "Phone",
		what: "The dial pad and each account's registration state will appear here, and during a call its " +
			"security: TLS version and cipher, the server's certificate, the SRTP suite and encrypted packet counts.",
		how: []string{
			"Add your SIP account in Settings → Accounts: server (sips:host), user, password.",
			"Hookphone registers it over TLS; then dial a sip: URI or a number here.",
		},
		note:    note,
		actions: nil,
	}
	e.actions = append(e.actions, widget.NewButtonWithIcon("Open Settings", theme.SettingsIcon(), openSettings))
	return &area{id: phoneID, title: "Phone", icon: theme.MediaRecordIcon(), content: e.build()}
}
