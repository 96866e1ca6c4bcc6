package sip

import (
	"testing"
	"time"
)

// newEchoClient starts the echo service and a call manager on an endpoint
// that trusts the echo's CA (verification on, no pinning).
func newEchoClient(t *testing.T, cfgs ...CallManagerConfig) (*EchoServer, *CallManager) {
	t.Helper()
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
	e, err := NewEndpoint(Account{Mode: ModeTrunk, Server: srv, User: "alice", CAFile: echo.CAFile()}, EndpointOptions{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	cfg := CallManagerConfig{}
	if len(cfgs) > 0 {
		cfg = cfgs[0]
	}
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
	if info.Result != ResultAnswered || info.Security.SRTPSuite != "AES_CM_128_HMAC_SHA1_80" || !info.Security.SRTP {
		t.Errorf("info = %+v, want answered with SRTP AES_CM_128_HMAC_SHA1_80", info)
	}
	if info.Security.TLSVersion == "" || info.Security.Transport != "TLS" {
		t.Errorf("security = %+v, want the flow's TLS", info.Security)
	}
	if info.Stats.Received < 50 || info.Stats.SRTPAuthFailures != 0 {
		t.Errorf("stats = %+v, want ≥ 50 packets received, no auth failures", info.Stats)
	}
	got := rec.Samples()
	if len(got) < 8000 {
		t.Fatalf("heard %d samples, want ≥ 1 s", len(got))
	}
	f, p := dominant(got[len(got)/3:], 8000)
	if f < 420 || f > 460 || p < 0.3 {
		t.Errorf("echo came back at %.0f Hz (power %.2f), want our 440 Hz", f, p)
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
