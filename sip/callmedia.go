package sip

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/hookphone/hookphone/media"
)

// mediaSession is the part of the media engine a call drives. *media.Session
// satisfies it; unit tests use a fake.
type mediaSession interface {
	LocalAddr() netip.AddrPort
	Offer() ([]byte, error)
	AcceptAnswer(sdp []byte) (media.Negotiated, error)
	Answer(offer []byte) ([]byte, media.Negotiated, error)
	Start(ctx context.Context, src media.Source, sink media.Sink) error
	SendDTMF(ctx context.Context, digits string, dur time.Duration) error
	SetDirection(dir media.Direction) ([]byte, error)
	Mute(on bool)
	Stats() media.Stats
	Events() <-chan media.Event
	Close() error
}

// mediaFactory opens a media session (binds its UDP ports).
type mediaFactory func(ctx context.Context, cfg media.Config) (mediaSession, error)

func newMediaSession(ctx context.Context, cfg media.Config) (mediaSession, error) {
	return media.NewSession(ctx, cfg)
}

// mediaPolicy maps the account's SRTP policy onto the media engine's.
func mediaPolicy(p SRTPPolicy) media.Policy {
	switch p {
	case SRTPOptional:
		return media.PolicyOptional
	case SRTPOff:
		return media.PolicyOff
	default:
		return media.PolicyMandatory
	}
}

// mediaConfig builds the media engine's configuration for one call of acc.
func mediaConfig(acc *Account, localIP netip.Addr, noMedia time.Duration) (media.Config, error) {
	cfg := media.Config{Policy: mediaPolicy(acc.SRTP), LocalIP: localIP, NoMediaTimeout: noMedia}
	if len(acc.Suites) > 0 {
		s, err := media.ParseSuites(strings.Join(acc.Suites, ","))
		if err != nil {
			return cfg, err
		}
		cfg.Suites = s
	}
	if len(acc.Codecs) > 0 {
		c, err := media.ParseCodecs(strings.Join(acc.Codecs, ","))
		if err != nil {
			return cfg, err
		}
		cfg.Codecs = c
	}
	return cfg, nil
}

// handoff holds the user's audio end (a media.Source or media.Sink) between
// the user and the engine. It can be detached, so that after a transfer the
// new call takes the end over and one source never feeds two sessions.
type handoff[T any] struct {
	mu  sync.Mutex
	end T
	set bool
}

func (h *handoff[T]) get() (T, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.end, h.set
}

func (h *handoff[T]) attach(end T) {
	h.mu.Lock()
	h.end, h.set = end, true
	h.mu.Unlock()
}

// detach returns the end (the zero value if none) and leaves the handoff empty.
func (h *handoff[T]) detach() T {
	h.mu.Lock()
	defer h.mu.Unlock()
	end := h.end
	var zero T
	h.end, h.set = zero, false
	return end
}

// callSource feeds the engine from the attached source, silence when none is.
type callSource struct{ handoff[media.Source] }

func (s *callSource) ReadFrame(frame []int16) error {
	src, ok := s.get()
	if !ok || src == nil {
		clear(frame)
		return nil
	}
	return src.ReadFrame(frame)
}

// callSink plays out into the attached sink, discarding when none is.
type callSink struct{ handoff[media.Sink] }

func (s *callSink) WriteFrame(frame []int16) error {
	sink, ok := s.get()
	if !ok || sink == nil {
		return nil
	}
	return sink.WriteFrame(frame)
}
