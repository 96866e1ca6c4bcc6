package media

import (
	"bytes"
	"net/netip"
	"testing"
)

// The fuzz targets cover every parser that reads the network: SDP (with the
// negotiation on top), a=crypto, RTP, RTCP and telephone-event payloads.
// Seeds live in testdata/fuzz/<FuzzName>/ and run with every `go test`.

func fuzzLocal() *localParams {
	return &localParams{policy: PolicyMandatory, suites: DefaultSuites(), codecs: DefaultCodecs(),
		ptime: DefaultPTime, dtmfPT: DefaultDTMFPayload, addr: netip.MustParseAddr("127.0.0.1"), port: 40000,
		dir: DirectionSendRecv, origin: 1}
}

func FuzzAnswerOffer(f *testing.F) {
	f.Fuzz(func(t *testing.T, offer []byte) {
		for _, pol := range []Policy{PolicyMandatory, PolicyOptional, PolicyOff} {
			lp := fuzzLocal()
			lp.policy = pol
			ans, neg, kp, err := answerOffer(lp, offer)
			if err != nil {
				if _, ok := asNegotiationError(err); !ok {
					t.Fatalf("error is not a NegotiationError: %v", err)
				}
				continue
			}
			if pol == PolicyMandatory && (!neg.Secure || kp == nil) {
				t.Fatalf("mandatory policy answered without SRTP")
			}
			// Our own answer must be acceptable SDP that reads back the same.
			sd, err := unmarshalSDP(ans)
			if err != nil {
				t.Fatalf("our answer does not parse: %v\n%s", err, ans)
			}
			rm, err := readRemote(sd)
			if err != nil {
				t.Fatalf("our answer is unreadable: %v\n%s", err, ans)
			}
			if neg.Secure && len(rm.cryptos) != 1 {
				t.Fatalf("secure answer with %d crypto lines", len(rm.cryptos))
			}
			if rm.codecOf(neg.PayloadType) != neg.Codec {
				t.Fatalf("answer's codec does not match the negotiation")
			}
		}
	})
}

func FuzzParseCrypto(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCrypto(line)
		if err != nil {
			return
		}
		back, err := ParseCrypto(c.sdpValue())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", c.sdpValue(), err)
		}
		if back.Tag != c.Tag || back.Suite != c.Suite || !bytes.Equal(back.Key, c.Key) || !bytes.Equal(back.Salt, c.Salt) ||
			back.Lifetime != c.Lifetime || !bytes.Equal(back.MKI, c.MKI) || back.WindowSizeHint != c.WindowSizeHint {
			t.Fatalf("round trip changed %v", c)
		}
		if bytes.Contains([]byte(c.String()), []byte("inline:")) && !bytes.Contains([]byte(c.String()), []byte("<redacted>")) {
			t.Fatal("String leaks the key")
		}
	})
}

// fuzzSessions returns a plain and an SRTP session, negotiated, not started.
func fuzzSessions(f *testing.F) []*Session {
	var out []*Session
	for _, pol := range []Policy{PolicyOff, PolicyMandatory} {
		a := newSessionTB(f, Config{Policy: pol, NoMediaTimeout: -1})
		b := newSessionTB(f, Config{Policy: pol, NoMediaTimeout: -1})
		offer, _ := a.Offer()
		answer, _, err := b.Answer(offer)
		if err != nil {
			f.Fatal(err)
		}
		if _, err := a.AcceptAnswer(answer); err != nil {
			f.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func FuzzRTPPacket(f *testing.F) {
	ss := fuzzSessions(f)
	from := netip.MustParseAddrPort("127.0.0.1:9")
	dec := make([]byte, maxPacket)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		for _, s := range ss {
			s.handleRTP(pkt, dec, from)
			s.rx.mu.Lock()
			if jb := s.rx.jb; jb != nil {
				jb.Pop(make([]int16, 160))
			}
			s.rx.mu.Unlock()
		}
	})
}

func FuzzRTCPPacket(f *testing.F) {
	ss := fuzzSessions(f)
	from := netip.MustParseAddrPort("127.0.0.1:9")
	dec := make([]byte, maxPacket)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		for _, s := range ss {
			s.handleRTCP(pkt, dec, from)
			_ = s.Stats()
		}
	})
}

func FuzzTelephoneEvent(f *testing.F) {
	f.Fuzz(func(t *testing.T, payload []byte, ts uint32) {
		ev, err := parseTelephoneEvent(payload)
		if err != nil {
			if len(payload) >= 4 {
				t.Fatalf("4+ bytes refused: %v", err)
			}
			return
		}
		if got := ev.marshal(nil); got[0] != payload[0] || got[2] != payload[2] || got[3] != payload[3] || got[1] != payload[1]&0xbf {
			t.Fatalf("marshal % x from % x", got, payload[:4])
		}
		var r dtmfReceiver
		for i := range 5 {
			for _, d := range r.push(ts+uint32(i/3)*800, 101, ev) {
				if d.Digit == "" {
					t.Fatal("empty digit")
				}
			}
		}
	})
}
