package ui

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/media"
	"github.com/hookphone/hookphone/sip"
	wi "github.com/hookphone/hookphone/webhookinspector"
	sc "github.com/hookphone/hookphone/webhookinspector/streamcache"
)

// t0 is the fixed "now" of every view test, so timers render the same.
var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// newViewEnv builds a view environment on Fyne's test app: synchronous
// async runner, a fixed clock, no ticker, a 1000×660 window.
func newViewEnv(t *testing.T, svc *Services) (*viewEnv, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	w := a.NewWindow("Hookphone")
	w.Resize(fyne.NewSize(1000, 660))
	if svc == nil {
		svc = &Services{}
	}
	var shown []string
	env := &viewEnv{win: w, svc: svc, async: func(f func()) { f() }, now: func() time.Time { return t0.Add(83 * time.Second) },
		show: func(id string) { shown = append(shown, id) }}
	// Work that background goroutines hand to the UI waits in a queue the
	// test drains on its own goroutine (drainUI), as the real main loop would.
	q := make(chan func(), 1024)
	env.do = func(f func()) {
		select {
		case q <- f:
		default:
		}
	}
	uiQueues.Store(env, q)
	t.Cleanup(func() { uiQueues.Delete(env) })
	return env, w
}

// uiQueues holds each test environment's queue of UI work.
var uiQueues sync.Map

// drainUI runs the UI work queued so far by background goroutines.
func drainUI(env *viewEnv) {
	v, ok := uiQueues.Load(env)
	if !ok {
		return
	}
	q := v.(chan func())
	for {
		select {
		case f := <-q:
			f()
		default:
			return
		}
	}
}

// fakePhone is a PhoneService with scripted accounts and calls.
type fakePhone struct {
	mu       sync.Mutex
	accounts []AccountStatus
	dials    []string
	next     *fakeCall
	dialErr  error
	onChange []func()
	incoming []func(CallHandle)
	moved    []func(old, replacement CallHandle)
	synced   []int
}

func (p *fakePhone) Accounts() []AccountStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]AccountStatus(nil), p.accounts...)
}

func (p *fakePhone) OnChange(f func()) func() { p.onChange = append(p.onChange, f); return func() {} }

func (p *fakePhone) setState(i int, st sip.State, reason string) {
	p.mu.Lock()
	p.accounts[i].State, p.accounts[i].Reason = st, reason
	p.mu.Unlock()
	for _, f := range p.onChange {
		f()
	}
}

func (p *fakePhone) Dial(_ context.Context, account, target string) (CallHandle, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dials = append(p.dials, account+"|"+target)
	if p.dialErr != nil {
		return nil, p.dialErr
	}
	c := p.next
	if c == nil {
		c = newFakeCall(sip.DirectionOutgoing, "sip:"+target+"@127.0.0.1;transport=tls")
	}
	return c, nil
}

func (p *fakePhone) OnIncoming(f func(CallHandle)) { p.incoming = append(p.incoming, f) }

func (p *fakePhone) OnTransferred(f func(old, replacement CallHandle)) { p.moved = append(p.moved, f) }

func (p *fakePhone) TestAccount(_ context.Context, a config.Account, _ string) (string, error) {
	return a.Name + ": registered", nil
}

func (p *fakePhone) Sync(_ context.Context, accounts []config.Account) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.synced = append(p.synced, len(accounts))
}

// fakeCall is a CallHandle whose state the test drives.
type fakeCall struct {
	mu       sync.Mutex
	info     sip.CallInfo
	done     chan struct{}
	events   chan sip.CallEvent
	actions  []string
	mic, spk float64
	tls      sip.ConnInfo
}

func newFakeCall(dir sip.CallDirection, remote string) *fakeCall {
	return &fakeCall{
		info:   sip.CallInfo{ID: "c1", Direction: dir, Remote: remote, State: sip.CallStateCalling, Started: t0},
		done:   make(chan struct{}),
		events: make(chan sip.CallEvent, 16),
		mic:    -18, spk: -24,
	}
}

func (c *fakeCall) update(f func(*sip.CallInfo)) {
	c.mu.Lock()
	f(&c.info)
	c.mu.Unlock()
}

func (c *fakeCall) did() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.actions...)
}

func (c *fakeCall) act(a string) {
	c.mu.Lock()
	c.actions = append(c.actions, a)
	c.mu.Unlock()
}

func (c *fakeCall) Info() sip.CallInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

// Subscribe returns a channel the test feeds (nil-safe: tests that drive
// refresh directly never send on it).
func (c *fakeCall) Subscribe(int) (<-chan sip.CallEvent, func()) { return c.events, func() {} }
func (c *fakeCall) Done() <-chan struct{}                        { return c.done }

func (c *fakeCall) Answer(context.Context) error {
	c.act("answer")
	c.update(func(i *sip.CallInfo) { i.State, i.Answered = sip.CallStateActive, t0 })
	return nil
}

func (c *fakeCall) Reject(_ context.Context, code int) error {
	c.act("reject " + itoa(code))
	c.update(func(i *sip.CallInfo) { i.State, i.Result, i.SIPStatus = sip.CallStateEnded, sip.ResultRejected, code })
	return nil
}

func (c *fakeCall) Hangup(context.Context) error {
	c.act("hangup")
	c.update(func(i *sip.CallInfo) { i.State, i.Ended = sip.CallStateEnded, t0.Add(83*time.Second) })
	return nil
}

func (c *fakeCall) Hold(context.Context) error {
	c.act("hold")
	c.update(func(i *sip.CallInfo) { i.State, i.LocalHold = sip.CallStateHeld, true })
	return nil
}

func (c *fakeCall) Resume(context.Context) error {
	c.act("resume")
	c.update(func(i *sip.CallInfo) { i.State, i.LocalHold = sip.CallStateActive, false })
	return nil
}

func (c *fakeCall) SetMuted(on bool) error {
	c.act("mute " + map[bool]string{true: "on", false: "off"}[on])
	c.update(func(i *sip.CallInfo) { i.Muted = on })
	return nil
}

func (c *fakeCall) SendDTMF(_ context.Context, d string) error { c.act("dtmf " + d); return nil }

func (c *fakeCall) Transfer(_ context.Context, target string) error {
	c.act("transfer " + target)
	return nil
}

func (c *fakeCall) Levels() (float64, float64) { return c.mic, c.spk }
func (c *fakeCall) TLS() sip.ConnInfo          { return c.tls }

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}

// secureEstablished puts c in the answered state over TLS 1.3 + SRTP.
func secureEstablished(c *fakeCall) {
	c.update(func(i *sip.CallInfo) {
		i.State, i.Answered, i.Result = sip.CallStateActive, t0, sip.ResultAnswered
		i.Security = sip.Security{Transport: "TLS", TLSVersion: "TLS 1.3", TLSCipher: "TLS_AES_128_GCM_SHA256",
			PeerCertSHA256: "AB:CD:EF:01", SRTP: true, SRTPSuite: "AES_CM_128_HMAC_SHA1_80", Codec: "PCMU"}
		i.Stats = media.Stats{Sent: 4150, Received: 4143, Lost: 2, JitterMS: 3.4, FractionLost: 0.001, RTTMS: 12, MOS: 4.38,
			Suite: "AES_CM_128_HMAC_SHA1_80", Codec: "PCMU"}
	})
	c.tls = sip.ConnInfo{Version: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ServerName: "127.0.0.1",
		Chain: []sip.CertInfo{{Subject: "CN=Hookphone echo", Issuer: "CN=Hookphone echo CA", SHA256: "AB:CD:EF:01",
			NotAfter: time.Date(2027, 11, 28, 0, 0, 0, 0, time.UTC)}}}
}

// fakeHistory is a fixed call log.
type fakeHistory struct{ rows []sip.HistoryEntry }

func (h *fakeHistory) List(_ context.Context, before time.Time, limit int) ([]sip.HistoryEntry, error) {
	var out []sip.HistoryEntry
	for _, r := range h.rows {
		if (before.IsZero() || r.Start.Before(before)) && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

// fakeInspector is an in-memory store of summaries.
type fakeInspector struct {
	rows     []wi.Summary // newest first
	captures map[int64]*wi.Capture
	sent     int
	applied  int
	notices  chan wi.Notice
	// lastFilter is what the view last asked the store for.
	lastFilter wi.Filter
}

func (f *fakeInspector) List(_ context.Context, flt wi.Filter) ([]wi.Summary, error) {
	f.lastFilter = flt
	var out []wi.Summary
	for _, r := range f.rows {
		if flt.Verdict != wi.VerdictUnknown && r.Verdict != flt.Verdict {
			continue
		}
		if flt.Call != "" && r.UUID != flt.Call && r.ConversationUUID != flt.Call && r.CallID != flt.Call {
			continue
		}
		if flt.BeforeID != 0 && r.ID >= flt.BeforeID {
			continue
		}
		// The store's path and text search (case-insensitive substrings).
		if !(webhookFilter{Path: flt.Path, Text: flt.Text}).matches(r) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func (f *fakeInspector) Get(_ context.Context, id int64) (*wi.Capture, error) {
	if c, ok := f.captures[id]; ok {
		return c, nil
	}
	return nil, errors.New("no such capture")
}

func (f *fakeInspector) Subscribe(int) (<-chan wi.Notice, func()) {
	if f.notices == nil {
		f.notices = make(chan wi.Notice)
	}
	return f.notices, func() {}
}

func (f *fakeInspector) SendSamples(context.Context) (int, error) { f.sent++; return 5, nil }
func (f *fakeInspector) Replay(context.Context, int64, bool) (wi.ReplayResult, error) {
	return wi.ReplayResult{}, nil
}
func (f *fakeInspector) WriteHAR(context.Context, io.Writer, wi.Filter) error { return nil }
func (f *fakeInspector) BaseURL() string                                      { return "http://127.0.0.1:8088" }
func (f *fakeInspector) CallStarted(string, time.Time)                        {}
func (f *fakeInspector) Apply(context.Context, config.Inspector) error        { f.applied++; return nil }

// sampleWebhooks is a mix of verdicts, paths and calls.
func sampleWebhooks() *fakeInspector {
	mk := func(id int64, path, event string, v wi.Verdict, uuid string) wi.Summary {
		k := wi.KindEvent
		if strings.HasSuffix(path, "answer") {
			k = wi.KindAnswer
		}
		return wi.Summary{ID: id, ReceivedAt: t0.Add(time.Duration(id) * time.Second), Method: "POST", Path: path,
			Kind: k, Verdict: v, Event: event, UUID: uuid, Reason: "reason " + event}
	}
	f := &fakeInspector{rows: []wi.Summary{
		mk(6, "/webhooks/event", "completed", wi.VerdictValid, "call-a"),
		mk(5, "/webhooks/event", "answered", wi.VerdictInvalid, "call-b"),
		mk(4, "/webhooks/event", "ringing", wi.VerdictValid, "call-a"),
		mk(3, "/webhooks/event", "started", wi.VerdictUnsigned, "call-c"),
		mk(2, "/webhooks/answer", "", wi.VerdictValid, "call-a"),
		mk(1, "/other/hook", "input", wi.VerdictValid, "call-b"),
	}, captures: map[int64]*wi.Capture{}}
	f.rows[4].Method = "GET"
	return f
}

// fakeStreams is a fixed set of cache reports.
type fakeStreams struct {
	reports []sc.Report
	evicted []string
}

func (s *fakeStreams) List(_ context.Context, off, limit int) ([]sc.Report, error) {
	return s.reports[min(off, len(s.reports)):min(off+limit, len(s.reports))], nil
}
func (s *fakeStreams) Peaks(context.Context, string) ([]float32, error) {
	p := make([]float32, 200)
	for i := range p {
		p[i] = float32((i*37)%100) / 100
	}
	return p, nil
}
func (s *fakeStreams) Revalidate(_ context.Context, u string) (sc.Report, error) {
	return sc.Report{URL: u, Status: sc.StatusRevalidated, Stored: true, Fresh: true}, nil
}
func (s *fakeStreams) Evict(_ context.Context, u string) error {
	s.evicted = append(s.evicted, u)
	return nil
}
func (s *fakeStreams) Play(context.Context, string) error { return nil }

// fakeRinger counts ringtones playing.
type fakeRinger struct{ playing int }

func (r *fakeRinger) Ring() func() {
	r.playing++
	return func() { r.playing-- }
}
