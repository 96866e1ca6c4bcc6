package media

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
)

// Defaults applied by [NewSession] to a zero [Config] field.
const (
	DefaultPTime          = 20 * time.Millisecond
	DefaultNoMediaTimeout = 30 * time.Second
	DefaultRTCPInterval   = 5 * time.Second
	DefaultDTMFPayload    = 101
	defaultJitterMin      = 20 * time.Millisecond
	defaultJitterMax      = 200 * time.Millisecond
)

// Config configures one media session.
type Config struct {
	// Policy is the SRTP policy; zero means PolicyMandatory.
	Policy Policy
	// Suites is the SDES suite order we offer and accept; empty means
	// [DefaultSuites].
	Suites []Suite
	// Codecs is the codec order we offer and accept; empty means
	// [DefaultCodecs].
	Codecs []Codec
	// PTime is our packetisation interval (10–120 ms in 10 ms steps); zero
	// means 20 ms. A peer's a=ptime overrides it for what we send.
	PTime time.Duration
	// LocalIP is bound and advertised in c= and o=; zero means 127.0.0.1.
	// Pass the local address of the signalling flow.
	LocalIP netip.Addr
	// Port is the RTP port (even; RTCP uses Port+1 unless rtcp-mux is
	// negotiated); zero picks a free pair.
	Port int
	// NoMediaTimeout raises [EventNoMedia] when nothing arrives for this
	// long; zero means 30 s, negative disables it.
	NoMediaTimeout time.Duration
	// DTMFPayloadType is the telephone-event payload type we offer; zero
	// means 101.
	DTMFPayloadType uint8
	// RTCPInterval is the mean RTCP report interval; zero means 5 s.
	RTCPInterval time.Duration
	// JitterMin and JitterMax bound the adaptive jitter buffer target; zero
	// means 20 ms and 200 ms.
	JitterMin, JitterMax time.Duration
	// Logger receives debug and warning lines; nil means slog.Default().
	// Key material is never logged.
	Logger *slog.Logger
}

func (c *Config) applyDefaults() error {
	if c.Policy == PolicyUnknown {
		c.Policy = PolicyMandatory
	}
	if len(c.Suites) == 0 {
		c.Suites = DefaultSuites()
	}
	for _, s := range c.Suites {
		if _, ok := s.profile(); !ok {
			return fmt.Errorf("media config: suite %v: %w", s, ErrUnknownSuite)
		}
	}
	if len(c.Codecs) == 0 {
		c.Codecs = DefaultCodecs()
	}
	for _, k := range c.Codecs {
		if k != CodecPCMU && k != CodecPCMA {
			return fmt.Errorf("media config: codec %v not supported", k)
		}
	}
	if c.PTime == 0 {
		c.PTime = DefaultPTime
	}
	if c.PTime < 10*time.Millisecond || c.PTime > maxPTime || c.PTime%(10*time.Millisecond) != 0 {
		return fmt.Errorf("media config: ptime %v: want 10–120 ms in 10 ms steps", c.PTime)
	}
	if !c.LocalIP.IsValid() {
		c.LocalIP = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	c.LocalIP = c.LocalIP.Unmap()
	if c.LocalIP.IsUnspecified() {
		return errors.New("media config: LocalIP must be a concrete address (it is advertised in SDP)")
	}
	if c.Port%2 != 0 || c.Port < 0 || c.Port > 65534 {
		return fmt.Errorf("media config: port %d: want an even port (RTCP uses port+1)", c.Port)
	}
	if c.NoMediaTimeout == 0 {
		c.NoMediaTimeout = DefaultNoMediaTimeout
	}
	if c.DTMFPayloadType == 0 {
		c.DTMFPayloadType = DefaultDTMFPayload
	}
	if c.DTMFPayloadType < 96 || c.DTMFPayloadType > 127 {
		return fmt.Errorf("media config: telephone-event payload type %d: want a dynamic type 96–127", c.DTMFPayloadType)
	}
	if c.RTCPInterval <= 0 {
		c.RTCPInterval = DefaultRTCPInterval
	}
	if c.JitterMin <= 0 {
		c.JitterMin = defaultJitterMin
	}
	if c.JitterMax <= 0 {
		c.JitterMax = defaultJitterMax
	}
	if c.JitterMax < c.JitterMin {
		return fmt.Errorf("media config: jitter max %v below min %v", c.JitterMax, c.JitterMin)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Session is one audio stream: the UDP ports, offer/answer state, SRTP
// contexts and, once started, the engine goroutines. Its methods are safe
// for concurrent use.
type Session struct {
	cfg      Config
	log      *slog.Logger
	rtpConn  *net.UDPConn
	rtcpConn *net.UDPConn

	mu         sync.Mutex // guards the fields below
	lp         localParams
	pending    *pendingOffer
	answered   *pendingOffer // the last offer an answer was accepted for
	neg        Negotiated
	negotiated bool
	started    bool
	closed     bool
	cancel     context.CancelFunc

	params         atomic.Pointer[streamParams]
	tx             atomic.Pointer[srtpCipher]
	rxRTP          atomic.Pointer[srtpCipher]
	rxRTCP         atomic.Pointer[srtpCipher]
	crypto         cryptoCounters // SRTP (RTP) drops
	rtcpCrypto     cryptoCounters // SRTCP drops
	shortSRTCPTags atomic.Bool    // the peer uses 32-bit SRTCP tags with _32
	muted          atomic.Bool
	ssrc           uint32
	latched        atomic.Pointer[netip.AddrPort]
	latchedRTCP    atomic.Pointer[netip.AddrPort]

	events        chan Event
	eventsDropped atomic.Int64
	dtmfQ         chan *dtmfRequest
	wg            sync.WaitGroup
	tickDone      chan struct{} // closed when the tick goroutine has returned
	done          chan struct{}

	noMediaRaised atomic.Bool
	ticks         atomic.Int64 // tick goroutine iterations, for tests and diagnostics
	dtmfRx        dtmfReceiver // guarded by rx.mu

	rx     rxState // receive-side statistics and the jitter buffer
	txStat txState
}

// streamParams is the negotiated state the engine reads every tick.
type streamParams struct {
	neg   Negotiated
	frame int // samples per ptime
	gen   uint64
}

// NewSession validates cfg and binds the RTP (and RTCP) UDP ports on
// cfg.LocalIP. ctx bounds only the binding.
func NewSession(ctx context.Context, cfg Config) (*Session, error) {
	if err := cfg.applyDefaults(); err != nil {
		return nil, err
	}
	rtpC, rtcpC, err := bindPair(ctx, cfg.LocalIP, cfg.Port)
	if err != nil {
		return nil, err
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		rtpC.Close()
		rtcpC.Close()
		return nil, fmt.Errorf("media session: random ids: %w", err)
	}
	port := rtpC.LocalAddr().(*net.UDPAddr).Port
	s := &Session{
		cfg:      cfg,
		rtpConn:  rtpC,
		rtcpConn: rtcpC,
		ssrc:     binary.BigEndian.Uint32(rnd[0:4]),
		events:   make(chan Event, 64),
		dtmfQ:    make(chan *dtmfRequest),
		done:     make(chan struct{}),
	}
	s.lp = localParams{
		policy: cfg.Policy, suites: slices.Clone(cfg.Suites), codecs: slices.Clone(cfg.Codecs),
		ptime: cfg.PTime, dtmfPT: cfg.DTMFPayloadType, addr: cfg.LocalIP, port: port,
		dir: DirectionSendRecv, origin: binary.BigEndian.Uint64(rnd[8:16]) >> 20, // 44 bits: fits o= as a decimal everyone parses
	}
	s.txStat.seq = binary.BigEndian.Uint16(rnd[4:6])
	s.txStat.ts = binary.BigEndian.Uint32(rnd[6:10]) // RFC 3550 §5.1: random initial values
	s.log = cfg.Logger.With("rtp", s.LocalAddr().String(), "ssrc", s.ssrc)
	return s, nil
}

// bindPair binds an even RTP port and the odd RTCP port above it.
func bindPair(ctx context.Context, ip netip.Addr, port int) (*net.UDPConn, *net.UDPConn, error) {
	for attempt := 0; attempt < 64; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("bind rtp: %w", err)
		}
		a, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
		if err != nil {
			return nil, nil, fmt.Errorf("bind rtp on %s:%d: %w", ip, port, err)
		}
		p := a.LocalAddr().(*net.UDPAddr).Port
		if p%2 != 0 || p == 65535 {
			a.Close()
			continue
		}
		b, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(p+1))))
		if err != nil {
			a.Close()
			if port != 0 {
				return nil, nil, fmt.Errorf("bind rtcp on %s:%d: %w", ip, p+1, err)
			}
			continue
		}
		return a, b, nil
	}
	return nil, nil, fmt.Errorf("bind rtp on %s: no free even/odd port pair after 64 tries", ip)
}

// LocalAddr is the bound RTP address.
func (s *Session) LocalAddr() netip.AddrPort {
	return s.rtpConn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Offer writes an SDP offer (the initial INVITE's body, or a re-offer)
// with our current direction. Pass the answer to [Session.AcceptAnswer].
func (s *Session) Offer() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	b, po, err := makeOffer(&s.lp)
	s.answered = nil
	if err != nil {
		return nil, fmt.Errorf("sdp offer: %w", err)
	}
	s.pending = po
	return b, nil
}

// AcceptAnswer applies the peer's answer to our last offer. It may be
// called again for the same offer (an answer in a 183 repeated in the 200
// OK); unchanged keys keep their SRTP contexts. A failure is a
// [*NegotiationError] when the answer is unacceptable (for example plain RTP
// under PolicyMandatory); the call should then be ended.
func (s *Session) AcceptAnswer(answer []byte) (Negotiated, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Negotiated{}, ErrClosed
	}
	po := s.pending
	if po == nil {
		po = s.answered // the 200 OK repeating a 183's answer, or a later fork
	}
	if po == nil {
		return Negotiated{}, errors.New("sdp answer: no offer outstanding")
	}
	neg, kp, err := acceptAnswer(&s.lp, po, answer)
	if err != nil {
		s.log.Warn("sdp answer refused", "err", err)
		return neg, err
	}
	s.pending, s.answered = nil, po
	if err := s.applyLocked(neg, kp); err != nil {
		return neg, err
	}
	return neg, nil
}

// Answer negotiates a remote offer (an initial INVITE or a re-INVITE
// mid-call) and returns our answer. A *NegotiationError means: reply with
// its Status (488) and Warning, and keep any existing media as it was.
func (s *Session) Answer(offer []byte) ([]byte, Negotiated, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, Negotiated{}, ErrClosed
	}
	lp := s.lp // negotiate on a copy: a refused offer changes nothing
	lp.keys = make(map[Suite]CryptoAttr, len(s.lp.keys))
	for k, v := range s.lp.keys {
		lp.keys[k] = v
	}
	out, neg, kp, err := answerOffer(&lp, offer)
	if err != nil {
		s.log.Warn("sdp offer refused", "err", err)
		return nil, neg, err
	}
	s.lp = lp
	if err := s.applyLocked(neg, kp); err != nil {
		return nil, neg, err
	}
	return out, neg, nil
}

// SetDirection changes the direction we want (sendonly or inactive to put
// the peer on hold, sendrecv to resume) and returns the re-offer to send in
// a re-INVITE. Media changes when the answer is accepted.
func (s *Session) SetDirection(dir Direction) ([]byte, error) {
	if dir == DirectionUnknown {
		dir = DirectionSendRecv
	}
	s.mu.Lock()
	s.lp.dir = dir
	s.mu.Unlock()
	return s.Offer()
}

// applyLocked installs a negotiation result; s.mu is held.
func (s *Session) applyLocked(neg Negotiated, kp *keyPair) error {
	if neg.Secure {
		if cur := s.tx.Load(); cur == nil || cur.key != string(kp.local.Key)+string(kp.local.Salt)+string(kp.local.MKI) {
			c, err := newCipher(kp.local, false)
			if err != nil {
				return fmt.Errorf("srtp send context: %w", err)
			}
			s.tx.Store(c)
		}
		if cur := s.rxRTP.Load(); cur == nil || cur.key != string(kp.remote.Key)+string(kp.remote.Salt)+string(kp.remote.MKI) {
			a, err := newCipher(kp.remote, true)
			if err != nil {
				return fmt.Errorf("srtp receive context: %w", err)
			}
			b, err := newCipher(kp.remote, true)
			if err != nil {
				return fmt.Errorf("srtcp receive context: %w", err)
			}
			s.rxRTP.Store(a)
			s.rxRTCP.Store(b)
		}
	} else {
		s.tx.Store(nil)
		s.rxRTP.Store(nil)
		s.rxRTCP.Store(nil)
	}
	prev := s.params.Load()
	if prev == nil || prev.neg.Remote != neg.Remote || prev.neg.RemoteRTCP != neg.RemoteRTCP {
		s.latched.Store(nil)
		s.latchedRTCP.Store(nil)
	}
	p := &streamParams{neg: neg, frame: int(neg.PTime * time.Duration(neg.Codec.ClockRate()) / time.Second)}
	if prev != nil {
		p.gen = prev.gen + 1
	}
	s.params.Store(p)
	s.neg = neg
	s.negotiated = true
	s.log.Info("media negotiated", "secure", neg.Secure, "suite", neg.Suite.String(), "codec", neg.Codec.String(),
		"pt", neg.PayloadType, "ptime", neg.PTime, "dtmf_pt", neg.DTMFPayloadType, "direction", neg.Direction.String(),
		"remote", neg.Remote.String(), "rtcp_mux", neg.RTCPMux, "skipped", neg.Skipped)
	return nil
}

// Negotiated returns the current negotiation result.
func (s *Session) Negotiated() Negotiated {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.neg
}

// Mute replaces the outgoing audio with silence (packets keep flowing).
func (s *Session) Mute(on bool) { s.muted.Store(on) }

// Events delivers DTMF, no-media and latching events. It is closed by
// [Session.Close]. Events are dropped (and counted) when nobody reads.
func (s *Session) Events() <-chan Event { return s.events }

func (s *Session) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	select {
	case s.events <- e:
	default:
		s.eventsDropped.Add(1)
	}
}

// Close stops the engine, closes the sockets and the Events channel. It
// waits for every goroutine it started.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-s.tickDone // the tick goroutine owns the send state
		if p := s.params.Load(); p != nil {
			// RFC 3550 §6.6: say goodbye so the peer need not time out.
			s.sendRTCP(p, time.Now(), &rtcp.Goodbye{Sources: []uint32{s.ssrc}})
		}
	}
	close(s.done)
	err := errors.Join(s.rtpConn.Close(), s.rtcpConn.Close())
	s.wg.Wait()
	close(s.events)
	if err != nil {
		return fmt.Errorf("close media session: %w", err)
	}
	return nil
}
