package ui

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/sip"
)

// traceFixture is a REGISTER with a digest response and an INVITE with an
// SDES key, as a fake TraceService.
type fakeTrace struct{ t *sip.Trace }

func (f fakeTrace) Groups() []sip.TraceGroup                   { return f.t.Groups() }
func (f fakeTrace) Messages(id string) []sip.TraceMessage      { return f.t.Messages(id) }
func (f fakeTrace) Subscribe(fn func(sip.TraceMessage)) func() { return func() {} }

func traceFixture() fakeTrace {
	tr := sip.NewTrace(0)
	reg := "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK1\r\nCall-ID: reg-1\r\nCSeq: 2 REGISTER\r\n" +
		"Authorization: Digest username=\"me\", realm=\"x\", nonce=\"n\", uri=\"sip:127.0.0.1\", response=\"0123456789abcdef0123456789abcdef\"\r\nContent-Length: 0\r\n\r\n"
	ok := "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK1\r\nCall-ID: reg-1\r\nCSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n"
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"
	inv := "INVITE sip:echo@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:40000;branch=z9hG4bK2\r\nCall-ID: call-1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: " +
		itoa(len(sdp)) + "\r\n\r\n" + sdp
	at := t0
	for _, m := range []struct {
		dir sip.Direction
		raw string
	}{{sip.DirSent, reg}, {sip.DirReceived, ok}, {sip.DirSent, inv}} {
		tr.Add(sip.NewTraceMessage(at, m.dir, "TLS", "127.0.0.1:40000", "127.0.0.1:5061", []byte(m.raw)))
		at = at.Add(20 * time.Millisecond)
	}
	return fakeTrace{tr}
}

func TestTracePaneFilterAndReveal(t *testing.T) {
	env, w := newViewEnv(t, &Services{Trace: traceFixture()})
	a := newTraceArea(env)
	w.SetContent(a.Content())
	if len(a.groups) != 2 || len(a.shown) != 3 || a.empty.Visible() {
		t.Fatalf("groups %d shown %d empty %v", len(a.groups), len(a.shown), a.empty.Visible())
	}
	a.glist.Select(2) // the call
	if len(a.shown) != 1 {
		t.Fatalf("call group shows %d messages", len(a.shown))
	}
	a.mlist.Select(0)
	if strings.Contains(a.text.Text, "WVNfX19zZW1jdGwg") {
		t.Fatal("SDES key shown without reveal")
	}
	a.reveal.SetChecked(true)
	if !strings.Contains(a.text.Text, "WVNfX19zZW1jdGwg") {
		t.Fatal("reveal did not show the key")
	}
	a.reveal.SetChecked(false)
	a.glist.Select(0)
	a.filter.SetText("200 ok")
	if len(a.shown) != 1 || a.shown[0].Dir != sip.DirReceived {
		t.Errorf("filter 200 ok: %d", len(a.shown))
	}
	a.filter.SetText("")
	var txt bytes.Buffer
	if err := a.writeText(&txt); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(txt.String(), "0123456789abcdef0123456789abcdef") || !strings.Contains(txt.String(), "REGISTER") {
		t.Errorf("text export leaks the digest or lacks messages:\n%s", txt.String())
	}
}

// The pcap holds one IPv4/UDP packet per message with the flow's addresses
// and the SIP text in clear; the digest stays redacted.
func TestTracePCAP(t *testing.T) {
	msgs := traceFixture().Messages("")
	var b bytes.Buffer
	if err := writeTracePCAP(&b, msgs, false); err != nil {
		t.Fatal(err)
	}
	p := b.Bytes()
	if binary.LittleEndian.Uint32(p[0:]) != 0xa1b2c3d4 || binary.LittleEndian.Uint32(p[20:]) != 101 {
		t.Fatalf("bad global header % x", p[:24])
	}
	off, n := 24, 0
	for off < len(p) {
		incl := int(binary.LittleEndian.Uint32(p[off+8:]))
		pkt := p[off+16 : off+16+incl]
		if pkt[0] != 0x45 || pkt[9] != 17 {
			t.Fatalf("packet %d: not IPv4/UDP", n)
		}
		if checksum(pkt[:20], 0) != 0 {
			t.Errorf("packet %d: bad IP header checksum", n)
		}
		src := binary.BigEndian.Uint16(pkt[20:])
		dst := binary.BigEndian.Uint16(pkt[22:])
		wantSrc, wantDst := uint16(40000), uint16(5061)
		if msgs[n].Dir == sip.DirReceived {
			wantSrc, wantDst = wantDst, wantSrc
		}
		if src != wantSrc || dst != wantDst {
			t.Errorf("packet %d ports %d→%d, want %d→%d", n, src, dst, wantSrc, wantDst)
		}
		body := string(pkt[28:])
		if !strings.HasPrefix(body, msgs[n].Summary) {
			t.Errorf("packet %d payload starts %q", n, body[:min(40, len(body))])
		}
		if strings.Contains(body, "0123456789abcdef0123456789abcdef") {
			t.Errorf("packet %d leaks the digest response", n)
		}
		off += 16 + incl
		n++
	}
	if n != len(msgs) {
		t.Errorf("%d packets, want %d", n, len(msgs))
	}
}
