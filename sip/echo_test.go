package sip

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/media"

	"github.com/hookphone/hookphone/internal/testlab"
)

// echoClient configures newEchoClient beyond its defaults.
type echoClient struct {
	account func(*Account) // edits the trunk account (alice, the echo's CA)
	trace   *Trace
	cfg     CallManagerConfig
}

// newEchoClient starts the echo service and a call manager on an endpoint
// that trusts the echo's CA (verification on, no pinning).
func newEchoClient(t *testing.T, opts ...echoClient) (*EchoServer, *CallManager) {
	t.Helper()
	var o echoClient
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx := ctxFor(t, 30*time.Second)
	echo, err := StartEchoServer(ctx, EchoConfig{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { echo.Close() })
	srv, err := ParseServerURI(echo.ServerURI())
	if err != nil {
		t.Fatal(err)
	}
	acct := Account{Mode: ModeTrunk, Server: srv, User: "alice", CAFile: echo.CAFile()}
	if o.account != nil {
		o.account(&acct)
	}
	e, err := NewEndpoint(acct, EndpointOptions{Logger: testLogger(t), Trace: o.trace})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	cfg := o.cfg
	cfg.Logger = testLogger(t)
	m, err := NewEndpointCallManager(e, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(ctxFor(t, 10*time.Second)) })
	return echo, m
}

func TestEchoReturnsOwnTone(t *testing.T) {
	echo, m := newEchoClient(t)
	ctx := ctxFor(t, 60*time.Second)
	rec := &recorder{}
	c, err := m.Dial(ctx, "echo", DialOptions{Source: &toneSource{freq: 440}, Sink: rec})
	if err != nil {
		t.Fatal(err)
	}
	events, stop := c.Subscribe(256)
	defer stop()
	if err := c.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if n := len(echo.Calls()); n != 1 {
		t.Errorf("echo has %d calls, want 1", n)
	}
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	info := c.Info()
	if info.Result != ResultAnswered || info.Reason != "local hangup" || info.SIPStatus != 200 {
		t.Errorf("ended %s %d %q, want answered 200 / local hangup", info.Result, info.SIPStatus, info.Reason)
	}
	if info.Security.SRTPSuite != "AES_CM_128_HMAC_SHA1_80" || !info.Security.SRTP {
		t.Errorf("info = %+v, want answered with SRTP AES_CM_128_HMAC_SHA1_80", info)
	}
	if info.Security.TLSVersion == "" || info.Security.Transport != "TLS" {
		t.Errorf("security = %+v, want the flow's TLS", info.Security)
	}
	if info.Stats.Received < 50 || info.Stats.SRTPAuthFailures != 0 {
		t.Errorf("stats = %+v, want ≥ 50 packets received, no auth failures", info.Stats)
	}
	// On loopback the echo's media comes from exactly the address its SDP names.
	if !info.MediaSDPAddr.IsValid() || info.MediaSourceAddr != info.MediaSDPAddr {
		t.Errorf("media addresses: SDP %v, source %v; want the same valid address", info.MediaSDPAddr, info.MediaSourceAddr)
	}
	got := rec.Samples()
	if len(got) < 8000 {
		t.Fatalf("heard %d samples, want ≥ 1 s", len(got))
	}
	if ok, detail := testlab.ToneCheck(got[len(got)/3:], 8000, 440); !ok {
		t.Errorf("echo of our 440 Hz: %s", detail)
	}
	var sawActive, sawSecurity, sawEnded bool
	for ev := range events {
		switch {
		case ev.Kind == EventState && ev.State == CallStateActive:
			sawActive = true
		case ev.Kind == EventSecurity && ev.Security != nil && ev.Security.SRTP:
			sawSecurity = true
		case ev.Kind == EventState && ev.State == CallStateEnded:
			sawEnded = true
		}
	}
	if !sawActive || !sawSecurity || !sawEnded {
		t.Errorf("events: active=%v security=%v ended=%v, want all", sawActive, sawSecurity, sawEnded)
	}
}

// TestMuteSilencesWhatWeSend: with mute on, the echo has nothing of ours to
// return; with mute off our tone comes back.
func TestMuteSilencesWhatWeSend(t *testing.T) {
	_, m := newEchoClient(t)
	ctx := ctxFor(t, 60*time.Second)
	rec := &recorder{}
	c, err := m.Dial(ctx, "echo", DialOptions{Source: &toneSource{freq: 440}, Sink: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := c.SetMuted(true); err != nil {
		t.Fatal(err)
	}
	if !c.Info().Muted {
		t.Error("Info().Muted is false after SetMuted(true)")
	}
	time.Sleep(time.Second)
	mark := len(rec.Samples())
	time.Sleep(1500 * time.Millisecond)
	muted := rec.Samples()[mark:]
	if err := c.SetMuted(false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	mark = len(rec.Samples())
	time.Sleep(1500 * time.Millisecond)
	unmuted := rec.Samples()[mark:]
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if p := testlab.Goertzel(muted, 8000, 440); p > 0.05 || testlab.RMS(muted) > 300 {
		t.Errorf("while muted we heard 440 Hz power %.2f, RMS %.0f: our audio still went out", p, testlab.RMS(muted))
	}
	if ok, detail := testlab.ToneCheck(unmuted, 8000, 440); !ok {
		t.Errorf("after unmute: %s", detail)
	}
}

// TestEchoAcceptsRegistration: the GUI's first-run account registers with
// the echo service (verified TLS to its own CA) and calls "echo".
func TestEchoAcceptsRegistration(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	echo, err := StartEchoServer(ctx, EchoConfig{Dir: t.TempDir(), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	srv, err := ParseServerURI(echo.ServerURI())
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEndpoint(Account{Name: "Local echo", Mode: ModeRegister, Server: srv, User: "me", CAFile: echo.CAFile()}, EndpointOptions{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	m, err := NewEndpointCallManager(e, CallManagerConfig{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctxFor(t, 10*time.Second))
	regCtx, stop := context.WithCancel(ctx)
	reg := NewRegistration(e, RegistrationOptions{})
	done := make(chan error, 1)
	go func() { done <- reg.Run(regCtx) }()
	for ev := range reg.Events() {
		if ev.State == StateRegistered {
			if ev.Expires <= 0 || ev.Flow == nil || ev.Flow.TLS.ServerCertSHA256() != echo.Fingerprint() {
				t.Errorf("registered %+v; want a lifetime and the echo's certificate %s", ev, echo.Fingerprint())
			}
			break
		}
		if ev.State == StateFailed {
			t.Fatalf("register with the echo: %s", ev)
		}
	}
	c, err := m.Dial(ctx, "echo", DialOptions{Source: &toneSource{freq: 440}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	stop()
	go func() {
		for range reg.Events() {
		}
	}()
	if err := <-done; err != nil {
		t.Errorf("registration run: %v", err)
	}

	// A second server run with the same Dir keeps the CA, so a client
	// configured once keeps trusting it.
	again, err := StartEchoServer(ctx, EchoConfig{Dir: filepath.Dir(echo.CAFile()), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if string(again.CAPEM()) != string(echo.CAPEM()) {
		t.Error("echo CA changed between runs with the same Dir")
	}
}

// TestPlainOfferToEchoGets488: an account with SRTP off offers RTP/AVP; the
// echo (mandatory SRTP) answers 488 with a Warning, and the call result
// carries the far end's reason.
func TestPlainOfferToEchoGets488(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	_, m := newEchoClient(t, echoClient{account: func(a *Account) { a.User, a.SRTP = "plain", SRTPOff }})
	c, err := m.Dial(ctx, "echo", DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = c.WaitAnswered(ctx)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Status != 488 || ce.Result != ResultRejected {
		t.Fatalf("WaitAnswered = %v, want a 488 CallError", err)
	}
	if !strings.Contains(ce.Reason, "refused our media offer") || !strings.Contains(ce.Reason, "Warning: 30") {
		t.Errorf("reason %q: want the far end's 488 and its Warning", ce.Reason)
	}
}

// noMediaSession wraps the real engine and reports "no media" after a
// while, as the engine does when the far end goes silent.
type noMediaSession struct {
	mediaSession
	events chan media.Event
}

func (s *noMediaSession) Events() <-chan media.Event { return s.events }

func (s *noMediaSession) Start(ctx context.Context, src media.Source, sink media.Sink) error {
	if err := s.mediaSession.Start(ctx, src, sink); err != nil {
		return err
	}
	go func() {
		time.Sleep(time.Second)
		s.events <- media.Event{Kind: media.EventNoMedia, Time: time.Now(), Reason: "no media"}
	}()
	return nil
}

func TestNoMediaEndsTheCall(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	_, m := newEchoClient(t)
	m.cfg.newMedia = func(ctx context.Context, cfg media.Config) (mediaSession, error) {
		ms, err := newMediaSession(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return &noMediaSession{mediaSession: ms, events: make(chan media.Event, 1)}, nil
	}
	c, err := m.Dial(ctx, "echo", DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("call did not end on no media")
	}
	if info := c.Info(); info.Reason != "no media" || info.Result != ResultAnswered {
		t.Errorf("ended %s with %q, want answered / no media", info.Result, info.Reason)
	}
}

// TestCustomCallIDHeader: the account's call-id header name is used on the
// INVITE (seen in the endpoint's SIP trace), carrying the call's ID.
func TestCustomCallIDHeader(t *testing.T) {
	ctx := ctxFor(t, 30*time.Second)
	trace := NewTrace(100)
	_, m := newEchoClient(t, echoClient{trace: trace, account: func(a *Account) { a.User, a.CallIDHeader = "t", "X-Test-Call" }})
	c, err := m.Dial(ctx, "echo", DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, msg := range trace.Messages(c.SIPCallID) {
		raw := string(msg.Raw())
		if strings.HasPrefix(raw, "INVITE ") && strings.Contains(raw, "X-Test-Call: "+c.ID+"\r\n") {
			found = true
		}
	}
	if !found {
		t.Errorf("no INVITE with X-Test-Call: %s in the trace", c.ID)
	}
}
