package media

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
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
			if _, _, err := rxc.decryptRTCP(nil, c1, &cnt); err != nil {
				t.Fatalf("srtcp: %v", err)
			}
			if _, _, err := rxc.decryptRTCP(nil, c1, &cnt); !errors.Is(err, errReplayed) {
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
	txRTCP := tx
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0x1234}})
	srtcp, _ := txRTCP.encryptRTCP(nil, rr)
	srtcp[len(srtcp)-1] ^= 1
	for _, pkt := range [][]byte{p1, p1, p1, forged, librePing, srtcp} {
		if _, err := conn.WriteToUDP(pkt, to); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "counters", func() bool {
		st := a.Stats()
		return st.Received == 1 && st.Replays == 2 && st.SRTPAuthFailures == 1 &&
			st.SRTCPPlaintext == 1 && st.SRTCPAuthFailures == 1 && st.RTCPReceived == 0
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

// A peer's MKI (RFC 4568 |MKI:len) is honoured: packets carrying it decrypt.
func TestSRTPWithMKI(t *testing.T) {
	k := testKey(SuiteAESCM128HMACSHA1_80)
	k.MKI = []byte{0, 7}
	tx, err := newCipher(k, false)
	if err != nil {
		t.Fatal(err)
	}
	rx, err := newCipher(k, true)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tx.encryptRTP(nil, rtpPacket(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(p[len(p)-12:], []byte{0, 7}) {
		t.Errorf("MKI not on the wire: % x", p[len(p)-12:])
	}
	var cnt cryptoCounters
	if _, err := rx.decryptRTP(nil, p, nil, &cnt); err != nil {
		t.Fatalf("decrypt with MKI: %v", err)
	}
}

// Key material never reaches a log line or a printed CryptoAttr.
func TestKeysNeverPrinted(t *testing.T) {
	c, err := ParseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("x", "crypto", c, "plain", fmt.Sprint(c), "v", fmt.Sprintf("%+v", c))
	if strings.Contains(buf.String(), "PS1uQCVe") || strings.Contains(buf.String(), "inline:P") {
		t.Fatalf("key leaked: %s", buf.String())
	}
	// Nor does any parse error about a malformed line.
	const key = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
	for _, bad := range []string{
		"1 AES_CM_128_HMAC_SHA1_80 " + key,
		"1 " + key,
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "|2^20|1:4|9",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "|1:4|1:4",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "|1:4|2^20",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + key[:20],
		"1 AES_CM_128_HMAC_SHA1_80 foo:" + key,
	} {
		_, err := ParseCrypto(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), key[:12]) {
			t.Errorf("error quotes the key: %v", err)
		}
	}
	// The SDP form still carries it, byte for byte (RFC 4568 example key).
	if !strings.Contains(c.sdpValue(), "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4") {
		t.Errorf("sdp value %q", c.sdpValue())
	}
}

// RFC 3711 Appendix B.3 key derivation test vectors.
func TestDeriveSessionKeyRFC3711(t *testing.T) {
	mk, _ := hex.DecodeString("E1F97A0D3E018BE0D64FA32C06DE4139")
	ms, _ := hex.DecodeString("0EC675AD498AFEEBB6960B3AABE6")
	for _, tt := range []struct {
		label byte
		n     int
		want  string
	}{
		{0x00, 16, "C61E7A93744F39EE10734AFE3FF7A087"},
		{0x02, 14, "30CBBC08863D8C85D49DB34A9AE1"},
		{0x01, 20, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"},
	} {
		got, err := deriveSessionKey(mk, ms, tt.label, tt.n)
		if err != nil {
			t.Fatal(err)
		}
		if h := strings.ToUpper(hex.EncodeToString(got)); h != tt.want {
			t.Errorf("label %d: %s, want %s", tt.label, h, tt.want)
		}
	}
}

// libre (baresip) puts a 32-bit tag on SRTCP under AES_CM_128_HMAC_SHA1_32.
// Such packets are accepted (and replay-checked), forgeries still fail, and
// the session answers with 32-bit tags once it has seen one.
func TestSRTCPShortTagInterop(t *testing.T) {
	k := testKey(SuiteAESCM128HMACSHA1_32)
	tx, _ := newCipher(k, false)
	rx, _ := newCipher(k, true)
	var cnt cryptoCounters
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0x1234}})
	std, err := tx.encryptRTCP(nil, rr)
	if err != nil {
		t.Fatal(err)
	}
	if _, short, err := rx.decryptRTCP(nil, std, &cnt); err != nil || short {
		t.Fatalf("standard 80-bit tag: short=%v err=%v", short, err)
	}
	p2, _ := tx.encryptRTCP(nil, rr)
	libre := p2[:len(p2)-6]
	out, short, err := rx.decryptRTCP(nil, libre, &cnt)
	if err != nil || !short || !bytes.Equal(out, rr) {
		t.Fatalf("32-bit tag: short=%v err=%v", short, err)
	}
	if _, _, err := rx.decryptRTCP(nil, libre, &cnt); !errors.Is(err, errReplayed) {
		t.Fatalf("replayed short-tag packet: %v", err)
	}
	p3, _ := tx.encryptRTCP(nil, rr)
	bad := append([]byte(nil), p3[:len(p3)-6]...)
	bad[9] ^= 1
	if _, _, err := rx.decryptRTCP(nil, bad, &cnt); !errors.Is(err, errAuthFailed) {
		t.Fatalf("forged short-tag packet: %v", err)
	}
	// Other suites never take the short path.
	k80 := testKey(SuiteAESCM128HMACSHA1_80)
	tx80, _ := newCipher(k80, false)
	rx80, _ := newCipher(k80, true)
	p4, _ := tx80.encryptRTCP(nil, rr)
	if _, _, err := rx80.decryptRTCP(nil, p4[:len(p4)-6], &cnt); !errors.Is(err, errAuthFailed) {
		t.Fatalf("_80 accepted a truncated tag: %v", err)
	}
}

// libreping is the unprotected RTCP APP "PING"/"PONG" that libre (baresip)
// sends at the start of an SRTP call, byte for byte as captured.
var librePing = []byte{0x80, 0xcc, 0x00, 0x03, 0x18, 0x39, 0x44, 0xb9, 'P', 'I', 'N', 'G', 'P', 'O', 'N', 'G'}

// Whole plain RTCP arriving on an SRTP session is dropped and counted apart
// from authentication failures; anything else that fails, however close to
// RTCP it looks, is an authentication failure.
func TestSRTCPPlaintextIsNotAnAuthFailure(t *testing.T) {
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0x1234}})
	compound, _ := rtcp.Marshal([]rtcp.Packet{
		&rtcp.SenderReport{SSRC: 0x1234, NTPTime: 1 << 40, PacketCount: 3},
		&rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{Source: 0x1234,
			Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "x@y"}}}}},
	})
	unencrypted := append(append([]byte(nil), rr...), 0, 0, 0, 1) // E=0, index 1
	unencrypted = append(unencrypted, make([]byte, 10)...)        // a wrong tag
	for _, suite := range []Suite{SuiteAESCM128HMACSHA1_80, SuiteAESCM128HMACSHA1_32, SuiteAEADAES128GCM, SuiteAEADAES256GCM} {
		t.Run(suite.String(), func(t *testing.T) {
			k := testKey(suite)
			tx, _ := newCipher(k, false)
			rx, _ := newCipher(k, true)
			good, _ := tx.encryptRTCP(nil, compound)
			flipped := append([]byte(nil), good...)
			flipped[len(flipped)-1] ^= 1
			for _, tc := range []struct {
				name string
				pkt  []byte
				want error
				kind string
			}{
				{"libre APP PING", librePing, errPlaintext, `APP "PING"`},
				{"plain RR", rr, errPlaintext, "RR"},
				{"plain SR+SDES", compound, errPlaintext, "SR"},
				{"SRTCP with a flipped tag bit", flipped, errAuthFailed, ""},
				{"SRTCP cut short", good[:len(good)-1], errAuthFailed, ""},
				{"unencrypted SRTCP with a wrong tag", unencrypted, errAuthFailed, ""},
				{"plain RR with a byte too many", append(append([]byte(nil), rr...), 0), errAuthFailed, ""},
				{"an RTP packet", rtpPacket(t, 9), errAuthFailed, ""},
				{"empty", nil, errAuthFailed, ""},
			} {
				var cnt cryptoCounters
				_, _, err := rx.decryptRTCP(nil, tc.pkt, &cnt)
				if !errors.Is(err, tc.want) {
					t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
					continue
				}
				if tc.kind != "" && !strings.HasSuffix(err.Error(), tc.kind) {
					t.Errorf("%s: %q does not name %s", tc.name, err, tc.kind)
				}
				wantPlain := int64(0)
				if tc.want == errPlaintext {
					wantPlain = 1
				}
				if cnt.plaintext.Load() != wantPlain || cnt.authFailures.Load() != 1-wantPlain {
					t.Errorf("%s: plaintext %d, auth failures %d", tc.name, cnt.plaintext.Load(), cnt.authFailures.Load())
				}
			}
			var cnt0 cryptoCounters
			if _, _, err := rx.decryptRTCP(nil, good, &cnt0); err != nil {
				t.Errorf("the genuine packet after all that: %v", err)
			}
		})
	}
}

// The sequence number wraps a few packets into the call: the SRTP rollover
// counter (RFC 3711 §3.3.1) must advance on both sides, for every suite.
func TestSRTPRolloverInCall(t *testing.T) {
	for _, suite := range DefaultSuites() {
		t.Run(suite.String(), func(t *testing.T) {
			t.Parallel()
			cfg := Config{Suites: []Suite{suite}}
			a, b := newSession(t, cfg), newSession(t, cfg)
			negotiate(t, a, b)
			a.txStat.seq = 65530 // before Start: the tick goroutine owns it afterwards
			sink := newRecordSink(8000)
			if err := a.Start(context.Background(), &toneSource{freq: 1100}, nil); err != nil {
				t.Fatal(err)
			}
			if err := b.Start(context.Background(), nil, sink); err != nil {
				t.Fatal(err)
			}
			waitFull(t, sink, "b")
			st := b.Stats()
			if st.SRTPAuthFailures != 0 || st.Received < 20 || st.Lost != 0 {
				t.Fatalf("after the wrap: %+v", st)
			}
			if f := dominantFrequency(sink.snapshot()); f != 1100 {
				t.Errorf("b hears %.0f Hz after the wrap", f)
			}
		})
	}
}
