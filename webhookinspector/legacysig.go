package webhookinspector

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"mime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SigMethod is a legacy SMS signing method chosen in the dashboard (SPEC §2).
type SigMethod int

// The five legacy methods. MD5Hash is md5(params + secret); the others are
// HMACs keyed with the signature secret.
const (
	SigUnknown    SigMethod = iota // not a known method
	SigMD5Hash                     // md5(string + secret), the dashboard default
	SigHMACMD5                     // HMAC-MD5 keyed with the secret
	SigHMACSHA1                    // HMAC-SHA1
	SigHMACSHA256                  // HMAC-SHA256
	SigHMACSHA512                  // HMAC-SHA512
)

// AllSigMethods lists every method in the order the verifier tries them.
var AllSigMethods = []SigMethod{SigMD5Hash, SigHMACMD5, SigHMACSHA1, SigHMACSHA256, SigHMACSHA512}

var sigMethodNames = [...]string{"unknown", "md5hash", "md5", "sha1", "sha256", "sha512"}

// String returns the method's name as the dashboard's API calls it
// ("md5hash", "md5", "sha1", "sha256", "sha512").
func (m SigMethod) String() string {
	if m < 0 || int(m) >= len(sigMethodNames) {
		return "unknown"
	}
	return sigMethodNames[m]
}

// ParseSigMethod reads a method name as printed by String.
func ParseSigMethod(s string) (SigMethod, bool) {
	for i, n := range sigMethodNames {
		if i > 0 && strings.EqualFold(n, s) {
			return SigMethod(i), true
		}
	}
	return SigUnknown, false
}

// sigBaseString builds the documented string to sign: drop sig, sort by
// key, replace & and = inside values with _, join as "&k=v" (leading &).
func sigBaseString(params []queryParam) string {
	ps := make([]queryParam, 0, len(params))
	for _, p := range params {
		if p.name == "sig" {
			continue
		}
		ps = append(ps, p)
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].name < ps[j].name })
	var b strings.Builder
	r := strings.NewReplacer("&", "_", "=", "_")
	for _, p := range ps {
		b.WriteByte('&')
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(r.Replace(p.value))
	}
	return b.String()
}

// LegacySignature computes the sig value (lowercase hex) for params with the
// given method and secret; the sig parameter itself is ignored.
func LegacySignature(params []QueryParam, method SigMethod, secret string) string {
	ps := make([]queryParam, len(params))
	for i, p := range params {
		ps[i] = queryParam{p.Name, p.Value}
	}
	return legacySignature(sigBaseString(ps), method, secret)
}

// QueryParam is one name=value pair of a query string or form body.
type QueryParam struct {
	Name, Value string
}

func legacySignature(base string, method SigMethod, secret string) string {
	var h hash.Hash
	switch method {
	case SigMD5Hash:
		sum := md5.Sum([]byte(base + secret))
		return hex.EncodeToString(sum[:])
	case SigHMACMD5:
		h = hmac.New(md5.New, []byte(secret))
	case SigHMACSHA1:
		h = hmac.New(sha1.New, []byte(secret))
	case SigHMACSHA256:
		h = hmac.New(sha256.New, []byte(secret))
	case SigHMACSHA512:
		h = hmac.New(sha512.New, []byte(secret))
	default:
		return ""
	}
	h.Write([]byte(base))
	return hex.EncodeToString(h.Sum(nil))
}

// hexEqualFold compares two hex strings case-insensitively in constant time
// (Vonage sends HMACs in upper case, SDKs differ: SPEC §2).
func hexEqualFold(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(a)), []byte(strings.ToLower(b))) == 1
}

// legacyParams returns the parameters of a legacy-signed request (one that
// carries sig), from the query, a form body or a flat JSON body, and where
// they came from; nil when there is no sig parameter.
func legacyParams(req Request) ([]queryParam, string) {
	has := func(ps []queryParam) bool {
		for _, p := range ps {
			if p.name == "sig" {
				return true
			}
		}
		return false
	}
	if q := parseOrderedQuery(req.RawQuery); has(q) {
		return q, "query"
	}
	if len(req.Body) == 0 {
		return nil, ""
	}
	if isFormContentType(req.ContentType) {
		if f := parseOrderedQuery(string(req.Body)); has(f) {
			return f, "form body"
		}
		return nil, ""
	}
	mt, _, _ := mime.ParseMediaType(req.ContentType)
	if mt != "" && mt != "application/json" {
		return nil, ""
	}
	var obj map[string]any
	dec := json.NewDecoder(strings.NewReader(string(req.Body)))
	dec.UseNumber()
	if dec.Decode(&obj) != nil {
		return nil, ""
	}
	if _, ok := obj["sig"]; !ok {
		return nil, ""
	}
	var ps []queryParam
	for k, v := range obj {
		switch t := v.(type) {
		case string:
			ps = append(ps, queryParam{k, t})
		case json.Number:
			ps = append(ps, queryParam{k, t.String()})
		case bool:
			ps = append(ps, queryParam{k, strconv.FormatBool(t)})
		}
	}
	return ps, "JSON body"
}

// verifySig checks a legacy SMS signature with every method (SPEC §2).
func (v *Verifier) verifySig(params []queryParam, src string) Result {
	r := Result{Scheme: SchemeSig}
	var sig, ts, apiKey string
	for _, p := range params {
		switch p.name {
		case "sig":
			sig = p.value
		case "timestamp":
			ts = p.value
		case "api-key", "api_key":
			apiKey = p.value
		}
	}
	r.APIKey = apiKey
	r.add("sig_present", true, "sig parameter in the "+src, "")
	secret, known := v.secretFor(apiKey)
	if !known {
		r.add("secret", false, "no signature secret configured", "No signature secret is configured to check this legacy sig with.")
		return r.finish("")
	}
	now := v.cfg.Now()
	n, err := strconv.ParseInt(ts, 10, 64)
	switch {
	case ts == "":
		r.add("timestamp", false, "no timestamp parameter", "The legacy-signed request has no timestamp parameter, so its age cannot be checked.")
	case err != nil:
		r.add("timestamp", false, fmt.Sprintf("timestamp %q is not Unix seconds", ts), fmt.Sprintf("The timestamp parameter %q is not a Unix time in seconds.", ts))
	default:
		skew := now.Sub(time.Unix(n, 0))
		r.IssuedAt = time.Unix(n, 0)
		r.SkewSeconds = skew.Seconds()
		d := fmt.Sprintf("signed %s (window ±%s)", ago(skew), span(legacyWindow))
		if skew > legacyWindow || skew < -legacyWindow {
			r.add("timestamp", false, d, fmt.Sprintf("The request was signed %s, outside the ±5 min window.", ago(skew)))
		} else {
			r.add("timestamp", true, d, "")
		}
	}
	base := sigBaseString(params)
	matched := ""
	for _, m := range AllSigMethods {
		if hexEqualFold(legacySignature(base, m, secret), sig) && matched == "" {
			matched = m.String()
		}
	}
	if matched != "" {
		r.SigMethod = matched
		r.add("sig", true, "matches method "+matched, "")
	} else {
		r.add("sig", false, "matches none of md5hash, md5, sha1, sha256, sha512 with the configured secret",
			"The sig parameter matches no signing method with the configured signature secret: the secret is wrong or a parameter was changed after signing.")
	}
	return r.finish(fmt.Sprintf("Genuine legacy signature (method %s) made %s.", matched, ago(r.SkewDuration())))
}
