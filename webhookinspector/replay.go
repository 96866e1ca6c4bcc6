package webhookinspector

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// ReplayMode says how a captured request is sent again.
type ReplayMode int

// Replay modes.
const (
	// ReplayAsCaptured sends the request byte for byte as it arrived (its
	// token will be stale or a replay to a strict receiver).
	ReplayAsCaptured ReplayMode = iota
	// ReplayResigned sends it signed now: fresh iat and jti, payload_hash
	// recomputed over the (possibly edited) payload, same other claims.
	ReplayResigned
)

// String returns "as-captured" or "re-signed".
func (m ReplayMode) String() string {
	if m == ReplayResigned {
		return "re-signed"
	}
	return "as-captured"
}

// ReplayOptions say where and how to replay.
type ReplayOptions struct {
	// URL is the destination: its scheme and host; its path, when not
	// empty or "/", replaces the captured path (the query is kept).
	URL  string
	Mode ReplayMode
	// Secrets and DefaultSecret sign a re-signed replay (secret by api_key).
	Secrets       map[string]string
	DefaultSecret string
	// Body, when not nil, replaces the body.
	Body []byte
	// RawQuery, when not nil, replaces the query.
	RawQuery *string
	// SetHeaders replace (or add) headers by name.
	SetHeaders []Header
	Now        func() time.Time
	Timeout    time.Duration
	TLS        *tls.Config
}

// ReplayResult is what happened.
type ReplayResult struct {
	URL      string   `json:"url"`
	Mode     string   `json:"mode"`
	Sent     []byte   `json:"-"`
	Response Response `json:"response"`
	// Differences lists, in words, every way the sent request differs from
	// the captured one.
	Differences []string `json:"differences"`
}

// Replay sends a captured request again.
func Replay(ctx context.Context, c *Capture, o ReplayOptions) (ReplayResult, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ReplayResult{}, fmt.Errorf("replay: %q is not an absolute http(s) URL", o.URL)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	var diffs []string
	path, query := c.Path, c.RawQuery
	if u.Path != "" && u.Path != "/" {
		path = u.Path
	}
	if o.RawQuery != nil {
		query = *o.RawQuery
	}
	target := path
	if query != "" {
		target += "?" + query
	}
	if target != c.Target {
		diffs = append(diffs, fmt.Sprintf("request-target %s → %s", c.Target, target))
	}
	body := c.Body
	if o.Body != nil {
		body = o.Body
		if string(body) != string(c.Body) {
			diffs = append(diffs, fmt.Sprintf("body changed (%d → %d bytes, SHA-256 %s… → %s…)", len(c.Body), len(body), sha256Hex(c.Body)[:12], sha256Hex(body)[:12]))
		}
	}
	headers := append([]Header(nil), c.Headers...)
	for _, h := range o.SetHeaders {
		var old string
		var had bool
		headers, old, had = setHeader(headers, h.Name, h.Value)
		if !had {
			diffs = append(diffs, fmt.Sprintf("header %s added", h.Name))
		} else if old != h.Value {
			diffs = append(diffs, fmt.Sprintf("header %s changed", h.Name))
		}
	}
	if o.Mode == ReplayResigned {
		headers, diffs, err = resign(c, headers, diffs, Request{Method: c.Method, RawQuery: query, ContentType: headerValue(headers, "Content-Type"), Body: body}, o)
		if err != nil {
			return ReplayResult{}, err
		}
	}
	if !isChunked(headers, c) {
		if cl := headerValue(headers, "Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
			headers, _, _ = setHeader(headers, "Content-Length", strconv.Itoa(len(body)))
			diffs = append(diffs, fmt.Sprintf("Content-Length %s → %d", cl, len(body)))
		} else if cl == "" && len(body) > 0 {
			headers, _, _ = setHeader(headers, "Content-Length", strconv.Itoa(len(body)))
			diffs = append(diffs, fmt.Sprintf("Content-Length %d added", len(body)))
		}
	}
	unchanged := len(diffs) == 0
	var raw []byte
	if unchanged {
		raw = rawRequest(c, c.Target, nil, c.Body)
	} else {
		raw = rawRequest(c, target, headers, body)
	}
	if headerValue(headers, "Host") != u.Host {
		diffs = append(diffs, fmt.Sprintf("Host header kept as captured (%s), sent to %s", headerValue(headers, "Host"), u.Host))
	}
	if unchanged {
		diffs = append(diffs, "none: sent byte for byte as captured")
	}
	resp, err := sendRaw(ctx, u, raw, o.Timeout, o.TLS)
	res := ReplayResult{URL: u.Scheme + "://" + u.Host + target, Mode: o.Mode.String(), Sent: raw, Differences: diffs}
	if err != nil {
		return res, fmt.Errorf("replay capture %d: %w", c.ID, err)
	}
	res.Response = resp
	return res, nil
}

func headerValue(hs []Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// resign replaces the Authorization token with a fresh one.
func resign(c *Capture, headers []Header, diffs []string, req Request, o ReplayOptions) ([]Header, []string, error) {
	auth := headerValue(headers, "Authorization")
	claims := jwt.MapClaims{}
	if auth != "" {
		if tok, _, err := extractToken(auth); err == nil {
			_, _, _ = jwt.NewParser(jwt.WithJSONNumber()).ParseUnverified(tok, claims)
		}
	}
	apiKey := claimString(claims, "api_key")
	secret := o.Secrets[apiKey]
	if secret == "" {
		secret = o.DefaultSecret
	}
	if secret == "" {
		return nil, nil, errors.New("replay re-signed: no signature secret for api_key " + orNone(apiKey))
	}
	form := c.Result.PayloadForm
	if form == "" {
		form = FormRawBody
		if len(req.Body) == 0 && c.Method == "GET" {
			form = FormQueryJSON
		}
	}
	now := o.Now()
	nc := Claims{IssuedAt: now, JTI: uuid.NewString(), Issuer: "Vonage", PayloadHash: PayloadHash(req, form),
		APIKey: apiKey, ApplicationID: claimString(claims, "application_id"), Extra: map[string]any{}}
	if iss := claimString(claims, "iss"); iss != "" {
		nc.Issuer = iss
	}
	for k, v := range claims {
		switch k {
		case "iat", "jti", "iss", "payload_hash", "api_key", "application_id":
		case "exp", "nbf":
			// Keep their distance from iat.
			if old, ok := v.(interface{ Float64() (float64, error) }); ok {
				ov, _ := old.Float64()
				oiat, _ := claimTime(claims, "iat")
				nc.Extra[k] = now.Unix() + int64(ov) - oiat.Unix()
			}
		default:
			nc.Extra[k] = v
		}
	}
	tok, err := Sign(nc, secret)
	if err != nil {
		return nil, nil, err
	}
	if oiat, e := claimTime(claims, "iat"); e == "" {
		diffs = append(diffs, fmt.Sprintf("iat %d → %d", oiat.Unix(), now.Unix()))
	} else {
		diffs = append(diffs, fmt.Sprintf("iat set to %d", now.Unix()))
	}
	diffs = append(diffs, fmt.Sprintf("jti %s → %s", orNone(claimString(claims, "jti")), nc.JTI))
	if old := claimString(claims, "payload_hash"); old != nc.PayloadHash {
		diffs = append(diffs, fmt.Sprintf("payload_hash %s → %s (%s)", orNone(old), nc.PayloadHash, form))
	}
	scheme := "Bearer "
	if auth != "" {
		if s, _, ok := strings.Cut(auth, " "); ok {
			scheme = s + " "
		}
	}
	headers, _, had := setHeader(headers, "Authorization", scheme+tok)
	if !had {
		diffs = append(diffs, "Authorization added (the capture was unsigned)")
	} else {
		diffs = append(diffs, "Authorization token re-signed")
	}
	return headers, diffs, nil
}
