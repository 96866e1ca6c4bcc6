package webhookinspector

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// This file reads the token: the Authorization forms (SPEC §1.1) and the
// claims (SPEC §1.2), tolerantly, so every problem can be named.

// errNoSecret is the key function's answer when no secret fits the api_key.
var errNoSecret = errors.New("no signature secret for this api_key")

func errString(err error) string {
	if err == nil {
		return "no header"
	}
	return err.Error()
}

// extractToken reads the token from an Authorization value: "Bearer <jwt>"
// with the scheme compared case-insensitively, or a bare token (SPEC §1.1).
func extractToken(auth string) (token, form string, err error) {
	auth = strings.TrimSpace(auth)
	if auth == "" {
		return "", "", errors.New("the header is empty")
	}
	if len(auth) > maxTokenBytes {
		return "", "", fmt.Errorf("the value is %d bytes, larger than the %d bytes a webhook token can be", len(auth), maxTokenBytes)
	}
	scheme, rest, hasSpace := strings.Cut(auth, " ")
	if !hasSpace && strings.EqualFold(auth, "bearer") {
		return "", "", errors.New("\"Bearer\" is followed by no token")
	}
	if !hasSpace {
		return auth, "bare token (no Bearer scheme word)", nil
	}
	if !strings.EqualFold(scheme, "bearer") {
		return "", "", fmt.Errorf("it uses the %q scheme, not Bearer", scheme)
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return "", "", errors.New("\"Bearer\" is followed by no token")
	}
	return rest, fmt.Sprintf("%s <token>", scheme), nil
}

// tokenClaims are the claims the verifier reads, decoded tolerantly.
type tokenClaims struct {
	iss, apiKey, appID, jti, payloadHash string
	payloadHashSet                       bool
	iat, exp, nbf                        time.Time
	iatErr, expErr, nbfErr               string
	hasExp, hasNbf                       bool
}

func readClaims(m jwt.MapClaims) tokenClaims {
	var c tokenClaims
	c.iss = claimString(m, "iss")
	c.apiKey = claimString(m, "api_key")
	c.appID = claimString(m, "application_id")
	c.jti = claimString(m, "jti")
	if ph, ok := m["payload_hash"]; ok {
		c.payloadHash, c.payloadHashSet = fmt.Sprint(ph), true
	}
	c.iat, c.iatErr = claimTime(m, "iat")
	if _, ok := m["exp"]; ok {
		c.hasExp = true
		c.exp, c.expErr = claimTime(m, "exp")
	}
	if _, ok := m["nbf"]; ok {
		c.hasNbf = true
		c.nbf, c.nbfErr = claimTime(m, "nbf")
	}
	return c
}

func claimString(m jwt.MapClaims, k string) string {
	switch t := m[k].(type) {
	case string:
		return t
	case nil:
		return ""
	default:
		return fmt.Sprint(t)
	}
}

// claimTime reads a NumericDate claim (Unix seconds, RFC 7519 §2).
func claimTime(m jwt.MapClaims, k string) (time.Time, string) {
	raw, ok := m[k]
	if !ok {
		return time.Time{}, "is missing"
	}
	var f float64
	switch t := raw.(type) {
	case json.Number:
		x, err := t.Float64()
		if err != nil {
			return time.Time{}, fmt.Sprintf("%q is not a number", t)
		}
		f = x
	case float64:
		f = t
	case string:
		return time.Time{}, fmt.Sprintf("is the string %q, not a number of seconds", t)
	default:
		return time.Time{}, fmt.Sprintf("has type %T, not a number of seconds", raw)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, fmt.Sprintf("%v is not a plausible Unix time in seconds", f)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), ""
}
