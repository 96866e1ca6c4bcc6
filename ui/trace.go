package ui

import (
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

const traceID = "trace"

// newTraceView is the SIP trace area: every SIP message on each account's TLS
// connection, grouped by call, with secrets redacted.
func newTraceView(openSettings func()) View {
	e := &emptyState{
		icon:  theme.ListIcon(),
		title: "SIP trace",
		what: "Every SIP message exchanged on each account's TLS connection will appear here, grouped by call, " +
			"with the Authorization digest responses and SDES keys redacted unless you choose to reveal them.",
		how: []string{
			"Add an account in Settings → Accounts; its REGISTER exchange is the first thing traced.",
			"Place a call to see its INVITE, responses, ACK and BYE.",
		},
	}
	e.actions = append(e.actions, widget.NewButtonWithIcon("Open Settings", theme.SettingsIcon(), openSettings))
	return &area{id: traceID, title: "SIP trace", icon: theme.ListIcon(), content: e.build()}
}
