package streamcache

import (
	"net/http"
	"strconv"
	"strings"
)

// directives are the Cache-Control response directives (RFC 9111 §5.2.2)
// that matter to a private cache, plus s-maxage and public/private kept for
// the prediction of what the platform (a shared cache) will do.
//
// This parser is ours rather than github.com/pquerna/cachecontrol's: that
// library rejects the whole header when one directive is malformed (so
// "no-store, max-age=abc" would lose the no-store) and lets a repeated
// directive's last value win, where RFC 9111 §4.2.1 asks for the first value
// or treating the response as stale, and §5.2 asks recipients to accept quoted
// arguments.
type directives struct {
	noStore, noCache, mustRevalidate, public, private, immutable bool
	proxyRevalidate                                              bool
	// maxAge and sMaxAge are in seconds; -1 when absent.
	maxAge, sMaxAge int64
	// maxAgeInvalid is set when max-age was present but not a valid
	// delta-seconds: the response is then treated as stale (§4.2.1).
	maxAgeInvalid bool
	raw           string
}

// maxDelta caps delta-seconds at 2^31 as RFC 9111 §1.2.2 allows.
const maxDelta = 1 << 31

// parseDirectives reads every Cache-Control field line of h.
func parseDirectives(h http.Header) directives {
	d := directives{maxAge: -1, sMaxAge: -1}
	lines := h.Values("Cache-Control")
	d.raw = strings.Join(lines, ", ")
	seen := map[string]bool{}
	for _, item := range splitList(d.raw) {
		name, arg, hasArg := strings.Cut(item, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		arg = unquote(strings.TrimSpace(arg))
		first := !seen[name]
		seen[name] = true
		switch name {
		case "no-store":
			d.noStore = true
		case "no-cache":
			// The qualified form (no-cache="Set-Cookie") is treated like the
			// unqualified one: validate before every reuse. Stricter, allowed.
			d.noCache = true
		case "must-revalidate":
			d.mustRevalidate = true
		case "proxy-revalidate":
			d.proxyRevalidate = true
		case "public":
			d.public = true
		case "private":
			d.private = true
		case "immutable":
			d.immutable = true
		case "max-age":
			if !first {
				continue // §4.2.1: use the first occurrence
			}
			v, ok := parseDelta(arg, hasArg)
			if !ok {
				d.maxAgeInvalid = true
				continue
			}
			d.maxAge = v
		case "s-maxage":
			if first {
				if v, ok := parseDelta(arg, hasArg); ok {
					d.sMaxAge = v
				}
			}
		}
	}
	return d
}

func parseDelta(s string, present bool) (int64, bool) {
	if !present || s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v > maxDelta {
		return maxDelta, true // too many digits: cap (§1.2.2)
	}
	return v, true
}

// splitList splits a comma-separated field value, respecting quoted strings.
func splitList(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, esc := false, false
	for _, c := range s {
		switch {
		case esc:
			esc = false
		case inQuote && c == '\\':
			esc = true
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			if t := strings.TrimSpace(cur.String()); t != "" {
				out = append(out, t)
			}
			cur.Reset()
			continue
		}
		cur.WriteRune(c)
	}
	if t := strings.TrimSpace(cur.String()); t != "" {
		out = append(out, t)
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		var b strings.Builder
		esc := false
		for _, c := range s[1 : len(s)-1] {
			if !esc && c == '\\' {
				esc = true
				continue
			}
			esc = false
			b.WriteRune(c)
		}
		return b.String()
	}
	return s
}
