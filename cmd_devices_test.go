package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hookphone/hookphone/internal/testlab"
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
