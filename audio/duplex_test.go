package audio

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
)

// engine stands in for the media engine: every 20 ms it reads one frame
// from the duplex's source (kept) and writes one frame of gen to its sink.
type engine struct {
	mu   sync.Mutex
	mic  []int16
	stop func()
}

func runEngine(d *Duplex, rate int, gen func([]int16)) *engine {
	e := &engine{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	e.stop = func() { cancel(); <-done }
	go func() {
		defer close(done)
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		in, out := make([]int16, rate/50), make([]int16, rate/50)
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			d.Source().ReadFrame(in)
			gen(out)
			d.Sink().WriteFrame(out)
			e.mu.Lock()
			e.mic = append(e.mic, in...)
			e.mu.Unlock()
		}
	}()
	return e
}

func (e *engine) samples() []int16 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]int16(nil), e.mic...)
}

func sineGen(rate int, freq, amp float64) func([]int16) {
	n := 0
	return func(b []int16) {
		for i := range b {
			b[i] = int16(amp * 32767 * math.Sin(2*math.Pi*freq*float64(n)/float64(rate)))
			n++
		}
	}
}

func newSystem(t *testing.T) *System {
	t.Helper()
	sys, err := NewSystem(SystemOptions{})
	if err != nil {
		t.Fatalf("NewSystem: %v", err)
	}
	t.Cleanup(func() { sys.Close() })
	return sys
}

func waitEvent(t *testing.T, d *Duplex, timeout time.Duration, want func(Event) bool) Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e, ok := <-d.Events():
			if !ok {
				t.Fatal("events closed")
			}
			t.Logf("event: %s", e)
			if want(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no matching event within %v", timeout)
		}
	}
}

// assertTone checks that freq dominates samples (at rate) at a healthy
// level in most 50 ms windows: the median window decides, so a single
// glitch under CPU load (a dropped period shifts the phase) does not.
func assertTone(t *testing.T, what string, samples []int16, rate int, freq, minRMS float64) {
	t.Helper()
	win := rate / 20
	if len(samples) < 4*win {
		t.Fatalf("%s: only %d samples", what, len(samples))
	}
	var tones, ratios []float64
	for i := 0; i+win <= len(samples); i += win {
		tone, total := testlab.ToneLevel(samples[i:i+win], float64(rate), freq)
		tones = append(tones, tone)
		ratios = append(ratios, tone/max(total, 1e-9))
	}
	slices.Sort(tones)
	slices.Sort(ratios)
	tone, ratio := tones[len(tones)/2], ratios[len(ratios)/2]
	t.Logf("%s: %g Hz at median RMS %.3f, %.0f %% of the signal (%d windows)", what, freq, tone, 100*ratio, len(tones))
	if tone < minRMS || ratio < 0.9 {
		t.Errorf("%s: %g Hz at median RMS %.3f, %.0f %% of the signal; want ≥ %.2f and ≥ 90 %%", what, freq, tone, 100*ratio, minRMS)
	}
}

// A 1 kHz tone played into the virtual microphone comes out of the Duplex
// source at 8 kHz as 1 kHz, and a 440 Hz tone written to its sink reaches the
// virtual speaker, through PortAudio → ALSA pulse plugin → PulseAudio.
func TestDuplexRealSoundPath(t *testing.T) {
	p := testlab.StartPulse(t)
	p.Setenv(t)
	sys := newSystem(t)
	devs, err := sys.Devices()
	if err != nil || len(devs) == 0 {
		t.Fatalf("devices: %v %v", devs, err)
	}
	spk := p.Record(testlab.PulseSpeaker + ".monitor")
	stopMic := p.FeedMic(context.Background(), testlab.SineGenerator(1000, 0.5))
	defer stopMic()

	d, err := OpenDuplex(context.Background(), sys, DuplexConfig{CodecRate: 8000, NoNoiseSuppress: true, NoAGC: true})
	if err != nil {
		t.Fatalf("OpenDuplex: %v", err)
	}
	for range 2 {
		e := waitEvent(t, d, 5*time.Second, func(e Event) bool { return e.Kind == EventOpened })
		if e.Fallback || e.Rate != 48000 {
			t.Errorf("opened %+v, want the default device at 48 kHz without fallback", e)
		}
	}
	eng := runEngine(d, 8000, sineGen(8000, 440, 0.5))
	time.Sleep(3 * time.Second)
	mic, _ := d.Levels()
	eng.stop()
	st := d.Stats()
	d.Close()
	rec := spk.Stop()

	got := eng.samples()
	assertTone(t, "mic through PortAudio", got[len(got)/3:], 8000, 1000, 0.3)
	assertTone(t, "speaker monitor", rec[len(rec)/3:], testlab.PulseRate, 440, 0.3)
	if mic.RMS < -12 || mic.RMS > -6 {
		t.Errorf("mic meter %.1f dBFS, want ≈ −9 (a half-scale sine)", mic.RMS)
	}
	t.Logf("stats %+v", st)
	if st.Captured < 8000*2 || st.Played < 8000*2 {
		t.Errorf("stats %+v: less than 2 s of audio moved in 3 s", st)
	}
}

// A chosen device that does not exist falls back to the default, and says so.
func TestDuplexMissingDeviceFallsBack(t *testing.T) {
	p := testlab.StartPulse(t)
	p.Setenv(t)
	sys := newSystem(t)
	d, err := OpenDuplex(context.Background(), sys, DuplexConfig{CodecRate: 8000,
		Choice: DeviceChoice{Input: "Headset That Is Not Plugged In", Output: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e := waitEvent(t, d, 5*time.Second, func(e Event) bool { return e.Direction == DirectionInput })
	if e.Kind != EventOpened || !e.Fallback || e.Wanted != "Headset That Is Not Plugged In" || e.Device == "" {
		t.Errorf("event %+v: want an opened-with-fallback event naming both devices", e)
	}
}

// A device that disappears mid-call (its server socket and sink unloaded)
// does not crash anything: an event says so, playback moves to the default
// device, and the tone goes on there.
func TestDuplexDeviceVanishes(t *testing.T) {
	p := testlab.StartPulse(t)
	p.AddDevice("hookusb")
	p.Setenv(t)
	sys := newSystem(t)
	usb := p.Record("hookusb.monitor")
	spk := p.Record(testlab.PulseSpeaker + ".monitor")
	d, err := OpenDuplex(context.Background(), sys, DuplexConfig{CodecRate: 8000,
		Choice: DeviceChoice{Output: "hookusb"}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e := waitEvent(t, d, 5*time.Second, func(e Event) bool { return e.Direction == DirectionOutput })
	if e.Device != "hookusb" || e.Fallback {
		t.Fatalf("output opened on %+v, want hookusb", e)
	}
	eng := runEngine(d, 8000, sineGen(8000, 440, 0.5))
	defer eng.stop()
	time.Sleep(1500 * time.Millisecond)
	before := usb.Samples()
	assertTone(t, "hookusb before unplug", before[len(before)-testlab.PulseRate/2:], testlab.PulseRate, 440, 0.3)

	p.UnplugDevice("hookusb")
	lost := waitEvent(t, d, 5*time.Second, func(e Event) bool { return e.Kind == EventDeviceLost })
	if lost.Device != "hookusb" || lost.Err == nil {
		t.Errorf("lost event %+v", lost)
	}
	re := waitEvent(t, d, 5*time.Second, func(e Event) bool { return e.Kind == EventOpened })
	if re.Direction != DirectionOutput || re.Device == "hookusb" {
		t.Errorf("reopened %+v, want the output on the default device", re)
	}
	mark := len(spk.Samples())
	time.Sleep(1500 * time.Millisecond)
	after := spk.Stop()[mark:]
	assertTone(t, "default speaker after unplug", after[len(after)/3:], testlab.PulseRate, 440, 0.3)
	if st := d.Stats(); st.Reopens != 1 || st.OutputDevice == "hookusb" {
		t.Errorf("stats %+v: want one reopen onto another device", st)
	}
}

// Refresh re-reads the device list only with no stream open, and then sees a
// device plugged in since.
func TestSystemRefresh(t *testing.T) {
	p := testlab.StartPulse(t)
	p.Setenv(t)
	sys := newSystem(t)
	has := func(name string) bool {
		devs, err := sys.Devices()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range devs {
			if d.Name == name {
				return true
			}
		}
		return false
	}
	if has("hookplug") {
		t.Fatal("device listed before it was plugged")
	}
	p.AddDevice("hookplug")
	d, err := OpenDuplex(context.Background(), sys, DuplexConfig{CodecRate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	if err := sys.Refresh(); !errors.Is(err, ErrStreamsOpen) {
		t.Errorf("Refresh with streams open = %v, want ErrStreamsOpen", err)
	}
	if err := sys.Close(); !errors.Is(err, ErrStreamsOpen) {
		t.Errorf("Close with streams open = %v, want ErrStreamsOpen", err)
	}
	d.Close()
	if err := sys.Refresh(); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if !has("hookplug") {
		t.Error("plugged device not listed after Refresh")
	}
	dev, fell, err := sys.Resolve("HOOKPLUG", DirectionOutput)
	if err != nil || fell || dev.Name != "hookplug" {
		t.Errorf("Resolve(HOOKPLUG) = %v %v %v", dev.Name, fell, err)
	}
}

// The local echo test records the microphone and plays it back on the
// speaker; the ringer plays the ringtone on its own device.
func TestEchoTestAndRinger(t *testing.T) {
	p := testlab.StartPulse(t)
	p.AddDevice("hookringer")
	p.Setenv(t)
	sys := newSystem(t)
	stopMic := p.FeedMic(context.Background(), testlab.SineGenerator(1000, 0.5))
	d, err := OpenDuplex(context.Background(), sys, DuplexConfig{CodecRate: 8000, NoNoiseSuppress: true, NoAGC: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	time.Sleep(300 * time.Millisecond)
	rec, err := EchoTest(context.Background(), d.Source(), Silence{}, 8000, time.Second)
	stopMic()
	if err != nil || len(rec) != 8000 {
		t.Fatalf("recorded %d samples, %v", len(rec), err)
	}
	spk := p.Record(testlab.PulseSpeaker + ".monitor")
	if _, err := EchoTest(context.Background(), Silence{}, d.Sink(), 8000, 0); err == nil {
		t.Error("a zero-length echo test was accepted")
	}
	// Play the recording back.
	tk := time.NewTicker(20 * time.Millisecond)
	for i := 0; i < len(rec); i += 160 {
		<-tk.C
		d.Sink().WriteFrame(rec[i : i+160])
	}
	tk.Stop()
	time.Sleep(200 * time.Millisecond)
	back := spk.Stop()
	assertTone(t, "echo test recording", rec[len(rec)/4:], 8000, 1000, 0.3)
	if len(back) < testlab.PulseRate {
		t.Fatalf("speaker got %d samples", len(back))
	}
	assertTone(t, "echo test playback", back[len(back)-testlab.PulseRate/2-testlab.PulseRate/5:len(back)-testlab.PulseRate/5], testlab.PulseRate, 1000, 0.3)

	ring := p.Record("hookringer.monitor")
	rctx, stopRing := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer stopRing()
	if err := Ring(rctx, sys, "hookringer", Ringtone()); err != nil {
		t.Fatalf("Ring: %v", err)
	}
	r := ring.Stop()
	// The ringtone warbles every 50 ms: look at 20 ms windows.
	for _, f := range Ringtone().Freqs {
		best := 0.0
		for i := 0; i+960 <= len(r); i += 960 {
			tone, _ := testlab.ToneLevel(r[i:i+960], testlab.PulseRate, f)
			best = max(best, tone)
		}
		if best < 0.2 {
			t.Errorf("ringer device: %g Hz peaks at RMS %.3f in 20 ms windows, want ≥ 0.2", f, best)
		}
	}
}

// A microphone that disappears mid-call: an event says so, capture moves to
// the default microphone, and the engine hears it.
func TestDuplexInputVanishes(t *testing.T) {
	p := testlab.StartPulse(t)
	p.AddInputDevice("hookmic")
	p.Setenv(t)
	sys := newSystem(t)
	ctx := context.Background()
	stopUSB := p.Play(ctx, "hookmic", testlab.SineGenerator(700, 0.5))
	defer stopUSB()
	stopMic := p.FeedMic(ctx, testlab.SineGenerator(1000, 0.5))
	defer stopMic()
	d, err := OpenDuplex(ctx, sys, DuplexConfig{CodecRate: 8000, NoNoiseSuppress: true, NoAGC: true,
		Choice: DeviceChoice{Input: "hookmic"}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e := waitEvent(t, d, 5*time.Second, func(e Event) bool { return e.Direction == DirectionInput })
	if e.Device != "hookmic" || e.Fallback {
		t.Fatalf("input opened on %+v, want hookmic", e)
	}
	eng := runEngine(d, 8000, func(b []int16) { clear(b) })
	defer eng.stop()
	time.Sleep(1500 * time.Millisecond)
	before := eng.samples()
	assertTone(t, "hookmic before unplug", before[len(before)-4000:], 8000, 700, 0.3)

	p.UnplugDevice("hookmic")
	lost := waitEvent(t, d, 5*time.Second, func(e Event) bool { return e.Kind == EventDeviceLost })
	if lost.Direction != DirectionInput || lost.Device != "hookmic" {
		t.Errorf("lost event %+v", lost)
	}
	re := waitEvent(t, d, 5*time.Second, func(e Event) bool { return e.Kind == EventOpened })
	if re.Direction != DirectionInput || re.Device == "hookmic" {
		t.Errorf("reopened %+v, want the input on the default device", re)
	}
	mark := len(eng.samples())
	time.Sleep(1500 * time.Millisecond)
	after := eng.samples()[mark:]
	assertTone(t, "default mic after unplug", after[len(after)/3:], 8000, 1000, 0.3)
}
