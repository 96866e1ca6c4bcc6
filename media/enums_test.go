package media

import (
	"errors"
	"testing"
)

func TestEnumsRoundTrip(t *testing.T) {
	for _, p := range []Policy{PolicyMandatory, PolicyOptional, PolicyOff} {
		if got, err := ParsePolicy(p.String()); err != nil || got != p {
			t.Errorf("policy %v: %v %v", p, got, err)
		}
	}
	if _, err := ParsePolicy("sometimes"); err == nil {
		t.Error("bad policy accepted")
	}
	for _, s := range DefaultSuites() {
		if got, err := ParseSuite(s.String()); err != nil || got != s {
			t.Errorf("suite %v: %v %v", s, got, err)
		}
	}
	if _, err := ParseSuite("AES_256_CM_HMAC_SHA1_80"); !errors.Is(err, ErrUnknownSuite) {
		t.Errorf("unsupported suite: %v", err)
	}
	if ss, err := ParseSuites("AEAD_AES_256_GCM, AES_CM_128_HMAC_SHA1_80"); err != nil || len(ss) != 2 || ss[0] != SuiteAEADAES256GCM {
		t.Errorf("suite list: %v %v", ss, err)
	}
	if _, err := ParseSuites(" , "); err == nil {
		t.Error("empty suite list accepted")
	}
	for _, c := range DefaultCodecs() {
		if got, err := ParseCodec(c.String()); err != nil || got != c {
			t.Errorf("codec %v: %v %v", c, got, err)
		}
	}
	if cs, err := ParseCodecs("pcma,PCMU"); err != nil || len(cs) != 2 || cs[0] != CodecPCMA {
		t.Errorf("codec list: %v %v", cs, err)
	}
	if _, err := ParseCodecs("opus"); err == nil {
		t.Error("opus accepted")
	}
	for _, tt := range []struct {
		d          Direction
		send, recv bool
		rev        Direction
	}{
		{DirectionSendRecv, true, true, DirectionSendRecv},
		{DirectionSendOnly, true, false, DirectionRecvOnly},
		{DirectionRecvOnly, false, true, DirectionSendOnly},
		{DirectionInactive, false, false, DirectionInactive},
	} {
		if got, err := ParseDirection(tt.d.String()); err != nil || got != tt.d {
			t.Errorf("direction %v: %v %v", tt.d, got, err)
		}
		if tt.d.Sends() != tt.send || tt.d.Receives() != tt.recv || tt.d.Reverse() != tt.rev {
			t.Errorf("direction %v: sends %v receives %v reverse %v", tt.d, tt.d.Sends(), tt.d.Receives(), tt.d.Reverse())
		}
	}
	for k, want := range map[EventKind]string{EventDTMF: "dtmf", EventNoMedia: "no-media", EventLatched: "latched", EventMediaResumed: "media-resumed"} {
		if k.String() != want {
			t.Errorf("event kind %d = %q", k, k.String())
		}
	}
}
