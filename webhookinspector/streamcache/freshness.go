package streamcache

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FreshnessSource says where a stored response's freshness lifetime came
// from (RFC 9111 §4.2.1, in order of precedence).
type FreshnessSource int

// Freshness sources.
const (
	SourceNone           FreshnessSource = iota // no explicit lifetime and no heuristic: stale at once
	SourceMaxAge                                // Cache-Control: max-age
	SourceExpires                               // Expires − Date
	SourceHeuristic                             // 10 % of Date − Last-Modified (§4.2.2)
	SourceInvalidMaxAge                         // max-age present but not a number: stale (§4.2.1)
	SourceInvalidExpires                        // Expires present but not a valid date (e.g. "0"): stale (§5.3)
)

// String names the source as reports show it.
func (s FreshnessSource) String() string {
	switch s {
	case SourceMaxAge:
		return "max-age"
	case SourceExpires:
		return "expires"
	case SourceHeuristic:
		return "heuristic"
	case SourceInvalidMaxAge:
		return "invalid max-age"
	case SourceInvalidExpires:
		return "invalid expires"
	default:
		return "none"
	}
}

// heuristicFraction is the share of (Date − Last-Modified) used as a
// heuristic lifetime: the typical 10 % RFC 9111 §4.2.2 mentions.
const heuristicFraction = 0.1

// timing is what the age calculation needs about one stored response.
type timing struct {
	header       http.Header
	requestTime  time.Time // when the request that got this response was sent
	responseTime time.Time // when its headers arrived
}

// dateValue is the Date header, or the receipt time when Date is missing or
// invalid (RFC 9110 §6.6.1: a recipient adds its own Date).
func (t timing) dateValue() time.Time {
	if d, err := http.ParseTime(t.header.Get("Date")); err == nil {
		return d
	}
	return t.responseTime
}

// freshnessLifetime implements RFC 9111 §4.2.1 for a private cache:
// s-maxage is not used; max-age, then Expires − Date, then the heuristic.
func (t timing) freshnessLifetime(d directives) (time.Duration, FreshnessSource) {
	switch {
	case d.maxAgeInvalid && d.maxAge < 0:
		return 0, SourceInvalidMaxAge
	case d.maxAge >= 0:
		return time.Duration(d.maxAge) * time.Second, SourceMaxAge
	}
	if exp := t.header.Values("Expires"); len(exp) > 0 {
		e, err := http.ParseTime(exp[0])
		if err != nil || len(exp) > 1 {
			return 0, SourceInvalidExpires
		}
		return max(0, e.Sub(t.dateValue())), SourceExpires
	}
	// §4.2.2: a heuristic only without explicit expiry; we store 200s only,
	// which are heuristically cacheable.
	if lm, err := http.ParseTime(t.header.Get("Last-Modified")); err == nil {
		if span := t.dateValue().Sub(lm); span > 0 {
			return time.Duration(float64(span) * heuristicFraction).Truncate(time.Second), SourceHeuristic
		}
	}
	return 0, SourceNone
}

// ageValue is the Age header in seconds (§5.1: first member of a list; an
// invalid value is ignored).
func (t timing) ageValue() time.Duration {
	v := t.header.Get("Age")
	if v == "" {
		return 0
	}
	first, _, _ := strings.Cut(v, ",")
	n, err := strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(min(n, maxDelta)) * time.Second
}

// currentAge implements RFC 9111 §4.2.3.
func (t timing) currentAge(now time.Time) time.Duration {
	apparentAge := max(0, t.responseTime.Sub(t.dateValue()))
	responseDelay := t.responseTime.Sub(t.requestTime)
	correctedAgeValue := t.ageValue() + responseDelay
	correctedInitialAge := max(apparentAge, correctedAgeValue)
	residentTime := now.Sub(t.responseTime)
	return correctedInitialAge + residentTime
}

// weakMatch compares two entity tags with the weak comparison of RFC 9110
// §8.8.3.2 (the W/ prefix is ignored; the opaque tags must be equal).
func weakMatch(a, b string) bool {
	a, b = strings.TrimPrefix(strings.TrimSpace(a), "W/"), strings.TrimPrefix(strings.TrimSpace(b), "W/")
	return a != "" && a == b
}

// varyFields lists the request header names a response's Vary nominates,
// canonicalised; star is true for "Vary: *".
func varyFields(h http.Header) (fields []string, star bool) {
	for _, line := range h.Values("Vary") {
		for _, f := range strings.Split(line, ",") {
			f = strings.TrimSpace(f)
			switch f {
			case "":
			case "*":
				star = true
			default:
				fields = append(fields, http.CanonicalHeaderKey(f))
			}
		}
	}
	return fields, star
}

// normalisedValue joins a request header's field lines the way §4.1 allows
// comparing them: combined with commas, whitespace around members removed.
func normalisedValue(h http.Header, name string) string {
	var parts []string
	for _, line := range h.Values(name) {
		for _, p := range strings.Split(line, ",") {
			parts = append(parts, strings.TrimSpace(p))
		}
	}
	return strings.Join(parts, ",")
}
