package media

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

func testKey(s Suite) CryptoAttr {
	kl, sl := s.keyLens()
	k := make([]byte, kl+sl)
	for i := range k {
		k[i] = byte(i*7 + 3)
	}
	return CryptoAttr{Tag: 1, Suite: s, Key: k[:kl], Salt: k[kl:]}
}

func rtpPacket(t testing.TB, seq uint16) []byte {
	t.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 0x1234},
		Payload: bytes.Repeat([]byte{0xd5}, 160)}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A replayed SRTP or SRTCP packet and a tampered one are rejected and
// counted separately, for every suite (RFC 3711 §3.3.2).
func TestSRTPReplayAndTamper(t *testing.T) {
	for _, s := range DefaultSuites() {
		t.Run(s.String(), func(t *testing.T) {
			tx, err := newCipher(testKey(s), false)
			if err != nil {
				t.Fatal(err)
			}
			rx, err := newCipher(testKey(s), true)
			if err != nil {
				t.Fatal(err)
			}
			rxc, _ := newCipher(testKey(s), true)
			var cnt cryptoCounters
			p1, _ := tx.encryptRTP(nil, rtpPacket(t, 100))
			p2, _ := tx.encryptRTP(nil, rtpPacket(t, 101))
			if bytes.Contains(p1, bytes.Repeat([]byte{0xd5}, 16)) {
				t.Fatal("payload not encrypted")
			}
			if _, err := rx.decryptRTP(nil, p1, nil, &cnt); err != nil {
				t.Fatalf("first packet: %v", err)
			}
			if _, err := rx.decryptRTP(nil, p1, nil, &cnt); !errors.Is(err, errReplayed) {
				t.Fatalf("replay accepted or misclassified: %v", err)
			}
			bad := append([]byte(nil), p2...)
			bad[len(bad)-1] ^= 0x01
			if _, err := rx.decryptRTP(nil, bad, nil, &cnt); !errors.Is(err, errAuthFailed) {
				t.Fatalf("tampered packet: %v", err)
			}
			bad = append([]byte(nil), p2...)
			bad[20] ^= 0x80 // payload bit
			if _, err := rx.decryptRTP(nil, bad, nil, &cnt); !errors.Is(err, errAuthFailed) {
				t.Fatalf("tampered payload: %v", err)
			}
			// The genuine packet is still accepted after the forgeries.
			if _, err := rx.decryptRTP(nil, p2, nil, &cnt); err != nil {
				t.Fatalf("genuine packet after tamper: %v", err)
			}
			// SRTCP has its own replay list.
			rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0x1234}})
			c1, err := tx.encryptRTCP(nil, rr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rxc.decryptRTCP(nil, c1, &cnt); err != nil {
				t.Fatalf("srtcp: %v", err)
			}
			if _, err := rxc.decryptRTCP(nil, c1, &cnt); !errors.Is(err, errReplayed) {
				t.Fatalf("srtcp replay: %v", err)
			}
			if got := cnt.replays.Load(); got != 2 {
				t.Errorf("replays = %d, want 2", got)
			}
			if got := cnt.authFailures.Load(); got != 2 {
				t.Errorf("auth failures = %d, want 2", got)
			}
		})
	}
}

// The same through a running session: forged and replayed packets sent to
// its port show up in Stats and are not played.
func TestSessionCountsReplaysAndForgeries(t *testing.T) {
	cfg := Config{Suites: []Suite{SuiteAESCM128HMACSHA1_80}}
	a, b := newSession(t, cfg), newSession(t, cfg)
	negotiate(t, a, b) // b is never started: we send with b's keys by hand
	if err := a.Start(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	to := net.UDPAddrFromAddrPort(a.LocalAddr())
	tx := b.tx.Load()
	p1, _ := tx.encryptRTP(nil, rtpPacket(t, 7))
	p2, _ := tx.encryptRTP(nil, rtpPacket(t, 8))
	forged := append([]byte(nil), p2...) // a fresh index, so it is judged by its tag
	forged[len(forged)-3] ^= 0xff
	for _, pkt := range [][]byte{p1, p1, p1, forged} {
		if _, err := conn.WriteToUDP(pkt, to); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "counters", func() bool {
		st := a.Stats()
		return st.Received == 1 && st.Replays == 2 && st.SRTPAuthFailures == 1
	}, func() any { return a.Stats() })
}

// waitFor polls cond; the deadline only bounds a hung test, it asserts
// nothing about speed.
func waitFor(t *testing.T, what string, cond func() bool, state func() any) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s; state %+v", what, state())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
