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

// callSource sits between the user's source and the engine: it can be
// detached (after a transfer the new call takes the source over) and it
// serialises reads, so one source never feeds two sessions at once.
type callSource struct {
	mu  sync.Mutex
	src media.Source
}

func (s *callSource) ReadFrame(frame []int16) error {
	s.mu.Lock()
	src := s.src
	s.mu.Unlock()
	if src == nil {
		clear(frame)
		return nil
	}
	return src.ReadFrame(frame)
}

func (s *callSource) attach(src media.Source) {
	s.mu.Lock()
	s.src = src
	s.mu.Unlock()
}

func (s *callSource) detach() media.Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	src := s.src
	s.src = nil
	return src
}

// callSink is callSource's counterpart for playout.
type callSink struct {
	mu   sync.Mutex
	sink media.Sink
}

func (s *callSink) WriteFrame(frame []int16) error {
	s.mu.Lock()
	sink := s.sink
	s.mu.Unlock()
	if sink == nil {
		return nil
	}
	return sink.WriteFrame(frame)
}

func (s *callSink) attach(sink media.Sink) {
	s.mu.Lock()
	s.sink = sink
	s.mu.Unlock()
}

func (s *callSink) detach() media.Sink {
	s.mu.Lock()
	defer s.mu.Unlock()
	sink := s.sink
	s.sink = nil
	return sink
}
