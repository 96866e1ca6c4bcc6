package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
)

// handshake runs a TLS server with cert (and maxVersion, if set) on loopback
// and a client with conf against it, returning the client's handshake error.
func handshake(t *testing.T, cert tls.Certificate, maxVersion uint16, conf *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		s := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: maxVersion})
		_ = s.HandshakeContext(context.Background())
		s.Close()
	}()
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	c := tls.Client(raw, conf)
	err = c.HandshakeContext(context.Background())
	if err != nil {
		err = classifyHandshakeError(conf.ServerName, err)
	}
	return c.ConnectionState(), err
}

func TestTLSRefusalReasons(t *testing.T) {
	ca, err := pki.NewCA("test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	good, _ := ca.Issue("pbx", []string{"pbx.test", "127.0.0.1"}, time.Hour)
	expired, _ := ca.IssueWindow("old", []string{"pbx.test"}, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	self, _ := pki.SelfSigned("self", []string{"pbx.test"}, time.Hour)
	empty := x509.NewCertPool()

	cases := []struct {
		name   string
		cert   *pki.Leaf
		opts   TLSOptions
		maxVer uint16
		reason RefusalReason
	}{
		{"trusted via CA file", good, TLSOptions{ServerName: "pbx.test", CAFile: caFile, Roots: empty}, 0, RefusedUnknown},
		{"IP name", good, TLSOptions{ServerName: "127.0.0.1", CAFile: caFile, Roots: empty}, 0, RefusedUnknown},
		{"unknown CA", good, TLSOptions{ServerName: "pbx.test", Roots: empty}, 0, RefusedUnknownAuthority},
		{"name mismatch", good, TLSOptions{ServerName: "other.test", CAFile: caFile, Roots: empty}, 0, RefusedNameMismatch},
		{"expired", expired, TLSOptions{ServerName: "pbx.test", CAFile: caFile, Roots: empty}, 0, RefusedExpired},
		{"self-signed unpinned", self, TLSOptions{ServerName: "pbx.test", Roots: empty}, 0, RefusedUnknownAuthority},
		{"self-signed pinned", self, TLSOptions{ServerName: "pbx.test", Roots: empty, PinnedSHA256: pki.Fingerprint(self.Cert)}, 0, RefusedUnknown},
		{"pinned wins over name", self, TLSOptions{ServerName: "wrong.test", Roots: empty, PinnedSHA256: pki.Fingerprint(self.Cert)}, 0, RefusedUnknown},
		{"pin mismatch even if CA-trusted", good, TLSOptions{ServerName: "pbx.test", CAFile: caFile, Roots: empty, PinnedSHA256: pki.Fingerprint(self.Cert)}, 0, RefusedPinMismatch},
		{"TLS 1.1 server", good, TLSOptions{ServerName: "pbx.test", CAFile: caFile, Roots: empty}, tls.VersionTLS11, RefusedTLSVersion},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conf, err := NewTLSConfig(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := handshake(t, c.cert.TLS, c.maxVer, conf)
			if c.reason == RefusedUnknown {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				info := connInfo(cs, c.opts.PinnedSHA256)
				if info.ServerCertSHA256() != pki.Fingerprint(c.cert.Cert) || info.Version == "" || info.CipherSuite == "" {
					t.Fatalf("conn info %+v", info)
				}
				if c.opts.PinnedSHA256 != "" && !info.Pinned {
					t.Fatal("not marked pinned")
				}
				return
			}
			var ce *CertError
			if !errors.As(err, &ce) || ce.Reason != c.reason {
				t.Fatalf("error %v, want reason %s", err, c.reason)
			}
			if c.reason != RefusedTLSVersion {
				fp := pki.Fingerprint(c.cert.Cert)
				msg := ce.Error()
				if ce.Fingerprint() != fp || !strings.Contains(msg, fp) || !strings.Contains(msg, "subject") || !strings.Contains(msg, "SANs [pbx.test") {
					t.Fatalf("refusal lacks the presented certificate: %s", msg)
				}
			}
		})
	}
}

func TestNewTLSConfigErrors(t *testing.T) {
	if _, err := NewTLSConfig(TLSOptions{}); err == nil {
		t.Error("no server name accepted")
	}
	if _, err := NewTLSConfig(TLSOptions{ServerName: "x", CAFile: "/nonexistent/ca.pem"}); err == nil || !strings.Contains(err.Error(), "CA file") {
		t.Errorf("missing CA file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not pem"), 0o600)
	if _, err := NewTLSConfig(TLSOptions{ServerName: "x", CAFile: bad}); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Errorf("bad CA file: %v", err)
	}
	conf, err := NewTLSConfig(TLSOptions{ServerName: "x"})
	if err != nil || conf.MinVersion != tls.VersionTLS12 {
		t.Errorf("min version %x %v", conf.MinVersion, err)
	}
}
