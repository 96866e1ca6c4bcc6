package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/hookphone/hookphone/internal/pki"
)

// EchoConfig configures the local echo service.
type EchoConfig struct {
	// Listen is the TLS listen address (default "127.0.0.1:0": any free port).
	Listen string
	// Dir keeps the service's CA (echo-ca.pem, echo-ca-key.pem) across runs,
	// so a client configured once keeps trusting it. "" makes a throwaway CA
	// in memory and writes its certificate to a temporary file.
	Dir string
	// SRTP is the media policy (default mandatory: the echo only speaks SRTP).
	SRTP SRTPPolicy
	// Logger receives the service's logs (nil: slog.Default()).
	Logger *slog.Logger

	newMedia mediaFactory
}

// EchoServer is an in-process SIP-over-TLS endpoint with its own CA that
// answers every INVITE with SRTP and sends back the audio it receives
// (decrypted, decoded, re-encoded and re-encrypted, so both directions of
// the media engine are exercised). It also accepts REGISTER (any user, no
// authentication), so a softphone can use it as its first account.
type EchoServer struct {
	ca          *pki.CA
	caFile      string
	fingerprint string
	addr        netip.AddrPort
	ua          *sipgo.UserAgent
	srv         *sipgo.Server
	mgr         *CallManager
	ln          net.Listener
	log         *slog.Logger
	tmpDir      string
	serveDone   chan struct{}
	closeOnce   sync.Once
}

// StartEchoServer starts the echo service and returns once it listens.
func StartEchoServer(ctx context.Context, cfg EchoConfig) (*EchoServer, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.SRTP == SRTPUnknown {
		cfg.SRTP = SRTPMandatory
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	e := &EchoServer{log: log.With("service", "echo"), serveDone: make(chan struct{})}
	if err := e.loadCA(cfg.Dir); err != nil {
		return nil, fmt.Errorf("echo server: %w", err)
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("echo server: listen address %q: want host:port", cfg.Listen)
	}
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if host != "" && host != "0.0.0.0" && host != "::" && host != "localhost" && host != "127.0.0.1" && host != "::1" {
		hosts = append(hosts, host)
	}
	leaf, err := e.ca.Issue("Hookphone local echo", hosts, 365*24*time.Hour)
	if err != nil {
		return nil, fmt.Errorf("echo server: %w", err)
	}
	e.fingerprint = pki.Fingerprint(leaf.Cert)
	var lc net.ListenConfig
	raw, err := lc.Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("echo server: listen %s: %w", cfg.Listen, err)
	}
	e.addr = raw.Addr().(*net.TCPAddr).AddrPort()
	e.ln = tls.NewListener(raw, &tls.Config{Certificates: []tls.Certificate{leaf.TLS}, MinVersion: tls.VersionTLS12})

	ip := e.addr.Addr().Unmap()
	if ip.IsUnspecified() {
		ip = netip.MustParseAddr("127.0.0.1")
	}
	e.ua, err = sipgo.NewUA(sipgo.WithUserAgent("echo"), sipgo.WithUserAgentHostname(ip.String()),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(e.log)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(e.log)))
	if err != nil {
		e.ln.Close()
		return nil, fmt.Errorf("echo server: %w", err)
	}
	e.srv, err = sipgo.NewServer(e.ua, sipgo.WithServerLogger(e.log))
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("echo server: %w", err)
	}
	cli, err := sipgo.NewClient(e.ua, sipgo.WithClientHostname(ip.String()), sipgo.WithClientPort(int(e.addr.Port())), sipgo.WithClientLogger(e.log))
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("echo server: %w", err)
	}
	acc := &Account{
		User:   "echo",
		Server: ServerURI{Scheme: "sips", Host: ip.String(), Port: int(e.addr.Port())},
		SRTP:   cfg.SRTP, CallIDHeader: DefaultCallIDHeader, UserAgent: "Hookphone echo",
	}
	params := sip.NewParams()
	params.Add("transport", "tls")
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "echo", Host: ip.String(), Port: int(e.addr.Port()), UriParams: params, Headers: sip.NewParams()}, Params: sip.NewParams()}
	e.mgr, err = NewCallManager(CallManagerConfig{
		Account: acc, Client: cli, Contact: contact, LocalIP: ip,
		FlowInfo:   nil,
		OnIncoming: e.answer,
		Logger:     e.log,
		newMedia:   cfg.newMedia,
	})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("echo server: %w", err)
	}
	e.mgr.Attach(e.srv)
	e.srv.OnRegister(e.register)
	e.srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	go func() {
		defer close(e.serveDone)
		// ServeTLS only returns once the listener fails or is closed.
		if err := e.srv.ServeTLS(e.ln); !errors.Is(err, net.ErrClosed) {
			e.log.Debug("echo server stopped", "err", err)
		}
	}()
	e.log.Info("echo server listening", "addr", e.addr.String(), "ca", e.caFile, "sha256", e.fingerprint)
	return e, nil
}

// loadCA reads the CA kept in dir, or makes one (and keeps it there).
func (e *EchoServer) loadCA(dir string) error {
	if dir == "" {
		ca, err := pki.NewCA("Hookphone local echo CA", 10*365*24*time.Hour)
		if err != nil {
			return err
		}
		tmp, err := os.MkdirTemp("", "hookphone-echo-")
		if err != nil {
			return fmt.Errorf("echo CA: %w", err)
		}
		e.tmpDir = tmp
		e.ca, e.caFile = ca, filepath.Join(tmp, "echo-ca.pem")
		return os.WriteFile(e.caFile, ca.CertPEM, 0o644)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("echo CA dir: %w", err)
	}
	certFile, keyFile := filepath.Join(dir, "echo-ca.pem"), filepath.Join(dir, "echo-ca-key.pem")
	certPEM, errC := os.ReadFile(certFile)
	keyPEM, errK := os.ReadFile(keyFile)
	if errC == nil && errK == nil {
		ca, err := pki.LoadCA(certPEM, keyPEM)
		if err != nil {
			return fmt.Errorf("echo CA in %s (delete both files to make a new one): %w", dir, err)
		}
		if time.Until(ca.Cert.NotAfter) > 24*time.Hour {
			e.ca, e.caFile = ca, certFile
			return nil
		}
	}
	ca, err := pki.NewCA("Hookphone local echo CA", 10*365*24*time.Hour)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, ca.KeyPEM, 0o600); err != nil {
		return fmt.Errorf("echo CA: %w", err)
	}
	if err := os.WriteFile(certFile, ca.CertPEM, 0o644); err != nil {
		return fmt.Errorf("echo CA: %w", err)
	}
	e.ca, e.caFile = ca, certFile
	return nil
}

// register accepts any REGISTER for an hour (the echo has no users).
func (e *EchoServer) register(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	expires := 3600
	if h := req.GetHeader("Expires"); h != nil {
		if v, err := strconv.Atoi(h.Value()); err == nil && v >= 0 && v < expires {
			expires = v
		}
	}
	if ct := req.Contact(); ct != nil && expires > 0 {
		c := ct.Clone()
		c.Params.Add("expires", strconv.Itoa(expires))
		res.AppendHeader(c)
	}
	res.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(expires)))
	_ = tx.Respond(res)
}

// answer picks up every call and loops its audio back.
func (e *EchoServer) answer(c *Call) {
	loop := newEchoLoop(50)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	if err := c.Answer(ctx, AnswerOptions{Source: loop, Sink: loop}); err != nil {
		e.log.Warn("echo answer", "call", c.ID, "err", err)
	}
}

// Addr is the listening address ("127.0.0.1:5061").
func (e *EchoServer) Addr() string { return e.addr.String() }

// ServerURI is what a client puts in --server ("sips:127.0.0.1:port").
func (e *EchoServer) ServerURI() string {
	host := e.addr.Addr().Unmap()
	if host.IsUnspecified() {
		host = netip.MustParseAddr("127.0.0.1")
	}
	return "sips:" + netip.AddrPortFrom(host, e.addr.Port()).String()
}

// CAFile is the PEM file of the service's CA (a client's --ca).
func (e *EchoServer) CAFile() string { return e.caFile }

// CAPEM is the service's CA certificate.
func (e *EchoServer) CAPEM() []byte { return e.ca.CertPEM }

// Fingerprint is the SHA-256 of the service's TLS certificate.
func (e *EchoServer) Fingerprint() string { return e.fingerprint }

// Calls returns the calls the echo is in.
func (e *EchoServer) Calls() []*Call { return e.mgr.Calls() }

// Close hangs up, stops listening and removes a throwaway CA file.
func (e *EchoServer) Close() error {
	e.closeOnce.Do(func() {
		if e.mgr != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = e.mgr.Close(ctx)
			cancel()
		}
		if e.ln != nil {
			e.ln.Close()
			select {
			case <-e.serveDone:
			case <-time.After(5 * time.Second):
			}
		}
		if e.ua != nil {
			e.ua.Close()
		}
		if e.tmpDir != "" {
			os.RemoveAll(e.tmpDir)
		}
	})
	return nil
}

// echoLoop is a media.Sink whose frames come back out of its media.Source.
// It keeps a small cushion (echoPrime frames) so that the two goroutines'
// scheduling jitter does not chop the echo; frames beyond the queue are
// dropped.
type echoLoop struct {
	q      chan []int16
	mu     sync.Mutex
	primed bool
}

const echoPrime = 3

func newEchoLoop(frames int) *echoLoop { return &echoLoop{q: make(chan []int16, frames)} }

func (l *echoLoop) WriteFrame(frame []int16) error {
	select {
	case l.q <- append([]int16(nil), frame...):
	default:
	}
	return nil
}

func (l *echoLoop) ReadFrame(frame []int16) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.primed && len(l.q) < echoPrime {
		clear(frame)
		return nil
	}
	l.primed = true
	select {
	case f := <-l.q:
		n := copy(frame, f)
		clear(frame[n:])
	default:
		l.primed = false
		clear(frame)
	}
	return nil
}
