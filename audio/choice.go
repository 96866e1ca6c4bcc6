package audio

import "github.com/hookphone/hookphone/config"

// ChoiceFromConfig returns the devices remembered in the user's config
// ([audio] input, output, ringer); an empty name is the system default and
// an empty ringer plays where call audio plays.
func ChoiceFromConfig(a config.Audio) DeviceChoice {
	c := DeviceChoice{Input: a.Input, Output: a.Output, Ringer: a.Ringer}
	if c.Ringer == "" {
		c.Ringer = c.Output
	}
	return c
}

// ConfigFromChoice is the inverse, for saving a choice made in the UI
// (echo cancellation is carried separately).
func ConfigFromChoice(c DeviceChoice, echoCancellation bool) config.Audio {
	norm := func(s string) string {
		if s == DefaultDeviceName {
			return ""
		}
		return s
	}
	return config.Audio{Input: norm(c.Input), Output: norm(c.Output), Ringer: norm(c.Ringer), EchoCancellation: echoCancellation}
}
