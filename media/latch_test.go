package media

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// Symmetric RTP: a forged packet from a stranger does not move our media;
// the first authenticated packet does, and we then send there. The DTMF
// packets captured at that address follow RFC 4733 §2.5.1 on the wire.
func TestLatchingAndDTMFOnTheWire(t *testing.T) {
	a, b := newSession(t, Config{}), newSession(t, Config{})
	offer, _ := a.Offer()
	answer, _, err := b.Answer(offer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AcceptAnswer(answer); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AcceptAnswer(answer); err != nil { // 183 then 200 with the same answer
		t.Fatalf("repeated answer: %v", err)
	}
	if err := a.Start(context.Background(), &toneSource{freq: 400}, nil); err != nil {
		t.Fatal(err)
	}
	// b is never started: this socket plays b from another port (a NAT).
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	to := net.UDPAddrFromAddrPort(a.LocalAddr())
	forged := rtpPacket(t, 1)
	forged = append(forged, make([]byte, 10)...) // a tag that cannot verify
	stranger, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer stranger.Close()
	stranger.WriteToUDP(forged, to)
	waitFor(t, "forgery counted", func() bool { return a.Stats().SRTPAuthFailures == 1 }, func() any { return a.Stats() })
	if a.latched.Load() != nil {
		t.Fatal("latched to an unauthenticated source")
	}
	good, _ := b.tx.Load().encryptRTP(nil, rtpPacket(t, 2))
	peer.WriteToUDP(good, to)
	ev := nextEvent(t, a, EventLatched)
	if ev.Addr != peer.LocalAddr().(*net.UDPAddr).AddrPort() {
		t.Fatalf("latched to %v, want %v", ev.Addr, peer.LocalAddr())
	}
	// Now a's media must reach the latched address; collect DTMF there.
	errc := make(chan error, 1)
	go func() { errc <- a.SendDTMF(context.Background(), "5", 100*time.Millisecond) }()
	rx := b.rxRTP.Load()
	buf := make([]byte, 1500)
	var evs []rtp.Packet
	peer.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		n, _, err := peer.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("read at latched address: %v (got %d dtmf packets)", err, len(evs))
		}
		if isRTCP(buf[:n]) {
			continue
		}
		plain, err := rx.decryptRTP(nil, buf[:n], nil, &cryptoCounters{})
		if err != nil {
			t.Fatalf("packet at latched address does not authenticate: %v", err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(plain); err != nil {
			t.Fatal(err)
		}
		if p.PayloadType == 101 {
			evs = append(evs, p)
			if len(evs) == 7 {
				break
			}
		}
	}
	if err := <-errc; err != nil {
		t.Fatalf("send dtmf: %v", err)
	}
	wantDur := []uint16{160, 320, 480, 640, 800, 800, 800}
	for i, p := range evs {
		ev, err := parseTelephoneEvent(p.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Event != 5 || ev.Duration != wantDur[i] || ev.End != (i >= 4) || p.Marker != (i == 0) || p.Timestamp != evs[0].Timestamp {
			t.Errorf("packet %d: marker %v ts %d %+v", i, p.Marker, p.Timestamp, ev)
		}
		if i > 0 && p.SequenceNumber != evs[i-1].SequenceNumber+1 {
			t.Errorf("packet %d: sequence %d after %d", i, p.SequenceNumber, evs[i-1].SequenceNumber)
		}
	}
}
