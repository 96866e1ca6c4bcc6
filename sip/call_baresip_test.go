package sip

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
)

// callLab is a real Kamailio over TLS, Hookphone registered as alice, and a
// baresip phone bob (mandatory SRTP, auto-answer, tone 1000 Hz) registered too.
type callLab struct {
	k        *testlab.Kamailio
	e        *Endpoint
	m        *CallManager
	bob      *testlab.Baresip
	incoming chan *Call
}

type labOptions struct {
	account func(*Account)               // edits alice's account
	bob     func(*testlab.BaresipConfig) // edits bob's config
	noBob   bool
}

func startCallLab(t *testing.T, o labOptions) *callLab {
	t.Helper()
	l := &callLab{incoming: make(chan *Call, 4)}
	l.k = testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{
		"alice": "secretA", "bob": "secretB", "carol": "secretC"}})
	srv, err := ParseServerURI(l.k.ServerURI())
	if err != nil {
		t.Fatal(err)
	}
	acct := Account{Mode: ModeRegister, Server: srv, User: "alice", Password: "secretA", CAFile: l.k.CAFile}
	if o.account != nil {
		o.account(&acct)
	}
	l.e, l.m = registerHookphone(t, acct, l.incoming)
	if !o.noBob {
		cfg := testlab.BaresipConfig{Name: "bob", User: "bob", Password: "secretB", Domain: l.k.Domain(),
			Registrar: l.k.TLSAddr(), CAFile: l.k.CAFile, ToneHz: 1000}
		if o.bob != nil {
			o.bob(&cfg)
		}
		l.bob = testlab.StartBaresip(t, cfg)
	}
	return l
}

// registerHookphone starts a Hookphone endpoint and call manager for acct,
// sends its incoming calls to incoming, and returns once it is registered.
func registerHookphone(t *testing.T, acct Account, incoming chan *Call) (*Endpoint, *CallManager) {
	t.Helper()
	e, err := NewEndpoint(acct, EndpointOptions{Logger: testLogger(t), Trace: NewTrace(0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	m, err := NewEndpointCallManager(e, CallManagerConfig{
		Logger:     testLogger(t),
		OnIncoming: func(c *Call) { incoming <- c },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(ctxFor(t, 10*time.Second)) })
	regCtx, stopReg := context.WithCancel(context.Background())
	reg := NewRegistration(e, RegistrationOptions{})
	regDone := make(chan struct{})
	go func() { defer close(regDone); _ = reg.Run(regCtx) }()
	t.Cleanup(func() { stopReg(); <-regDone })
	deadline := time.After(30 * time.Second)
	for registered := false; !registered; {
		select {
		case ev, ok := <-reg.Events():
			if !ok {
				t.Fatal("registration ended before registering")
			}
			if ev.State == StateRegistered {
				registered = true
			}
			if ev.State == StateFailed {
				t.Fatalf("register %s: %s", acct.User, ev)
			}
		case <-deadline:
			t.Fatalf("%s did not register in 30 s", acct.User)
		}
	}
	go func() {
		for range reg.Events() {
		}
	}()
	return e, m
}

// bobHeard checks the dominant frequency of what baresip bob recorded of
// the call that just ended (after a moment for baresip to close the file).
func bobHeard(t *testing.T, bob *testlab.Baresip, want float64) {
	t.Helper()
	const who = "bob"
	time.Sleep(500 * time.Millisecond)
	_, path, err := bob.Recordings()
	if err != nil {
		t.Fatal(err)
	}
	s, rate, err := testlab.ReadWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) < rate {
		t.Fatalf("%s heard only %d samples at %d Hz", who, len(s), rate)
	}
	if ok, detail := testlab.ToneCheck(testlab.Middle(s, 0.3, 0.9), rate, want); !ok {
		t.Errorf("%s: %s", who, detail)
	}
}

// ourTone checks what Hookphone heard.
func ourTone(t *testing.T, rec *recorder, want float64) {
	t.Helper()
	got := rec.Samples()
	if len(got) < 8000 {
		t.Fatalf("hookphone heard %d samples, want ≥ 1 s", len(got))
	}
	if ok, detail := testlab.ToneCheck(got[len(got)/3:], 8000, want); !ok {
		t.Errorf("hookphone heard: %s", detail)
	}
}

func TestHookphoneCallsBaresip(t *testing.T) {
	l := startCallLab(t, labOptions{})
	ctx := ctxFor(t, 90*time.Second)
	cap := startCapture(t, l.bob.RTPMin, l.bob.RTPMax)
	rec := &recorder{}
	c, err := l.m.Dial(ctx, "bob", DialOptions{Source: &toneSource{freq: 440}, Sink: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	from := l.bob.EventCount()
	if err := c.SendDTMF(ctx, "12#"); err != nil {
		t.Fatal(err)
	}
	var digits []string
	for len(digits) < 3 {
		ev, err := l.bob.WaitEventAfter(ctx, "CALL_DTMF_START", from)
		if err != nil {
			t.Fatalf("bob got digits %v, want 1 2 #: %v", digits, err)
		}
		digits = append(digits, ev.Param)
		from = indexAfter(l.bob, ev) + 1
	}
	if strings.Join(digits, "") != "12#" {
		t.Errorf("bob got DTMF %v, want 1 2 #", digits)
	}
	time.Sleep(time.Second)
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.bob.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
		t.Fatal(err)
	}
	info := c.Info()
	if info.Result != ResultAnswered || info.SIPStatus != 200 || info.Reason != "local hangup" {
		t.Errorf("result %s %d %q, want answered 200 / local hangup", info.Result, info.SIPStatus, info.Reason)
	}
	if !info.Security.SRTP || info.Security.SRTPSuite != "AES_CM_128_HMAC_SHA1_80" || info.Security.TLSVersion == "" {
		t.Errorf("security %+v, want TLS + SRTP AES_CM_128_HMAC_SHA1_80", info.Security)
	}
	// The 16-byte "SRTCP" packet baresip sends at the start of each call
	// (LAB-NOTES pitfall 15) is a plain RTCP APP "PING"; at hang-up libre may
	// also send its BYE in clear. Both are counted as unprotected, so no
	// authentication failure of either kind is allowed.
	if info.Stats.Received < 100 || info.Stats.Sent < 100 || info.Stats.SRTPAuthFailures != 0 || info.Stats.SRTCPAuthFailures != 0 {
		t.Errorf("stats %+v, want ≥ 100 packets each way and no SRTP or SRTCP auth failure", info.Stats)
	}
	t.Logf("unprotected RTCP dropped: %d", info.Stats.SRTCPPlaintext)
	ourTone(t, rec, 1000)
	bobHeard(t, l.bob, 440)
	// The INVITE Kamailio relayed carried our call id header.
	if !sipDumpHas(t, l.k, DefaultCallIDHeader+": "+c.ID) {
		t.Errorf("no %q header with %s in Kamailio's SIP dump", DefaultCallIDHeader, c.ID)
	}
	cap.checkNoPlainTone(t, 440, 1000)
}

// indexAfter finds the index of ev among the phone's events.
func indexAfter(b *testlab.Baresip, ev testlab.BaresipEvent) int {
	evs := b.Events()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i] == ev {
			return i
		}
	}
	return len(evs)
}

// sipDumpHas waits until Kamailio's cleartext SIP dump holds every one of
// want and reports whether it did. The sipdump module writes from a timer
// process, so the newest messages reach the files a little later (later
// still on a loaded machine); 10 s bounds a missing message, it is not a
// speed check.
func sipDumpHas(t *testing.T, k *testlab.Kamailio, want ...string) bool {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		dump, err := k.SIPDump()
		if err != nil {
			t.Fatalf("read Kamailio's SIP dump: %v", err)
		}
		all := true
		for _, w := range want {
			all = all && strings.Contains(dump, w)
		}
		if all {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestBaresipCallsHookphone(t *testing.T) {
	l := startCallLab(t, labOptions{})
	ctx := ctxFor(t, 90*time.Second)
	if err := l.bob.Dial(ctx, "sip:alice@"+l.k.Domain()); err != nil {
		t.Fatal(err)
	}
	var c *Call
	select {
	case c = <-l.incoming:
	case <-ctx.Done():
		t.Fatalf("no incoming call: %v", ctx.Err())
	}
	if c.Direction != DirectionIncoming || !strings.Contains(c.Remote, "bob") {
		t.Errorf("incoming call %s from %s, want incoming from bob", c.Direction, c.Remote)
	}
	if st := c.State(); st != CallStateRinging {
		t.Errorf("state %s before answer, want ringing", st)
	}
	rec := &recorder{}
	if err := c.Answer(ctx, AnswerOptions{Source: &toneSource{freq: 440}, Sink: rec}); err != nil {
		t.Fatal(err)
	}
	events, stop := c.Subscribe(512)
	defer stop()
	if _, err := l.bob.WaitEvent(ctx, "CALL_ESTABLISHED"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if err := l.bob.SendDTMF(ctx, "47*"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := l.bob.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("call did not end after bob hung up")
	}
	var digits string
	for ev := range events {
		if ev.Kind == EventDTMF {
			digits += ev.Digit
		}
	}
	if digits != "47*" {
		t.Errorf("hookphone got DTMF %q, want 47*", digits)
	}
	info := c.Info()
	if info.Result != ResultAnswered || info.Reason != "remote hangup" || !info.Security.SRTP {
		t.Errorf("info %+v, want answered, remote hangup, SRTP", info)
	}
	ourTone(t, rec, 1000)
	bobHeard(t, l.bob, 440)
}

// TestSRTPSuitesWithBaresip offers each suite alone; baresip (as answerer)
// supports all four, and each call carries audio both ways.
func TestSRTPSuitesWithBaresip(t *testing.T) {
	for _, suite := range []string{"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM", "AEAD_AES_256_GCM"} {
		t.Run(suite, func(t *testing.T) {
			l := startCallLab(t, labOptions{account: func(a *Account) { a.Suites = []string{suite} }})
			ctx := ctxFor(t, 60*time.Second)
			rec := &recorder{}
			c, err := l.m.Dial(ctx, "bob", DialOptions{Source: &toneSource{freq: 440}, Sink: rec})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.WaitAnswered(ctx); err != nil {
				t.Fatal(err)
			}
			menc, err := l.bob.WaitEvent(ctx, "CALL_MENC")
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(2500 * time.Millisecond)
			if err := c.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(menc.Param, suite) {
				t.Errorf("baresip says %q, want %s", menc.Param, suite)
			}
			info := c.Info()
			if info.Security.SRTPSuite != suite {
				t.Errorf("suite %q, want %s", info.Security.SRTPSuite, suite)
			}
			// Not one packet may fail authentication. baresip 1.0 (libre 1.1)
			// sends a plain RTCP APP "PING" per call and sometimes its BYE in
			// clear: media counts those as unprotected, not as failures. With
			// _32 libre also cuts SRTCP tags to 32 bits, which media accepts.
			if info.Stats.SRTPAuthFailures != 0 || info.Stats.SRTCPAuthFailures != 0 {
				t.Errorf("auth failures: SRTP %d, SRTCP %d (want 0 and 0)",
					info.Stats.SRTPAuthFailures, info.Stats.SRTCPAuthFailures)
			}
			t.Logf("unprotected RTCP dropped: %d", info.Stats.SRTCPPlaintext)
			ourTone(t, rec, 1000)
			if _, err := l.bob.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
				t.Fatal(err)
			}
			bobHeard(t, l.bob, 440)
		})
	}
}

func TestHoldResumeWithBaresip(t *testing.T) {
	l := startCallLab(t, labOptions{})
	ctx := ctxFor(t, 90*time.Second)
	rec := &recorder{}
	c, err := l.m.Dial(ctx, "bob", DialOptions{Source: &toneSource{freq: 440}, Sink: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)

	// We hold bob: our re-INVITE offers sendonly, bob answers recvonly, so
	// bob's tone stops reaching us.
	if err := c.Hold(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.State(); st != CallStateHeld {
		t.Fatalf("state %s after Hold, want held", st)
	}
	time.Sleep(500 * time.Millisecond)
	before := c.Info().Stats.Received
	time.Sleep(2 * time.Second)
	if got := c.Info().Stats.Received - before; got > 10 {
		t.Errorf("received %d packets in 2 s while holding, want (almost) none", got)
	}
	if err := c.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.State(); st != CallStateActive {
		t.Fatalf("state %s after Resume, want active", st)
	}
	rec.hearsNext(t, 1000, "after resume")

	// Bob holds us: his re-INVITE makes us remote-held; resume brings us back.
	if _, err := l.bob.Command(ctx, "hold", ""); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, CallStateRemoteHeld, 20*time.Second)
	// Held by bob, we hold too: the offer is inactive (RFC 6337 §5.3), and
	// our resume leaves us held by bob until he resumes.
	if err := c.Hold(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.State(); st != CallStateRemoteHeld {
		t.Errorf("state %s after our resume while bob holds, want remote-held", st)
	}
	var offers []string
	for _, m := range l.e.Trace().Messages(c.SIPCallID) {
		if m.Dir == DirSent && strings.HasPrefix(m.Summary, "INVITE ") {
			body := string(m.Raw())
			for _, d := range []string{"sendrecv", "sendonly", "recvonly", "inactive"} {
				if strings.Contains(body, "a="+d+"\r\n") {
					offers = append(offers, d)
				}
			}
		}
	}
	// After the INVITE (sent again with credentials): hold, resume, hold
	// while held, resume.
	if want := []string{"sendonly", "sendrecv", "inactive", "sendrecv"}; len(offers) < 4 || !slices.Equal(offers[len(offers)-4:], want) {
		t.Errorf("our offers %v, want them to end with %v", offers, want)
	}
	if _, err := l.bob.Command(ctx, "resume", ""); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, CallStateActive, 20*time.Second)
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestPlainRTPOfferGets488: bob offers RTP/AVP to our mandatory-SRTP
// account; we answer 488 with a Warning saying why, and record the reason.
func TestPlainRTPOfferGets488(t *testing.T) {
	l := startCallLab(t, labOptions{bob: func(c *testlab.BaresipConfig) { c.MediaEnc = "none" }})
	ctx := ctxFor(t, 60*time.Second)
	if err := l.bob.Dial(ctx, "sip:alice@"+l.k.Domain()); err != nil {
		t.Fatal(err)
	}
	closed, err := l.bob.WaitEvent(ctx, "CALL_CLOSED")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(closed.Param, "488") {
		t.Errorf("bob's call closed with %q, want 488", closed.Param)
	}
	select {
	case c := <-l.incoming:
		t.Errorf("a plain-RTP offer rang here: %+v", c.Info())
	default:
	}
	if !sipDumpHas(t, l.k, "488 Not Acceptable Here", "Warning: 30") {
		t.Errorf("no 488 with a Warning in Kamailio's SIP dump")
	}

	// And the other way: bob (plain RTP only) refuses our SRTP offer; the
	// result says the far end refused our media offer.
	c, err := l.m.Dial(ctx, "bob", DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = c.WaitAnswered(ctx)
	info := c.Info()
	if err == nil || info.Result != ResultRejected || info.SIPStatus != 488 || !strings.Contains(info.Reason, "refused our media offer") {
		t.Errorf("call to plain-RTP bob: err %v, info %+v; want rejected 488 explained", err, info)
	}
}

// TestCancelAndRejectWithBaresip: a CANCEL before answer (bob rings
// manually) and a 486 from us.
func TestCancelAndRejectWithBaresip(t *testing.T) {
	l := startCallLab(t, labOptions{bob: func(c *testlab.BaresipConfig) { c.AnswerMode = "manual" }})
	ctx := ctxFor(t, 60*time.Second)
	c, err := l.m.Dial(ctx, "bob", DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, CallStateRinging, 20*time.Second)
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if info := c.Info(); info.Result != ResultCancelled {
		t.Errorf("result %s (%s), want cancelled", info.Result, info.Reason)
	}
	if _, err := l.bob.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
		t.Fatal(err)
	}

	from := l.bob.EventCount()
	if err := l.bob.Dial(ctx, "sip:alice@"+l.k.Domain()); err != nil {
		t.Fatal(err)
	}
	in := <-l.incoming
	if err := in.Reject(ctx, 486); err != nil {
		t.Fatal(err)
	}
	closed, err := l.bob.WaitEventAfter(ctx, "CALL_CLOSED", from)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(closed.Param, "486") {
		t.Errorf("bob's call closed with %q, want 486", closed.Param)
	}
	if info := in.Info(); info.Result != ResultBusy || info.SIPStatus != 486 {
		t.Errorf("incoming result %s %d, want busy 486", info.Result, info.SIPStatus)
	}
}

// TestTransferWithBaresip: we transfer bob to carol (REFER out), then bob
// transfers us to carol (REFER in).
func TestTransferWithBaresip(t *testing.T) {
	l := startCallLab(t, labOptions{})
	carol := testlab.StartBaresip(t, testlab.BaresipConfig{Name: "carol", User: "carol", Password: "secretC",
		Domain: l.k.Domain(), Registrar: l.k.TLSAddr(), CAFile: l.k.CAFile, ToneHz: 700})
	ctx := ctxFor(t, 120*time.Second)

	c, err := l.m.Dial(ctx, "bob", DialOptions{Source: &toneSource{freq: 440}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitAnswered(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := c.Transfer(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.WaitEvent(ctx, "CALL_ESTABLISHED"); err != nil {
		t.Fatalf("bob did not reach carol after our REFER: %v", err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("our leg did not end after the transfer")
	}
	if r := c.Info().Reason; r != "transferred" && r != "remote hangup" {
		t.Errorf("our leg ended with %q, want transferred", r)
	}
	_ = carol.Hangup(ctx)
	_ = l.bob.Hangup(ctx)
	time.Sleep(time.Second)

	// Bob calls us and transfers us to carol.
	carolFrom := carol.EventCount()
	if err := l.bob.Dial(ctx, "sip:alice@"+l.k.Domain()); err != nil {
		t.Fatal(err)
	}
	in := <-l.incoming
	events, stop := in.Subscribe(256)
	defer stop()
	rec := &recorder{}
	if err := in.Answer(ctx, AnswerOptions{Source: &toneSource{freq: 440}, Sink: rec}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if _, err := l.bob.Command(ctx, "transfer", "sip:carol@"+l.k.Domain()); err != nil {
		t.Fatal(err)
	}
	var nc *Call
	for ev := range events {
		if ev.Kind == EventTransfer && ev.NewCall != nil && ev.Status == 200 {
			nc = ev.NewCall
		}
	}
	if nc == nil {
		t.Fatal("no completed transfer event after bob's REFER")
	}
	if _, err := carol.WaitEventAfter(ctx, "CALL_ESTABLISHED", carolFrom); err != nil {
		t.Fatal(err)
	}
	rec.hearsNext(t, 700, "after the transfer")
	if err := nc.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestEarlyMediaAndCallerCancel: bob answers with 183 + SDP first
// (answermode=early): we hear him before any answer and CANCEL; then bob
// calls us and gives up while we ring.
func TestEarlyMediaAndCallerCancel(t *testing.T) {
	l := startCallLab(t, labOptions{bob: func(c *testlab.BaresipConfig) { c.AnswerMode = "early" }})
	ctx := ctxFor(t, 60*time.Second)
	c, err := l.m.Dial(ctx, "bob", DialOptions{Source: &toneSource{freq: 440}})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, CallStateEarlyMedia, 20*time.Second)
	time.Sleep(2 * time.Second)
	if !c.Info().Answered.IsZero() {
		t.Fatal("call counts as answered during early media")
	}
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	info := c.Info()
	if info.Result != ResultCancelled || !info.Security.SRTP {
		t.Errorf("early-media call: result %s, security %+v; want cancelled with SRTP", info.Result, info.Security)
	}
	// baresip 1.0 in answermode=early sends its 183 with SDP but no audio
	// until the answer, so only our half of early media is observable: our
	// SRTP stream ran before any answer.
	if info.Stats.Sent < 50 {
		t.Errorf("sent %d packets during early media, want ≥ 50", info.Stats.Sent)
	}

	from := l.bob.EventCount()
	if err := l.bob.Dial(ctx, "sip:alice@"+l.k.Domain()); err != nil {
		t.Fatal(err)
	}
	in := <-l.incoming
	if _, err := l.bob.WaitEventAfter(ctx, "CALL_RINGING", from); err != nil {
		t.Fatal(err)
	}
	if err := l.bob.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-in.Done():
	case <-ctx.Done():
		t.Fatal("incoming call still rings after the caller's CANCEL")
	}
	if r := in.Info().Result; r != ResultCancelled {
		t.Errorf("incoming result %s, want cancelled", r)
	}
}

// TestHoldAsCallee: on a call bob placed, our hold/resume re-INVITEs go out
// as the UAS of the dialog (route set from the INVITE's Record-Route).
func TestHoldAsCallee(t *testing.T) {
	l := startCallLab(t, labOptions{})
	ctx := ctxFor(t, 60*time.Second)
	if err := l.bob.Dial(ctx, "sip:alice@"+l.k.Domain()); err != nil {
		t.Fatal(err)
	}
	c := <-l.incoming
	rec := &recorder{}
	if err := c.Answer(ctx, AnswerOptions{Source: &toneSource{freq: 440}, Sink: rec}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := c.Hold(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	before := c.Info().Stats.Received
	time.Sleep(1500 * time.Millisecond)
	if got := c.Info().Stats.Received - before; got > 10 {
		t.Errorf("received %d packets while holding, want (almost) none", got)
	}
	if err := c.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	rec.hearsNext(t, 1000, "after resume")
	if err := c.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.bob.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
		t.Fatal(err)
	}
}
