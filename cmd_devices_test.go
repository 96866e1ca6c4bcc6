package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
	"github.com/hookphone/hookphone/media/audiofile"
	"github.com/hookphone/hookphone/sip"
)

// `hookphone devices --json` lists the virtual devices of a real PulseAudio,
// without the ALSA/JACK probing noise on stderr, and --loopback moves the
// virtual microphone's tone to the speaker.
func TestDevicesCommand(t *testing.T) {
	p := testlab.StartPulse(t)
	p.Setenv(t)
	var out, errb bytes.Buffer
	cio := cliIO{stdout: &out, stderr: &errb, getenv: os.Getenv}
	if code := run(context.Background(), cio, []string{"devices", "--json"}); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res struct {
		Devices []struct {
			Name              string `json:"name"`
			MaxInputChannels  int    `json:"max_input_channels"`
			MaxOutputChannels int    `json:"max_output_channels"`
		} `json:"devices"`
		DefaultInput  string `json:"default_input"`
		DefaultOutput string `json:"default_output"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("result line %q: %v", lines[len(lines)-1], err)
	}
	if len(res.Devices) == 0 || res.DefaultInput == "" || res.DefaultOutput == "" {
		t.Fatalf("result %+v: want devices and defaults", res)
	}
	if strings.Contains(errb.String(), "ALSA lib") || strings.Contains(errb.String(), "jack") {
		t.Errorf("backend noise on stderr:\n%s", errb.String())
	}

	spk := p.Record(testlab.PulseSpeaker + ".monitor")
	stop := p.FeedMic(context.Background(), testlab.SineGenerator(1000, 0.5))
	out.Reset()
	errb.Reset()
	code := run(context.Background(), cio, []string{"devices", "--json", "--loopback", "2s", "--device", "default"})
	stop()
	rec := spk.Stop()
	if code != exitOK {
		t.Fatalf("loopback exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `"mode":"loopback"`) || !strings.Contains(out.String(), `"event":"opened"`) {
		t.Errorf("loopback output:\n%s", out.String())
	}
	if len(rec) < testlab.PulseRate {
		t.Fatalf("speaker recorded %d samples", len(rec))
	}
	tail := rec[len(rec)-testlab.PulseRate/2-testlab.PulseRate/4 : len(rec)-testlab.PulseRate/4]
	if tone, total := testlab.ToneLevel(tail, testlab.PulseRate, 1000); tone < 0.25 || tone < 0.8*total {
		t.Errorf("speaker heard 1 kHz at RMS %.3f of %.3f during loopback", tone, total)
	}
}

func TestDevicesUsage(t *testing.T) {
	var out, errb bytes.Buffer
	cio := cliIO{stdout: &out, stderr: &errb, getenv: os.Getenv}
	for _, args := range [][]string{{"devices", "--echo-test", "1s", "--loopback", "1s"}, {"devices", "--loopback", "-1s"}, {"devices", "extra"}} {
		if code := run(context.Background(), cio, args); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// End to end through a call: a 1 kHz tone fed into the virtual microphone
// goes through PortAudio (hookphone call --device default), SRTP over TLS to
// the local echo service and back, and comes out of the virtual speaker at
// 1 kHz.
func TestCallDeviceThroughEchoService(t *testing.T) {
	p := testlab.StartPulse(t)
	p.Setenv(t)
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	echo, err := sip.StartEchoServer(ctx, sip.EchoConfig{Listen: "127.0.0.1:0", Dir: filepath.Join(dir, "echo")})
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()

	spk := p.Record(testlab.PulseSpeaker + ".monitor")
	stop := p.FeedMic(ctx, speakingTone())
	var out, errb bytes.Buffer
	cio := cliIO{stdout: &out, stderr: &errb, getenv: os.Getenv}
	code := run(ctx, cio, []string{"call", "--server", echo.ServerURI(), "--ca", echo.CAFile(), "--no-register",
		"--user", "tester", "--to", "echo", "--device", "default", "--duration", "4s", "--json"})
	stop()
	rec := spk.Stop()
	if code != exitOK {
		t.Fatalf("call exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res struct {
		Result string `json:"result"`
		SRTP   string `json:"srtp_suite"`
		Codec  string `json:"codec"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || res.Result != "answered" || res.SRTP == "" {
		t.Fatalf("call result %q (%v)", lines[len(lines)-1], err)
	}
	// Echo cancellation and noise suppression are on, so the level is not
	// asserted tightly.
	assertHeard(t, "echo on the speaker", rec, testlab.PulseRate, 1000, errb.String())
}

// speakingTone is the "person speaking" of the end-to-end tests: a 1 kHz
// tone in 400 ms bursts with 200 ms pauses. A tone that never stops is what
// a noise suppressor is built to remove; with pauses, like speech, it passes.
func speakingTone() testlab.Generator {
	sine := testlab.SineGenerator(1000, 0.5)
	n := 0
	return func(buf []int16) {
		sine(buf)
		for i := range buf {
			if (n+i)%(testlab.PulseRate*6/10) >= testlab.PulseRate*4/10 {
				buf[i] = 0
			}
		}
		n += len(buf)
	}
}

// assertHeard judges the 50 ms windows of rec where something played
// (above −50 dBFS): at least 1 s of them, the median dominated by freq. The
// call's default processing is on, and its noise suppressor learns a steady
// tone as noise within a second or two and pulls it down by about 25 dB
// (with AGC), so quiet windows count too.
func assertHeard(t *testing.T, what string, rec []int16, rate int, freq float64, log string) {
	t.Helper()
	var ratios []float64
	var loud float64
	win := rate / 20
	for i := 0; i+win <= len(rec); i += win {
		tone, total := testlab.ToneLevel(rec[i:i+win], float64(rate), freq)
		if total > 0.003 {
			ratios = append(ratios, tone/total)
			loud = max(loud, tone)
		}
	}
	if len(ratios) < 20 {
		t.Fatalf("%s: sound in only %d windows of 50 ms (want ≥ 1 s)\nlog:\n%s", what, len(ratios), log)
	}
	slices.Sort(ratios)
	t.Logf("%s: %d loud windows, median %g Hz share %.2f, loudest %g Hz RMS %.3f", what, len(ratios), freq, ratios[len(ratios)/2], freq, loud)
	if ratios[len(ratios)/2] < 0.7 || loud < 0.05 {
		t.Errorf("%s: median %g Hz share %.2f (want ≥ 0.7: a wrong frequency scores ≈0), loudest RMS %.3f (want ≥ 0.05)", what, freq, ratios[len(ratios)/2], loud)
	}
}

// End to end with baresip through Kamailio (TLS, SRTP): the 1 kHz tone in
// the virtual microphone reaches baresip, and baresip's 600 Hz tone comes out
// of the virtual speaker, through hookphone call --device.
func TestCallDeviceWithBaresip(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA1", "bob": "secretB1"}})
	bob := testlab.StartBaresip(t, testlab.BaresipConfig{Name: "bob", User: "bob", Password: "secretB1",
		Domain: k.Domain(), Registrar: k.TLSAddr(), CAFile: k.CAFile, ToneHz: 600})
	p := testlab.StartPulse(t)
	p.Setenv(t)
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HOOKPHONE_TEST_ALICE_PW", "secretA1")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	spk := p.Record(testlab.PulseSpeaker + ".monitor")
	stop := p.FeedMic(ctx, speakingTone())
	var out, errb bytes.Buffer
	cio := cliIO{stdout: &out, stderr: &errb, getenv: os.Getenv}
	code := run(ctx, cio, []string{"call", "--server", k.ServerURI(), "--ca", k.CAFile, "--user", "alice",
		"--password-env", "HOOKPHONE_TEST_ALICE_PW", "--to", "bob", "--device", "default", "--duration", "4s", "--json"})
	stop()
	rec := spk.Stop()
	if code != exitOK {
		t.Fatalf("call exit %d\nstdout:\n%s\nstderr:\n%s\nbaresip:\n%s", code, out.String(), errb.String(), bob.Log())
	}
	assertHeard(t, "baresip's tone on the speaker", rec, testlab.PulseRate, 600, errb.String())
	if _, err := bob.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
		t.Fatalf("baresip did not see the call end: %v", err)
	}
	_, heard, err := bob.Recordings()
	if err != nil {
		t.Fatal(err)
	}
	r, err := audiofile.Open(heard)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rate := r.Info().SampleRate
	got := make([]int16, 10*rate)
	n, _ := r.ReadInt16(got)
	t.Logf("baresip recording %s: %d samples at %d Hz", heard, n, rate)
	assertHeard(t, "the virtual mic's tone at baresip", got[:n], rate, 1000, bob.Log())
}
