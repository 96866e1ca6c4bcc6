package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/hookphone/hookphone/sip"
)

// The lock is green only for TLS signalling AND SRTP media; every other
// combination is red and says what is missing.
func TestLockBadgeLogic(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sec    sip.Security
		secure bool
		text   string
	}{
		{"TLS and SRTP", sip.Security{Transport: "TLS", TLSVersion: "TLS 1.3", SRTP: true, SRTPSuite: "AES_CM_128_HMAC_SHA1_80"}, true, "Encrypted · TLS 1.3 · SRTP AES_CM_128_HMAC_SHA1_80"},
		{"TLS, plain RTP", sip.Security{Transport: "TLS", TLSVersion: "TLS 1.2"}, false, "NOT SECURE: media is plain RTP (no SRTP); signalling TLS 1.2"},
		{"UDP, SRTP", sip.Security{Transport: "UDP", SRTP: true, SRTPSuite: "AEAD_AES_128_GCM"}, false, "NOT SECURE: signalling over UDP (not TLS); media SRTP AEAD_AES_128_GCM"},
		{"TCP, plain RTP", sip.Security{Transport: "TCP"}, false, "NOT SECURE: signalling over TCP and media is plain RTP"},
		{"nothing yet", sip.Security{}, false, "Not secure yet: no TLS flow and no SRTP negotiated"},
		{"TLS without a version", sip.Security{Transport: "TLS", SRTP: true, SRTPSuite: "AES_CM_128_HMAC_SHA1_80"}, false, "NOT SECURE: signalling over TLS (not TLS); media SRTP AES_CM_128_HMAC_SHA1_80"},
		{"SRTP flag without suite", sip.Security{Transport: "TLS", TLSVersion: "TLS 1.3", SRTP: true}, false, "NOT SECURE: media is plain RTP (no SRTP); signalling TLS 1.3"},
	} {
		got := lockFor(tc.sec)
		if got.Secure != tc.secure || got.Text != tc.text {
			t.Errorf("%s: %+v, want secure=%v %q", tc.name, got, tc.secure, tc.text)
		}
	}
}

func TestLockForCallBeforeTheAnswer(t *testing.T) {
	ringing := sip.CallInfo{State: sip.CallStateRinging, Security: sip.Security{Transport: "TLS", TLSVersion: "TLS 1.3"}}
	if l := lockForCall(ringing); l.Secure || l.Text != "Not secure yet: media not negotiated (signalling TLS 1.3)" {
		t.Errorf("ringing: %+v", l)
	}
	active := ringing
	active.State = sip.CallStateActive
	if l := lockForCall(active); l.Secure || l.Text != "NOT SECURE: media is plain RTP (no SRTP); signalling TLS 1.3" {
		t.Errorf("answered without SRTP: %+v", l)
	}
	active.Security.SRTP, active.Security.SRTPSuite = true, "AES_CM_128_HMAC_SHA1_80"
	if l := lockForCall(active); !l.Secure {
		t.Errorf("answered with SRTP: %+v", l)
	}
}

func TestLockBadgeRendersGreenAndRed(t *testing.T) {
	_, w := newViewEnv(t, nil)
	green, red := newLockBadge(nil), newLockBadge(nil)
	green.set(lockFor(sip.Security{Transport: "TLS", TLSVersion: "TLS 1.3", SRTP: true, SRTPSuite: "AES_CM_128_HMAC_SHA1_80"}))
	red.set(lockFor(sip.Security{Transport: "TLS", TLSVersion: "TLS 1.3"}))
	w.SetContent(container.NewVBox(green, red))
	w.Resize(fyne.NewSize(560, 110))
	test.AssertImageMatches(t, "security/badges.png", w.Canvas().Capture())
	if green.bg.FillColor != lockGreen || red.bg.FillColor != lockRed {
		t.Errorf("colours: green %v red %v", green.bg.FillColor, red.bg.FillColor)
	}
}

func TestSecurityReport(t *testing.T) {
	c := newFakeCall(sip.DirectionOutgoing, "sip:echo@127.0.0.1")
	secureEstablished(c)
	c.update(func(i *sip.CallInfo) {
		i.Stats.SRTPAuthFailures, i.Stats.Replays, i.Stats.SRTCPAuthFailures, i.Stats.SRTCPPlaintext = 3, 1, 2, 1
	})
	rows := securityLines(securityReport{Info: c.Info(), TLS: c.TLS()})
	got := map[string]string{}
	for _, r := range rows {
		got[r[0]] = r[1]
	}
	for k, want := range map[string]string{
		"Verdict":                  "Secure: signalling TLS and media SRTP",
		"Signalling":               "TLS 1.3 (SIP over TLS)",
		"TLS cipher":               "TLS_AES_128_GCM_SHA256",
		"Certificate SHA-256":      "AB:CD:EF:01",
		"SDES keys over TLS":       "yes: the a=crypto keys were only sent inside the TLS flow",
		"SRTP suite":               "AES_CM_128_HMAC_SHA1_80",
		"SRTP auth failures":       "3",
		"SRTP replays rejected":    "1",
		"SRTCP auth failures":      "2",
		"Unprotected RTCP dropped": "1",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if !strings.Contains(got["Chain [0]"], "CN=Hookphone echo") {
		t.Errorf("chain row = %q", got["Chain [0]"])
	}
	_, w := newViewEnv(t, nil)
	w.SetContent(securityReportContent(securityReport{Info: c.Info(), TLS: c.TLS()}))
	w.Resize(fyne.NewSize(720, 520))
	test.AssertImageMatches(t, "security/report.png", w.Canvas().Capture())

	plain := sip.CallInfo{Security: sip.Security{Transport: "TLS", TLSVersion: "TLS 1.2"}}
	for _, r := range securityLines(securityReport{Info: plain}) {
		if r[0] == "SDES keys over TLS" && r[1] != "no keys exchanged (media is not SRTP)" {
			t.Errorf("plain RTP: %q", r[1])
		}
		if r[0] == "SRTP suite" && r[1] != "none (plain RTP)" {
			t.Errorf("plain RTP suite: %q", r[1])
		}
	}
}
