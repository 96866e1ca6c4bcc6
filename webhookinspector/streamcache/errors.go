package streamcache

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
)

var (
	// ErrTooLarge means the body is larger than the per-file cap.
	ErrTooLarge = errors.New("body larger than the per-file cap")
	// ErrBadURL means the URL is not an absolute http:// or https:// URL.
	ErrBadURL = errors.New("not an http:// or https:// URL")
	// ErrMustRevalidate means a stale copy exists but may not be served
	// without validation (must-revalidate or no-cache) and validation failed.
	ErrMustRevalidate = errors.New("stale copy may not be served without validation")
	// ErrTLS marks certificate and handshake failures.
	ErrTLS = errors.New("TLS failure")

	// ErrClosed means the Cache was closed.
	ErrClosed = errors.New("stream cache closed")

	errTooManyRedirects = errors.New("too many redirects")
)

// HTTPStatusError is a final response other than 200 (or 304 to a
// conditional request): no audio to cache.
type HTTPStatusError struct {
	Code   int
	Status string // e.g. "404 Not Found"
}

// Error says what the server answered.
func (e *HTTPStatusError) Error() string {
	return fmt.Sprintf("the server answered %s", e.Status)
}

// explainNetError turns transport errors into one clear sentence, wrapping
// ErrTLS for certificate problems.
func explainNetError(host string, err error) error {
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var rec tls.RecordHeaderError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknown):
		issuer := ""
		if unknown.Cert != nil {
			issuer = unknown.Cert.Issuer.CommonName
		}
		return fmt.Errorf("%w: %s's certificate is signed by an unknown authority (issuer %q): pass --ca FILE with the CA that issued it", ErrTLS, host, issuer)
	case errors.As(err, &hostErr):
		return fmt.Errorf("%w: %s's certificate is not valid for that name: %v", ErrTLS, host, hostErr)
	case errors.As(err, &invalid):
		return fmt.Errorf("%w: %s's certificate is not valid: %v", ErrTLS, host, invalid)
	case errors.As(err, &rec):
		return fmt.Errorf("%w: %s did not answer with TLS (is it plain http?)", ErrTLS, host)
	case errors.As(err, &verify):
		return fmt.Errorf("%w: %s's certificate was refused: %v", ErrTLS, host, verify.Err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot resolve %s: %v", host, dnsErr)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return fmt.Errorf("cannot connect to %s: %v", host, opErr.Err)
	}
	return fmt.Errorf("fetching from %s: %w", host, err)
}

// RedactURL hides the password of a URL's user information
// ("https://user:xxxxx@host/…") for error messages and logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

func statusError(resp *http.Response) error {
	return &HTTPStatusError{Code: resp.StatusCode, Status: resp.Status}
}
