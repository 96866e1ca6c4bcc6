package ui

import (
	"context"
	"fmt"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// AudioService lists the sound devices and runs the device tests of
// Settings → Audio. Device names are PortAudio's; "" is the system default.
// Methods block; the view calls them off the UI goroutine.
type AudioService interface {
	// Devices lists the devices that can record and those that can play.
	Devices() (inputs, outputs []string, err error)
	// Meter opens input and output and reports their levels (dBFS) about
	// ten times a second until ctx ends.
	Meter(ctx context.Context, input, output string, levels func(mic, speaker float64)) error
	// EchoTest records d from input, then plays it back on output.
	EchoTest(ctx context.Context, input, output string, d time.Duration) error
	// RingTest plays the ringtone on device until ctx ends.
	RingTest(ctx context.Context, device string) error
}

// systemDefault is how the pickers show the empty device name.
const systemDefault = "System default"

// echoTestLength is how long the echo test records before playing back.
const echoTestLength = 3 * time.Second

// audioSettings is Settings → Audio: microphone, speaker and ringer
// pickers saved in the config, live meters, an echo test and a ring test.
type audioSettings struct {
	env                *viewEnv
	state              *configState
	input, output, rng *widget.Select
	mic, spk           *levelMeter
	meterBtn, echoBtn  *widget.Button
	ringBtn            *widget.Button
	status             *widget.Label
	stopMeter, stopRng context.CancelFunc
	content            fyne.CanvasObject
}

// newAudioSettings builds the Audio settings on d's services (a note when
// there is no audio system).
func newAudioSettings(win fyne.Window, d Deps, state *configState) fyne.CanvasObject {
	svc := d.Services
	if svc == nil {
		svc = &Services{}
	}
	async := d.Async
	if async == nil {
		async = func(f func()) { go f() }
	}
	return newAudioSettingsOn(&viewEnv{win: win, svc: svc, async: async, now: time.Now}, state).content
}

func newAudioSettingsOn(env *viewEnv, state *configState) *audioSettings {
	s := &audioSettings{env: env, state: state}
	s.input = widget.NewSelect(nil, nil)
	s.output = widget.NewSelect(nil, nil)
	s.rng = widget.NewSelect(nil, nil)
	s.mic, s.spk = newLevelMeter(), newLevelMeter()
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.meterBtn = widget.NewButtonWithIcon("Test microphone", theme.MediaRecordIcon(), s.toggleMeter)
	s.echoBtn = widget.NewButtonWithIcon(fmt.Sprintf("Echo test (%d s)", int(echoTestLength.Seconds())), theme.MediaReplayIcon(), s.echoTest)
	s.ringBtn = widget.NewButtonWithIcon("Ring", theme.VolumeUpIcon(), s.toggleRing)
	save := widget.NewButtonWithIcon("Save devices", theme.DocumentSaveIcon(), s.save)
	save.Importance = widget.HighImportance
	form := container.New(&formLayout{labelWidth: 120},
		widget.NewLabelWithStyle("Microphone", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), s.input,
		widget.NewLabelWithStyle("Speaker", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), s.output,
		widget.NewLabelWithStyle("Ringer", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}), s.rng,
		widget.NewLabelWithStyle("Mic level", fyne.TextAlignTrailing, fyne.TextStyle{}), s.mic,
		widget.NewLabelWithStyle("Speaker level", fyne.TextAlignTrailing, fyne.TextStyle{}), s.spk,
	)
	s.content = container.NewVScroll(container.NewPadded(container.NewVBox(form,
		container.NewHBox(save, s.meterBtn, s.echoBtn, s.ringBtn), s.status)))
	if env.svc.Audio == nil {
		s.status.SetText("No audio system: PortAudio did not start, so calls send silence. See the log.")
		for _, b := range []*widget.Button{save, s.meterBtn, s.echoBtn, s.ringBtn} {
			b.Disable()
		}
		return s
	}
	s.loadDevices()
	return s
}

// loadDevices fills the pickers and selects the configured devices.
func (s *audioSettings) loadDevices() {
	var ins, outs []string
	s.env.run(func(context.Context) (err error) {
		ins, outs, err = s.env.svc.Audio.Devices()
		return err
	}, func(err error) {
		if err != nil {
			s.status.SetText("Could not list the sound devices: " + err.Error())
			return
		}
		a := s.state.cfg.Audio
		pick(s.input, ins, a.Input)
		pick(s.output, outs, a.Output)
		pick(s.rng, outs, a.Ringer)
		s.status.SetText(fmt.Sprintf("%d microphones and %d speakers found.", len(ins), len(outs)))
	})
}

// pick sets a picker's options (system default first) and selects name,
// keeping a configured device that is missing now, marked as such.
func pick(sel *widget.Select, names []string, name string) {
	opts := append([]string{systemDefault}, names...)
	if name != "" && !slices.Contains(names, name) {
		opts = append(opts, name+" (not connected)")
		sel.SetOptions(opts)
		sel.SetSelected(name + " (not connected)")
		return
	}
	sel.SetOptions(opts)
	if name == "" {
		sel.SetSelected(systemDefault)
	} else {
		sel.SetSelected(name)
	}
}

// deviceName turns a picker's selection back into a config device name.
func deviceName(sel *widget.Select) string {
	v := sel.Selected
	if v == systemDefault {
		return ""
	}
	if n, ok := cutSuffix(v, " (not connected)"); ok {
		return n
	}
	return v
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// save writes the chosen devices to the config file.
func (s *audioSettings) save() {
	cfg := s.state.cfg.Clone()
	cfg.Audio.Input, cfg.Audio.Output, cfg.Audio.Ringer = deviceName(s.input), deviceName(s.output), deviceName(s.rng)
	s.env.run(func(context.Context) error { return s.state.store.Save(cfg) }, func(err error) {
		if err != nil {
			s.status.SetText("Not saved: " + err.Error())
			return
		}
		s.state.saved(cfg)
		s.status.SetText("Saved: new calls use these devices.")
	})
}

// toggleMeter starts or stops the live meters on the chosen devices.
func (s *audioSettings) toggleMeter() {
	if s.stopMeter != nil {
		s.stopMeter()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopMeter = cancel
	s.meterBtn.SetText("Stop")
	in, out := deviceName(s.input), deviceName(s.output)
	s.status.SetText("Speak: the microphone meter should move.")
	s.env.async(func() {
		err := s.env.svc.Audio.Meter(ctx, in, out, func(mic, spk float64) {
			fyne.Do(func() { s.mic.SetValue(meterValue(mic)); s.spk.SetValue(meterValue(spk)) })
		})
		fyne.Do(func() {
			s.stopMeter = nil
			cancel()
			s.meterBtn.SetText("Test microphone")
			s.mic.SetValue(0)
			s.spk.SetValue(0)
			if err != nil && ctx.Err() == nil {
				s.status.SetText("Microphone test failed: " + err.Error())
			}
		})
	})
}

// echoTest records a few seconds and plays them back.
func (s *audioSettings) echoTest() {
	s.echoBtn.Disable()
	in, out := deviceName(s.input), deviceName(s.output)
	s.status.SetText(fmt.Sprintf("Recording %s: say something, then listen.", echoTestLength))
	s.env.run(func(ctx context.Context) error {
		return s.env.svc.Audio.EchoTest(ctx, in, out, echoTestLength)
	}, func(err error) {
		s.echoBtn.Enable()
		if err != nil {
			s.status.SetText("Echo test failed: " + err.Error())
			return
		}
		s.status.SetText("Echo test done: you should have heard yourself.")
	})
}

// toggleRing plays the ringtone on the ringer until pressed again.
func (s *audioSettings) toggleRing() {
	if s.stopRng != nil {
		s.stopRng()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopRng = cancel
	s.ringBtn.SetText("Stop ringing")
	dev := deviceName(s.rng)
	if dev == "" {
		dev = deviceName(s.output)
	}
	s.env.async(func() {
		err := s.env.svc.Audio.RingTest(ctx, dev)
		fyne.Do(func() {
			s.stopRng = nil
			cancel()
			s.ringBtn.SetText("Ring")
			if err != nil && ctx.Err() == nil {
				s.status.SetText("Ring test failed: " + err.Error())
			}
		})
	})
}
