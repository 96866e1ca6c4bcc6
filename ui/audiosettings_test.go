package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/hookphone/hookphone/config"
)

// fakeAudio has two microphones and two speakers and records the tests run.
type fakeAudio struct {
	ran []string
}

func (f *fakeAudio) Devices() ([]string, []string, error) {
	return []string{"pulse", "USB Headset"}, []string{"pulse", "HDMI"}, nil
}

func (f *fakeAudio) Meter(ctx context.Context, in, out string, levels func(float64, float64)) error {
	f.ran = append(f.ran, "meter "+in+"|"+out)
	levels(-12, -40)
	<-ctx.Done()
	return nil
}

func (f *fakeAudio) EchoTest(_ context.Context, in, out string, d time.Duration) error {
	f.ran = append(f.ran, "echo "+in+"|"+out+"|"+d.String())
	return nil
}

func (f *fakeAudio) RingTest(ctx context.Context, dev string) error {
	f.ran = append(f.ran, "ring "+dev)
	return nil
}

func TestAudioSettingsPickSaveAndTest(t *testing.T) {
	fa := &fakeAudio{}
	env, w := newViewEnv(t, &Services{Audio: fa})
	cfg := config.Default()
	cfg.Audio.Input, cfg.Audio.Output = "USB Headset", "Bluetooth speaker" // the speaker is unplugged now
	mc := &memConfig{cfg: cfg}
	st := &configState{store: mc, cfg: cfg}
	s := newAudioSettingsOn(env, st)
	w.SetContent(s.content)
	if s.input.Selected != "USB Headset" || s.output.Selected != "Bluetooth speaker (not connected)" || s.rng.Selected != systemDefault {
		t.Fatalf("pickers: %q %q %q", s.input.Selected, s.output.Selected, s.rng.Selected)
	}
	if got := strings.Join(s.output.Options, ","); got != systemDefault+",pulse,HDMI,Bluetooth speaker (not connected)" {
		t.Errorf("speaker options = %s", got)
	}
	test.AssertImageMatches(t, "settings/audio.png", w.Canvas().Capture())

	s.output.SetSelected("HDMI")
	s.rng.SetSelected("pulse")
	test.Tap(s.echoBtn)
	saved, _ := mc.Load()
	if saved.Audio.Output == "HDMI" {
		t.Error("the echo test saved the config")
	}
	tapButton(t, s.content, "Save devices")
	saved, _ = mc.Load()
	if saved.Audio.Input != "USB Headset" || saved.Audio.Output != "HDMI" || saved.Audio.Ringer != "pulse" {
		t.Errorf("saved audio = %+v", saved.Audio)
	}
	if want := "echo USB Headset|HDMI|3s"; len(fa.ran) != 1 || fa.ran[0] != want {
		t.Errorf("ran %v, want %q", fa.ran, want)
	}
}

func TestAudioSettingsWithoutAudioSystem(t *testing.T) {
	env, _ := newViewEnv(t, &Services{})
	s := newAudioSettingsOn(env, &configState{cfg: config.Default()})
	if !s.echoBtn.Disabled() || !strings.Contains(s.status.Text, "No audio system") {
		t.Errorf("status %q, echo enabled %v", s.status.Text, !s.echoBtn.Disabled())
	}
}
