package sip

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// sipgo writes URIs, display names and header values onto the wire exactly as
// given (it validates nothing), so every user-typed piece of a message goes
// through the checks below first. Grammar: RFC 3261 §25.1.

// ServerURI is the server an account talks to, always over TLS.
type ServerURI struct {
	// Scheme is "sips" or "sip" (the latter always with transport=tls).
	Scheme string
	// Host is a DNS name or an IP literal (IPv6 without brackets).
	Host string
	// Port is the TLS port (5061 when the URI names none).
	Port int
	// DefaultPort is true when the URI named no port: the server is then
	// located with a DNS SRV lookup first (RFC 3263 §4.2, _sips._tcp),
	// falling back to Host:5061.
	DefaultPort bool
	// Params are the URI parameters other than transport, in order ("name" or "name=value").
	Params []string
}

// String returns the URI as the user would write it, with ;transport=tls for sip:.
func (u ServerURI) String() string {
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteString(":")
	b.WriteString(hostForURI(u.Host))
	if u.Port != 0 && !u.DefaultPort {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(u.Port))
	}
	if u.Scheme == "sip" {
		b.WriteString(";transport=tls")
	}
	for _, p := range u.Params {
		b.WriteString(";")
		b.WriteString(p)
	}
	return b.String()
}

// HostPort returns "host:port" for dialling (IPv6 bracketed).
func (u ServerURI) HostPort() string {
	port := u.Port
	if port == 0 {
		port = sip.DefaultTlsPort
	}
	return hostForURI(u.Host) + ":" + strconv.Itoa(port)
}

// URI returns the server as a sipgo URI with ;transport=tls (for
// Request-URIs and Route headers; sipgo sends a bare sips: URI over UDP).
func (u ServerURI) URI() sip.Uri {
	params := sip.NewParams()
	params.Add("transport", "tls")
	return sip.Uri{Scheme: "sip", Host: u.Host, Port: u.Port, UriParams: params, Headers: sip.NewParams()}
}

// ParseServerURI reads a server address that must be reached over TLS:
// "sips:host[:port]", "sip:host[:port];transport=tls" or a bare "host[:port]"
// (taken as sips:). Anything that would use UDP or TCP is an error, as are
// user parts, URI headers, whitespace and control characters.
func ParseServerURI(s string) (ServerURI, error) {
	if err := checkNoSpaceOrControl("server URI", s); err != nil {
		return ServerURI{}, err
	}
	if s == "" {
		return ServerURI{}, errors.New("server URI is empty: want sips:host[:port] or sip:host;transport=tls")
	}
	scheme, rest := "sips", s
	if i := strings.IndexByte(s, ':'); i > 0 {
		switch low := strings.ToLower(s[:i]); low {
		case "sip", "sips":
			scheme, rest = low, s[i+1:]
		case "tel", "http", "https", "udp", "tcp", "tls":
			return ServerURI{}, fmt.Errorf("server URI %q: scheme %q is not a SIP server; want sips:host[:port] or sip:host;transport=tls", s, s[:i])
		}
	}
	if strings.ContainsAny(rest, "?") {
		return ServerURI{}, fmt.Errorf("server URI %q: URI headers (?…) are not allowed here", s)
	}
	if strings.Contains(rest, "@") {
		return ServerURI{}, fmt.Errorf("server URI %q: has a user part; give the server only (the user goes in --user)", s)
	}
	hostport, params, _ := strings.Cut(rest, ";")
	u := ServerURI{Scheme: scheme}
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return ServerURI{}, fmt.Errorf("server URI %q: %w", s, err)
	}
	u.Host, u.Port = host, port
	transport := ""
	if params != "" {
		for _, p := range strings.Split(params, ";") {
			name, value, hasValue := strings.Cut(p, "=")
			if err := checkParam(name, value, hasValue); err != nil {
				return ServerURI{}, fmt.Errorf("server URI %q: %w", s, err)
			}
			if strings.EqualFold(name, "transport") {
				transport = strings.ToLower(value)
				continue
			}
			u.Params = append(u.Params, p)
		}
	}
	switch {
	case transport == "tls":
	case transport == "" && scheme == "sips":
	case transport == "tcp" && scheme == "sips":
		// RFC 3261 §26.2.2: sips with transport=tcp is TLS over TCP.
	case transport == "":
		return ServerURI{}, fmt.Errorf("server URI %q: sip: without ;transport=tls would not use TLS; write sips:%s or sip:%s;transport=tls", s, hostport, hostport)
	default:
		return ServerURI{}, fmt.Errorf("server URI %q: transport %q is not TLS; Hookphone only signals over TLS (use ;transport=tls)", s, transport)
	}
	if u.Port == 0 {
		u.Port, u.DefaultPort = sip.DefaultTlsPort, true
	}
	return u, nil
}

// ParseTarget reads a call destination as typed by the user: a full
// "sip:"/"sips:" URI, or a bare user or number ("bob", "+447700900000",
// "bob@example.com") completed with the account's domain. The result always
// carries ;transport=tls so sipgo never picks UDP.
func ParseTarget(s, defaultDomain string) (sip.Uri, error) {
	if err := checkNoSpaceOrControl("destination", s); err != nil {
		return sip.Uri{}, err
	}
	if s == "" {
		return sip.Uri{}, errors.New("destination is empty: want a user, a number or a sip:/sips: URI")
	}
	scheme, rest := "sip", s
	if i := strings.IndexByte(s, ':'); i > 0 {
		low := strings.ToLower(s[:i])
		switch low {
		case "sip", "sips":
			scheme, rest = "sip", s[i+1:]
		case "tel":
			rest = s[i+1:]
		default:
			if !strings.Contains(s, "@") {
				return sip.Uri{}, fmt.Errorf("destination %q: scheme %q is not supported; want a sip, sips or tel URI", s, s[:i])
			}
		}
	}
	if strings.ContainsAny(rest, "?") {
		return sip.Uri{}, fmt.Errorf("destination %q: URI headers (?…) are not allowed", s)
	}
	main, params, _ := strings.Cut(rest, ";")
	user, hostport, hasAt := strings.Cut(main, "@")
	if !hasAt {
		user, hostport = main, ""
	}
	if err := ValidateUser(user); err != nil {
		return sip.Uri{}, fmt.Errorf("destination %q: %w", s, err)
	}
	if hasAt && hostport == "" {
		return sip.Uri{}, fmt.Errorf("destination %q: nothing after '@'; write user@host", s)
	}
	if hostport == "" {
		if defaultDomain == "" {
			return sip.Uri{}, fmt.Errorf("destination %q: no domain; write user@host", s)
		}
		hostport = hostForURI(defaultDomain)
	}
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return sip.Uri{}, fmt.Errorf("destination %q: %w", s, err)
	}
	uri := sip.Uri{Scheme: scheme, User: user, Host: host, Port: port, UriParams: sip.NewParams(), Headers: sip.NewParams()}
	if params != "" {
		for _, p := range strings.Split(params, ";") {
			name, value, hasValue := strings.Cut(p, "=")
			if err := checkParam(name, value, hasValue); err != nil {
				return sip.Uri{}, fmt.Errorf("destination %q: %w", s, err)
			}
			if strings.EqualFold(name, "transport") {
				if !strings.EqualFold(value, "tls") {
					return sip.Uri{}, fmt.Errorf("destination %q: transport %q is not TLS; Hookphone only signals over TLS", s, value)
				}
				continue
			}
			uri.UriParams.Add(name, value)
		}
	}
	uri.UriParams.Add("transport", "tls")
	return uri, nil
}

// ValidateUser checks the user part of a SIP URI (RFC 3261 §25.1 user:
// unreserved, escaped and user-unreserved characters).
func ValidateUser(s string) error {
	if s == "" {
		return errors.New("user is empty")
	}
	if err := checkNoSpaceOrControl("user", s); err != nil {
		return err
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlnum(c), strings.IndexByte("-_.!~*'()&=+$,;?/", c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return fmt.Errorf("user %q: %% must start an escape like %%40", s)
			}
			i += 2
		default:
			return fmt.Errorf("user %q: character %q is not allowed in a SIP user part (escape it as %%%02X)", s, c, c)
		}
	}
	return nil
}

// ValidateHost checks a DNS name or IP literal (IPv6 with or without brackets).
func ValidateHost(s string) error {
	if s == "" {
		return errors.New("host is empty")
	}
	if err := checkNoSpaceOrControl("host", s); err != nil {
		return err
	}
	h := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if strings.Contains(h, ":") {
		if _, err := netip.ParseAddr(h); err != nil {
			return fmt.Errorf("host %q: not a valid IPv6 address", s)
		}
		return nil
	}
	if len(h) > 253 {
		return fmt.Errorf("host %q: longer than 253 characters", s)
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return fmt.Errorf("host %q: empty label (two dots, or a leading or trailing dot)", s)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("host %q: a label starts or ends with '-'", s)
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !isAlnum(c) && c != '-' {
				return fmt.Errorf("host %q: character %q is not allowed in a host name", s, c)
			}
		}
	}
	return nil
}

// ValidateDisplayName checks a display name, which Hookphone sends as a
// quoted string: printable text (spaces allowed inside), no quotes,
// backslashes, line breaks or other control characters.
func ValidateDisplayName(s string) error {
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n':
			return fmt.Errorf("display name %q: contains a line break", s)
		case r < 0x20 || r == 0x7f:
			return fmt.Errorf("display name %q: contains control character %U", s, r)
		case r == '"' || r == '\\':
			return fmt.Errorf("display name %q: quotes and backslashes are not allowed", s)
		case r == 0xFFFD:
			return fmt.Errorf("display name %q: not valid UTF-8", s)
		}
	}
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("display name %q: leading or trailing spaces", s)
	}
	if len(s) > 128 {
		return fmt.Errorf("display name: longer than 128 bytes")
	}
	return nil
}

// ValidateHeaderName checks a header name (an RFC 3261 token).
func ValidateHeaderName(s string) error {
	return ValidateToken("header name", s)
}

// ValidateHeaderValue checks a header value typed by the user: no line breaks
// (which would inject headers), no control characters other than tab, no
// leading or trailing whitespace, valid UTF-8.
func ValidateHeaderValue(name, v string) error {
	for _, r := range v {
		switch {
		case r == '\r' || r == '\n':
			return fmt.Errorf("header %s: value contains a line break", name)
		case (r < 0x20 && r != '\t') || r == 0x7f:
			return fmt.Errorf("header %s: value contains control character %U", name, r)
		case r == 0xFFFD:
			return fmt.Errorf("header %s: value is not valid UTF-8", name)
		}
	}
	if strings.TrimSpace(v) != v {
		return fmt.Errorf("header %s: value has leading or trailing whitespace", name)
	}
	return nil
}

// ValidateToken checks an RFC 3261 token (alphanumerics and -.!%*_+`'~).
func ValidateToken(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return fmt.Errorf("%s %q: character %q is not allowed (letters, digits and -.!%%*_+`'~ only)", what, s, s[i])
		}
	}
	return nil
}

// ValidateCodecName checks a codec name as given in --codecs (e.g. "PCMU",
// "opus/48000/2").
func ValidateCodecName(s string) error {
	for _, part := range strings.Split(s, "/") {
		if err := ValidateToken("codec", part); err != nil {
			return fmt.Errorf("codec %q: %w", s, err)
		}
	}
	return nil
}

func checkNoSpaceOrControl(what, s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r' || c == '\n':
			return fmt.Errorf("%s %q: contains a line break", what, s)
		case c == ' ' || c == '\t':
			return fmt.Errorf("%s %q: contains whitespace", what, s)
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("%s %q: contains control character 0x%02x", what, s, c)
		case c >= 0x80:
			return fmt.Errorf("%s %q: contains a non-ASCII character (percent-encode it)", what, s)
		}
	}
	return nil
}

func checkParam(name, value string, hasValue bool) error {
	if err := ValidateToken("URI parameter", name); err != nil {
		return err
	}
	if hasValue {
		if value == "" {
			return fmt.Errorf("URI parameter %s has an empty value", name)
		}
		for i := 0; i < len(value); i++ {
			c := value[i]
			if !isTokenChar(c) && strings.IndexByte("[]/:&$", c) < 0 {
				return fmt.Errorf("URI parameter %s: character %q is not allowed in its value", name, c)
			}
		}
	}
	return nil
}

// splitHostPort splits "host", "host:port", "[v6]" or "[v6]:port" and checks both.
func splitHostPort(hp string) (string, int, error) {
	host, portStr := hp, ""
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", 0, errors.New("unclosed '[' in IPv6 host")
		}
		host = hp[1:end]
		rest := hp[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return "", 0, fmt.Errorf("unexpected %q after IPv6 host", rest)
			}
			portStr = rest[1:]
			if portStr == "" {
				return "", 0, errors.New("empty port after ':'")
			}
		}
		if _, err := netip.ParseAddr(host); err != nil || !strings.Contains(host, ":") {
			return "", 0, fmt.Errorf("host %q: not a valid IPv6 address", host)
		}
	} else if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		if strings.Count(hp, ":") > 1 {
			return "", 0, fmt.Errorf("host %q: IPv6 addresses must be in brackets, e.g. [::1]:5061", hp)
		}
		host, portStr = hp[:i], hp[i+1:]
		if portStr == "" {
			return "", 0, errors.New("empty port after ':'")
		}
	}
	if host == "" {
		return "", 0, errors.New("no host")
	}
	if err := ValidateHost(host); err != nil {
		return "", 0, err
	}
	port := 0
	if portStr != "" {
		p, err := strconv.Atoi(portStr)
		if err != nil || p < 1 || p > 65535 || portStr[0] == '+' || portStr[0] == '0' {
			return "", 0, fmt.Errorf("port %q: want a number from 1 to 65535", portStr)
		}
		port = p
	}
	return host, port, nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isTokenChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("-.!%*_+`'~", c) >= 0
}
