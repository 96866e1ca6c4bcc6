package media

import (
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// impairRelay sits between two sessions on loopback. Packets from the
// caller to the callee are dropped and delayed by a seeded schedule (delay
// beyond one packet interval reorders them); the other direction passes
// untouched. RTP headers stay in clear under SRTP, so the relay knows which
// sequence numbers it dropped.
type impairRelay struct {
	conn   *net.UDPConn
	callee netip.AddrPort
	rnd    *rand.Rand
	loss   float64
	maxDly time.Duration

	mu        sync.Mutex
	caller    netip.AddrPort
	dropped   []uint16
	delivered map[uint16]bool
	inflight  sync.WaitGroup
	done      chan struct{}
}

func newImpairRelay(t *testing.T, caller, callee netip.AddrPort, seed uint64, loss float64, maxDelay time.Duration) *impairRelay {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &impairRelay{conn: c, caller: caller, callee: callee, rnd: rand.New(rand.NewPCG(seed, 9)), loss: loss, maxDly: maxDelay,
		delivered: map[uint16]bool{}, done: make(chan struct{})}
	go r.run()
	t.Cleanup(func() { c.Close(); <-r.done; r.inflight.Wait() })
	return r
}

func (r *impairRelay) addr() netip.AddrPort { return r.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (r *impairRelay) run() {
	defer close(r.done)
	buf := make([]byte, 2048)
	for {
		n, from, err := r.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		pkt := append([]byte(nil), buf[:n]...)
		if from == r.callee {
			r.mu.Lock()
			to := r.caller
			r.mu.Unlock()
			r.conn.WriteToUDPAddrPort(pkt, to)
			continue
		}
		r.mu.Lock()
		r.caller = from
		if isRTCP(pkt) || len(pkt) < 12 {
			r.mu.Unlock()
			r.conn.WriteToUDPAddrPort(pkt, r.callee)
			continue
		}
		seq := binary.BigEndian.Uint16(pkt[2:4])
		if r.rnd.Float64() < r.loss {
			r.dropped = append(r.dropped, seq)
			r.mu.Unlock()
			continue
		}
		delay := time.Duration(r.rnd.Float64() * float64(r.maxDly))
		r.inflight.Add(1)
		r.mu.Unlock()
		time.AfterFunc(delay, func() {
			defer r.inflight.Done()
			r.conn.WriteToUDPAddrPort(pkt, r.callee)
			r.mu.Lock()
			r.delivered[seq] = true
			r.mu.Unlock()
		})
	}
}

var mPortRE = regexp.MustCompile(`m=audio \d+`)

// Over a lossy, jittery, reordering path the callee still hears the right
// tone, and its RFC 3550 statistics match what the relay did: lost equals
// the packets dropped (below the highest one delivered), and the A.8 jitter
// reflects the 0–60 ms delay spread.
func TestImpairedPathEndToEnd(t *testing.T) {
	a, b := newSession(t, Config{}), newSession(t, Config{})
	relay := newImpairRelay(t, a.LocalAddr(), b.LocalAddr(), 11, 0.05, 60*time.Millisecond)
	relayPort := []byte("m=audio " + strconv.Itoa(int(relay.addr().Port())))
	offer, _ := a.Offer()
	// Both sides see the relay as their peer, so latching keeps media on it.
	offer = mPortRE.ReplaceAll(offer, relayPort)
	answer, _, err := b.Answer(offer)
	if err != nil {
		t.Fatal(err)
	}
	answer = mPortRE.ReplaceAll(answer, relayPort)
	if _, err := a.AcceptAnswer(answer); err != nil {
		t.Fatal(err)
	}
	sink := newRecordSink(8000 * 3)
	ctx := context.Background()
	if err := a.Start(ctx, &toneSource{freq: 1300}, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx, nil, sink); err != nil {
		t.Fatal(err)
	}
	waitFull(t, sink, "b")
	a.Close() // stop the stream, then let the relay drain
	relay.inflight.Wait()
	relay.mu.Lock()
	var maxSeq uint16
	first := true
	for s := range relay.delivered {
		if first || int16(s-maxSeq) > 0 {
			maxSeq, first = s, false
		}
	}
	wantLost := 0
	for _, s := range relay.dropped {
		if int16(s-maxSeq) < 0 {
			wantLost++
		}
	}
	relay.mu.Unlock()
	waitFor(t, "b saw every delivered packet", func() bool {
		relay.mu.Lock()
		defer relay.mu.Unlock()
		return b.Stats().Received >= int64(len(relay.delivered))
	}, func() any { return b.Stats() })
	st := b.Stats()
	if wantLost < 3 {
		t.Fatalf("seed dropped only %d packets (dropped %v, delivered %d, max %d)", wantLost, relay.dropped, len(relay.delivered), maxSeq)
	}
	if st.Lost != int64(wantLost) {
		t.Errorf("lost %d, relay dropped %d", st.Lost, wantLost)
	}
	// Uniform 0–60 ms delay gives E|D| = 20 ms; the shared machine's
	// scheduler adds its own, so only the order of magnitude is checked.
	if st.JitterMS < 10 || st.JitterMS > 100 {
		t.Errorf("jitter %.1f ms, want about 20", st.JitterMS)
	}
	if st.JitterBufferMS <= 20 || st.ConcealedMS == 0 {
		t.Errorf("jitter buffer did not adapt or conceal: %+v", st)
	}
	got := sink.snapshot()
	if f := dominantFrequency(got); math.Abs(f-1300) > 25 {
		t.Errorf("b hears %.0f Hz through the impaired path", f)
	}
	t.Logf("impaired path: dropped %d, stats %+v", wantLost, st)
}
