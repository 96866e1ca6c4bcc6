package media

import (
	"sync"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of one session's media counters. The JSON names of
// the first five fields are the CLI's `rtp` object.
type Stats struct {
	// Sent and Received count RTP packets (audio and telephone-event);
	// Received counts only packets that passed SRTP authentication.
	Sent     int64 `json:"sent"`
	Received int64 `json:"received"`
	// Lost is the RFC 3550 cumulative number of packets lost (expected −
	// received).
	Lost int64 `json:"lost"`
	// JitterMS is the RFC 3550 A.8 interarrival jitter in milliseconds.
	JitterMS float64 `json:"jitter_ms"`
	// SRTPAuthFailures counts inbound SRTP (RTP) packets that failed
	// authentication (or could not be decrypted).
	SRTPAuthFailures int64 `json:"srtp_auth_failures"`
	// Replays counts inbound SRTP packets rejected as replays.
	Replays int64 `json:"srtp_replays"`
	// SRTCPAuthFailures and SRTCPReplays are the same for SRTCP.
	SRTCPAuthFailures int64 `json:"srtcp_auth_failures"`
	SRTCPReplays      int64 `json:"srtcp_replays"`
	// SRTCPPlaintext counts whole, unprotected RTCP packets that arrived on
	// an SRTP session and were dropped (RFC 3711 §3.4 makes SRTCP
	// authentication mandatory). libre/baresip sends one, an APP "PING", as
	// a NAT keep-alive; they are not counted as authentication failures.
	SRTCPPlaintext int64 `json:"srtcp_plaintext"`
	// BytesSent and BytesReceived count RTP payload octets.
	BytesSent     int64 `json:"bytes_sent"`
	BytesReceived int64 `json:"bytes_received"`
	// FractionLost is the loss fraction of the last RTCP interval (0–1).
	FractionLost float64 `json:"fraction_lost"`
	// RTTMS is the round-trip time from the last RTCP report (0 if unknown).
	RTTMS float64 `json:"rtt_ms"`
	// MOS is the E-model (G.107) estimate, 1–4.5.
	MOS float64 `json:"mos"`
	// RemoteLost, RemoteFractionLost and RemoteJitterMS are what the peer
	// reported about our stream in its last RTCP report.
	RemoteLost         int64   `json:"remote_lost"`
	RemoteFractionLost float64 `json:"remote_fraction_lost"`
	RemoteJitterMS     float64 `json:"remote_jitter_ms"`
	// Late, Concealed and JitterBufferMS describe the jitter buffer: late
	// packets dropped, milliseconds concealed, current target delay.
	Late           int64   `json:"late"`
	ConcealedMS    int64   `json:"concealed_ms"`
	JitterBufferMS float64 `json:"jitter_buffer_ms"`
	// RTCPSent and RTCPReceived count RTCP compound packets.
	RTCPSent     int64 `json:"rtcp_sent"`
	RTCPReceived int64 `json:"rtcp_received"`
	// Suite and Codec name the negotiated SRTP suite ("" for plain RTP)
	// and codec.
	Suite string `json:"srtp_suite"`
	Codec string `json:"codec"`
	// RemoteBye is true once the peer sent an RTCP BYE (it left the call).
	RemoteBye bool `json:"remote_bye"`
	// EventsDropped counts events nobody read in time.
	EventsDropped int64 `json:"events_dropped"`
}

// rxState is the receive side: RFC 3550 statistics, the jitter buffer and
// RTCP facts learnt from the peer. Guarded by its mutex, shared between the
// reader goroutines and the playout tick.
type rxState struct {
	mu           sync.Mutex
	stats        rxStats
	ssrc         uint32
	haveSSRC     bool
	jb           *jitterBuffer
	received     int64
	bytes        int64
	fraction     uint8
	lsr          uint32    // compact NTP of the last SR received
	lsrAt        time.Time // when it arrived
	rtt          time.Duration
	remoteLost   int64
	remoteFrac   uint8
	remoteJitter uint32
	rtcpRecv     int64
	lastRTP      time.Time
	lastRTCP     time.Time
	clockStart   time.Time
	scratch      []int16   // decode buffer for the reader
	remoteBye    bool      // the peer sent an RTCP BYE
	lostBase     int64     // packets lost from earlier sources (SSRC changes)
	dirGen       uint64    // negotiation generation seen by the no-media check
	dirChanged   time.Time // when it changed
}

// txState is the send side, touched only by the tick goroutine except for
// the atomically read counters.
type txState struct {
	seq      uint16
	ts       uint32
	marker   bool
	sent     atomic.Int64
	bytes    atomic.Int64
	rtcpSent atomic.Int64
	lastSent time.Time
}

// Stats returns a snapshot of the session's counters.
func (s *Session) Stats() Stats {
	p := s.params.Load()
	st := Stats{
		Sent:              s.txStat.sent.Load(),
		BytesSent:         s.txStat.bytes.Load(),
		RTCPSent:          s.txStat.rtcpSent.Load(),
		SRTPAuthFailures:  s.crypto.authFailures.Load(),
		Replays:           s.crypto.replays.Load(),
		SRTCPAuthFailures: s.rtcpCrypto.authFailures.Load(),
		SRTCPReplays:      s.rtcpCrypto.replays.Load(),
		SRTCPPlaintext:    s.rtcpCrypto.plaintext.Load(),
		EventsDropped:     s.eventsDropped.Load(),
	}
	rate := 8000
	ptime := DefaultPTime
	if p != nil {
		st.Suite, st.Codec = p.neg.Suite.String(), p.neg.Codec.String()
		rate, ptime = p.neg.Codec.ClockRate(), p.neg.PTime
	}
	s.rx.mu.Lock()
	st.Received, st.BytesReceived = s.rx.received, s.rx.bytes
	st.Lost = s.rx.lostBase + max(0, s.rx.stats.lost())
	st.JitterMS = round2(float64(jitterDuration(s.rx.stats.jitter, rate)) / float64(time.Millisecond))
	st.FractionLost = round2(float64(s.rx.fraction) / 256)
	st.RTTMS = round2(float64(s.rx.rtt) / float64(time.Millisecond))
	st.RemoteLost = s.rx.remoteLost
	st.RemoteFractionLost = round2(float64(s.rx.remoteFrac) / 256)
	st.RemoteJitterMS = round2(float64(jitterDuration(float64(s.rx.remoteJitter), rate)) / float64(time.Millisecond))
	st.RTCPReceived = s.rx.rtcpRecv
	st.RemoteBye = s.rx.remoteBye
	var bufDelay time.Duration
	if jb := s.rx.jb; jb != nil {
		st.Late = jb.counter.late
		st.ConcealedMS = jb.counter.concealed * 1000 / int64(rate)
		bufDelay = jb.Target()
		st.JitterBufferMS = round2(float64(bufDelay) / float64(time.Millisecond))
	}
	lossPct := 0.0
	if exp := int64(s.rx.stats.expected()) + s.rx.lostBase; exp > 0 && st.Lost > 0 {
		lossPct = 100 * float64(st.Lost) / float64(exp)
	}
	rtt := s.rx.rtt
	s.rx.mu.Unlock()
	if st.Received > 0 {
		st.MOS = estimateMOS(rtt, bufDelay, ptime, lossPct)
	}
	return st
}
