package ui

import (
	"fmt"

	"fyne.io/fyne/v2/theme"
)

const webhooksID = "webhooks"

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
