package media

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// maxPacket bounds a datagram we read (G.711 at 120 ms is 960 bytes).
const maxPacket = 1500

// dtmfRequest is one SendDTMF call queued for the tick goroutine.
type dtmfRequest struct {
	codes []uint8
	dur   time.Duration
	done  chan error
}

// silentSource and discardSink stand in for nil Source/Sink.
type silentSource struct{}

func (silentSource) ReadFrame(f []int16) error { clear(f); return nil }

type discardSink struct{}

func (discardSink) WriteFrame([]int16) error { return nil }

// Start runs the engine: a reader per socket and one tick goroutine that
// every ptime pulls a frame from src, sends it, and pushes a frame of
// playout to sink. A nil src sends silence; a nil sink discards. Sending
// and playout stop when ctx ends; [Session.Close] stops everything and
// must always be called.
func (s *Session) Start(ctx context.Context, src Source, sink Sink) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.started:
		return ErrAlreadyStarted
	case !s.negotiated:
		return ErrNotNegotiated
	}
	if src == nil {
		src = silentSource{}
	}
	if sink == nil {
		sink = discardSink{}
	}
	ctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	s.started = true
	now := time.Now()
	s.rx.mu.Lock()
	s.rx.clockStart = now
	s.rx.lastRTP, s.rx.lastRTCP = now, now
	s.rx.mu.Unlock()
	s.txStat.marker = true
	s.tickDone = make(chan struct{})
	s.wg.Add(3)
	go s.readLoop(ctx, s.rtpConn, false)
	go s.readLoop(ctx, s.rtcpConn, true)
	go s.tickLoop(ctx, src, sink)
	return nil
}

// readLoop reads one socket until it is closed. On the RTP socket RTCP is
// recognised by its packet type (RFC 5761 §4) for rtcp-mux.
func (s *Session) readLoop(ctx context.Context, conn *net.UDPConn, rtcpPort bool) {
	defer s.wg.Done()
	buf := make([]byte, maxPacket)
	dec := make([]byte, maxPacket)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			continue // ICMP errors and the like: keep reading
		}
		if ctx.Err() != nil {
			return
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		pkt := buf[:n]
		if rtcpPort || isRTCP(pkt) {
			s.handleRTCP(pkt, dec, from)
		} else {
			s.handleRTP(pkt, dec, from)
		}
	}
}

// isRTCP applies the RFC 5761 §4 demultiplexing rule: RTCP packet types
// 192–223 fall where RTP payload types 64–95 (marker set) would.
func isRTCP(b []byte) bool {
	return len(b) >= 2 && b[1] >= 192 && b[1] <= 223
}

func (s *Session) handleRTP(pkt, dec []byte, from netip.AddrPort) {
	p := s.params.Load()
	if p == nil {
		return
	}
	var rp rtp.Packet
	if p.neg.Secure {
		c := s.rxRTP.Load()
		if c == nil {
			return
		}
		out, err := c.decryptRTP(dec[:0], pkt, nil, &s.crypto)
		if err != nil {
			s.log.Debug("srtp packet dropped", "from", from.String(), "err", err)
			return
		}
		pkt = out
	}
	if err := rp.Unmarshal(pkt); err != nil || rp.Version != 2 {
		return
	}
	s.latch(&s.latched, from, true)
	now := time.Now()
	s.rx.mu.Lock()
	defer s.rx.mu.Unlock()
	resumed := !s.rx.lastRTP.IsZero() && s.noMediaRaised.Load()
	s.rx.lastRTP = now
	if resumed {
		s.noMediaRaised.Store(false)
		s.emit(Event{Kind: EventMediaResumed, Time: now})
	}
	if s.rx.clockStart.IsZero() {
		s.rx.clockStart = now
	}
	if !s.rx.haveSSRC || s.rx.ssrc != rp.SSRC {
		// A new source (peer restarted its stream): keep the loss seen so
		// far and start RFC 3550 statistics afresh for it.
		s.rx.lostBase += max(0, s.rx.stats.lost())
		s.rx.ssrc, s.rx.haveSSRC = rp.SSRC, true
		s.rx.stats = rxStats{}
	}
	s.rx.stats.updateSeq(rp.SequenceNumber)
	s.rx.received++
	s.rx.bytes += int64(len(rp.Payload))
	arrival := uint32(now.Sub(s.rx.clockStart) * time.Duration(p.neg.Codec.ClockRate()) / time.Second)
	switch codec := p.codecFor(rp.PayloadType); {
	case codec != CodecUnknown:
		s.rx.stats.updateJitter(arrival, rp.Timestamp)
		if !p.neg.Direction.Receives() || len(rp.Payload) == 0 || len(rp.Payload) > maxPacket {
			return
		}
		jb := s.jitterBufferLocked(p)
		if cap(s.rx.scratch) < len(rp.Payload) {
			s.rx.scratch = make([]int16, maxPacket)
		}
		pcm := s.rx.scratch[:len(rp.Payload)]
		codec.decode(pcm, rp.Payload)
		jb.Push(rp.SSRC, rp.Timestamp, pcm, arrival) // copies pcm
	case int(rp.PayloadType) == p.neg.DTMFPayloadType || rp.PayloadType >= 96 && len(rp.Payload)%4 == 0:
		ev, err := parseTelephoneEvent(rp.Payload)
		if err != nil {
			return
		}
		for _, d := range s.dtmfRx.push(rp.Timestamp, rp.PayloadType, ev) {
			s.log.Info("dtmf received", "digit", d.Digit, "pt", d.PT, "negotiated_pt", p.neg.DTMFPayloadType)
			s.emit(Event{Kind: EventDTMF, Time: now, Digit: d.Digit, PayloadType: d.PT,
				NegotiatedPayloadType: p.neg.DTMFPayloadType,
				Duration:              time.Duration(d.Duration) * time.Second / time.Duration(p.neg.Codec.ClockRate())})
		}
	}
}

// codecFor maps a received payload type to a codec: the negotiated one, or
// the other G.711 law by its static type (RFC 3551), which peers sometimes
// switch to when an answer listed both.
func (p *streamParams) codecFor(pt uint8) Codec {
	switch {
	case pt == p.neg.PayloadType:
		return p.neg.Codec
	case pt == 0:
		return CodecPCMU
	case pt == 8:
		return CodecPCMA
	}
	return CodecUnknown
}

// jitterBufferLocked returns the jitter buffer for the current parameters,
// making a new one when the codec or ptime changed; s.rx.mu is held.
func (s *Session) jitterBufferLocked(p *streamParams) *jitterBuffer {
	if s.rx.jb == nil || s.rx.jb.frame != p.frame {
		s.rx.jb = newJitterBuffer(p.neg.Codec.ClockRate(), p.frame, s.cfg.JitterMin, s.cfg.JitterMax)
	}
	return s.rx.jb
}

// latch records the first authenticated source (symmetric RTP, RFC 4961 /
// RFC 7362 latching).
func (s *Session) latch(slot interface {
	Load() *netip.AddrPort
	CompareAndSwap(old, new *netip.AddrPort) bool
}, from netip.AddrPort, rtpSide bool,
) {
	if slot.Load() != nil {
		return
	}
	a := from
	if slot.CompareAndSwap(nil, &a) && rtpSide {
		s.log.Info("media source latched", "from", from.String())
		s.emit(Event{Kind: EventLatched, Addr: from})
	}
}

func (s *Session) handleRTCP(pkt, dec []byte, from netip.AddrPort) {
	p := s.params.Load()
	if p == nil {
		return
	}
	if p.neg.Secure {
		c := s.rxRTCP.Load()
		if c == nil {
			return
		}
		out, short, err := c.decryptRTCP(dec[:0], pkt, &s.rtcpCrypto)
		if err != nil {
			if errors.Is(err, errPlaintext) && s.rtcpCrypto.plaintext.Load() == 1 {
				s.log.Info("unprotected RTCP dropped (SRTCP must be authenticated); the peer may send it as a NAT keep-alive",
					"from", from.String(), "err", err)
			} else {
				s.log.Debug("srtcp packet dropped", "from", from.String(), "err", err)
			}
			return
		}
		if short && !s.shortSRTCPTags.Swap(true) {
			s.log.Info("peer protects SRTCP with 32-bit tags (libre/baresip style); answering in kind")
		}
		pkt = out
	}
	pkts, err := rtcp.Unmarshal(pkt)
	if err != nil {
		return
	}
	s.latch(&s.latchedRTCP, from, false)
	now := time.Now()
	s.rx.mu.Lock()
	defer s.rx.mu.Unlock()
	s.rx.rtcpRecv++
	s.rx.lastRTCP = now
	for _, pk := range pkts {
		switch r := pk.(type) {
		case *rtcp.SenderReport:
			s.rx.lsr, s.rx.lsrAt = compactNTP(r.NTPTime), now
			s.reportsLocked(r.Reports, now)
		case *rtcp.ReceiverReport:
			s.reportsLocked(r.Reports, now)
		case *rtcp.Goodbye:
			s.rx.remoteBye = true
		}
	}
}

func (s *Session) reportsLocked(rr []rtcp.ReceptionReport, now time.Time) {
	for _, r := range rr {
		if r.SSRC != s.ssrc {
			continue
		}
		if rtt, ok := roundTrip(compactNTP(ntpTime(now)), r.LastSenderReport, r.Delay); ok {
			s.rx.rtt = rtt
		}
		lost := int64(r.TotalLost)
		if lost&0x800000 != 0 {
			lost -= 1 << 24
		}
		s.rx.remoteLost, s.rx.remoteFrac, s.rx.remoteJitter = lost, r.FractionLost, r.Jitter
	}
}

// maxCatchUp is how many frames one wake-up may process when the goroutine
// was scheduled late; further behind than that, frames are skipped (their
// timestamps still advance, so the stream keeps real time).
const maxCatchUp = 5

// framesDue says how many frames to process at a wake-up elapsed after the
// clock's epoch with done already processed, and how many to skip.
func framesDue(elapsed, ptime time.Duration, done int64) (run, skip int64) {
	due := int64((elapsed+ptime/2)/ptime) - done
	if due > maxCatchUp {
		return 1, due - 1
	}
	return max(due, 0), 0
}

// tickState is what the tick goroutine carries from frame to frame.
type tickState struct {
	src        Source
	sink       Sink
	out, play  []int16
	pkt, enc   []byte
	dtmf       *dtmfSending
	srcDone    bool
	wasSending bool
}

// tickLoop is the engine's clock: one frame out and one frame of playout
// per ptime (catching up when the goroutine was scheduled late), RTCP when
// due, and the no-media check.
func (s *Session) tickLoop(ctx context.Context, src Source, sink Sink) {
	defer s.wg.Done()
	defer close(s.tickDone)
	p := s.params.Load()
	ptime := p.neg.PTime
	tk := time.NewTicker(ptime)
	defer tk.Stop()
	st := &tickState{src: src, sink: sink, wasSending: true,
		pkt: make([]byte, 0, maxPacket), enc: make([]byte, 0, maxPacket)}
	epoch, done := time.Now(), int64(0)
	nextRTCP := epoch.Add(s.rtcpDelay() / 2)
	for {
		select {
		case <-ctx.Done():
			if st.dtmf != nil {
				st.dtmf.req.done <- ctx.Err()
			}
			return
		case now := <-tk.C:
			p = s.params.Load()
			if p.neg.PTime != ptime {
				ptime = p.neg.PTime
				tk.Reset(ptime)
				epoch, done = now, 0
			}
			due, skip := framesDue(now.Sub(epoch), ptime, done)
			s.txStat.ts += uint32(skip * int64(p.frame))
			done += skip
			for ; due > 0; due-- {
				s.frame(p, st)
				done++
				s.ticks.Add(1)
			}
			if !now.Before(nextRTCP) {
				s.sendRTCP(p, now)
				nextRTCP = now.Add(s.rtcpDelay())
			}
			s.checkNoMedia(p, now)
		}
	}
}

// frame sends one frame (audio or a DTMF event packet) unless our
// direction does not send, and plays one frame out to the sink.
func (s *Session) frame(p *streamParams, st *tickState) {
	if cap(st.out) < p.frame {
		st.out, st.play = make([]int16, 0, p.frame), make([]int16, 0, p.frame)
	}
	out, play := st.out[:p.frame], st.play[:p.frame]
	// Outbound: one frame from the source, sent unless on hold.
	if st.srcDone {
		clear(out)
	} else if err := st.src.ReadFrame(out); err != nil {
		clear(out)
		st.srcDone = true // io.EOF or a failed source: silence from now on
	}
	if st.dtmf == nil {
		select {
		case r := <-s.dtmfQ:
			st.dtmf = &dtmfSending{req: r}
		default:
		}
	}
	if sends := p.neg.Direction.Sends(); sends != st.wasSending {
		st.wasSending = sends
		s.txStat.marker = sends // a resumed stream starts a talkspurt
	}
	switch {
	case p.neg.Direction.Sends() && st.dtmf != nil && st.dtmf.gapLeft == 0:
		st.pkt, st.enc = s.sendDTMFTick(p, st.dtmf, st.pkt, st.enc)
		if st.dtmf.pos >= len(st.dtmf.sched) {
			st.dtmf = st.dtmf.next(p)
		}
	case p.neg.Direction.Sends():
		if st.dtmf != nil {
			st.dtmf.gapLeft-- // audio flows between digits
		}
		if s.muted.Load() {
			clear(out)
		}
		st.pkt, st.enc = s.sendAudio(p, out, st.pkt, st.enc)
	case st.dtmf != nil:
		st.dtmf.req.done <- errors.New("dtmf: media is on hold (direction does not send)")
		st.dtmf = nil
	}
	s.txStat.ts += uint32(p.frame)
	// Inbound: one frame of playout.
	s.rx.mu.Lock()
	jb := s.jitterBufferLocked(p)
	jb.Pop(play)
	s.rx.mu.Unlock()
	if !p.neg.Direction.Receives() {
		clear(play)
	}
	if err := st.sink.WriteFrame(play); err != nil {
		s.log.Debug("sink refused a frame", "err", err)
	}
}

// rtcpDelay randomises the report interval over [0.5, 1.5] × the mean
// (RFC 3550 §6.3.1).
func (s *Session) rtcpDelay() time.Duration {
	return time.Duration(float64(s.cfg.RTCPInterval) * (0.5 + rand.Float64()))
}

// sendAudio encodes, protects and sends one audio frame.
func (s *Session) sendAudio(p *streamParams, frame []int16, pkt, enc []byte) ([]byte, []byte) {
	payload := p.neg.Codec.encode(enc[:0], frame)
	pkt = s.writeRTP(p, p.neg.PayloadType, s.txStat.marker, s.txStat.ts, payload, pkt)
	s.txStat.marker = false
	return pkt, payload
}

// writeRTP builds, protects and sends one RTP packet.
func (s *Session) writeRTP(p *streamParams, pt uint8, marker bool, ts uint32, payload, buf []byte) []byte {
	h := rtp.Header{Version: 2, Marker: marker, PayloadType: pt, SequenceNumber: s.txStat.seq, Timestamp: ts, SSRC: s.ssrc}
	s.txStat.seq++
	raw, err := h.Marshal()
	if err != nil {
		return buf
	}
	raw = append(raw, payload...)
	out := raw
	if p.neg.Secure {
		c := s.tx.Load()
		if c == nil {
			return buf
		}
		if out, err = c.encryptRTP(buf[:0], raw); err != nil {
			s.log.Warn("srtp protect failed", "err", err)
			return buf
		}
	}
	dst := p.neg.Remote
	if l := s.latched.Load(); l != nil {
		dst = *l
	}
	if _, err := s.rtpConn.WriteToUDPAddrPort(out, dst); err != nil {
		s.log.Debug("rtp send failed", "to", dst.String(), "err", err)
		return out
	}
	s.txStat.sent.Add(1)
	s.txStat.bytes.Add(int64(len(payload)))
	s.txStat.lastSent = time.Now()
	return out
}

// sendRTCP sends a compound SR (or RR when we have not sent since the last
// report) with an SDES CNAME (RFC 3550 §6.1), followed by extra (a BYE).
func (s *Session) sendRTCP(p *streamParams, now time.Time, extra ...rtcp.Packet) {
	var rr []rtcp.ReceptionReport
	s.rx.mu.Lock()
	if s.rx.haveSSRC {
		r := rtcp.ReceptionReport{
			SSRC:               s.rx.ssrc,
			FractionLost:       s.rx.stats.interval(),
			TotalLost:          reportLost(s.rx.stats.lost()),
			LastSequenceNumber: s.rx.stats.extendedMax(),
			Jitter:             uint32(s.rx.stats.jitter),
		}
		s.rx.fraction = r.FractionLost
		if s.rx.lsr != 0 {
			r.LastSenderReport = s.rx.lsr
			r.Delay = uint32(now.Sub(s.rx.lsrAt) * 65536 / time.Second)
		}
		rr = append(rr, r)
	}
	s.rx.mu.Unlock()
	var first rtcp.Packet
	if s.txStat.sent.Load() > 0 && now.Sub(s.txStat.lastSent) < 2*s.cfg.RTCPInterval {
		first = &rtcp.SenderReport{SSRC: s.ssrc, NTPTime: ntpTime(now), RTPTime: s.txStat.ts,
			PacketCount: uint32(s.txStat.sent.Load()), OctetCount: uint32(s.txStat.bytes.Load()), Reports: rr}
	} else {
		first = &rtcp.ReceiverReport{SSRC: s.ssrc, Reports: rr}
	}
	raw, err := rtcp.Marshal(append([]rtcp.Packet{first, rtcp.NewCNAMESourceDescription(s.ssrc, "hookphone@"+s.cfg.LocalIP.String())}, extra...))
	if err != nil {
		return
	}
	if p.neg.Secure {
		c := s.tx.Load()
		if c == nil {
			return
		}
		if raw, err = c.encryptRTCP(nil, raw); err != nil {
			s.log.Warn("srtcp protect failed", "err", err)
			return
		}
		if p.neg.Suite == SuiteAESCM128HMACSHA1_32 && s.shortSRTCPTags.Load() {
			raw = raw[:len(raw)-6] // the 32-bit truncation of the same HMAC (see widenShortTag)
		}
	}
	conn, dst := s.rtcpConn, p.neg.RemoteRTCP
	if p.neg.RTCPMux {
		conn = s.rtpConn
		if l := s.latched.Load(); l != nil {
			dst = *l
		}
	} else if l := s.latchedRTCP.Load(); l != nil {
		dst = *l
	}
	if _, err := conn.WriteToUDPAddrPort(raw, dst); err == nil {
		s.txStat.rtcpSent.Add(1)
	}
}

// checkNoMedia raises EventNoMedia once when nothing arrived for the
// timeout. While our direction does not receive RTP, RTCP counts as life.
func (s *Session) checkNoMedia(p *streamParams, now time.Time) {
	if s.cfg.NoMediaTimeout < 0 || s.noMediaRaised.Load() {
		return
	}
	s.rx.mu.Lock()
	last := s.rx.lastRTP
	if !p.neg.Direction.Receives() && s.rx.lastRTCP.After(last) {
		last = s.rx.lastRTCP
	}
	if p.gen != s.rx.dirGen {
		s.rx.dirGen = p.gen // a re-negotiation restarts the clock
		s.rx.dirChanged = now
	}
	if s.rx.dirChanged.After(last) {
		last = s.rx.dirChanged
	}
	s.rx.mu.Unlock()
	if now.Sub(last) >= s.cfg.NoMediaTimeout {
		s.noMediaRaised.Store(true)
		s.log.Warn("no media", "for", now.Sub(last).Round(time.Millisecond))
		s.emit(Event{Kind: EventNoMedia, Time: now, Reason: ReasonNoMedia})
	}
}

// SendDTMF sends digits as RFC 4733 events of duration dur each (40 ms to
// 8 s; zero means 100 ms), with a short gap between digits, and returns once
// the last end packet is out.
func (s *Session) SendDTMF(ctx context.Context, digits string, dur time.Duration) error {
	codes, err := parseDigits(digits)
	if err != nil {
		return err
	}
	if dur == 0 {
		dur = 100 * time.Millisecond
	}
	if dur < minDTMFDuration || dur > maxDTMFDuration {
		return fmt.Errorf("dtmf duration %v: want %v to %v", dur, minDTMFDuration, maxDTMFDuration)
	}
	s.mu.Lock()
	started, closed := s.started, s.closed
	s.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case !started:
		return fmt.Errorf("dtmf: %w", ErrNotNegotiated)
	}
	if p := s.params.Load(); p == nil || p.neg.DTMFPayloadType < 0 {
		return ErrDTMFNotNegotiated
	}
	s.log.Info("sending dtmf", "digits", digitsString(codes), "duration", dur)
	r := &dtmfRequest{codes: codes, dur: dur, done: make(chan error, 1)}
	select {
	case s.dtmfQ <- r:
	case <-ctx.Done():
		return fmt.Errorf("dtmf %s: %w", digits, ctx.Err())
	case <-s.done:
		return ErrClosed
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("dtmf %s: %w", digits, ctx.Err())
	case <-s.done:
		return ErrClosed
	}
}

// dtmfSending walks one request's digits through their packet schedules.
type dtmfSending struct {
	req     *dtmfRequest
	idx     int // digit index
	sched   []dtmfPacket
	pos     int
	ts      uint32 // RTP timestamp of the current event's start
	gapLeft int    // ticks of audio before the next digit
}

// next moves to the following digit after a gap, or completes the request.
func (d *dtmfSending) next(p *streamParams) *dtmfSending {
	d.idx++
	if d.idx >= len(d.req.codes) {
		d.req.done <- nil
		return nil
	}
	d.sched, d.pos = nil, 0
	d.gapLeft = max(1, int(dtmfGap/p.neg.PTime))
	return d
}

// sendDTMFTick sends this tick's event packet; the first packet of a digit
// fixes the event's timestamp (RFC 4733 §2.5.1.1).
func (s *Session) sendDTMFTick(p *streamParams, d *dtmfSending, pkt, enc []byte) ([]byte, []byte) {
	if d.sched == nil {
		total := int(d.req.dur * time.Duration(p.neg.Codec.ClockRate()) / time.Second)
		d.sched, d.pos, d.ts = dtmfSchedule(d.req.codes[d.idx], total, p.frame), 0, s.txStat.ts
	}
	dp := d.sched[d.pos]
	d.pos++
	payload := dp.Event.marshal(enc[:0])
	pkt = s.writeRTP(p, uint8(p.neg.DTMFPayloadType), dp.Marker, d.ts, payload, pkt)
	return pkt, payload
}
