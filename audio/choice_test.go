package audio

import (
	"testing"

	"github.com/hookphone/hookphone/config"
)

func TestChoiceConfigRoundTrip(t *testing.T) {
	c := ChoiceFromConfig(config.Audio{Input: "USB Headset", Output: "pulse"})
	if c.Input != "USB Headset" || c.Output != "pulse" || c.Ringer != "pulse" {
		t.Fatalf("choice %+v: the ringer should follow the output", c)
	}
	a := ConfigFromChoice(DeviceChoice{Input: "default", Output: "pulse", Ringer: "Speakers"}, true)
	if a.Input != "" || a.Output != "pulse" || a.Ringer != "Speakers" || !a.EchoCancellation {
		t.Fatalf("config %+v", a)
	}
}
