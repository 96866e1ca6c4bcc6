package sip

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
)

// TLSOptions configure NewTLSConfig.
type TLSOptions struct {
	// ServerName is the host the certificate must name (the server URI's host;
	// RFC 5922 §7.2: the SIP domain, matched against subjectAltName).
	ServerName string
	// CAFile is an optional PEM file of extra trusted CA certificates.
	CAFile string
	// PinnedSHA256 accepts exactly the certificate with this fingerprint,
	// whoever signed it (the only way to trust a self-signed server).
	PinnedSHA256 string
	// Roots overrides the system roots (tests); nil means the system pool.
	Roots *x509.CertPool
	// Now is the clock used for validity checks (nil: time.Now).
	Now func() time.Time
}

// NewTLSConfig builds the client TLS configuration of an account: TLS 1.2 or
// later, server certificate verified against the system roots plus the CA
// file with ServerName as name, or matched against the pinned fingerprint. A
// refusal surfaces from the handshake as a *CertError.
func NewTLSConfig(o TLSOptions) (*tls.Config, error) {
	if o.ServerName == "" {
		return nil, errors.New("tls config: no server name")
	}
	roots := o.Roots
	if roots == nil {
		sys, err := x509.SystemCertPool()
		if err != nil || sys == nil {
			sys = x509.NewCertPool()
		}
		roots = sys
	} else {
		roots = roots.Clone()
	}
	if o.CAFile != "" {
		pemData, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls config: read CA file: %w", err)
		}
		if !roots.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("tls config: CA file %s holds no PEM certificate", o.CAFile)
		}
	}
	pin := ""
	if o.PinnedSHA256 != "" {
		fp, err := pki.NormalizeFingerprint(o.PinnedSHA256)
		if err != nil {
			return nil, fmt.Errorf("tls config: %w", err)
		}
		pin = fp
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	name := strings.TrimSuffix(strings.TrimPrefix(o.ServerName, "["), "]")
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: name,
		// Verification is done in VerifyConnection so that a refusal can say
		// exactly why and describe the presented chain, and so that a pin can
		// accept a self-signed certificate. InsecureSkipVerify only switches
		// off crypto/tls's own check; ours always runs.
		InsecureSkipVerify: true, //nolint:gosec // replaced by verifyServer below
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyServer(cs, name, roots, pin, now())
		},
	}, nil
}

// verifyServer checks the presented chain: by pin when one is set, else by
// the trusted roots and the server name.
func verifyServer(cs tls.ConnectionState, name string, roots *x509.CertPool, pin string, now time.Time) error {
	chain := cs.PeerCertificates
	if len(chain) == 0 {
		return &CertError{Reason: RefusedNoCertificate, Host: name}
	}
	leaf := chain[0]
	if pin != "" {
		if pki.Fingerprint(leaf) == pin {
			return nil
		}
		return &CertError{Reason: RefusedPinMismatch, Host: name, Chain: describeChain(chain), Err: fmt.Errorf("pinned %s", pin)}
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		DNSName:       name,
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err == nil {
		return nil
	}
	return &CertError{Reason: classifyVerifyError(err), Host: name, Chain: describeChain(chain), Err: err}
}

func classifyVerifyError(err error) RefusalReason {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		return RefusedUnknownAuthority
	case errors.As(err, &he):
		return RefusedNameMismatch
	case errors.As(err, &ci):
		if ci.Reason == x509.Expired {
			return RefusedExpired
		}
		return RefusedInvalid
	}
	return RefusedInvalid
}

// RefusalReason says why a server certificate or handshake was refused.
type RefusalReason int

const (
	// RefusedUnknown is the zero value.
	RefusedUnknown RefusalReason = iota
	// RefusedUnknownAuthority: no trusted CA signed the certificate (self-signed or private CA).
	RefusedUnknownAuthority
	// RefusedNameMismatch: the certificate does not name the server's host.
	RefusedNameMismatch
	// RefusedExpired: the certificate is expired or not yet valid.
	RefusedExpired
	// RefusedPinMismatch: the certificate is not the pinned one.
	RefusedPinMismatch
	// RefusedTLSVersion: the server offered no TLS version ≥ 1.2.
	RefusedTLSVersion
	// RefusedNoCertificate: the server presented no certificate.
	RefusedNoCertificate
	// RefusedInvalid: any other certificate problem (bad usage, constraints…).
	RefusedInvalid
)

// String returns a short phrase for the reason.
func (r RefusalReason) String() string {
	switch r {
	case RefusedUnknownAuthority:
		return "unknown authority"
	case RefusedNameMismatch:
		return "name mismatch"
	case RefusedExpired:
		return "expired"
	case RefusedPinMismatch:
		return "pinned fingerprint mismatch"
	case RefusedTLSVersion:
		return "TLS version"
	case RefusedNoCertificate:
		return "no certificate"
	case RefusedInvalid:
		return "invalid certificate"
	default:
		return "unknown"
	}
}

// CertInfo describes one certificate of a presented chain.
type CertInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	SANs      []string  `json:"sans"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	SHA256    string    `json:"sha256"`
	IsCA      bool      `json:"is_ca"`
}

// String is a one-line description.
func (c CertInfo) String() string {
	return fmt.Sprintf("subject %q, issuer %q, SANs [%s], valid %s to %s, SHA-256 %s",
		c.Subject, c.Issuer, strings.Join(c.SANs, ", "),
		c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), c.SHA256)
}

// DescribeCert summarises a certificate.
func DescribeCert(c *x509.Certificate) CertInfo {
	info := CertInfo{
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		NotBefore: c.NotBefore,
		NotAfter:  c.NotAfter,
		SHA256:    pki.Fingerprint(c),
		IsCA:      c.IsCA,
	}
	info.SANs = append(info.SANs, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		info.SANs = append(info.SANs, ip.String())
	}
	for _, u := range c.URIs {
		info.SANs = append(info.SANs, u.String())
	}
	return info
}

func describeChain(chain []*x509.Certificate) []CertInfo {
	out := make([]CertInfo, len(chain))
	for i, c := range chain {
		out[i] = DescribeCert(c)
	}
	return out
}

// CertError is a refused TLS handshake: why, and what the server presented,
// so that the user can decide to add its CA or pin its fingerprint.
type CertError struct {
	Reason RefusalReason
	// Host is the name the certificate was checked against.
	Host string
	// Chain is the presented chain, leaf first (empty for TLS version refusals).
	Chain []CertInfo
	// Err is the underlying error.
	Err error
}

// Error explains the refusal with the leaf's details and fingerprint.
func (e *CertError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "TLS to %s refused: %s", e.Host, e.Reason)
	switch e.Reason {
	case RefusedUnknownAuthority:
		b.WriteString(" (no trusted CA signed it: add the CA with --ca, or pin the fingerprint below if you trust this server)")
	case RefusedNameMismatch:
		fmt.Fprintf(&b, " (the certificate does not name %s)", e.Host)
	case RefusedTLSVersion:
		b.WriteString(" (the server offered no TLS 1.2 or later)")
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if len(e.Chain) > 0 {
		fmt.Fprintf(&b, "; presented certificate: %s", e.Chain[0])
		if len(e.Chain) > 1 {
			fmt.Fprintf(&b, "; chain of %d", len(e.Chain))
		}
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *CertError) Unwrap() error { return e.Err }

// Fingerprint returns the presented leaf's SHA-256 fingerprint ("" if none).
func (e *CertError) Fingerprint() string {
	if len(e.Chain) == 0 {
		return ""
	}
	return e.Chain[0].SHA256
}

// classifyHandshakeError turns a crypto/tls handshake failure that is not a
// *CertError into one when it is a protocol version refusal.
func classifyHandshakeError(host string, err error) error {
	var ce *CertError
	if errors.As(err, &ce) {
		return err
	}
	msg := err.Error()
	if strings.Contains(msg, "protocol version") || strings.Contains(msg, "unsupported protocol version") || strings.Contains(msg, "no supported versions") {
		return &CertError{Reason: RefusedTLSVersion, Host: host, Err: err}
	}
	return err
}

// ConnInfo is the security state of a TLS flow, for the per-call security report.
type ConnInfo struct {
	// Version is e.g. "TLS 1.3".
	Version string `json:"tls_version"`
	// VersionID is the crypto/tls constant.
	VersionID uint16 `json:"-"`
	// CipherSuite is the IANA name, e.g. "TLS_AES_128_GCM_SHA256".
	CipherSuite string `json:"tls_cipher"`
	// ServerName is the name verified.
	ServerName string `json:"server_name"`
	// Pinned says the server was accepted by its pinned fingerprint rather than a CA.
	Pinned bool `json:"pinned"`
	// Chain is the server's presented chain, leaf first.
	Chain []CertInfo `json:"chain"`
}

// ServerCertSHA256 is the leaf certificate's fingerprint ("" if none).
func (c ConnInfo) ServerCertSHA256() string {
	if len(c.Chain) == 0 {
		return ""
	}
	return c.Chain[0].SHA256
}

// connInfo extracts ConnInfo from a completed handshake.
func connInfo(cs tls.ConnectionState, pin string) ConnInfo {
	info := ConnInfo{
		Version:     tls.VersionName(cs.Version),
		VersionID:   cs.Version,
		CipherSuite: tls.CipherSuiteName(cs.CipherSuite),
		ServerName:  cs.ServerName,
		Chain:       describeChain(cs.PeerCertificates),
	}
	if pin != "" && len(cs.PeerCertificates) > 0 && pki.Fingerprint(cs.PeerCertificates[0]) == pin {
		info.Pinned = true
	}
	return info
}
