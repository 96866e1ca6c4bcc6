package ui

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hookphone/hookphone/audio"
	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/internal/sqlitedb"
	"github.com/hookphone/hookphone/sip"
	wi "github.com/hookphone/hookphone/webhookinspector"
	sc "github.com/hookphone/hookphone/webhookinspector/streamcache"
)

// LocalEchoAccount is the built-in account of the in-process echo service.
const LocalEchoAccount = "Local echo"

// localAPIKey is the api_key the sample webhooks are signed for; its
// secret is generated on first run and kept in the secret store.
const localAPIKey = "hookphone-local"

// TestLogEnv names the environment variable holding a file that receives
// one line per UI state change (end-to-end tests grep it).
const TestLogEnv = "HOOKPHONE_TEST_LOG"

// codecRate is the G.711 clock rate the audio devices are opened at.
const codecRate = 8000

// startServices starts everything behind the views: the local echo service
// and its account, every configured account (registered over TLS), the
// call history, the SIP trace, the webhook inspector with its secret, the
// stream cache and the audio system. A part that fails is logged and left
// out (its area says so); the rest still starts.
func startServices(ctx context.Context, o Options, secrets SecretStore, store ConfigStore, log *slog.Logger) (*Services, error) {
	if log == nil {
		log = slog.Default()
	}
	svc := &Services{}
	if p := os.Getenv(TestLogEnv); p != "" {
		svc.TestLog = newTestLog(p)
	}
	_, statErr := os.Stat(o.Paths.ConfigFile)
	svc.FirstRun = errors.Is(statErr, fs.ErrNotExist)
	cfg, err := store.Load()
	if err != nil {
		log.Warn("config has errors; starting with the local echo only", "err", err)
	}
	if cfg == nil {
		cfg = config.Default()
	}
	if err := os.MkdirAll(o.Paths.DataDir, 0o700); err != nil {
		return svc, fmt.Errorf("data dir: %w", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	svc.closers = append(svc.closers, stop)

	trace := sip.NewTrace(0)
	svc.Trace = trace

	var history *sip.History
	if db, err := sqlitedb.Open(ctx, o.Paths.Database); err != nil {
		log.Warn("call history unavailable", "err", err)
	} else {
		svc.closers = append(svc.closers, func() { db.Close() })
		if history, err = sip.OpenHistory(ctx, db); err != nil {
			log.Warn("call history unavailable", "err", err)
		} else {
			svc.History = history
		}
		// SIP traces outlive the session (redacted): a past call's ladder
		// comes from the store once the in-memory trace no longer has it.
		if ts, err := sip.OpenTraceStore(ctx, db, 0); err != nil {
			log.Warn("SIP trace not persisted", "err", err)
		} else {
			detach := ts.Attach(trace)
			svc.closers = append(svc.closers, func() { detach(); ts.Close() })
			svc.Trace = &storedTrace{Trace: trace, store: ts}
		}
	}

	sys, err := audio.NewSystem(audio.SystemOptions{Logger: log})
	if err != nil {
		log.Warn("audio unavailable: calls will send silence", "err", err)
		sys = nil
	} else {
		svc.closers = append(svc.closers, func() {
			// PortAudio ends only once every stream is closed (calls close
			// theirs as they end; a ringtone or test may still be stopping).
			for i := 0; i < 40 && errors.Is(sys.Close(), audio.ErrStreamsOpen); i++ {
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	dev := audio.DeviceChoice{Input: cfg.Audio.Input, Output: cfg.Audio.Output, Ringer: cfg.Audio.Ringer}
	au := &audioEnds{sys: sys, choice: dev, echoCancel: cfg.Audio.EchoCancellation, log: log}
	if sys != nil {
		svc.Ringer = au
		svc.Audio = au
	}

	var insp *inspector
	if insp, err = startInspector(runCtx, o.Paths, cfg.Inspector, secrets, log); err != nil {
		log.Warn("webhook inspector not started", "err", err)
	} else {
		svc.Inspector = insp
		svc.closers = append(svc.closers, insp.close)
	}

	if cache, err := sc.Open(ctx, sc.Options{Dir: filepath.Join(o.Paths.CacheDir, "streams"), Logger: log}); err != nil {
		log.Warn("stream cache unavailable", "err", err)
	} else {
		svc.Streams = &streams{cache: cache, audio: au}
		svc.closers = append(svc.closers, func() { cache.Close() })
		if insp != nil {
			go insp.feedStreams(runCtx, cache, log)
		}
	}

	ph := &phone{log: log, trace: trace, history: history, audio: au, insp: insp, listenerDir: filepath.Join(o.Paths.DataDir, "listener"),
		runCtx: runCtx, secrets: secrets}
	svc.Phone = ph
	svc.closers = append(svc.closers, ph.close)
	if echo, err := sip.StartEchoServer(ctx, sip.EchoConfig{Dir: filepath.Join(o.Paths.DataDir, "echo"), Logger: log}); err != nil {
		log.Warn("local echo service not started", "err", err)
	} else {
		svc.closers = append(svc.closers, func() { echo.Close() })
		srv, err := sip.ParseServerURI(echo.ServerURI())
		if err == nil {
			err = ph.add(runCtx, sip.Account{Name: LocalEchoAccount, Mode: sip.ModeRegister, Server: srv, User: "me",
				DisplayName: "Hookphone", CAFile: echo.CAFile(), SRTP: sip.SRTPMandatory}, true)
		}
		if err != nil {
			log.Warn("local echo account", "err", err)
		}
	}
	for _, a := range cfg.Accounts {
		if a.Name == LocalEchoAccount {
			continue
		}
		ph.start(ctx, a)
	}
	svc.logf("services started first_run=%v inspector=%v", svc.FirstRun, insp != nil)
	return svc, nil
}

// newTestLog appends timestamped lines to path (test hook, never secrets).
func newTestLog(path string) func(string, ...any) {
	var mu sync.Mutex
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return
		}
		fmt.Fprintf(f, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05.000")}, args...)...)
		f.Close()
	}
}

// sipAccount turns a configured account into sip's, with its password from
// the secret store (an account without one registers without auth).
func sipAccount(ctx context.Context, a config.Account, secrets SecretStore) (sip.Account, error) {
	srv, err := sip.ParseServerURI(a.Server)
	if err != nil {
		return sip.Account{}, err
	}
	pol, err := sip.ParseSRTPPolicy(a.SRTP.String())
	if err != nil {
		return sip.Account{}, err
	}
	mode := sip.ModeRegister
	if a.Mode == config.ModeTrunk {
		mode = sip.ModeTrunk
	}
	acct := sip.Account{Name: a.Name, Mode: mode, Server: srv, User: a.User, AuthUser: a.AuthUser, Domain: a.Domain,
		DisplayName: a.DisplayName, CAFile: a.CAFile, PinnedSHA256: a.Fingerprint, SRTP: pol,
		Suites: a.Suites, Codecs: a.Codecs, Listen: a.Listen}
	if secrets != nil {
		pw, err := secrets.Get(ctx, config.AccountPasswordKey(a.Name))
		if err != nil && !errors.Is(err, config.ErrSecretNotFound) {
			return sip.Account{}, fmt.Errorf("password of %s: %w", a.Name, err)
		}
		acct.Password = pw
	}
	return acct, nil
}

// phone is the PhoneService over sip's endpoints, registrations and call managers.
type phone struct {
	runCtx      context.Context // lives as long as the services
	secrets     SecretStore
	log         *slog.Logger
	listenerDir string // where trunk listener certificates are made
	trace       *sip.Trace
	history     *sip.History
	audio       *audioEnds
	insp        *inspector

	mu        sync.Mutex
	accounts  []*line
	listeners map[int]func()
	nextID    int
	incoming  []func(CallHandle)
	moved     []func(old, replacement CallHandle)
}

// line is one account at run time.
type line struct {
	status AccountStatus
	local  bool
	conf   config.Account // as configured (zero for the local echo)
	stop   context.CancelFunc
	done   chan struct{} // closed when the registration or trunk loop has returned
	ep     *sip.Endpoint
	reg    *sip.Registration
	mgr    *sip.CallManager
}

func (p *phone) add(ctx context.Context, acct sip.Account, local bool) error {
	return p.addLine(ctx, acct, local, config.Account{})
}

func (p *phone) addLine(parent context.Context, acct sip.Account, local bool, conf config.Account) error {
	ep, err := sip.NewEndpoint(acct, sip.EndpointOptions{Trace: p.trace, Logger: p.log})
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(parent)
	l := &line{local: local, conf: conf, stop: stop, done: make(chan struct{}), ep: ep,
		status: AccountStatus{Name: acct.Name, AOR: ep.Account.AOR(), Server: acct.Server.String()}}
	mgr, err := sip.NewEndpointCallManager(ep, sip.CallManagerConfig{History: p.history, Logger: p.log,
		OnIncoming: func(c *sip.Call) { p.ring(l, c) }})
	if err != nil {
		stop()
		ep.Close()
		return err
	}
	l.mgr = mgr
	p.mu.Lock()
	p.accounts = append(p.accounts, l)
	p.mu.Unlock()
	var events <-chan sip.Event
	switch acct.Mode {
	case sip.ModeRegister:
		l.reg = sip.NewRegistration(ep, sip.RegistrationOptions{})
		events = l.reg.Events()
		go func() {
			defer close(l.done)
			if err := l.reg.Run(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("registration ended", "account", acct.Name, "err", err)
			}
		}()
	case sip.ModeTrunk:
		if acct.Listen != "" {
			cert, err := sip.LoadOrCreateListenerCert(acct.ListenCertFile, acct.ListenKeyFile, p.listenerDir, nil)
			var ln *sip.TrunkListener
			if err == nil {
				ln, err = ep.Listen(ctx, acct.Listen, cert)
			}
			if err == nil {
				// Calls arriving on the listener show that connection's TLS.
				mgr.SetFlowLookup(func(remote string) (sip.ConnInfo, bool) {
					for _, f := range ln.Flows() {
						if f.Remote == remote {
							return f.TLS, true
						}
					}
					return sip.ConnInfo{}, false
				})
			}
			if err != nil {
				p.log.Warn("trunk listener not started: no inbound calls", "account", acct.Name, "err", err)
			}
		}
		t := sip.NewTrunk(ep, sip.RegistrationOptions{})
		events = t.Events()
		go func() {
			defer close(l.done)
			if err := t.Run(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("trunk ended", "account", acct.Name, "err", err)
			}
		}()
	}
	if events != nil {
		go func() {
			for ev := range events {
				p.mu.Lock()
				l.status.State, l.status.Reason = ev.State, ev.Reason
				if ev.Flow != nil {
					l.status.TLS = ev.Flow.TLS.Version
				}
				p.mu.Unlock()
				p.changed()
			}
		}()
	}
	p.changed()
	return nil
}

// addBroken lists an account that could not start, with why.
func (p *phone) addBroken(a config.Account, err error) {
	p.mu.Lock()
	p.accounts = append(p.accounts, &line{conf: a, status: AccountStatus{Name: a.Name, State: sip.StateFailed, Reason: err.Error()}})
	p.mu.Unlock()
	p.changed()
}

// start starts a configured account (its password from the secret store),
// or lists it as failed with why.
func (p *phone) start(ctx context.Context, a config.Account) {
	acct, err := sipAccount(ctx, a, p.secrets)
	if err == nil {
		err = p.addLine(p.runCtx, acct, false, a)
	}
	if err != nil {
		p.log.Warn("account not started", "account", a.Name, "err", err)
		p.addBroken(a, err)
	}
}

// Sync makes the running accounts follow the config: new ones start,
// removed ones stop (unregistering), changed ones restart. The local echo
// stays. Calls in progress on a stopped account are hung up.
func (p *phone) Sync(ctx context.Context, accounts []config.Account) {
	want := map[string]config.Account{}
	for _, a := range accounts {
		if a.Name != LocalEchoAccount {
			want[a.Name] = a
		}
	}
	p.mu.Lock()
	var keep, drop []*line
	for _, l := range p.accounts {
		a, ok := want[l.status.Name]
		if l.local || (ok && sameAccount(a, l.conf)) {
			keep = append(keep, l)
			delete(want, l.status.Name)
			continue
		}
		drop = append(drop, l)
	}
	p.accounts = keep
	p.mu.Unlock()
	for _, l := range drop {
		p.stopLine(ctx, l)
	}
	for _, a := range accounts {
		if _, ok := want[a.Name]; ok {
			p.start(ctx, a)
		}
	}
	p.changed()
}

// sameAccount compares two configured accounts field by field (an empty
// list and no list are the same).
func sameAccount(a, b config.Account) bool { return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b) }

// stopLine hangs up the line's calls, unregisters and closes it.
func (p *phone) stopLine(ctx context.Context, l *line) {
	if l.mgr != nil {
		l.mgr.Close(ctx)
	}
	if l.stop != nil {
		l.stop()
		select {
		case <-l.done:
		case <-ctx.Done():
		}
	}
	if l.ep != nil {
		l.ep.Close()
	}
}

// TestAccount registers a (not necessarily saved) account once on a fresh
// endpoint, or opens its trunk flow, and says how it went.
func (p *phone) TestAccount(ctx context.Context, a config.Account, password string) (string, error) {
	acct, err := sipAccount(ctx, a, nil)
	if err != nil {
		return "", err
	}
	acct.Password = password
	ep, err := sip.NewEndpoint(acct, sip.EndpointOptions{Logger: p.log})
	if err != nil {
		return "", err
	}
	defer ep.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var events <-chan sip.Event
	if acct.Mode == sip.ModeTrunk {
		t := sip.NewTrunk(ep, sip.RegistrationOptions{})
		events = t.Events()
		go t.Run(ctx)
	} else {
		r := sip.NewRegistration(ep, sip.RegistrationOptions{})
		events = r.Events()
		go r.Run(ctx)
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return "", fmt.Errorf("test %s: stopped", a.Name)
			}
			switch ev.State {
			case sip.StateRegistered, sip.StateConnected:
				return ev.String(), nil
			case sip.StateFailed, sip.StateRetrying:
				return "", errors.New(ev.String())
			}
		case <-ctx.Done():
			return "", fmt.Errorf("test %s: no answer from %s: %w", a.Name, a.Server, ctx.Err())
		}
	}
}

// Accounts returns every account's status.
func (p *phone) Accounts() []AccountStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]AccountStatus, len(p.accounts))
	for i, l := range p.accounts {
		out[i] = l.status
	}
	return out
}

// OnChange registers f for account changes.
func (p *phone) OnChange(f func()) func() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.listeners == nil {
		p.listeners = map[int]func(){}
	}
	id := p.nextID
	p.nextID++
	p.listeners[id] = f
	return func() {
		p.mu.Lock()
		delete(p.listeners, id)
		p.mu.Unlock()
	}
}

func (p *phone) changed() {
	p.mu.Lock()
	fs := make([]func(), 0, len(p.listeners))
	for _, f := range p.listeners {
		fs = append(fs, f)
	}
	p.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

func (p *phone) line(name string) (*line, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.accounts {
		if l.status.Name == name {
			if l.mgr == nil {
				return nil, fmt.Errorf("account %s did not start: %s", name, l.status.Reason)
			}
			return l, nil
		}
	}
	return nil, fmt.Errorf("no account called %q", name)
}

// Dial places a call with the configured audio devices.
func (p *phone) Dial(ctx context.Context, account, target string) (CallHandle, error) {
	l, err := p.line(account)
	if err != nil {
		return nil, err
	}
	d := p.audio.open(ctx)
	opts := sip.DialOptions{}
	if d != nil {
		opts.Source, opts.Sink = d.Source(), d.Sink()
	}
	c, err := l.mgr.Dial(ctx, target, opts)
	if err != nil {
		if d != nil {
			d.Close()
		}
		return nil, err
	}
	if p.insp != nil && !l.local {
		p.insp.CallStarted(c.Info().ID, time.Now())
	}
	return newRealCall(c, l.ep, d, p.audio, p.transferred), nil
}

// OnIncoming registers f for ringing calls.
func (p *phone) OnIncoming(f func(CallHandle)) {
	p.mu.Lock()
	p.incoming = append(p.incoming, f)
	p.mu.Unlock()
}

// OnTransferred registers f for calls that hand over to a replacement.
func (p *phone) OnTransferred(f func(old, replacement CallHandle)) {
	p.mu.Lock()
	p.moved = append(p.moved, f)
	p.mu.Unlock()
}

// transferred tells the registered functions that old handed over to nr.
func (p *phone) transferred(old, nr *realCall) {
	p.mu.Lock()
	fs := append([]func(old, replacement CallHandle){}, p.moved...)
	p.mu.Unlock()
	for _, f := range fs {
		f(old, nr)
	}
}

func (p *phone) ring(l *line, c *sip.Call) {
	p.mu.Lock()
	fs := append([]func(CallHandle){}, p.incoming...)
	p.mu.Unlock()
	if len(fs) == 0 {
		c.Reject(context.Background(), 480)
		return
	}
	h := newRealCall(c, l.ep, nil, p.audio, p.transferred)
	for _, f := range fs {
		f(h)
	}
}

func (p *phone) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.mu.Lock()
	ls := append([]*line{}, p.accounts...)
	p.mu.Unlock()
	for _, l := range ls {
		p.stopLine(ctx, l)
	}
}

// realCall adapts *sip.Call (and its audio devices) to CallHandle.
type realCall struct {
	*sip.Call
	ep    *sip.Endpoint
	audio *audioEnds
	mu    sync.Mutex
	dev   *audio.Duplex
}

// newRealCall wraps c, which plays through d (nil: not yet, or silence).
// The devices close when the call ends, unless the call handed them to a
// replacement first (a transfer): then they go on with the new call, which
// moved is told about.
func newRealCall(c *sip.Call, ep *sip.Endpoint, d *audio.Duplex, au *audioEnds, moved func(old, nr *realCall)) *realCall {
	r := &realCall{Call: c, ep: ep, audio: au, dev: d}
	events, cancel := c.Subscribe(32)
	go func() {
		defer cancel()
		for ev := range events {
			if ev.Kind != sip.EventTransfer || ev.NewCall == nil || ev.Status != 200 {
				continue
			}
			r.mu.Lock()
			dev := r.dev
			r.dev = nil
			r.mu.Unlock()
			nr := newRealCall(ev.NewCall, ep, dev, au, moved)
			if moved != nil {
				moved(r, nr)
			}
		}
		<-c.Done()
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.dev != nil {
			r.dev.Close()
			r.dev = nil
		}
	}()
	return r
}

// Answer opens the devices and answers.
func (r *realCall) Answer(ctx context.Context) error {
	d := r.audio.open(ctx)
	opts := sip.AnswerOptions{}
	if d != nil {
		opts.Source, opts.Sink = d.Source(), d.Sink()
		r.mu.Lock()
		r.dev = d
		r.mu.Unlock()
	}
	return r.Call.Answer(ctx, opts)
}

// Levels reads the device meters.
func (r *realCall) Levels() (float64, float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dev == nil {
		return -120, -120
	}
	mic, spk := r.dev.Levels()
	return mic.RMS, spk.RMS
}

// TLS is the signalling flow's TLS state.
func (r *realCall) TLS() sip.ConnInfo {
	if f := r.ep.Flow(); f != nil {
		return f.TLS
	}
	return sip.ConnInfo{}
}

// audioEnds opens the configured devices for calls, the ringer and playback.
type audioEnds struct {
	sys        *audio.System
	choice     audio.DeviceChoice
	echoCancel bool
	log        *slog.Logger
}

// open opens mic and speaker at the codec rate; nil (silence) when there is
// no audio system or the devices fail.
func (a *audioEnds) open(ctx context.Context) *audio.Duplex {
	if a == nil || a.sys == nil {
		return nil
	}
	d, err := audio.OpenDuplex(ctx, a.sys, audio.DuplexConfig{Choice: a.choice, CodecRate: codecRate,
		NoEchoCancel: !a.echoCancel, Logger: a.log})
	if err != nil {
		a.log.Warn("audio devices failed: the call sends silence", "err", err)
		return nil
	}
	return d
}

// Ring plays the ringtone on the ringer device until stop.
func (a *audioEnds) Ring() func() {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		src, err := audio.NewToneSource(audio.Ringtone(), codecRate, 0)
		if err != nil {
			return
		}
		dev := a.choice.Ringer
		if dev == "" {
			dev = a.choice.Output
		}
		if err := a.play(ctx, dev, src.ReadFrame); err != nil {
			a.log.Warn("ringtone", "err", err)
		}
	}()
	return cancel
}

// play pumps 20 ms frames from read to an output device in real time.
func (a *audioEnds) play(ctx context.Context, device string, read func([]int16) error) error {
	if a.sys == nil {
		return errors.New("no audio system")
	}
	d, err := audio.OpenPlayback(ctx, a.sys, device, codecRate)
	if err != nil {
		return err
	}
	defer d.Close()
	frame := make([]int16, codecRate/50)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := read(frame); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := d.Sink().WriteFrame(frame); err != nil {
			return err
		}
	}
}

// streams adapts the stream cache to StreamService.
type streams struct {
	cache *sc.Cache
	audio *audioEnds
}

// List returns a page of reports.
func (s *streams) List(ctx context.Context, offset, limit int) ([]sc.Report, error) {
	return s.cache.List(ctx, offset, limit)
}

// Peaks returns the waveform as 0…1 amplitudes.
func (s *streams) Peaks(ctx context.Context, u string) ([]float32, error) {
	ps, err := s.cache.Peaks(ctx, u)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(ps))
	for i, p := range ps {
		out[i] = max(p.Max, -p.Min)
	}
	return out, nil
}

// Revalidate asks the origin now and returns the new report.
func (s *streams) Revalidate(ctx context.Context, u string) (sc.Report, error) {
	if _, err := s.cache.Revalidate(ctx, u); err != nil {
		return sc.Report{}, err
	}
	return s.cache.Report(ctx, u)
}

// Evict removes the stored body.
func (s *streams) Evict(ctx context.Context, u string) error {
	_, err := s.cache.Evict(ctx, u)
	return err
}

// Play plays the stored body on the speaker.
func (s *streams) Play(ctx context.Context, u string) error {
	f, err := s.cache.OpenBody(ctx, u)
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	src, err := audio.OpenFileSource(name, codecRate)
	if err != nil {
		return err
	}
	defer src.Close()
	return s.audio.play(ctx, s.audio.choice.Output, src.ReadFrame)
}

// inspector adapts the capture server and store to InspectorService. The
// store lives as long as the app; the server is replaced when the settings
// change (Apply), and subscribers keep their channel across the change.
type inspector struct {
	store   *wi.Store
	secrets SecretStore
	log     *slog.Logger
	secret  string // the generated secret of localAPIKey

	mu      sync.Mutex
	srv     *wi.Server
	base    *url.URL
	keys    map[string]string // api_key → secret of the running server
	appID   string
	forward string
	listen  string // the configured listen address of the running server
	cancel  context.CancelFunc
	done    chan struct{}
	subs    map[int]chan wi.Notice
	nextSub int
}

// startInspector opens the store, loads or makes the local signature secret
// (secret store only) and serves on the configured address (a free port on
// 127.0.0.1 when it is taken).
func startInspector(ctx context.Context, paths config.Paths, ic config.Inspector, secrets SecretStore, log *slog.Logger) (*inspector, error) {
	store, err := wi.OpenStore(ctx, paths.Database)
	if err != nil {
		return nil, err
	}
	in := &inspector{store: store, secrets: secrets, log: log, subs: map[int]chan wi.Notice{}}
	in.secret = localSecret(ctx, secrets, log)
	if err := in.Apply(ctx, ic); err != nil {
		store.Close()
		return nil, err
	}
	return in, nil
}

// Apply (re)starts the capture server with the inspector settings ic: the
// secrets are read again from the secret store. The listen address stays
// the one in use unless ic names another.
func (in *inspector) Apply(ctx context.Context, ic config.Inspector) error {
	keys := map[string]string{localAPIKey: in.secret}
	for key, name := range ic.SignatureSecrets {
		if in.secrets == nil {
			break
		}
		if s, err := in.secrets.Get(ctx, name); err == nil {
			keys[key] = s
		} else {
			in.log.Warn("signature secret missing", "api_key", key, "err", err)
		}
	}
	ver := wi.NewVerifier(wi.VerifierConfig{Secrets: keys, ApplicationID: ic.ApplicationID, Window: time.Duration(ic.MaxAge)})
	scfg := wi.ServerConfig{Store: in.store, Verifier: ver, ForwardURL: ic.Forward, Logger: in.log}
	if ic.AnswerPath != "" {
		scfg.AnswerPaths = []string{ic.AnswerPath}
	}
	if ic.EventPath != "" {
		scfg.EventPaths = []string{ic.EventPath}
	}
	if ic.FallbackPath != "" {
		scfg.FallbackPaths = []string{ic.FallbackPath}
	}
	if ic.NCCO != "" {
		scfg.NCCO = []byte(ic.NCCO)
	}
	srv, err := wi.NewServer(scfg)
	if err != nil {
		return err
	}
	addr := ic.Listen
	if addr == "" {
		addr = config.DefaultInspectorListen
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.base != nil && ic.Listen == in.listen {
		addr = in.base.Host // the same setting: keep the port in use (it may be the fallback one)
	}
	in.listen = ic.Listen
	in.stopLocked()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		in.log.Warn("inspector address taken; using a free port", "addr", addr, "err", err)
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
	}
	in.srv, in.keys, in.appID, in.forward = srv, keys, ic.ApplicationID, ic.Forward
	in.base = &url.URL{Scheme: "http", Host: ln.Addr().String()}
	sctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	done := make(chan struct{})
	in.done = done
	notices, unsub := srv.Subscribe(256)
	go func() {
		defer unsub()
		for {
			select {
			case <-sctx.Done():
				return
			case n, ok := <-notices:
				if !ok {
					return
				}
				in.fanOut(n)
			}
		}
	}()
	go func() {
		defer close(done)
		if err := srv.Serve(sctx, ln); err != nil && sctx.Err() == nil {
			in.log.Warn("inspector stopped", "err", err)
		}
	}()
	return nil
}

// stopLocked stops the running server and waits for it (in.mu held).
func (in *inspector) stopLocked() {
	if in.cancel == nil {
		return
	}
	in.cancel()
	select {
	case <-in.done:
	case <-time.After(5 * time.Second):
	}
	in.cancel = nil
}

// fanOut passes a notice to every subscriber (dropping it for a full one:
// lists re-read the store).
func (in *inspector) fanOut(n wi.Notice) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, ch := range in.subs {
		select {
		case ch <- n:
		default:
		}
	}
}

// localSecret returns the generated signature secret of the local api_key,
// making and storing it on first run. It never goes into the config file.
func localSecret(ctx context.Context, secrets SecretStore, log *slog.Logger) string {
	name := config.SignatureSecretKey(localAPIKey)
	if secrets != nil {
		if s, err := secrets.Get(ctx, name); err == nil && s != "" {
			return s
		}
	}
	b := make([]byte, 32)
	rand.Read(b)
	s := base64.RawURLEncoding.EncodeToString(b)
	if secrets != nil {
		if err := secrets.Set(ctx, name, s); err != nil {
			log.Warn("could not store the inspector secret; it lasts this session only", "err", err)
		}
	}
	return s
}

func (in *inspector) close() {
	in.mu.Lock()
	in.stopLocked()
	for id, ch := range in.subs {
		close(ch)
		delete(in.subs, id)
	}
	in.mu.Unlock()
	in.store.Close()
}

// List returns a page of captures.
func (in *inspector) List(ctx context.Context, f wi.Filter) ([]wi.Summary, error) {
	return in.store.List(ctx, f)
}

// Get returns one capture.
func (in *inspector) Get(ctx context.Context, id int64) (*wi.Capture, error) {
	return in.store.Get(ctx, id)
}

// Subscribe delivers live notices.
func (in *inspector) Subscribe(buf int) (<-chan wi.Notice, func()) {
	in.mu.Lock()
	defer in.mu.Unlock()
	id := in.nextSub
	in.nextSub++
	ch := make(chan wi.Notice, buf)
	in.subs[id] = ch
	return ch, func() {
		in.mu.Lock()
		defer in.mu.Unlock()
		if c, ok := in.subs[id]; ok {
			close(c)
			delete(in.subs, id)
		}
	}
}

// BaseURL is where the inspector listens.
func (in *inspector) BaseURL() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.base.String()
}

// CallStarted arms the watchdog.
func (in *inspector) CallStarted(id string, at time.Time) {
	in.mu.Lock()
	srv := in.srv
	in.mu.Unlock()
	srv.CallStarted(id, at)
}

// current returns the running server's address and settings.
func (in *inspector) current() (base *url.URL, keys map[string]string, appID, forward string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.base, in.keys, in.appID, in.forward
}

// sampleEvents are the webhooks of one sample call, in order.
var sampleEvents = []string{"answer", "started", "ringing", "answered", "completed"}

// SendSamples sends one sample call's signed webhooks to the inspector.
func (in *inspector) SendSamples(ctx context.Context) (int, error) {
	base, _, appID, _ := in.current()
	uuid, conv := newUUID(), "CON-"+newUUID()
	client := &http.Client{Timeout: 10 * time.Second}
	n := 0
	for _, ev := range sampleEvents {
		reqs, err := wi.BuildSample(wi.SampleOptions{Event: ev, Secret: in.secret, APIKey: localAPIKey,
			ApplicationID: appID, UUID: uuid, ConversationUUID: conv})
		if err != nil {
			return n, err
		}
		for _, r := range reqs {
			if _, err := wi.SendSample(ctx, client, base, r); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Replay sends a capture again to the forward target (else the inspector).
func (in *inspector) Replay(ctx context.Context, id int64, resign bool) (wi.ReplayResult, error) {
	c, err := in.store.Get(ctx, id)
	if err != nil {
		return wi.ReplayResult{}, err
	}
	base, keys, _, forward := in.current()
	target := forward
	if target == "" {
		target = base.String()
	}
	o := wi.ReplayOptions{URL: target, Mode: wi.ReplayAsCaptured}
	if resign {
		o.Mode, o.Secrets, o.DefaultSecret = wi.ReplayResigned, keys, in.secret
	}
	return wi.Replay(ctx, c, o)
}

// WriteHAR streams the selected captures, oldest first, page by page.
func (in *inspector) WriteHAR(ctx context.Context, w io.Writer, f wi.Filter) error {
	f.Newest, f.BeforeID, f.Limit = false, 0, 500
	var page []wi.Summary
	next := func() (*wi.Capture, error) {
		if len(page) == 0 {
			var err error
			if page, err = in.store.List(ctx, f); err != nil || len(page) == 0 {
				return nil, err
			}
			f.AfterID = page[len(page)-1].ID
		}
		id := page[0].ID
		page = page[1:]
		return in.store.Get(ctx, id)
	}
	return wi.WriteHAR(w, "hookphone", next)
}

// feedStreams hands the stream URLs of every answered NCCO to the cache.
func (in *inspector) feedStreams(ctx context.Context, cache *sc.Cache, log *slog.Logger) {
	ch, cancel := in.Subscribe(64)
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case n, ok := <-ch:
			if !ok {
				return
			}
			if n.Capture == nil || n.Capture.Kind != wi.KindAnswer {
				continue
			}
			c, err := in.store.Get(ctx, n.Capture.ID)
			if err != nil {
				continue
			}
			urls, err := wi.StreamURLs(c.Response.Body)
			if err != nil || len(urls) == 0 {
				continue
			}
			for u, err := range cache.AddURLs(ctx, urls...) {
				log.Warn("stream fetch failed", "url", u, "err", err)
			}
		}
	}
}

// storedTrace is the session's trace backed by the trace store for calls
// older than the session (redacted text only).
type storedTrace struct {
	*sip.Trace
	store *sip.TraceStore
}

// Messages returns the session's messages, else the stored ones.
func (t *storedTrace) Messages(callID string) []sip.TraceMessage {
	if m := t.Trace.Messages(callID); len(m) > 0 || callID == "" {
		return m
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := t.store.Messages(ctx, callID, 500)
	if err != nil {
		return nil
	}
	return m
}

// Devices lists the devices that record and those that play.
func (a *audioEnds) Devices() (inputs, outputs []string, err error) {
	devs, err := a.sys.Devices()
	if err != nil {
		return nil, nil, err
	}
	for _, d := range devs {
		if d.MaxInputChannels > 0 {
			inputs = append(inputs, d.Name)
		}
		if d.MaxOutputChannels > 0 {
			outputs = append(outputs, d.Name)
		}
	}
	return inputs, outputs, nil
}

// Meter reports the levels of the chosen devices until ctx ends.
func (a *audioEnds) Meter(ctx context.Context, input, output string, levels func(mic, speaker float64)) error {
	d, err := audio.OpenDuplex(ctx, a.sys, audio.DuplexConfig{Choice: audio.DeviceChoice{Input: input, Output: output},
		CodecRate: codecRate, Logger: a.log})
	if err != nil {
		return err
	}
	defer d.Close()
	// Drain the microphone so its meter follows the voice.
	go func() {
		frame := make([]int16, codecRate/50)
		for ctx.Err() == nil {
			if d.Source().ReadFrame(frame) != nil {
				return
			}
		}
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			mic, spk := d.Levels()
			levels(mic.RMS, spk.RMS)
		}
	}
}

// EchoTest records d from input and plays it back on output.
func (a *audioEnds) EchoTest(ctx context.Context, input, output string, d time.Duration) error {
	dev, err := audio.OpenDuplex(ctx, a.sys, audio.DuplexConfig{Choice: audio.DeviceChoice{Input: input, Output: output},
		CodecRate: codecRate, NoEchoCancel: true, Logger: a.log})
	if err != nil {
		return err
	}
	defer dev.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*d+5*time.Second)
	defer cancel()
	_, err = audio.EchoTest(ctx, dev.Source(), dev.Sink(), codecRate, d)
	return err
}

// RingTest plays the ringtone on device until ctx ends.
func (a *audioEnds) RingTest(ctx context.Context, device string) error {
	src, err := audio.NewToneSource(audio.Ringtone(), codecRate, 0)
	if err != nil {
		return err
	}
	return a.play(ctx, device, src.ReadFrame)
}
