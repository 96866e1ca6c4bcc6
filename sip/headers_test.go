package sip

import (
	"testing"
	"time"
)

func TestParseContacts(t *testing.T) {
	got := ParseContacts(`"Al, \"ice\"" <sip:alice@1.2.3.4:5061;transport=tls>;expires=60;+sip.instance="<urn:x>", sip:bob@h;expires=30 , <sip:carol@h>`)
	want := []ContactBinding{
		{URI: "sip:alice@1.2.3.4:5061;transport=tls", Expires: 60},
		{URI: "sip:bob@h", Expires: 30},
		{URI: "sip:carol@h", Expires: -1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("contact %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if q := ParseContacts(`<sip:a@h>;received="sip:h;expires=5";expires=60`); len(q) != 1 || q[0].Expires != 60 {
		t.Errorf("quoted parameter: %+v", q)
	}
	if len(ParseContacts("*")) != 0 || len(ParseContacts("<sip:unclosed")) != 0 {
		t.Error("wildcard or broken contact parsed")
	}
	if !sameContact("sip:alice@127.0.0.1:5000;transport=tls", "sip:alice@127.0.0.1:5000;transport=TLS;alias=x") ||
		sameContact("sip:alice@127.0.0.1:5000", "sip:alice@127.0.0.1:5001") {
		t.Error("sameContact")
	}
}

func TestParseRetryAfterAndDeltaSeconds(t *testing.T) {
	for in, want := range map[string]time.Duration{"120": 2 * time.Minute, " 18000;duration=3600": 5 * time.Hour, "5 (lunch)": 5 * time.Second} {
		if d, ok := ParseRetryAfter(in); !ok || d != want {
			t.Errorf("%q → %s %v", in, d, ok)
		}
	}
	for _, in := range []string{"", "-1", "abc", "1.5"} {
		if _, ok := ParseRetryAfter(in); ok {
			t.Errorf("%q accepted", in)
		}
	}
	if n, ok := ParseDeltaSeconds("99999999999"); !ok || n != 1<<32-1 {
		t.Errorf("huge expires → %d %v, want capped", n, ok)
	}
}

func TestRefreshIn(t *testing.T) {
	for granted, want := range map[time.Duration]time.Duration{
		600 * time.Second: 480 * time.Second,
		12 * time.Second:  9600 * time.Millisecond,
		5 * time.Second:   3 * time.Second,
		2 * time.Second:   1600 * time.Millisecond,
	} {
		if got := refreshIn(granted); got != want {
			t.Errorf("refreshIn(%s) = %s, want %s", granted, got, want)
		}
	}
}
