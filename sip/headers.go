package sip

import (
	"strconv"
	"strings"
	"time"
)

// The few header values Hookphone reads itself from the network (sipgo
// leaves them as text). Each parser is total: any input gives a result or
// "not ok", never a panic (fuzzed in headers_fuzz_test.go).

// ContactBinding is one contact of a Contact header value.
type ContactBinding struct {
	// URI is the contact URI without angle brackets.
	URI string
	// Expires is the contact's expires parameter in seconds, or -1 when absent.
	Expires int
}

// ParseContacts splits a Contact header value (RFC 3261 §20.10: a
// comma-separated list of name-addr or addr-spec, each with parameters)
// into contacts. Commas inside quotes or angle brackets do not split.
func ParseContacts(value string) []ContactBinding {
	var out []ContactBinding
	for _, part := range splitTopLevel(value, ',') {
		part = strings.TrimSpace(part)
		if part == "" || part == "*" {
			continue
		}
		uri, params := "", ""
		if i := strings.IndexByte(part, '<'); i >= 0 && !inQuotes(part, i) {
			j := strings.IndexByte(part[i:], '>')
			if j < 0 {
				continue
			}
			uri, params = part[i+1:i+j], part[i+j+1:]
		} else {
			// addr-spec: parameters after the first ';' belong to the header (§20.10).
			uri, params, _ = strings.Cut(part, ";")
			if params != "" {
				params = ";" + params
			}
		}
		b := ContactBinding{URI: strings.TrimSpace(uri), Expires: -1}
		for _, p := range splitTopLevel(params, ';') { // quoted values may hold ';'
			name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(name), "expires") {
				if n, ok := parseDeltaSeconds(strings.Trim(strings.TrimSpace(val), `"`)); ok {
					b.Expires = n
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// ParseRetryAfter reads a Retry-After value (RFC 3261 §20.33: delta-seconds,
// optionally followed by a comment and parameters).
func ParseRetryAfter(value string) (time.Duration, bool) {
	v := strings.TrimSpace(value)
	end := strings.IndexAny(v, " \t(;")
	if end >= 0 {
		v = v[:end]
	}
	n, ok := parseDeltaSeconds(v)
	if !ok {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// ParseDeltaSeconds reads an Expires or Min-Expires value (delta-seconds).
func ParseDeltaSeconds(value string) (int, bool) {
	return parseDeltaSeconds(strings.TrimSpace(value))
}

// parseDeltaSeconds accepts 1*DIGIT; values beyond 2^32-1 are capped
// (RFC 3261 §20.19 allows that for Expires).
func parseDeltaSeconds(s string) (int, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > 1<<32-1 {
		n = 1<<32 - 1
	}
	return int(n), true
}

// splitTopLevel splits s on sep outside double quotes and angle brackets.
func splitTopLevel(s string, sep byte) []string {
	var parts []string
	quoted, angle, escaped := false, false, false
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"' && !angle:
			quoted = !quoted
		case c == '<' && !quoted:
			angle = true
		case c == '>' && !quoted:
			angle = false
		case c == sep && !quoted && !angle:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// inQuotes reports whether byte i of s lies inside a quoted string.
func inQuotes(s string, i int) bool {
	quoted, escaped := false, false
	for k := 0; k < i; k++ {
		switch {
		case escaped:
			escaped = false
		case quoted && s[k] == '\\':
			escaped = true
		case s[k] == '"':
			quoted = !quoted
		}
	}
	return quoted
}

// sameContact compares two contact URIs by user, host and port (what a
// registrar echoes back may reorder or add parameters).
func sameContact(a, b string) bool {
	ua, ha, pa := contactKey(a)
	ub, hb, pb := contactKey(b)
	return ua == ub && strings.EqualFold(ha, hb) && pa == pb
}

func contactKey(u string) (user, host, port string) {
	u = strings.TrimSpace(u)
	if i := strings.IndexByte(u, ':'); i >= 0 {
		u = u[i+1:]
	}
	u, _, _ = strings.Cut(u, ";")
	u, _, _ = strings.Cut(u, "?")
	if at := strings.LastIndexByte(u, '@'); at >= 0 {
		user, u = u[:at], u[at+1:]
	}
	host = u
	if strings.HasPrefix(u, "[") {
		if end := strings.IndexByte(u, ']'); end >= 0 {
			host = u[:end+1]
			port = strings.TrimPrefix(u[end+1:], ":")
		}
		return
	}
	if i := strings.LastIndexByte(u, ':'); i >= 0 {
		host, port = u[:i], u[i+1:]
	}
	return
}
