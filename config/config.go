package config

import (
	"fmt"
	"strings"
	"time"
)

// CurrentVersion is the config file format this build reads and writes.
const CurrentVersion = 1

// Config is the whole human-editable configuration file. It holds no secrets:
// passwords and signature secrets live in the [SecretStore] under the names
// [AccountPasswordKey] and [SignatureSecretKey] give.
type Config struct {
	// Version is the file format version (CurrentVersion).
	Version int `toml:"version"`
	// Accounts are the SIP accounts, one [[account]] table each.
	Accounts []Account `toml:"account,omitempty"`
	// Audio holds the chosen sound devices.
	Audio Audio `toml:"audio"`
	// Inspector holds the webhook inspector's settings.
	Inspector Inspector `toml:"inspector"`
}

// Account is one SIP account as the user configured it. Its field names match
// the headless commands' account flags (DESIGN.md): --server, --user,
// --auth-user, --ca, --srtp, --suites, --codecs, --no-register, --listen, --device.
type Account struct {
	// Name identifies the account (--account NAME); unique, non-empty.
	Name string `toml:"name"`
	// DisplayName is shown to the called party (From display name).
	DisplayName string `toml:"display_name,omitempty"`
	// Server is the registrar, proxy or trunk, e.g. "sips:pbx.example.com:5061"
	// or "sip:host;transport=tls".
	Server string `toml:"server"`
	// User is the user part of the address of record.
	User string `toml:"user"`
	// AuthUser is the digest user name when it differs from User.
	AuthUser string `toml:"auth_user,omitempty"`
	// Domain is the address-of-record host when it differs from the server's.
	Domain string `toml:"domain,omitempty"`
	// CAFile is a PEM file of extra CA certificates trusted for this account.
	CAFile string `toml:"ca_file,omitempty"`
	// Fingerprint is the pinned SHA-256 fingerprint of the server certificate
	// (colon-separated upper-case hex once normalised).
	Fingerprint string `toml:"fingerprint,omitempty"`
	// SRTP is the media encryption policy (default mandatory).
	SRTP SRTPPolicy `toml:"srtp"`
	// Suites lists SDES crypto suites in preference order (empty: default).
	Suites []string `toml:"suites,omitempty"`
	// Codecs lists codecs in preference order (empty: default).
	Codecs []string `toml:"codecs,omitempty"`
	// Mode says whether the account registers or is a trunk (default register).
	Mode Mode `toml:"mode"`
	// Listen is the local TLS listener for inbound calls in trunk mode.
	Listen string `toml:"listen,omitempty"`
	// Device is the audio device for this account's calls ("" or "default": the [audio] choice).
	Device string `toml:"device,omitempty"`
}

// Audio holds the user's sound device choices, by PortAudio device name.
// An empty name means the system default.
type Audio struct {
	// Input is the microphone.
	Input string `toml:"input,omitempty"`
	// Output is where call audio plays.
	Output string `toml:"output,omitempty"`
	// Ringer is where the ring tone plays (empty: Output).
	Ringer string `toml:"ringer,omitempty"`
	// EchoCancellation turns the acoustic echo canceller on (default true).
	EchoCancellation bool `toml:"echo_cancellation"`
}

// Inspector holds the webhook inspector's settings.
type Inspector struct {
	// Listen is the capture server's address (default 127.0.0.1:8088).
	Listen string `toml:"listen"`
	// AnswerPath, EventPath and FallbackPath are the webhook URL paths.
	AnswerPath string `toml:"answer_path"`
	// EventPath receives call status events.
	EventPath string `toml:"event_path"`
	// FallbackPath receives the fallback answer request.
	FallbackPath string `toml:"fallback_path"`
	// SignatureSecrets maps an API key to the name, in the secret store, of
	// its signature secret (see SignatureSecretKey).
	SignatureSecrets map[string]string `toml:"signature_secrets,omitempty"`
	// MaxAge is how old a signed webhook may be before it is rejected (default 5m).
	MaxAge Duration `toml:"max_age"`
	// ApplicationID is the voice application whose webhooks are expected.
	ApplicationID string `toml:"application_id,omitempty"`
	// Forward is a URL every captured webhook is also forwarded to ("" = none).
	Forward string `toml:"forward,omitempty"`
	// NCCO is the JSON call script the answer path returns (a JSON array).
	NCCO string `toml:"ncco,omitempty"`
}

// Defaults for fields a file may leave out.
const (
	// DefaultInspectorListen is where the webhook inspector listens (loopback only).
	DefaultInspectorListen = "127.0.0.1:8088"
	// DefaultAnswerPath receives the answer webhook.
	DefaultAnswerPath = "/webhooks/answer"
	// DefaultEventPath receives call status events.
	DefaultEventPath = "/webhooks/event"
	// DefaultFallbackPath receives the fallback answer request.
	DefaultFallbackPath = "/webhooks/fallback"
	// DefaultMaxAge is how old a signed webhook may be.
	DefaultMaxAge = Duration(5 * time.Minute)
)

// Default returns the configuration used when no file exists yet.
func Default() *Config {
	c := &Config{Version: CurrentVersion}
	c.Audio.EchoCancellation = true
	c.Inspector = Inspector{
		Listen:       DefaultInspectorListen,
		AnswerPath:   DefaultAnswerPath,
		EventPath:    DefaultEventPath,
		FallbackPath: DefaultFallbackPath,
		MaxAge:       DefaultMaxAge,
	}
	return c
}

// Account returns the account called name.
func (c *Config) Account(name string) (Account, bool) {
	for _, a := range c.Accounts {
		if a.Name == name {
			return a, true
		}
	}
	return Account{}, false
}

// Clone returns a deep copy, so views can edit a config without touching the loaded one.
func (c *Config) Clone() *Config {
	out := *c
	out.Accounts = make([]Account, len(c.Accounts))
	for i, a := range c.Accounts {
		a.Suites = append([]string(nil), a.Suites...)
		a.Codecs = append([]string(nil), a.Codecs...)
		out.Accounts[i] = a
	}
	if c.Inspector.SignatureSecrets != nil {
		out.Inspector.SignatureSecrets = make(map[string]string, len(c.Inspector.SignatureSecrets))
		for k, v := range c.Inspector.SignatureSecrets {
			out.Inspector.SignatureSecrets[k] = v
		}
	}
	return &out
}

// AccountPasswordKey is the secret-store name of an account's SIP password.
func AccountPasswordKey(account string) string { return "account/" + account + "/password" }

// SignatureSecretKey is the default secret-store name of an API key's webhook signature secret.
func SignatureSecretKey(apiKey string) string { return "inspector/" + apiKey + "/signature_secret" }

// SRTPPolicy says whether an account's calls must, may or must not use SRTP.
type SRTPPolicy int

const (
	// SRTPMandatory offers only SRTP and refuses calls without it (the default).
	SRTPMandatory SRTPPolicy = iota
	// SRTPOptional offers SRTP but accepts plain RTP.
	SRTPOptional
	// SRTPOff never uses SRTP.
	SRTPOff
)

// String returns the policy as written in the file: mandatory, optional or off.
func (p SRTPPolicy) String() string {
	switch p {
	case SRTPMandatory:
		return "mandatory"
	case SRTPOptional:
		return "optional"
	case SRTPOff:
		return "off"
	}
	return fmt.Sprintf("SRTPPolicy(%d)", int(p))
}

// ParseSRTPPolicy reads "mandatory", "optional" or "off" (any case).
func ParseSRTPPolicy(s string) (SRTPPolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "mandatory":
		return SRTPMandatory, nil
	case "optional":
		return SRTPOptional, nil
	case "off":
		return SRTPOff, nil
	}
	return 0, fmt.Errorf("%q is not an srtp policy: want mandatory, optional or off", s)
}

// MarshalText writes the policy's name.
func (p SRTPPolicy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a policy name.
func (p *SRTPPolicy) UnmarshalText(b []byte) error {
	v, err := ParseSRTPPolicy(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Mode says how an account reaches its server.
type Mode int

const (
	// ModeRegister registers with a registrar and takes calls on that flow (the default).
	ModeRegister Mode = iota
	// ModeTrunk never registers (--no-register): digest on each INVITE, inbound calls on Listen.
	ModeTrunk
)

// String returns "register" or "trunk".
func (m Mode) String() string {
	switch m {
	case ModeRegister:
		return "register"
	case ModeTrunk:
		return "trunk"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode reads "register" or "trunk" (any case).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "register":
		return ModeRegister, nil
	case "trunk":
		return ModeTrunk, nil
	}
	return 0, fmt.Errorf("%q is not an account mode: want register or trunk", s)
}

// MarshalText writes the mode's name.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a mode name.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Duration is a time.Duration written in the file as Go duration text ("5m", "90s").
type Duration time.Duration

// String formats the duration like time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes Go duration text.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads Go duration text such as "5m" or "90s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("%q is not a duration: write it like 5m or 90s", string(b))
	}
	*d = Duration(v)
	return nil
}
