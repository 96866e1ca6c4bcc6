package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/internal/sqlitedb"
	"github.com/hookphone/hookphone/sip"
)

func init() {
	register(command{name: "register", summary: "register a SIP account over TLS, report, unregister", run: runRegister})
}

// registerResult is the result object of `hookphone register` (DESIGN.md:
// registered, expires_s, tls_version, tls_cipher, server_cert_sha256, error).
type registerResult struct {
	Registered       bool          `json:"registered"`
	ExpiresS         int           `json:"expires_s"`
	TLSVersion       string        `json:"tls_version"`
	TLSCipher        string        `json:"tls_cipher"`
	ServerCertSHA256 string        `json:"server_cert_sha256"`
	Error            string        `json:"error"`
	Account          string        `json:"account"`
	Server           string        `json:"server"`
	Flow             string        `json:"flow,omitempty"`
	ServerCert       *sip.CertInfo `json:"server_cert,omitempty"`
	Pinned           bool          `json:"pinned"`
	Refusal          string        `json:"tls_refusal,omitempty"`
	Unregistered     bool          `json:"unregistered"`
	TraceCallID      string        `json:"trace_call_id"`
}

// registerEvent is one progress line (--json) for a state change.
type registerEvent struct {
	Event    string  `json:"event"`
	State    string  `json:"state"`
	Time     string  `json:"time"`
	ExpiresS int     `json:"expires_s,omitempty"`
	Refresh  bool    `json:"refresh,omitempty"`
	Flow     string  `json:"flow,omitempty"`
	RetryInS float64 `json:"retry_in_s,omitempty"`
	Reason   string  `json:"reason,omitempty"`
	Status   int     `json:"sip_status,omitempty"`
}

func runRegister(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "register", "[account flags] [--json] [--hold DURATION] [--timeout 30s] [--trace FILE]")
	af := addAccountFlags(fs)
	jsonOut := fs.Bool("json", false, "print one JSON object per line, the last being the result")
	hold := fs.Duration("hold", 0, "stay registered this long (refreshing, printing each refresh and flow event), then unregister; SIGTERM ends it early")
	timeout := fs.Duration("timeout", 30*time.Second, "give up when the first registration has not succeeded within this time")
	traceFile := fs.String("trace", "", "write the SIP trace (secrets redacted) to FILE at exit")
	verbose := fs.Bool("verbose", false, "log SIP stack details to stderr")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *hold < 0 || *timeout <= 0 {
		fmt.Fprintln(cio.stderr, "hookphone register: --hold must be ≥ 0 and --timeout > 0")
		return exitUsage
	}
	acct, err := af.account(ctx, cio)
	if err != nil {
		fmt.Fprintf(cio.stderr, "hookphone register: %v\n", oneLine(err))
		return exitUsage
	}
	if acct.Mode != sip.ModeRegister {
		fmt.Fprintln(cio.stderr, "hookphone register: this is a trunk account (--no-register): trunks take no REGISTER")
		return exitUsage
	}
	out := printer{w: cio.stdout, json: *jsonOut}
	logLevel := slog.LevelError + 4 // silent: the result says what happened
	if *verbose {
		logLevel = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(cio.stderr, &slog.HandlerOptions{Level: logLevel}))
	// sipgo logs some connection details through the process default logger.
	prev := slog.Default()
	slog.SetDefault(logger)
	defer slog.SetDefault(prev)

	trace := sip.NewTrace(0)
	if closeStore := persistTrace(ctx, trace, out); closeStore != nil {
		defer closeStore()
	}
	ep, err := sip.NewEndpoint(acct, sip.EndpointOptions{Trace: trace, Logger: logger})
	if err != nil {
		return failf(cio, "register", "%s", oneLine(err))
	}
	defer ep.Close()
	reg := sip.NewRegistration(ep, sip.RegistrationOptions{})
	res := registerResult{Account: acct.Label(), Server: acct.Server.String(), TraceCallID: reg.CallID()}

	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- reg.Run(runCtx) }()

	first := time.NewTimer(*timeout)
	defer first.Stop()
	var holdC <-chan time.Time
	var last sip.Event
	registeredOnce := false
	finish := func() {
		stop()
		for ev := range reg.Events() { // drain to the final state (unregistered)
			printRegisterEvent(out, ev)
			last = ev
		}
		<-done
		if registeredOnce && last.State == sip.StateUnregistered && last.Reason == "unregistered on exit" {
			res.Unregistered = true
		}
		if *traceFile != "" {
			if err := writeTrace(*traceFile, trace); err != nil && res.Error == "" {
				res.Error = err.Error()
			}
		}
	}
loop:
	for {
		select {
		case ev, ok := <-reg.Events():
			if !ok {
				break loop
			}
			last = ev
			printRegisterEvent(out, ev)
			switch ev.State {
			case sip.StateRegistered:
				fillRegistered(&res, ev)
				if !registeredOnce {
					registeredOnce = true
					first.Stop()
					if *hold == 0 {
						break loop
					}
					holdC = time.After(*hold)
				}
			case sip.StateFailed:
				res.Registered = false
				res.Error = ev.Reason
				fillRefusal(&res, ev.Err)
				break loop
			default:
				res.Registered = false
				if ev.Reason != "" {
					res.Error = ev.Reason
				}
			}
		case <-first.C:
			res.Error = fmt.Sprintf("not registered within %s: %s", *timeout, last.Reason)
			break loop
		case <-holdC:
			break loop
		case <-ctx.Done(): // SIGTERM / Ctrl-C
			break loop
		}
	}
	finalState := last.State
	finish()
	if finalState == sip.StateRegistered {
		res.Registered = true
		res.Error = ""
	} else if res.Error == "" {
		res.Error = "not registered (" + finalState.String() + ")"
	}
	printRegisterResult(out, res)
	if !res.Registered {
		return failf(cio, "register", "%s", res.Error)
	}
	return exitOK
}

func fillRegistered(res *registerResult, ev sip.Event) {
	res.Registered = true
	res.Error = ""
	res.ExpiresS = int(ev.Expires / time.Second)
	if ev.Flow != nil {
		res.Flow = ev.Flow.Local + " → " + ev.Flow.Remote
		res.TLSVersion = ev.Flow.TLS.Version
		res.TLSCipher = ev.Flow.TLS.CipherSuite
		res.ServerCertSHA256 = ev.Flow.TLS.ServerCertSHA256()
		res.Pinned = ev.Flow.TLS.Pinned
		if len(ev.Flow.TLS.Chain) > 0 {
			c := ev.Flow.TLS.Chain[0]
			res.ServerCert = &c
		}
	}
}

func fillRefusal(res *registerResult, err error) {
	var ce *sip.CertError
	if errors.As(err, &ce) {
		res.Refusal = ce.Reason.String()
		res.ServerCertSHA256 = ce.Fingerprint()
		if len(ce.Chain) > 0 {
			c := ce.Chain[0]
			res.ServerCert = &c
		}
	}
}

func printRegisterEvent(out printer, ev sip.Event) {
	e := registerEvent{Event: "registration", State: ev.State.String(), Time: ev.Time.UTC().Format(time.RFC3339Nano),
		Refresh: ev.Refresh, Reason: ev.Reason, Status: ev.Status}
	if ev.State == sip.StateRegistered {
		e.ExpiresS = int(ev.Expires / time.Second)
	}
	if ev.Flow != nil {
		e.Flow = ev.Flow.String()
	}
	if ev.State == sip.StateRetrying {
		e.RetryInS = ev.RetryIn.Seconds()
	}
	out.event(e, ev.String())
}

func printRegisterResult(out printer, r registerResult) {
	human := ""
	if r.Registered {
		human = fmt.Sprintf("registered %s at %s for %ds over %s (%s), server certificate SHA-256 %s", r.Account, r.Server, r.ExpiresS, r.TLSVersion, r.TLSCipher, r.ServerCertSHA256)
		if r.Unregistered {
			human += "; unregistered on exit"
		}
	}
	out.event(r, human)
}

// persistTrace attaches the trace to the app database (config.Paths.Database),
// beside the call history. A database problem is reported as a warning: it
// must not stop the registration.
func persistTrace(ctx context.Context, trace *sip.Trace, out printer) (closeFn func()) {
	warn := func(err error) {
		out.event(map[string]string{"event": "warning", "warning": "SIP trace not saved: " + oneLine(err)}, "warning: SIP trace not saved: "+oneLine(err))
	}
	paths, err := config.DefaultPaths()
	if err != nil {
		warn(err)
		return nil
	}
	db, err := sqlitedb.Open(ctx, paths.Database)
	if err != nil {
		warn(err)
		return nil
	}
	store, err := sip.OpenTraceStore(ctx, db, 0)
	if err != nil {
		db.Close()
		warn(err)
		return nil
	}
	detach := store.Attach(trace)
	return func() {
		detach()
		store.Close()
		db.Close()
	}
}

func writeTrace(path string, trace *sip.Trace) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write trace: %w", err)
	}
	if err := sip.Export(f, trace.Messages(""), false); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// oneLine flattens a (possibly joined) error for the one-line stderr contract.
func oneLine(err error) string {
	var b []byte
	for _, c := range err.Error() {
		if c == '\n' {
			b = append(b, "; "...)
			continue
		}
		b = append(b, string(c)...)
	}
	return string(b)
}
