package sip

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
)

// DefaultCallIDHeader is the custom header in which Hookphone sends its own
// call identifier, so a voice API's webhooks can be tied to the SIP call.
const DefaultCallIDHeader = "X-Hookphone-Call-Id"

// DefaultExpires is the registration lifetime Hookphone asks for.
const DefaultExpires = 600 * time.Second

// DefaultKeepAlive is the interval between keep-alives on an idle flow
// (RFC 5626 §4.4.1 suggests 95–120 s for TCP/TLS; NATs and SBCs often drop
// idle connections after 30 s, so Hookphone pings more often).
const DefaultKeepAlive = 25 * time.Second

// Mode says how an account reaches its server.
type Mode int

const (
	// ModeUnknown is the zero value: not set.
	ModeUnknown Mode = iota
	// ModeRegister registers with the server (PBX, registrar) and takes
	// inbound calls on the registered flow.
	ModeRegister
	// ModeTrunk never registers: digest is answered on each INVITE, and
	// inbound calls arrive on a TLS listener (SIP trunks such as Vonage SIP Connect).
	ModeTrunk
)

// String returns "register", "trunk" or "unknown".
func (m Mode) String() string {
	switch m {
	case ModeRegister:
		return "register"
	case ModeTrunk:
		return "trunk"
	default:
		return "unknown"
	}
}

// SRTPPolicy says whether calls must, may or must not use SRTP (SDES).
type SRTPPolicy int

const (
	// SRTPUnknown is the zero value: not set (Validate turns it into SRTPMandatory).
	SRTPUnknown SRTPPolicy = iota
	// SRTPMandatory offers only RTP/SAVP and rejects offers without an acceptable a=crypto (488).
	SRTPMandatory
	// SRTPOptional offers SRTP but accepts plain RTP.
	SRTPOptional
	// SRTPOff never uses SRTP.
	SRTPOff
)

// String returns the policy as typed on the command line.
func (p SRTPPolicy) String() string {
	switch p {
	case SRTPMandatory:
		return "mandatory"
	case SRTPOptional:
		return "optional"
	case SRTPOff:
		return "off"
	default:
		return "unknown"
	}
}

// ParseSRTPPolicy reads "mandatory", "optional" or "off".
func ParseSRTPPolicy(s string) (SRTPPolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "mandatory", "":
		return SRTPMandatory, nil
	case "optional":
		return SRTPOptional, nil
	case "off":
		return SRTPOff, nil
	}
	return SRTPUnknown, fmt.Errorf("srtp policy %q: want mandatory, optional or off", s)
}

// Account is everything Hookphone needs to reach one SIP server. The password
// lives only in memory: it comes from an environment variable or the secret
// store and is never written to the config file, logs or traces.
type Account struct {
	// Name is the account's name in the config ("" for ad-hoc accounts).
	Name string
	// Mode is registering or trunk.
	Mode Mode
	// Server is the registrar, proxy or trunk to talk to (always over TLS).
	Server ServerURI
	// User is the user part of the address of record (sip:User@Domain).
	User string
	// AuthUser is the digest user name; empty means User.
	AuthUser string
	// Password is the digest password (memory only).
	Password string
	// Domain is the host part of the address of record; empty means Server.Host.
	Domain string
	// DisplayName is put in From (may be empty).
	DisplayName string
	// CAFile is a PEM file of extra CA certificates trusted for this account.
	CAFile string
	// PinnedSHA256 is the SHA-256 fingerprint of the server certificate to
	// accept even when no trusted CA signed it (the only way to trust a
	// self-signed server). Any form accepted by pki.NormalizeFingerprint.
	PinnedSHA256 string
	// SRTP is the media encryption policy (used by the call layer).
	SRTP SRTPPolicy
	// Suites lists SDES crypto suites in preference order (empty: the call layer's default).
	Suites []string
	// Codecs lists codec names in preference order (empty: the call layer's default).
	Codecs []string
	// Listen is the local TLS listener address for inbound calls in trunk mode ("" = none).
	Listen string
	// ListenCertFile and ListenKeyFile are the listener's certificate; when
	// empty, one is made on first use and stored (see TrunkListener).
	ListenCertFile, ListenKeyFile string
	// Expires is the registration lifetime to ask for (0: DefaultExpires).
	Expires time.Duration
	// KeepAlive is the keep-alive interval on the flow (0: DefaultKeepAlive; <0: off).
	KeepAlive time.Duration
	// CallIDHeader names the header carrying Hookphone's call id (default DefaultCallIDHeader).
	CallIDHeader string
	// UserAgent is the User-Agent header value ("" = "Hookphone").
	UserAgent string
}

// AuthUsername returns the digest user name (AuthUser, else User).
func (a *Account) AuthUsername() string {
	if a.AuthUser != "" {
		return a.AuthUser
	}
	return a.User
}

// AORDomain returns the host of the address of record.
func (a *Account) AORDomain() string {
	if a.Domain != "" {
		return a.Domain
	}
	return a.Server.Host
}

// AOR returns the address of record, e.g. "sip:alice@pbx.example.com".
func (a *Account) AOR() string {
	return "sip:" + a.User + "@" + hostForURI(a.AORDomain())
}

// Label names the account in messages: its Name, else its AOR.
func (a *Account) Label() string {
	if a.Name != "" {
		return a.Name
	}
	return a.AOR()
}

// Validate fills defaults and checks every user-typed field, so nothing
// malformed is ever put on the wire. It returns all problems at once.
func (a *Account) Validate() error {
	var errs []error
	if a.Mode == ModeUnknown {
		a.Mode = ModeRegister
	}
	if a.Server.Host == "" {
		errs = append(errs, errors.New("no server: give --server sips:host[:port] or sip:host;transport=tls"))
	}
	if a.User == "" {
		if a.Mode == ModeRegister {
			errs = append(errs, errors.New("no user: give --user NAME (the user part of your address)"))
		}
	} else if err := ValidateUser(a.User); err != nil {
		errs = append(errs, err)
	}
	if a.AuthUser != "" {
		if err := ValidateUser(a.AuthUser); err != nil {
			errs = append(errs, fmt.Errorf("auth user: %w", err))
		}
	}
	if a.Domain != "" {
		if err := ValidateHost(a.Domain); err != nil {
			errs = append(errs, fmt.Errorf("domain: %w", err))
		}
	}
	if err := ValidateDisplayName(a.DisplayName); err != nil {
		errs = append(errs, err)
	}
	if strings.ContainsAny(a.Password, "\r\n\x00") {
		errs = append(errs, errors.New("password contains a line break or NUL character"))
	}
	if a.PinnedSHA256 != "" {
		fp, err := pki.NormalizeFingerprint(a.PinnedSHA256)
		if err != nil {
			errs = append(errs, fmt.Errorf("pinned certificate: %w", err))
		} else {
			a.PinnedSHA256 = fp
		}
	}
	if a.SRTP == SRTPUnknown {
		a.SRTP = SRTPMandatory
	}
	for _, s := range a.Suites {
		if err := ValidateToken("srtp suite", s); err != nil {
			errs = append(errs, err)
		}
	}
	for _, c := range a.Codecs {
		if err := ValidateCodecName(c); err != nil {
			errs = append(errs, err)
		}
	}
	if a.Listen != "" {
		if _, _, err := net.SplitHostPort(a.Listen); err != nil {
			errs = append(errs, fmt.Errorf("listen address %q: want host:port, e.g. 0.0.0.0:5061", a.Listen))
		}
	}
	if (a.ListenCertFile == "") != (a.ListenKeyFile == "") {
		errs = append(errs, errors.New("listener certificate: give both the certificate and the key file, or neither"))
	}
	if a.Expires == 0 {
		a.Expires = DefaultExpires
	}
	if a.Expires < 0 || a.Expires > 24*time.Hour {
		errs = append(errs, fmt.Errorf("expires %s: want between 1s and 24h", a.Expires))
	}
	if a.KeepAlive == 0 {
		a.KeepAlive = DefaultKeepAlive
	}
	if a.CallIDHeader == "" {
		a.CallIDHeader = DefaultCallIDHeader
	}
	if err := ValidateHeaderName(a.CallIDHeader); err != nil {
		errs = append(errs, fmt.Errorf("call id header: %w", err))
	}
	if a.UserAgent == "" {
		a.UserAgent = "Hookphone"
	}
	if err := ValidateHeaderValue("User-Agent", a.UserAgent); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("account %s: %w", a.Label(), err)
	}
	return nil
}

// hostForURI brackets IPv6 literals.
func hostForURI(h string) string {
	if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
		return "[" + h + "]"
	}
	return h
}
