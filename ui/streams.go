package ui

import (
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

const streamsID = "streams"

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
