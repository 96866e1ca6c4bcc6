package ui

import (
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

const callsID = "calls"

// newCallsView is the Calls area: the history of calls placed and taken,
// paged from the local database.
func newCallsView(openPhone func()) View {
	e := &emptyState{
		icon:  theme.HistoryIcon(),
		title: "Calls",
		what: "Every call you place or take will be listed here: who, when, how it ended (answered, busy, " +
			"rejected, failed), the SIP status, duration, TLS and SRTP details and RTP packet counts.",
		how: []string{
			"Place or answer a call in the Phone area.",
			"It is kept in Hookphone's local database, so the list survives restarts.",
		},
	}
	e.actions = append(e.actions, widget.NewButtonWithIcon("Go to Phone", theme.MediaRecordIcon(), openPhone))
	return &area{id: callsID, title: "Calls", icon: theme.HistoryIcon(), content: e.build()}
}
