package sip

import (
	"strings"
	"testing"
)

func TestSipfragStatus(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"SIP/2.0 200 OK", 200},
		{"SIP/2.0 100 Trying", 100},
		{"SIP/2.0 486 Busy Here", 486},
		{"SIP/2.0 99 Low", 0},
		{"SIP/2.0 700 High", 0},
		{"HTTP/1.1 200 OK", 0},
		{"SIP/2.0", 0},
		{"", 0},
		{"SIP/2.0 abc", 0},
	} {
		if got := sipfragStatus(tc.in); got != tc.want {
			t.Errorf("sipfragStatus(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestReferTarget(t *testing.T) {
	for _, tc := range []struct {
		in, want, replaces, err string
	}{
		{"<sip:carol@127.0.0.1>", "sip:carol@127.0.0.1;transport=tls", "", ""},
		{`"Carol" <sip:carol@example.com;transport=tls>;x=1`, "sip:carol@example.com;transport=tls", "", ""},
		{"sip:carol@example.com", "sip:carol@example.com;transport=tls", "", ""},
		{"carol", "sip:carol@example.org;transport=tls", "", ""},
		{"<sip:carol@example.com?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>", "sip:carol@example.com;transport=tls", "abc@h;to-tag=1;from-tag=2", ""},
		{"<sip:carol@example.com?replaces=abc%3Bfrom-tag%3D2%3Bto-tag%3D1%3Bearly-only>", "sip:carol@example.com;transport=tls", "abc;to-tag=1;from-tag=2;early-only", ""},
		{"<sip:carol@example.com?Replaces=abc>", "", "", "want call-id;to-tag"},
		{"<sip:carol@example.com?Replaces=a%0D%0AX%3A1%3Bto-tag%3D1%3Bfrom-tag%3D2>", "", "", "replaces"},
		{"<sip:carol@example.com?Replaces=%zz>", "", "", "Replaces"},
		{"<sip:carol@example.com?Subject=hi>", "", "", "only Replaces"},
		{"<sip:carol@example.com", "", "", "without '>'"},
		{"<sip:carol@example.com;transport=udp>", "", "", "not TLS"},
		{"<http://evil>", "", "", "refer-to"},
		{"", "", "", "refer-to"},
	} {
		got, replaces, err := referTarget(tc.in, "example.org")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("referTarget(%q) = %q, %q, %v; want error with %q", tc.in, got, replaces, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want || replaces != tc.replaces {
			t.Errorf("referTarget(%q) = %q, %q, %v; want %q, %q", tc.in, got, replaces, err, tc.want, tc.replaces)
		}
	}
}

func FuzzReferTarget(f *testing.F) {
	for _, s := range []string{"<sip:carol@127.0.0.1>", `"C" <sip:c@h;transport=tls>;p`, "carol", "<sip:x@y?Replaces=z>",
		"<sip:x@y?Replaces=a%3Bto-tag%3D1%3Bfrom-tag%3D2>", "<", ";;@<>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, replaces, err := referTarget(s, "example.org")
		if err != nil {
			return
		}
		if strings.ContainsAny(got, "\r\n\x00<>\"") || !strings.Contains(got, "transport=tls") {
			t.Fatalf("referTarget(%q) = %q: unsafe or not TLS", s, got)
		}
		if strings.ContainsAny(replaces, "\r\n\x00") {
			t.Fatalf("referTarget(%q): Replaces %q could inject a header", s, replaces)
		}
	})
}

func FuzzSipfragStatus(f *testing.F) {
	for _, s := range []string{"SIP/2.0 200 OK", "SIP/2.0 100 Trying", "SIP/2.0 99999999999999999999 x", "", "SIP/ -1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c := sipfragStatus(s); c != 0 && (c < 100 || c > 699) {
			t.Fatalf("sipfragStatus(%q) = %d", s, c)
		}
	})
}

func TestWarningHeaderIsSafe(t *testing.T) {
	h := warningHeader(305, "127.0.0.1", "no \"crypto\"\r\nInjected: yes\\")
	v := h.Value()
	if strings.ContainsAny(v, "\r\n") || strings.Count(v, `"`) != 2 || !strings.HasPrefix(v, `305 127.0.0.1 "`) {
		t.Errorf("Warning value %q: want one quoted string, no line breaks", v)
	}
}

func TestResultForStatus(t *testing.T) {
	for code, want := range map[int]CallResult{486: ResultBusy, 600: ResultBusy, 487: ResultCancelled, 408: ResultTimeout,
		403: ResultRejected, 404: ResultRejected, 488: ResultRejected, 603: ResultRejected, 500: ResultFailed, 503: ResultFailed} {
		if got := resultForStatus(code); got != want {
			t.Errorf("resultForStatus(%d) = %s, want %s", code, got, want)
		}
	}
}

func TestEnumsString(t *testing.T) {
	for r := ResultAnswered; r <= ResultCancelled; r++ {
		back, err := ParseCallResult(r.String())
		if err != nil || back != r {
			t.Errorf("ParseCallResult(%q) = %v, %v", r.String(), back, err)
		}
	}
	if _, err := ParseCallResult("maybe"); err == nil {
		t.Error("ParseCallResult(maybe) succeeded")
	}
	for st, want := range map[CallState]string{CallStateCalling: "calling", CallStateRinging: "ringing", CallStateEarlyMedia: "early-media",
		CallStateActive: "active", CallStateHeld: "held", CallStateRemoteHeld: "remote-held", CallStateEnded: "ended", CallStateUnknown: "unknown"} {
		if st.String() != want {
			t.Errorf("%d.String() = %q, want %q", st, st.String(), want)
		}
	}
	if DirectionIncoming.String() != "incoming" || DirectionOutgoing.String() != "outgoing" || EventDTMF.String() != "dtmf" {
		t.Error("direction/event kind names")
	}
}
