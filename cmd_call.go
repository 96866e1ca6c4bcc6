package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/hookphone/hookphone/audio"
	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/internal/sqlitedb"
	"github.com/hookphone/hookphone/media"
	"github.com/hookphone/hookphone/sip"
)

func init() {
	register(command{name: "call", summary: "place one call (TLS + SRTP), play/record WAV, send DTMF, hang up, report", run: runCall})
}

// callResult is the result object of `hookphone call` and `hookphone
// answer` (DESIGN.md "Headless commands": these names are a contract).
type callResult struct {
	Result    string       `json:"result"`
	SIPStatus int          `json:"sip_status"`
	SetupMS   int64        `json:"setup_ms"`
	DurationS float64      `json:"duration_s"`
	Transport string       `json:"transport"`
	TLSVer    string       `json:"tls_version"`
	TLSCipher string       `json:"tls_cipher"`
	SRTPSuite string       `json:"srtp_suite"`
	Codec     string       `json:"codec"`
	RTP       callRTPStats `json:"rtp"`
	Error     string       `json:"error"`
	// Added fields (the contract allows additions).
	CallID       string  `json:"call_id,omitempty"`
	Direction    string  `json:"direction,omitempty"`
	Remote       string  `json:"remote,omitempty"`
	Reason       string  `json:"reason,omitempty"`
	FirstMediaMS int64   `json:"first_media_ms,omitempty"`
	MOS          float64 `json:"mos,omitempty"`
	DTMFReceived string  `json:"dtmf_received,omitempty"`
}

type callRTPStats struct {
	Sent             int64   `json:"sent"`
	Received         int64   `json:"received"`
	Lost             int64   `json:"lost"`
	JitterMS         float64 `json:"jitter_ms"`
	SRTPAuthFailures int64   `json:"srtp_auth_failures"`
	// SRTCPAuthFailures and SRTCPPlaintext (added after DESIGN's five) count
	// SRTCP packets that failed authentication and plain RTCP dropped.
	SRTCPAuthFailures int64 `json:"srtcp_auth_failures"`
	SRTCPPlaintext    int64 `json:"srtcp_plaintext"`
}

func resultFromInfo(info sip.CallInfo) callResult {
	r := callResult{
		Result: info.Result.String(), SIPStatus: info.SIPStatus, SetupMS: info.SetupTime.Milliseconds(),
		DurationS: info.Duration.Seconds(), Transport: info.Security.Transport,
		TLSVer: info.Security.TLSVersion, TLSCipher: info.Security.TLSCipher,
		SRTPSuite: info.Security.SRTPSuite, Codec: info.Security.Codec,
		RTP: callRTPStats{Sent: info.Stats.Sent, Received: info.Stats.Received, Lost: info.Stats.Lost,
			JitterMS: info.Stats.JitterMS, SRTPAuthFailures: info.Stats.SRTPAuthFailures,
			SRTCPAuthFailures: info.Stats.SRTCPAuthFailures, SRTCPPlaintext: info.Stats.SRTCPPlaintext},
		CallID: info.ID, Direction: info.Direction.String(), Remote: info.Remote, Reason: info.Reason,
		FirstMediaMS: info.FirstMediaTime.Milliseconds(), MOS: info.Stats.MOS,
	}
	if r.Result == "" {
		r.Result = sip.ResultFailed.String()
	}
	if info.Result != sip.ResultAnswered {
		r.Error = info.Reason
	}
	return r
}

// callSession is an account's endpoint, call manager and (optional)
// registration, as the call and answer commands use them.
type callSession struct {
	e       *sip.Endpoint
	m       *sip.CallManager
	stopReg context.CancelFunc
	regDone chan struct{}
	closers []io.Closer
}

// openCallSession builds the endpoint and call manager for acct, then
// registers (register mode) or, when connect is set, opens the flow to the
// server (trunk mode).
func openCallSession(ctx context.Context, acct sip.Account, log *slog.Logger, onIncoming func(*sip.Call), connect bool) (*callSession, error) {
	e, err := sip.NewEndpoint(acct, sip.EndpointOptions{Logger: log})
	if err != nil {
		return nil, err
	}
	s := &callSession{e: e}
	cfg := sip.CallManagerConfig{Logger: log, OnIncoming: onIncoming}
	if h, db, err := openCallHistory(ctx); err == nil {
		cfg.History = h
		s.closers = append(s.closers, db)
	} else {
		log.Warn("call history unavailable", "err", err)
	}
	s.m, err = sip.NewEndpointCallManager(e, cfg)
	if err != nil {
		e.Close()
		return nil, err
	}
	if acct.Mode == sip.ModeRegister {
		regCtx, stop := context.WithCancel(context.Background())
		s.stopReg, s.regDone = stop, make(chan struct{})
		reg := sip.NewRegistration(e, sip.RegistrationOptions{})
		go func() { defer close(s.regDone); _ = reg.Run(regCtx) }()
		for {
			select {
			case ev, ok := <-reg.Events():
				if !ok {
					s.close()
					return nil, errors.New("registration stopped")
				}
				switch ev.State {
				case sip.StateRegistered:
					go func() {
						for range reg.Events() {
						}
					}()
					return s, nil
				case sip.StateFailed:
					s.close()
					return nil, fmt.Errorf("register: %s", ev)
				}
			case <-ctx.Done():
				s.close()
				return nil, fmt.Errorf("register: %w", ctx.Err())
			}
		}
	}
	if connect {
		if _, err := e.Connect(ctx); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

func (s *callSession) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if s.m != nil {
		_ = s.m.Close(ctx)
	}
	if s.stopReg != nil {
		s.stopReg()
		select {
		case <-s.regDone:
		case <-ctx.Done():
		}
	}
	s.e.Close()
	for _, c := range s.closers {
		_ = c.Close()
	}
}

// openCallHistory opens the call history in the user's database.
func openCallHistory(ctx context.Context) (*sip.History, io.Closer, error) {
	paths, err := config.DefaultPaths()
	if err != nil {
		return nil, nil, err
	}
	db, err := sqlitedb.Open(ctx, paths.Database)
	if err != nil {
		return nil, nil, err
	}
	h, err := sip.OpenHistory(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return h, db, nil
}

// callAudio opens the audio ends: --play/--record files (any common WAV
// rate, mono/stereo, resampled to 8 kHz by package audio) or --device.
type callAudio struct {
	src     media.Source
	sink    media.Sink
	closers []io.Closer
}

func openCallAudio(ctx context.Context, play, record, device string, log *slog.Logger) (*callAudio, error) {
	a := &callAudio{}
	if device != "" {
		if play != "" || record != "" {
			return nil, errors.New("--device cannot be combined with --play/--record")
		}
		sys, err := audio.NewSystem(audio.SystemOptions{Logger: log})
		if err != nil {
			return nil, err
		}
		d, err := audio.OpenDuplex(ctx, sys, audio.DuplexConfig{Choice: audio.DeviceChoice{Input: device, Output: device}, CodecRate: 8000, Logger: log})
		if err != nil {
			sys.Close()
			return nil, err
		}
		a.src, a.sink = d.Source(), d.Sink()
		a.closers = append(a.closers, d, sys)
		return a, nil
	}
	if play != "" {
		src, err := audio.OpenFileSource(play, 8000)
		if err != nil {
			return nil, err
		}
		a.src = src
		a.closers = append(a.closers, src)
	}
	if record != "" {
		sink, err := audio.CreateFileSink(record, 8000)
		if err != nil {
			a.close()
			return nil, err
		}
		a.sink = sink
		a.closers = append(a.closers, sink)
	}
	return a, nil
}

func (a *callAudio) close() error {
	var errs []error
	for _, c := range a.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// cliLogger sends library logs to stderr, warnings and errors only.
func cliLogger(cio cliIO) *slog.Logger {
	return slog.New(slog.NewTextHandler(cio.stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// followCall prints the call's events until it ends and returns the digits
// received.
func followCall(c *sip.Call, p printer, ch <-chan sip.CallEvent) string {
	var digits strings.Builder
	for ev := range ch {
		switch ev.Kind {
		case sip.EventState:
			p.event(map[string]any{"event": "state", "state": ev.State.String(), "sip_status": ev.Status, "reason": ev.Reason},
				fmt.Sprintf("%s%s", ev.State, suffix(ev.Reason)))
		case sip.EventProgress:
			p.event(map[string]any{"event": "progress", "sip_status": ev.Status, "reason": ev.Reason},
				fmt.Sprintf("%d %s", ev.Status, ev.Reason))
		case sip.EventSecurity:
			p.event(map[string]any{"event": "security", "security": ev.Security},
				fmt.Sprintf("secured: %s %s, SRTP %s, %s", ev.Security.TLSVersion, ev.Security.TLSCipher, ev.Security.SRTPSuite, ev.Security.Codec))
		case sip.EventDTMF:
			digits.WriteString(ev.Digit)
			p.event(map[string]any{"event": "dtmf", "digit": ev.Digit}, "dtmf received: "+ev.Digit)
		case sip.EventTransfer:
			p.event(map[string]any{"event": "transfer", "sip_status": ev.Status, "reason": ev.Reason}, "transfer: "+ev.Reason)
		}
	}
	return digits.String()
}

func suffix(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}

func printCallResult(p printer, r callResult) {
	human := fmt.Sprintf("result: %s (SIP %d), setup %d ms, %.1f s, %s %s, SRTP %s, %s, rtp sent %d received %d lost %d jitter %.1f ms, auth failures %d",
		r.Result, r.SIPStatus, r.SetupMS, r.DurationS, r.TLSVer, r.TLSCipher, r.SRTPSuite, r.Codec,
		r.RTP.Sent, r.RTP.Received, r.RTP.Lost, r.RTP.JitterMS, r.RTP.SRTPAuthFailures)
	if r.RTP.SRTCPAuthFailures > 0 || r.RTP.SRTCPPlaintext > 0 {
		human += fmt.Sprintf(", SRTCP auth failures %d, plain RTCP dropped %d", r.RTP.SRTCPAuthFailures, r.RTP.SRTCPPlaintext)
	}
	if r.Result != sip.ResultAnswered.String() {
		human = fmt.Sprintf("result: %s", r.Result)
		if r.SIPStatus != 0 {
			human += fmt.Sprintf(" (SIP %d)", r.SIPStatus)
		}
		if r.Error != "" {
			human += ": " + r.Error
		}
	}
	p.event(r, human)
}

func runCall(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "call", "--to URI [account flags] [--play F.wav] [--record F.wav] [--duration 10s] [--dtmf 12#] [--json]")
	af := addAccountFlags(fs)
	to := fs.String("to", "", "who to call: sip:user@host, user@host, or a user/number at the account's domain")
	play := fs.String("play", "", "WAV file to send (any common rate, mono/stereo 16-bit; resampled to 8 kHz)")
	record := fs.String("record", "", "WAV file to record what we hear (8 kHz mono 16-bit)")
	duration := fs.Duration("duration", 10*time.Second, "how long to stay in the call once answered")
	dtmf := fs.String("dtmf", "", "digits to send (RFC 4733) one second after the answer, e.g. 12#")
	ring := fs.Duration("ring-timeout", sip.DefaultRingTimeout, "give up (result timeout) when not answered within this")
	asJSON := fs.Bool("json", false, "print JSON objects, one per line; the last is the result")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *to == "" {
		fmt.Fprintln(cio.stderr, "hookphone call: --to is required (e.g. --to sip:bob@pbx.example.com)")
		return exitUsage
	}
	if *duration <= 0 || *duration > 24*time.Hour {
		fmt.Fprintln(cio.stderr, "hookphone call: --duration must be between 1s and 24h")
		return exitUsage
	}
	for _, d := range *dtmf {
		if !strings.ContainsRune("0123456789*#ABCDabcd", d) {
			fmt.Fprintf(cio.stderr, "hookphone call: --dtmf %q: digits are 0-9, *, #, A-D\n", *dtmf)
			return exitUsage
		}
	}
	acct, err := af.account(ctx, cio)
	if err != nil {
		fmt.Fprintf(cio.stderr, "hookphone call: %v\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return exitUsage
	}
	p := printer{w: cio.stdout, json: *asJSON}
	log := cliLogger(cio)
	au, err := openCallAudio(ctx, *play, *record, af.Device(), log)
	if err != nil {
		return failf(cio, "call", "%v", err)
	}
	defer au.close()
	setupCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	sess, err := openCallSession(setupCtx, acct, log, nil, true)
	cancel()
	if err != nil {
		printCallResult(p, callResult{Result: "failed", Error: err.Error()})
		return failf(cio, "call", "%v", err)
	}
	defer sess.close()
	c, err := sess.m.Dial(ctx, *to, sip.DialOptions{Source: au.src, Sink: au.sink, RingTimeout: *ring})
	if err != nil {
		printCallResult(p, callResult{Result: "failed", Error: err.Error()})
		return failf(cio, "call", "%v", err)
	}
	ch, stop := c.Subscribe(256)
	defer stop()
	digitsCh := make(chan string, 1)
	go func() { digitsCh <- followCall(c, p, ch) }()
	if err := c.WaitAnswered(ctx); err == nil {
		inCall(ctx, c, *dtmf, *duration, log)
	}
	return endCall(cio, "call", c, au, digitsCh, p, log)
}

// endCall hangs c up (if it is not over already), waits briefly for the
// DTMF digits the event follower gathered, closes the audio files and prints
// the result object; the exit code says whether the call was answered.
func endCall(cio cliIO, cmd string, c *sip.Call, au *callAudio, digitsCh <-chan string, p printer, log *slog.Logger) int {
	hctx, hcancel := context.WithTimeout(context.Background(), 15*time.Second)
	_ = c.Hangup(hctx)
	hcancel()
	var received string
	select {
	case received = <-digitsCh:
	case <-time.After(5 * time.Second):
	}
	if err := au.close(); err != nil {
		log.Error("close audio files", "err", err)
	}
	r := resultFromInfo(c.Info())
	r.DTMFReceived = received
	printCallResult(p, r)
	if r.Result != sip.ResultAnswered.String() {
		return failf(cio, cmd, "%s: %s", r.Result, r.Error)
	}
	return exitOK
}

// inCall sends the DTMF and stays in the call for d (or until it ends).
func inCall(ctx context.Context, c *sip.Call, dtmf string, d time.Duration, log *slog.Logger) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	if dtmf != "" {
		select {
		case <-time.After(time.Second):
			if err := c.SendDTMF(ctx, dtmf); err != nil {
				log.Error("dtmf", "err", err)
			}
		case <-c.Done():
			return
		case <-ctx.Done():
			return
		}
	}
	select {
	case <-deadline.C:
	case <-c.Done():
	case <-ctx.Done():
	}
}
