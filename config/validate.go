package config

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
)

// KnownSuites are the SDES crypto suites an account may list (RFC 4568 §6.2, RFC 7714 §14.1).
var KnownSuites = []string{"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM", "AEAD_AES_256_GCM"}

// KnownCodecs are the codecs an account may list.
var KnownCodecs = []string{"PCMU", "PCMA"}

// Problems checks every field of the account and returns what is wrong, with
// Field set to the TOML key ("server", "ca_file", …) and no line. The UI uses
// it for inline validation; Load uses it for the file.
func (a Account) Problems() []Problem {
	var ps []Problem
	add := func(field string, err error) {
		if err != nil {
			ps = append(ps, Problem{Field: field, Message: err.Error()})
		}
	}
	add("name", CheckAccountName(a.Name))
	add("server", CheckServerURI(a.Server))
	if a.User != "" || a.Mode == ModeRegister { // a trunk may go without
		add("user", CheckUser(a.User))
	}
	if a.AuthUser != "" {
		add("auth_user", CheckUser(a.AuthUser))
	}
	if a.Domain != "" {
		add("domain", checkHost(a.Domain))
	}
	if a.CAFile != "" {
		add("ca_file", CheckCAFile(a.CAFile))
	}
	if a.Fingerprint != "" {
		_, err := pki.NormalizeFingerprint(a.Fingerprint)
		add("fingerprint", err)
	}
	add("srtp", checkEnum(a.SRTP.String(), "SRTPPolicy("))
	for _, s := range a.Suites {
		add("suites", checkOneOf(s, KnownSuites, "crypto suite"))
	}
	for _, c := range a.Codecs {
		add("codecs", checkOneOf(c, KnownCodecs, "codec"))
	}
	add("mode", checkEnum(a.Mode.String(), "Mode("))
	if a.Listen != "" {
		add("listen", CheckListenAddr(a.Listen))
	}
	return ps
}

func checkEnum(s, badPrefix string) error {
	if strings.HasPrefix(s, badPrefix) {
		return fmt.Errorf("unknown value %s", s)
	}
	return nil
}

// CheckAccountName accepts a non-empty name without '/' or control characters
// (the name is part of the secret-store key).
func CheckAccountName(n string) error {
	switch {
	case strings.TrimSpace(n) == "":
		return fmt.Errorf("the account needs a name")
	case n != strings.TrimSpace(n):
		return fmt.Errorf("name %q has leading or trailing spaces", n)
	case strings.ContainsAny(n, "/\\") || strings.IndexFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return fmt.Errorf("name %q may not contain slashes or control characters", n)
	}
	return nil
}

// CheckUser accepts a non-empty SIP user part without spaces, '@' or ':'.
func CheckUser(u string) error {
	switch {
	case u == "":
		return fmt.Errorf("user is empty: write the user part of your SIP address (the part before @)")
	case strings.ContainsAny(u, " \t@:<>\"") || strings.IndexFunc(u, func(r rune) bool { return r < 0x20 }) >= 0:
		return fmt.Errorf("user %q may not contain spaces, '@', ':', quotes or angle brackets", u)
	}
	return nil
}

// CheckServerURI accepts a SIP server URI that uses TLS: "sips:host[:port][;params]",
// "sip:host[:port];transport=tls" or a bare "host[:port]" (taken as sips:),
// the forms sip.ParseServerURI reads. RFC 3261 §19.1.
func CheckServerURI(s string) error {
	if s == "" {
		return fmt.Errorf("server is empty: write e.g. sips:pbx.example.com:5061")
	}
	if strings.ContainsAny(s, " \t<>\"") {
		return fmt.Errorf("server %q contains spaces, quotes or angle brackets", s)
	}
	if l := strings.ToLower(s); strings.HasPrefix(l, "sip/") || strings.HasPrefix(l, "sips/") {
		return fmt.Errorf("server %q is not a SIP URI: write sips:host (a colon after the scheme, no //)", s)
	}
	scheme, rest := "sips", s // a bare host[:port] means sips:
	if sc, r, ok := strings.Cut(s, ":"); ok && !strings.ContainsAny(sc, ".[") {
		if _, err := strconv.Atoi(r); err != nil || strings.Contains(r, ";") { // not host:port
			scheme, rest = strings.ToLower(sc), r
		}
	}
	if scheme != "sip" && scheme != "sips" {
		return fmt.Errorf("server %q is not a SIP URI: start it with sips: (or sip: with ;transport=tls)", s)
	}
	if strings.HasPrefix(rest, "//") {
		return fmt.Errorf("server %q: SIP URIs have no // after the scheme; write %s:%s", s, scheme, strings.TrimPrefix(rest, "//"))
	}
	if strings.ContainsAny(rest, "@?") {
		return fmt.Errorf("server %q: give the server only, without a user part or ?headers (the user goes in user)", s)
	}
	hostport, params, _ := strings.Cut(rest, ";")
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return fmt.Errorf("server %q: unclosed [ in IPv6 address", s)
		}
		host, port = hostport[1:end], strings.TrimPrefix(hostport[end+1:], ":")
		if net.ParseIP(host) == nil {
			return fmt.Errorf("server %q: %q is not an IPv6 address", s, host)
		}
	} else {
		if h, p, found := strings.Cut(hostport, ":"); found {
			host, port = h, p
		}
		if err := checkHost(host); err != nil {
			return fmt.Errorf("server %q: %w", s, err)
		}
	}
	if port != "" || strings.HasSuffix(hostport, ":") {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("server %q: port %q is not a number from 1 to 65535", s, port)
		}
	}
	tls := scheme == "sips"
	for _, p := range strings.Split(params, ";") {
		if k, v, _ := strings.Cut(p, "="); strings.EqualFold(k, "transport") {
			switch strings.ToLower(v) {
			case "tls":
				tls = true
			case "udp", "tcp", "ws", "wss", "sctp":
				if scheme == "sips" {
					return fmt.Errorf("server %q: sips: needs TLS, but transport=%s", s, v)
				}
				tls = false
			default:
				return fmt.Errorf("server %q: unknown transport %q", s, v)
			}
		}
	}
	if !tls {
		return fmt.Errorf("server %q does not use TLS: write sips:%s or add ;transport=tls (Hookphone signals only over TLS)", s, hostport)
	}
	return nil
}

var hostLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

func checkHost(h string) error {
	if h == "" {
		return fmt.Errorf("no host name")
	}
	if net.ParseIP(h) != nil {
		return nil
	}
	if len(h) > 253 {
		return fmt.Errorf("host name %q is too long", h)
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if !hostLabel.MatchString(label) {
			return fmt.Errorf("%q is not a host name or IP address", h)
		}
	}
	return nil
}

// ExpandPath replaces a leading "~/" with the user's home folder.
func ExpandPath(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// CheckCAFile accepts an absolute (or ~/) path to a readable PEM file with at
// least one CA certificate.
func CheckCAFile(p string) error {
	full := ExpandPath(p)
	if !filepath.IsAbs(full) {
		return fmt.Errorf("CA file %q: write an absolute path (or one starting with ~/)", p)
	}
	b, err := os.ReadFile(full)
	if err != nil {
		return fmt.Errorf("CA file unreadable: %w", err)
	}
	n := 0
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
			return fmt.Errorf("CA file %s: certificate %d: %w", p, n+1, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("CA file %s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", p)
	}
	return nil
}

// CheckListenAddr accepts host:port with a numeric port (0 picks a free one).
func CheckListenAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("listen address %q: want host:port, e.g. 127.0.0.1:5061", a)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("listen address %q: port %q is not a number from 0 to 65535", a, port)
	}
	if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		return fmt.Errorf("listen address %q: use an IP address (or localhost)", a)
	}
	return nil
}

func checkOneOf(v string, allowed []string, what string) error {
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return nil
		}
	}
	return fmt.Errorf("unknown %s %q: choose from %s", what, v, strings.Join(allowed, ", "))
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Problems checks the inspector settings; Field is the TOML key.
func (in Inspector) Problems() []Problem {
	var ps []Problem
	add := func(field string, err error) {
		if err != nil {
			ps = append(ps, Problem{Field: field, Message: err.Error()})
		}
	}
	add("listen", CheckListenAddr(in.Listen))
	seen := map[string]string{}
	for _, p := range []struct{ key, val string }{
		{"answer_path", in.AnswerPath}, {"event_path", in.EventPath}, {"fallback_path", in.FallbackPath},
	} {
		switch {
		case !strings.HasPrefix(p.val, "/"):
			add(p.key, fmt.Errorf("path %q must start with /", p.val))
		case seen[p.val] != "":
			add(p.key, fmt.Errorf("path %q is already the %s", p.val, seen[p.val]))
		default:
			seen[p.val] = p.key
		}
	}
	for k, v := range in.SignatureSecrets {
		if strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			add("signature_secrets", fmt.Errorf("API key %q maps to secret name %q: neither may be empty", k, v))
		}
	}
	if in.MaxAge <= 0 || in.MaxAge > Duration(24*time.Hour) {
		add("max_age", fmt.Errorf("max_age %s must be more than 0 and at most 24h", in.MaxAge))
	}
	if in.ApplicationID != "" && !uuidRE.MatchString(in.ApplicationID) {
		add("application_id", fmt.Errorf("application id %q is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", in.ApplicationID))
	}
	if in.Forward != "" {
		u, err := url.Parse(in.Forward)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("forward", fmt.Errorf("forward %q is not an http:// or https:// URL", in.Forward))
		}
	}
	if in.NCCO != "" {
		add("ncco", checkNCCO(in.NCCO))
	}
	return ps
}

func checkNCCO(s string) error {
	var actions []map[string]any
	if err := json.Unmarshal([]byte(s), &actions); err != nil {
		return fmt.Errorf("ncco is not a JSON array of actions: %w", err)
	}
	for i, a := range actions {
		if name, _ := a["action"].(string); name == "" {
			return fmt.Errorf("ncco action %d has no \"action\" name", i+1)
		}
	}
	return nil
}

// Problems checks the whole config: version, every account (names unique)
// and the inspector. Fields are full paths ("account[2].server", 1-based).
func (c *Config) Problems() []Problem {
	var ps []Problem
	if c.Version != CurrentVersion {
		msg := fmt.Sprintf("version %d is not one this Hookphone reads: write version = %d", c.Version, CurrentVersion)
		if c.Version > CurrentVersion {
			msg = fmt.Sprintf("version %d was written by a newer Hookphone (this one reads %d)", c.Version, CurrentVersion)
		}
		ps = append(ps, Problem{Field: "version", Message: msg})
	}
	names := map[string]int{}
	for i, a := range c.Accounts {
		for _, p := range a.Problems() {
			p.Field = fmt.Sprintf("account[%d].%s", i+1, p.Field)
			ps = append(ps, p)
		}
		if j, dup := names[a.Name]; dup && a.Name != "" {
			ps = append(ps, Problem{Field: fmt.Sprintf("account[%d].name", i+1),
				Message: fmt.Sprintf("name %q is already used by account[%d]", a.Name, j+1)})
		}
		names[a.Name] = i
	}
	for _, p := range c.Inspector.Problems() {
		p.Field = "inspector." + p.Field
		ps = append(ps, p)
	}
	return ps
}
