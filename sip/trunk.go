package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
)

// Trunk mode (SPEC §5.1/§5.3): a SIP trunk such as Vonage SIP Connect takes
// no REGISTER. Outbound INVITEs go on the account's flow and answer digest
// challenges with the account's credentials; inbound calls arrive at a TLS
// listener whose address the user configures at the trunk
// (sip:user@host:port;transport=tls).

// ListenerCert is the certificate a trunk listener presents.
type ListenerCert struct {
	// TLS is the certificate with its key.
	TLS tls.Certificate
	// Fingerprint is its SHA-256 fingerprint (to show the user).
	Fingerprint string
	// CertFile and KeyFile are where it is stored.
	CertFile, KeyFile string
	// Created is true when it was made by this call (first use).
	Created bool
}

// LoadOrCreateListenerCert loads the user's certificate when certFile and
// keyFile are given; otherwise it loads dir/listener.crt and
// dir/listener.key, making a self-signed pair for hosts there on first use
// (key file mode 0600). Trunks such as Vonage do not check client or
// callee certificates, so self-signed is enough (SPEC §5.1).
func LoadOrCreateListenerCert(certFile, keyFile, dir string, hosts []string) (ListenerCert, error) {
	created := false
	if certFile == "" && keyFile == "" {
		if dir == "" {
			return ListenerCert{}, errors.New("listener certificate: no certificate given and no folder to keep a generated one")
		}
		certFile, keyFile = filepath.Join(dir, "listener.crt"), filepath.Join(dir, "listener.key")
		if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
			if len(hosts) == 0 {
				hosts = []string{"localhost", "127.0.0.1"}
			}
			leaf, err := pki.SelfSigned("Hookphone trunk listener", hosts, 10*365*24*time.Hour)
			if err != nil {
				return ListenerCert{}, fmt.Errorf("listener certificate: %w", err)
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return ListenerCert{}, fmt.Errorf("listener certificate: %w", err)
			}
			if err := os.WriteFile(keyFile, leaf.KeyPEM, 0o600); err != nil {
				return ListenerCert{}, fmt.Errorf("listener certificate: %w", err)
			}
			if err := os.WriteFile(certFile, leaf.CertPEM, 0o644); err != nil {
				return ListenerCert{}, fmt.Errorf("listener certificate: %w", err)
			}
			created = true
		}
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return ListenerCert{}, fmt.Errorf("listener certificate %s: %w", certFile, err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return ListenerCert{}, fmt.Errorf("listener certificate %s: %w", certFile, err)
	}
	return ListenerCert{TLS: pair, Fingerprint: pki.Fingerprint(leaf), CertFile: certFile, KeyFile: keyFile, Created: created}, nil
}

// TrunkListener accepts inbound TLS connections (calls from the trunk) and
// hands them to the endpoint's sipgo server; every message on them is traced.
type TrunkListener struct {
	// ListenAddr is the address actually listened on ("ip:port").
	ListenAddr string
	// Cert is the presented certificate.
	Cert ListenerCert

	e       *Endpoint
	ln      net.Listener
	conns   chan net.Conn
	closed  chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	serveCh chan error

	mu    sync.Mutex
	flows []*Flow
	seq   uint64
}

// Listen starts the trunk listener on addr ("host:port") with cert. Inbound
// requests reach the handlers set with Handle. The endpoint's Contact then
// advertises this listener (unless it listens on an unspecified address).
func (e *Endpoint) Listen(ctx context.Context, addr string, cert ListenerCert) (*TrunkListener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("trunk listener %s: %w", addr, err)
	}
	l := &TrunkListener{ListenAddr: ln.Addr().String(), Cert: cert, e: e, ln: ln,
		conns: make(chan net.Conn), closed: make(chan struct{}), serveCh: make(chan error, 1)}
	conf := &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}
	l.wg.Add(1)
	go l.acceptLoop(conf)
	go func() { l.serveCh <- e.Server.ServeTLS(l) }()
	if host, _, err := net.SplitHostPort(l.ListenAddr); err == nil {
		if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
			e.mu.Lock()
			e.contactAddr = l.ListenAddr
			e.mu.Unlock()
		}
	}
	e.mu.Lock()
	e.listeners = append(e.listeners, l)
	e.mu.Unlock()
	e.log.Info("trunk listener up", "addr", l.ListenAddr, "fingerprint", cert.Fingerprint)
	return l, nil
}

func (l *TrunkListener) acceptLoop(conf *tls.Config) {
	defer l.wg.Done()
	for {
		raw, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			tc := tls.Server(raw, conf)
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			err := tc.HandshakeContext(ctx)
			cancel()
			if err != nil {
				l.e.log.Warn("trunk listener: handshake failed", "remote", raw.RemoteAddr().String(), "error", err)
				raw.Close()
				return
			}
			l.mu.Lock()
			l.seq++
			f := newFlow(l.seq, tc, "", l.e.trace)
			l.flows = append(l.flows, f)
			l.mu.Unlock()
			select {
			case l.conns <- f.conn:
			case <-l.closed:
				tc.Close()
			}
		}()
	}
}

// Accept hands a handshaken inbound connection to sipgo (net.Listener).
func (l *TrunkListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Addr returns the listening address (net.Listener).
func (l *TrunkListener) Addr() net.Addr { return l.ln.Addr() }

// Flows returns the inbound flows accepted so far.
func (l *TrunkListener) Flows() []*Flow {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*Flow(nil), l.flows...)
}

// Close stops listening and closes inbound flows.
func (l *TrunkListener) Close() error {
	l.once.Do(func() {
		close(l.closed)
		l.ln.Close()
		l.wg.Wait()
		<-l.serveCh
		for _, f := range l.Flows() {
			f.Close(ErrFlowClosed)
		}
	})
	return nil
}
