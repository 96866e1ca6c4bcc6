package ui

// This file keeps the area constructors app.go calls today (empty states)
// until NewShell switches to newServiceViews (NOTES.md, 12:22). Delete it then.

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

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

// newWebhooksView is the Webhooks area: captured answer, event and fallback
// requests with their signature verdicts, grouped into per-call timelines.
// The URLs it tells the user to configure come from the inspector settings.
func newWebhooksView(state *configState) View {
	e := &emptyState{
		icon:  theme.MailSendIcon(),
		title: "Webhooks",
		what: "The answer, event and fallback webhooks your voice application sends will appear here as they " +
			"arrive: each one's signature verdict (JWT signature, payload hash, age, replay) explained in one " +
			"sentence, grouped into a timeline per call and tied to the SIP call they belong to.",
		how: []string{
			"",
			"Keep the application's signature secret in Hookphone's secret store, so signed webhooks can be verified.",
			"Captures are stored before they are acknowledged, so none is lost if Hookphone stops.",
		},
	}
	content := e.build()
	update := func() {
		in := state.cfg.Inspector
		base := "http://" + in.Listen
		e.setStep(0, fmt.Sprintf("In your voice application set the answer URL to %s%s and the event URL to %s%s "+
			"(fallback %s%s): the inspector settings in the config file.", base, in.AnswerPath, base, in.EventPath, base, in.FallbackPath))
	}
	update()
	state.onChange(update)
	return &area{id: webhooksID, title: "Webhooks", icon: theme.MailSendIcon(), content: content}
}

// newStreamsView is the Streams area: audio that NCCO stream actions point at,
// fetched through the private HTTP cache, inspected, drawn and played.
func newStreamsView(openWebhooks func()) View {
	e := &emptyState{
		icon:  theme.MediaMusicIcon(),
		title: "Streams",
		what: "Audio files that NCCO stream actions point at will appear here, fetched through Hookphone's " +
			"private HTTP cache: each URL's cache state (fresh or stale, expires in, validator, hits, size), " +
			"its format and length, a waveform, and a play button.",
		how: []string{
			"Answer webhooks whose NCCO has a stream action list their audio URLs automatically.",
			"Or return an NCCO with a stream action from the inspector (ncco in the config file).",
		},
	}
	e.actions = append(e.actions, widget.NewButtonWithIcon("Go to Webhooks", theme.MailSendIcon(), openWebhooks))
	return &area{id: streamsID, title: "Streams", icon: theme.MediaMusicIcon(), content: e.build()}
}

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
