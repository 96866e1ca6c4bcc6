package ui

import (
	"context"
	"io"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/sip"
	wi "github.com/hookphone/hookphone/webhookinspector"
	"github.com/hookphone/hookphone/webhookinspector/streamcache"
)

// Services are the engines behind the Phone, Calls, Webhooks, Streams and SIP
// trace areas. Each is a small interface so the views are tested headlessly
// with fakes; services_real.go adapts the real packages. A nil field makes
// its area show an empty state explaining what is missing.
type Services struct {
	// Phone places and receives calls on the configured accounts.
	Phone PhoneService
	// History is the durable call log.
	History HistoryService
	// Inspector is the webhook capture server and its store.
	Inspector InspectorService
	// Streams is the stream-audio cache.
	Streams StreamService
	// Trace is the SIP message trace of every account.
	Trace TraceService
	// Ringer plays the ringtone while a call rings (nil: silent).
	Ringer Ringer
	// Audio lists devices and runs the device tests of Settings → Audio.
	Audio AudioService
	// FirstRun is set when no config existed and the local echo was set up.
	FirstRun bool
	// TestLog, when set, receives one line per UI state change (HOOKPHONE_TEST_LOG).
	TestLog func(format string, args ...any)

	closers []func()
	// closing is set when Close starts: from then on background events no
	// longer reach the widgets (the window's loop has ended; fyne.Do would
	// run them on the event's own goroutine).
	closing atomic.Bool
}

// Close stops every service (calls hung up, servers closed).
func (s *Services) Close() {
	if s == nil {
		return
	}
	s.closing.Store(true)
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// logf writes a test-log line when a test log is configured.
func (s *Services) logf(format string, args ...any) {
	if s != nil && s.TestLog != nil {
		s.TestLog(format, args...)
	}
}

// AccountStatus is an account as the Phone area shows it.
type AccountStatus struct {
	// Name is the account's configured name.
	Name string
	// AOR is its address of record.
	AOR string
	// State is the registration state.
	State sip.State
	// Reason explains a failed or retrying registration.
	Reason string
	// Server is the registrar's URI.
	Server string
	// TLS is the signalling flow's TLS version ("" before connecting).
	TLS string
}

// PhoneService places and receives calls. Its methods may block (network);
// the views call them off the UI goroutine.
type PhoneService interface {
	// Accounts returns every account with its registration state.
	Accounts() []AccountStatus
	// OnChange registers f, called from any goroutine after any account's
	// state changed; the returned func unregisters it.
	OnChange(f func()) (cancel func())
	// Dial places a call to target from account.
	Dial(ctx context.Context, account, target string) (CallHandle, error)
	// OnIncoming registers f, called from any goroutine for each ringing call.
	OnIncoming(f func(CallHandle))
	// OnTransferred registers f, called from any goroutine when a call
	// hands its audio to a replacement: a transfer the far end asked of us
	// (REFER), or an attended transfer's INVITE that took a call's place.
	OnTransferred(f func(old, replacement CallHandle))
	// TestAccount registers a (possibly unsaved) account once, or opens its
	// trunk flow, and says how it went.
	TestAccount(ctx context.Context, a config.Account, password string) (string, error)
	// Sync makes the running accounts follow the config (start new ones,
	// stop removed ones, restart changed ones).
	Sync(ctx context.Context, accounts []config.Account)
}

// CallHandle is one call as the call view drives it (*sip.Call plus the
// audio devices it plays through).
type CallHandle interface {
	// Info is a snapshot of the call.
	Info() sip.CallInfo
	// Subscribe delivers the call's events until the call ends or cancel.
	Subscribe(buf int) (<-chan sip.CallEvent, func())
	// Done is closed when the call has ended.
	Done() <-chan struct{}
	// Answer answers a ringing incoming call on the default devices.
	Answer(ctx context.Context) error
	// Reject declines a ringing incoming call (486 when code is 0).
	Reject(ctx context.Context, code int) error
	// Hangup ends the call.
	Hangup(ctx context.Context) error
	// Hold and Resume put the call on hold and take it off.
	Hold(ctx context.Context) error
	// Resume takes the call off hold.
	Resume(ctx context.Context) error
	// SetMuted stops or restarts sending our audio.
	SetMuted(on bool) error
	// SendDTMF sends digits in-band as RFC 4733 events.
	SendDTMF(ctx context.Context, digits string) error
	// Transfer asks the far end to call target (blind transfer).
	Transfer(ctx context.Context, target string) error
	// Levels returns the microphone and speaker levels in dBFS (−100: silent or no device).
	Levels() (mic, speaker float64)
	// TLS is the signalling flow's TLS state with the certificate chain.
	TLS() sip.ConnInfo
}

// HistoryService lists finished calls, newest first.
type HistoryService interface {
	// List returns up to limit calls started before before (zero: now).
	List(ctx context.Context, before time.Time, limit int) ([]sip.HistoryEntry, error)
}

// InspectorService is the webhook inspector: its store, live notices and
// actions. Methods may block; views call them off the UI goroutine.
type InspectorService interface {
	// List returns a page of captures.
	List(ctx context.Context, f wi.Filter) ([]wi.Summary, error)
	// Get returns one capture with its bytes.
	Get(ctx context.Context, id int64) (*wi.Capture, error)
	// Subscribe delivers new captures and watchdog warnings.
	Subscribe(buf int) (<-chan wi.Notice, func())
	// SendSamples sends a signed sample call's webhooks to the inspector itself.
	SendSamples(ctx context.Context) (int, error)
	// Replay sends a capture again to the forward target or the inspector,
	// as captured or re-signed with the current secret.
	Replay(ctx context.Context, id int64, resign bool) (wi.ReplayResult, error)
	// WriteHAR exports the captures selected by f as HAR.
	WriteHAR(ctx context.Context, w io.Writer, f wi.Filter) error
	// BaseURL is where the inspector listens ("http://127.0.0.1:8088").
	BaseURL() string
	// CallStarted tells the watchdog a call began (its X-Hookphone-Call-Id).
	CallStarted(callID string, at time.Time)
	// Apply restarts the capture server with new settings (secrets are read
	// again from the secret store); subscriptions carry on.
	Apply(ctx context.Context, ic config.Inspector) error
}

// StreamService is the stream-audio cache.
type StreamService interface {
	// List returns a page of cached URLs.
	List(ctx context.Context, offset, limit int) ([]streamcache.Report, error)
	// Peaks returns the waveform of a stored body.
	Peaks(ctx context.Context, url string) ([]float32, error)
	// Revalidate asks the origin again now.
	Revalidate(ctx context.Context, url string) (streamcache.Report, error)
	// Evict removes a URL's stored body.
	Evict(ctx context.Context, url string) error
	// Play plays the stored body on the speaker until ctx ends or it is over.
	Play(ctx context.Context, url string) error
}

// TraceService is the in-memory SIP trace of every account.
type TraceService interface {
	// Groups returns one entry per Call-ID.
	Groups() []sip.TraceGroup
	// Messages returns the messages of one Call-ID ("" for all).
	Messages(callID string) []sip.TraceMessage
	// Subscribe calls f (from any goroutine) for each new message.
	Subscribe(f func(sip.TraceMessage)) (cancel func())
}

// Ringer plays the ringtone on the ringer device.
type Ringer interface {
	// Ring plays until stop is called.
	Ring() (stop func())
}

// newServiceViews returns the Phone, Calls, Webhooks, Streams and SIP trace
// areas on svc (empty states where a service is missing).
func newServiceViews(win fyne.Window, d Deps, svc *Services, state *configState, show func(id string)) []View {

	if svc == nil {
		svc = &Services{}
	}
	async := d.Async
	if async == nil {
		async = func(f func()) { go f() }
	}
	env := &viewEnv{win: win, svc: svc, async: async, show: show, now: time.Now, tick: time.Second}
	phone := newPhoneArea(env, state, d.Dial)
	env.phone = phone
	env.calls = newCallsArea(env)
	return []View{
		phone,
		env.calls,
		newWebhooksArea(env, state, d),
		newStreamsArea(env),
		newTraceArea(env),
	}
}

// viewEnv is what every service area shares: the window, the services, the
// async runner, area switching and the clock.
type viewEnv struct {
	win   fyne.Window
	svc   *Services
	async func(func())
	show  func(id string)
	now   func() time.Time
	phone *phoneArea
	calls *callsArea
	// tick is how often the call view refreshes its timer and meters (0: only on events).
	tick time.Duration
	// do runs f on the UI goroutine; nil means fyne.Do. Tests queue instead,
	// because the test driver runs fyne.Do inline on the calling goroutine.
	do func(f func())
}

// ui hands f, from any goroutine, to the UI goroutine (dropped once the
// services are closing).
func (e *viewEnv) ui(f func()) {
	if e.svc.closing.Load() {
		return
	}
	if e.do != nil {
		e.do(f)
		return
	}
	fyne.Do(f)
}

// opTimeout bounds one user action on the network.
const opTimeout = 20 * time.Second

// run runs f off the UI goroutine with a bounded context and hands its error
// to done on the UI goroutine.
func (e *viewEnv) run(f func(ctx context.Context) error, done func(error)) {
	e.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		err := f(ctx)
		if done != nil {
			fyne.Do(func() { done(err) })
		}
	})
}
