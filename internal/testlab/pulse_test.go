package testlab

import (
	"context"
	"testing"
	"time"
)

// The virtual microphone hears what is fed into it, and the speaker's monitor
// hears what is played to the speaker: the two paths audio tests rely on.
func TestPulseMicAndSpeakerPaths(t *testing.T) {
	p := StartPulse(t)
	ctx := context.Background()

	mic := p.Record(PulseMic)
	spk := p.Record(PulseSpeaker + ".monitor")
	stopMic := p.FeedMic(ctx, SineGenerator(1000, 0.5))
	stopSpk := p.Play(ctx, PulseSpeaker, SineGenerator(440, 0.5))
	time.Sleep(1500 * time.Millisecond)
	stopMic()
	stopSpk()
	for _, c := range []struct {
		name string
		rec  *Recording
		want float64
	}{{"mic", mic, 1000}, {"speaker monitor", spk, 440}} {
		s := c.rec.Stop()
		if len(s) < PulseRate/2 {
			t.Fatalf("%s: recorded only %d samples in 1.5 s; server log:\n%s", c.name, len(s), p.Log())
		}
		tone, total := ToneLevel(s[len(s)/4:len(s)*3/4], PulseRate, c.want)
		if tone < 0.3 || tone < 0.9*total {
			t.Errorf("%s: %v Hz at RMS %.3f of total %.3f, want ≈0.354 dominating", c.name, c.want, tone, total)
		}
	}
}

func TestToneLevel(t *testing.T) {
	buf := make([]int16, 4800)
	SineGenerator(1000, 0.5)(buf)
	tone, total := ToneLevel(buf, PulseRate, 1000)
	if tone < 0.35 || tone > 0.36 || total < 0.35 || total > 0.36 {
		t.Fatalf("tone %.4f total %.4f, want both ≈0.3536", tone, total)
	}
	if off, _ := ToneLevel(buf, PulseRate, 1500); off > 0.01 {
		t.Fatalf("1500 Hz level in a 1 kHz tone = %.4f", off)
	}
}
