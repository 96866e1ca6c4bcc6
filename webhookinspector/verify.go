package webhookinspector

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultWindow is the default allowed |now − iat| (SPEC §1.6: Vonage documents
// no maximum age; ±300 s follows the Symfony precedent).
const DefaultWindow = 300 * time.Second

// legacyWindow is the legacy sig timestamp tolerance (SPEC §2, Java SDK).
const legacyWindow = 5 * time.Minute

// maxTokenBytes bounds the Authorization value looked at; a Vonage token is
// a few hundred bytes.
const maxTokenBytes = 8 << 10

// Request is one webhook as received: what verification looks at.
type Request struct {
	// Method is the HTTP method ("GET", "POST").
	Method string
	// Authorization is the Authorization header's value; HasAuthorization
	// tells an empty header from a missing one.
	Authorization    string
	HasAuthorization bool
	// RawQuery is the query string as received, without "?".
	RawQuery string
	// ContentType is the Content-Type header's value.
	ContentType string
	// Body is the body exactly as received.
	Body []byte
}

// Check is one verification step and its outcome.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	why    string // the plain sentence used as the reason when this check decides
}

// Result is the outcome of verifying one webhook.
type Result struct {
	Verdict Verdict `json:"verdict"`
	Scheme  Scheme  `json:"scheme"`
	Checks  []Check `json:"checks"`
	// Reason is one plain sentence saying why the verdict is what it is.
	Reason string `json:"reason"`
	// APIKey, ApplicationID and JTI are the token's claims (unverified when
	// the signature check failed).
	APIKey        string `json:"api_key,omitempty"`
	ApplicationID string `json:"application_id,omitempty"`
	JTI           string `json:"jti,omitempty"`
	// IssuedAt is the iat claim; SkewSeconds is now − iat.
	IssuedAt    time.Time `json:"iat,omitzero"`
	SkewSeconds float64   `json:"skew_s,omitempty"`
	// PayloadForm is the payload form whose SHA-256 matched payload_hash.
	PayloadForm PayloadForm `json:"payload_form,omitempty"`
	// SigMethod is the legacy method whose signature matched.
	SigMethod string `json:"sig_method,omitempty"`
}

// Failed returns the first failed check, or nil.
func (r Result) Failed() *Check {
	for i := range r.Checks {
		if !r.Checks[i].OK {
			return &r.Checks[i]
		}
	}
	return nil
}

// VerifierConfig configures a [Verifier].
type VerifierConfig struct {
	// Secrets maps an api_key to its signature secret (subaccounts, several keys).
	Secrets map[string]string
	// DefaultSecret serves every api_key that has no entry in Secrets.
	DefaultSecret string
	// ApplicationID, when set, must equal the application_id claim.
	ApplicationID string
	// Window is the allowed |now − iat| and the leeway for exp/nbf; 0 means DefaultWindow.
	Window time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Replay remembers jti values; nil means a fresh in-memory [JTICache].
	Replay ReplayGuard
}

// Verifier verifies webhooks. It is safe for concurrent use.
type Verifier struct {
	cfg    VerifierConfig
	parser *jwt.Parser
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg VerifierConfig) *Verifier {
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Replay == nil {
		cfg.Replay = NewJTICache(2 * cfg.Window)
	}
	return &Verifier{
		cfg: cfg,
		// Only HS256 is accepted: alg is checked before the key is used, so
		// "none", RS256 with a public key as HMAC secret, etc. never verify.
		// Claims are validated below with explanations of our own.
		parser: jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithJSONNumber(), jwt.WithoutClaimsValidation()),
	}
}

// Window returns the iat window in use.
func (v *Verifier) Window() time.Duration { return v.cfg.Window }

// secretFor picks the signature secret for an api_key (SPEC §1.3).
func (v *Verifier) secretFor(apiKey string) (string, bool) {
	if s, ok := v.cfg.Secrets[apiKey]; ok && s != "" {
		return s, true
	}
	if v.cfg.DefaultSecret != "" {
		return v.cfg.DefaultSecret, true
	}
	return "", false
}

// Verify checks one webhook: a JWT in Authorization (SPEC §1.5), else a
// legacy sig parameter (SPEC §2), else it is unsigned. A valid token's jti is
// remembered, so verifying the same token again reports a replay.
func (v *Verifier) Verify(req Request) Result {
	if !req.HasAuthorization {
		if params, src := legacyParams(req); params != nil {
			return v.verifySig(params, src)
		}
		return Result{
			Verdict: VerdictUnsigned, Scheme: SchemeNone,
			Checks: []Check{{Name: "authorization", OK: false, Detail: "no Authorization header and no sig parameter"}},
			Reason: "There is no Authorization header, so this webhook is unsigned: signed webhooks may be off for Voice apps created before July 2021 (turn on \"Use signed webhooks\"), and a rare unsigned callback is retried signed if you answer 5xx.",
		}
	}
	return v.verifyJWT(req)
}

// add appends a check; why is the sentence used if it decides the verdict.
func (r *Result) add(name string, ok bool, detail, why string) {
	r.Checks = append(r.Checks, Check{Name: name, OK: ok, Detail: detail, why: why})
}

// finish sets the verdict and reason from the checks.
func (r *Result) finish(validReason string) Result {
	if f := r.Failed(); f != nil {
		r.Verdict = VerdictInvalid
		r.Reason = f.why
		if r.Reason == "" {
			r.Reason = f.Detail
		}
	} else {
		r.Verdict = VerdictValid
		r.Reason = validReason
	}
	return *r
}

func (v *Verifier) verifyJWT(req Request) Result {
	r := Result{Scheme: SchemeJWT}
	token, form, err := extractToken(req.Authorization)
	if err != nil {
		r.add("authorization", false, err.Error(), "The Authorization header does not carry a usable token: "+err.Error()+".")
		return r.finish("")
	}
	r.add("authorization", true, form, "")

	// One pass through the library (SPEC §1.5 steps 2–4): decode, refuse any
	// alg but HS256 before a key is chosen, pick the secret by the (still
	// unverified) api_key claim, check the HMAC in constant time.
	claims := jwt.MapClaims{}
	var apiKey string
	var known bool
	tok, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		apiKey = claimString(claims, "api_key")
		var secret string
		if secret, known = v.secretFor(apiKey); !known {
			return nil, errNoSecret
		}
		return []byte(secret), nil
	})
	if tok == nil || tok.Header == nil {
		d := "not a JWT: " + strings.TrimPrefix(errString(err), "token is malformed: ")
		r.add("format", false, d, "The Authorization value is not a well-formed JWT ("+d+").")
		return r.finish("")
	}
	alg, _ := tok.Header["alg"].(string)
	if alg != jwt.SigningMethodHS256.Alg() {
		shown := alg
		if shown == "" {
			shown = "(missing)"
		}
		r.add("format", true, "three base64url parts, JSON header", "")
		r.add("alg", false, fmt.Sprintf("alg %s; only HS256 is accepted", shown),
			fmt.Sprintf("The token uses alg %s, which is not accepted: Vonage signs webhooks with HS256 only, so this token was not made by Vonage.", shown))
		return r.finish("")
	}
	if errors.Is(err, jwt.ErrTokenMalformed) {
		d := "not a JWT: " + strings.TrimPrefix(err.Error(), "token is malformed: ")
		r.add("format", false, d, "The Authorization value is not a well-formed JWT ("+d+").")
		return r.finish("")
	}
	r.add("format", true, "three base64url parts, JSON header and claims", "")
	r.add("alg", true, "HS256", "")

	c := readClaims(claims)
	r.APIKey, r.ApplicationID, r.JTI = c.apiKey, c.appID, c.jti
	switch {
	case c.apiKey == "" && !known:
		r.add("api_key", false, "no api_key claim and no default secret", "The token has no api_key claim and no default signature secret is configured, so there is no secret to check it with.")
		return r.finish("")
	case !known:
		r.add("api_key", false, fmt.Sprintf("no signature secret configured for api_key %s", c.apiKey),
			fmt.Sprintf("No signature secret is configured for api_key %s: add that account's signature secret (Dashboard → API settings).", c.apiKey))
		return r.finish("")
	case c.apiKey == "":
		r.add("api_key", true, "no api_key claim; using the default secret", "")
	default:
		if _, own := v.cfg.Secrets[c.apiKey]; own {
			r.add("api_key", true, fmt.Sprintf("%s (its own secret)", c.apiKey), "")
		} else {
			r.add("api_key", true, fmt.Sprintf("%s (default secret)", c.apiKey), "")
		}
	}

	sigOK := err == nil
	if sigOK {
		r.add("signature", true, "HS256 signature matches the signature secret", "")
	} else {
		r.add("signature", false, "HS256 signature does not match the configured signature secret", v.explainBadSignature(token, c.apiKey))
	}

	now := v.cfg.Now()
	win := v.cfg.Window

	// iss (step 5).
	if subtle.ConstantTimeCompare([]byte(c.iss), []byte("Vonage")) == 1 {
		r.add("iss", true, "Vonage", "")
	} else {
		r.add("iss", false, fmt.Sprintf("iss %q, want \"Vonage\"", c.iss), fmt.Sprintf("The token's issuer is %q, not \"Vonage\".", c.iss))
	}
	// application_id (step 5).
	switch {
	case v.cfg.ApplicationID == "":
		r.add("application_id", true, fmt.Sprintf("%s (no application configured to match)", orNone(c.appID)), "")
	case subtle.ConstantTimeCompare([]byte(c.appID), []byte(v.cfg.ApplicationID)) == 1:
		r.add("application_id", true, c.appID, "")
	default:
		r.add("application_id", false, fmt.Sprintf("application_id %s, want %s", orNone(c.appID), v.cfg.ApplicationID),
			fmt.Sprintf("The token belongs to application %s, not to the configured application %s.", orNone(c.appID), v.cfg.ApplicationID))
	}
	// iat window (step 6).
	switch {
	case c.iatErr != "":
		r.add("iat", false, c.iatErr, "The token's iat claim "+c.iatErr+", so its age cannot be checked.")
	default:
		r.IssuedAt = c.iat
		skew := now.Sub(c.iat)
		r.SkewSeconds = math.Round(skew.Seconds()*1000) / 1000
		d := fmt.Sprintf("issued %s (window ±%s)", ago(skew), span(win))
		if skew > win || skew < -win {
			why := fmt.Sprintf("The token was issued %s, outside the ±%s window: it is being replayed late or a clock is off.", ago(skew), span(win))
			r.add("iat", false, d, why)
		} else {
			r.add("iat", true, d, "")
		}
	}
	// exp / nbf: honoured when present, never required (SPEC §1.2).
	if c.hasExp {
		if c.expErr != "" {
			r.add("exp", false, c.expErr, "The token's exp claim "+c.expErr+".")
		} else if now.After(c.exp.Add(win)) {
			r.add("exp", false, fmt.Sprintf("expired %s", ago(now.Sub(c.exp))), fmt.Sprintf("The token expired %s (exp plus ±%s leeway).", ago(now.Sub(c.exp)), span(win)))
		} else {
			r.add("exp", true, fmt.Sprintf("expires %s", ago(now.Sub(c.exp))), "")
		}
	}
	if c.hasNbf {
		if c.nbfErr != "" {
			r.add("nbf", false, c.nbfErr, "The token's nbf claim "+c.nbfErr+".")
		} else if now.Add(win).Before(c.nbf) {
			r.add("nbf", false, fmt.Sprintf("not valid until %s", c.nbf.UTC().Format(time.RFC3339)), fmt.Sprintf("The token is not valid before %s (nbf), beyond the ±%s leeway.", c.nbf.UTC().Format(time.RFC3339), span(win)))
		} else {
			r.add("nbf", true, fmt.Sprintf("valid since %s", c.nbf.UTC().Format(time.RFC3339)), "")
		}
	}
	// jti replay (step 7): only a genuine token is remembered, so forged
	// tokens cannot poison the cache.
	switch {
	case c.jti == "":
		r.add("jti", false, "no jti claim", "The token has no jti claim, so a replay of it could not be detected.")
	case !sigOK:
		r.add("jti", false, "not checked: the signature is not valid", "")
	default:
		if first, replay := v.cfg.Replay.Remember(c.jti, now); replay {
			at := first.Local().Format("15:04:05")
			r.add("jti", false, fmt.Sprintf("jti %s already seen at %s", c.jti, first.UTC().Format(time.RFC3339)),
				fmt.Sprintf("This token (jti %s) was already seen at %s: the request is a replay.", c.jti, at))
		} else {
			r.add("jti", true, fmt.Sprintf("%s not seen before", c.jti), "")
		}
	}
	// payload_hash (step 8).
	r.checkPayloadHash(req, c.payloadHash, c.payloadHashSet)

	valid := fmt.Sprintf("Genuine: HS256 signature by the signature secret of api_key %s, issued %s, payload_hash matches %s.",
		orNone(c.apiKey), ago(now.Sub(c.iat)), r.PayloadForm.describe())
	return r.finish(valid)
}

// checkPayloadHash compares the claim with every payload form in constant time.
func (r *Result) checkPayloadHash(req Request, claim string, set bool) {
	if !set || claim == "" {
		r.add("payload_hash", false, "no payload_hash claim", "The token has no payload_hash claim, so nothing ties it to this body: a captured token could be replayed with any body.")
		return
	}
	norm := strings.ToLower(claim)
	note := ""
	if norm != claim {
		note = " (claim was upper-case hex)"
	}
	// The raw body is the common case: try it before building the other forms.
	if subtle.ConstantTimeCompare([]byte(sha256Hex(req.Body)), []byte(norm)) == 1 {
		r.PayloadForm = FormRawBody
		r.add("payload_hash", true, "matches "+FormRawBody.describe()+note, "")
		return
	}
	cands := payloadCandidates(req)
	var tried []string
	for _, c := range cands {
		tried = append(tried, string(c.form))
		if subtle.ConstantTimeCompare([]byte(sha256Hex(c.data)), []byte(norm)) == 1 {
			r.PayloadForm = c.form
			r.add("payload_hash", true, "matches "+c.form.describe()+note, "")
			return
		}
	}
	why := "The body does not match the payload_hash the token was signed with: it was changed or re-serialised after signing."
	if len(req.Body) == 0 && req.RawQuery != "" {
		why = "The query parameters do not match the payload_hash the token was signed with: they were changed, reordered or re-encoded after signing."
	}
	r.add("payload_hash", false, "SHA-256 matches none of: "+strings.Join(tried, ", "), why)
}

// signatureMatches reports whether token verifies as HS256 with secret.
func (v *Verifier) signatureMatches(token, secret string) bool {
	_, err := v.parser.Parse(token, func(t *jwt.Token) (any, error) {
		if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return []byte(secret), nil
	})
	return err == nil
}

// explainBadSignature builds the sentence for a signature that does not verify.
func (v *Verifier) explainBadSignature(token, apiKey string) string {
	sigPart := token[strings.LastIndexByte(token, '.')+1:]
	raw, err := base64.RawURLEncoding.DecodeString(sigPart)
	if err != nil || len(raw) != sha256.Size {
		return "The signature part of the token is damaged (it is not 32 bytes of base64url), so the token was altered after signing."
	}
	// Signed with the secret of another configured account?
	keys := make([]string, 0, len(v.cfg.Secrets))
	for k := range v.cfg.Secrets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != apiKey && v.signatureMatches(token, v.cfg.Secrets[k]) {
			return fmt.Sprintf("The token was signed with the signature secret of api_key %s, but its api_key claim says %s.", k, orNone(apiKey))
		}
	}
	return fmt.Sprintf("The signature was made with a different secret than the signature secret configured for api_key %s, or the token was altered after signing (did you use the API secret instead of the signature secret?).", orNone(apiKey))
}

// ago renders a signed duration as "14 min ago" / "6 min in the future".
func ago(d time.Duration) string {
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Second:
		s = "just now"
		return s
	case d < 2*time.Minute:
		s = strconv.Itoa(int(d.Round(time.Second)/time.Second)) + " s"
	case d < 2*time.Hour:
		s = strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		s = strconv.Itoa(int(d/time.Hour)) + " h"
	default:
		s = strconv.Itoa(int(d/(24*time.Hour))) + " days"
	}
	if future {
		return s + " in the future"
	}
	return s + " ago"
}

// span renders a window length: "5 min", "90 s".
func span(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.Itoa(int(d/time.Minute)) + " min"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// SkewDuration returns SkewSeconds as a duration.
func (r Result) SkewDuration() time.Duration {
	return time.Duration(r.SkewSeconds * float64(time.Second))
}
