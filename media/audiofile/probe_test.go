package audiofile

import (
	"strings"
	"testing"
)

func TestStreamAccepted(t *testing.T) {
	cases := []struct {
		info Info
		ok   bool
		why  string
	}{
		{Info{Format: FormatMP3}, true, "MP3"},
		{Info{Format: FormatWAV, Encoding: EncodingPCM, BitDepth: 16}, true, "16-bit"},
		{Info{Format: FormatWAV, Encoding: EncodingPCM, BitDepth: 24}, false, "24-bit pcm"},
		{Info{Format: FormatWAV, Encoding: EncodingFloat, BitDepth: 32}, false, "32-bit float"},
		{Info{Format: FormatWAV, Encoding: EncodingPCM, BitDepth: 8}, false, "8-bit"},
		{Info{}, false, "only MP3"},
	}
	for _, c := range cases {
		ok, why := c.info.StreamAccepted()
		if ok != c.ok || !strings.Contains(why, c.why) {
			t.Errorf("%+v: got %v %q, want %v mentioning %q", c.info, ok, why, c.ok, c.why)
		}
	}
}

func TestFormatStrings(t *testing.T) {
	for _, f := range []Format{FormatUnknown, FormatWAV, FormatMP3} {
		if ParseFormat(f.String()) != f {
			t.Errorf("ParseFormat(%q) != %v", f.String(), f)
		}
	}
	info, err := probeBytes(wavSpec{tag: wavTagPCM, channels: 1, rate: 8000, bits: 16, samples: ramp(4000)}.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.String(), "wav pcm 16-bit 8000 Hz mono 0.50 s"; got != want {
		t.Errorf("Info.String() = %q, want %q", got, want)
	}
}
