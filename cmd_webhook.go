package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/webhookinspector"
)

func init() {
	register(command{name: "webhook send", summary: "send a correctly (or deliberately wrongly) signed sample webhook", run: runWebhookSend})
	register(command{name: "webhook list", summary: "print the captured webhooks in the durable store, oldest first", run: runWebhookList})
}

// sendResult is the result object of "webhook send".
type sendResult struct {
	Event  string                        `json:"event"`
	Tamper string                        `json:"tamper"`
	Sent   []webhookinspector.SentSample `json:"sent"`
	Error  string                        `json:"error,omitempty"`
}

func runWebhookSend(ctx context.Context, cio cliIO, args []string) int {
	usage := "--url URL --secret-env VAR --event answer|started|ringing|answered|completed|input|record|fallback [--tamper body|signature|iat|alg|replay|unsigned]"
	fs := newFlagSet(cio, "webhook send", usage)
	rawURL := fs.String("url", "", "where to send: a base URL (the event's default path is added) or a full URL")
	secretEnv := fs.String("secret-env", "", "environment variable holding the signature secret to sign with")
	event := fs.String("event", "", "sample to send: "+strings.Join(webhookinspector.SampleEvents, ", "))
	tamperS := fs.String("tamper", "", "deliberate fault: body, signature, iat, alg, replay or unsigned")
	apiKey := fs.String("api-key", "a1b2c3d4", "api_key claim (selects the secret on the receiving side)")
	appID := fs.String("application-id", "", "application_id claim (default: a fresh UUID per run)")
	callID := fs.String("call-id", "", "value of SipHeader_X-Hookphone-Call-Id on answer webhooks")
	callUUID := fs.String("uuid", "", "leg uuid (default: a fresh one)")
	convUUID := fs.String("conversation-uuid", "", "conversation_uuid (default: a fresh one)")
	timeout := fs.Duration("timeout", 10*time.Second, "per-request timeout")
	jsonOut := fs.Bool("json", false, "print JSON objects, one per line")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	tamper, err := webhookinspector.ParseTamper(*tamperS)
	if err != nil {
		fmt.Fprintf(cio.stderr, "hookphone webhook send: %v\n", err)
		return exitUsage
	}
	if *rawURL == "" || *event == "" {
		fmt.Fprintln(cio.stderr, "hookphone webhook send: --url and --event are required")
		return exitUsage
	}
	u, err := url.Parse(*rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(cio.stderr, "hookphone webhook send: --url %q is not an absolute http(s) URL\n", *rawURL)
		return exitUsage
	}
	secret := ""
	needSecret := tamper != webhookinspector.TamperUnsigned && tamper != webhookinspector.TamperAlg
	if *secretEnv == "" && needSecret {
		fmt.Fprintln(cio.stderr, "hookphone webhook send: --secret-env VAR is required to sign")
		return exitUsage
	}
	if *secretEnv != "" {
		secret = cio.getenv(*secretEnv)
		if secret == "" && needSecret {
			return failf(cio, "webhook send", "environment variable %s (from --secret-env) is empty or unset", *secretEnv)
		}
	}
	if *appID == "" {
		*appID = "aaaaaaaa-0000-4000-8000-" + fmt.Sprintf("%012d", time.Now().UnixNano()%1e12)
	}
	reqs, err := webhookinspector.BuildSample(webhookinspector.SampleOptions{
		Event: *event, Secret: secret, APIKey: *apiKey, ApplicationID: *appID, Tamper: tamper,
		UUID: *callUUID, ConversationUUID: *convUUID, CallID: *callID,
	})
	if err != nil {
		fmt.Fprintf(cio.stderr, "hookphone webhook send: %v\n", err)
		return exitUsage
	}
	p := printer{w: cio.stdout, json: *jsonOut}
	client := &http.Client{Timeout: *timeout}
	res := sendResult{Event: *event, Tamper: tamper.String()}
	for _, r := range reqs {
		sent, err := webhookinspector.SendSample(ctx, client, u, r)
		if err != nil {
			res.Error = err.Error()
			p.event(res, "")
			return failf(cio, "webhook send", "%v", err)
		}
		res.Sent = append(res.Sent, sent)
		if !*jsonOut {
			line := fmt.Sprintf("%s %s → %d", sent.Method, sent.URL, sent.Status)
			if sent.Verdict != "" {
				line += fmt.Sprintf(" (inspector capture %s: %s)", sent.CaptureID, sent.Verdict)
			}
			fmt.Fprintln(cio.stdout, line)
		}
	}
	p.event(res, "")
	for _, s := range res.Sent {
		if s.Status < 200 || s.Status > 299 {
			return failf(cio, "webhook send", "the receiver answered HTTP %d", s.Status)
		}
	}
	return exitOK
}

// listRow is one line of "webhook list" (and of "inspect --json").
type listRow struct {
	ID         int64    `json:"id"`
	Method     string   `json:"method"`
	Path       string   `json:"path"`
	Verdict    string   `json:"verdict"`
	Reason     string   `json:"reason"`
	Event      string   `json:"event"`
	UUID       string   `json:"uuid"`
	ReceivedAt string   `json:"received_at,omitempty"`
	BodySHA256 string   `json:"body_sha256,omitempty"`
	Status     int      `json:"status,omitempty"`
	CallID     string   `json:"call_id,omitempty"`
	Forward    string   `json:"forward_error,omitempty"`
	NCCOErrors []string `json:"ncco_errors,omitempty"`
}

func rowOf(s webhookinspector.Summary, full bool) listRow {
	r := listRow{ID: s.ID, Method: s.Method, Path: s.Path, Verdict: s.Verdict.String(), Reason: s.Reason, Event: s.Event, UUID: s.UUID, CallID: s.CallID,
		Forward: s.ForwardError, NCCOErrors: s.NCCOErrors}
	if full {
		r.ReceivedAt = s.ReceivedAt.UTC().Format(time.RFC3339Nano)
		r.BodySHA256 = s.BodySHA256
		r.Status = s.Status
	}
	return r
}

func (r listRow) human() string {
	s := fmt.Sprintf("#%d %s %s %s %s", r.ID, r.Method, r.Path, r.Event, r.Verdict)
	if r.ReceivedAt != "" {
		s = r.ReceivedAt + " " + s
	}
	if r.UUID != "" {
		s += " uuid=" + r.UUID
	}
	if r.BodySHA256 != "" {
		s += " body_sha256=" + r.BodySHA256
	}
	s += ": " + r.Reason
	if r.Forward != "" {
		s += " [" + r.Forward + "]"
	}
	if len(r.NCCOErrors) > 0 {
		s += " [NCCO: " + strings.Join(r.NCCOErrors, "; ") + "]"
	}
	return s
}

// dbFlag adds --db (default: the XDG data dir's database).
func dbPath(flagVal string) (string, error) {
	if flagVal != "" {
		return flagVal, nil
	}
	p, err := config.DefaultPaths()
	if err != nil {
		return "", err
	}
	return p.Database, nil
}

func runWebhookList(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "webhook list", "[--since T] [--verdict V] [--call ID] [--path P] [--text S] [--limit N]")
	ff := addFilterFlags(fs)
	limit := fs.Int("limit", 0, "print at most N captures (default all)")
	db := fs.String("db", "", "database file (default: the user's data dir)")
	jsonOut := fs.Bool("json", false, "print JSON objects, one per line; the last is {\"count\": N}")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	f, err := ff.filter()
	if err != nil {
		fmt.Fprintf(cio.stderr, "hookphone webhook list: %v\n", err)
		return exitUsage
	}
	if *limit < 0 {
		fmt.Fprintln(cio.stderr, "hookphone webhook list: --limit must not be negative")
		return exitUsage
	}
	f.Limit = *limit
	path, err := dbPath(*db)
	if err != nil {
		return failf(cio, "webhook list", "%v", err)
	}
	store, err := webhookinspector.OpenStore(ctx, path)
	if err != nil {
		return failf(cio, "webhook list", "%v", err)
	}
	defer store.Close()
	p := printer{w: cio.stdout, json: *jsonOut}
	n := 0
	err = store.Each(ctx, f, func(s webhookinspector.Summary) error {
		r := rowOf(s, true)
		p.event(r, r.human())
		n++
		return nil
	})
	if err != nil {
		return failf(cio, "webhook list", "%v", err)
	}
	p.event(map[string]int{"count": n}, fmt.Sprintf("%d captures", n))
	return exitOK
}

func init() {
	register(command{name: "webhook replay", summary: "send a captured webhook again, as captured or re-signed now", run: runWebhookReplay})
	register(command{name: "webhook export", summary: "print captured webhooks as cURL commands or one HAR 1.2 log", run: runWebhookExport})
}

// replayResult is the result object of "webhook replay".
type replayResult struct {
	ID          int64    `json:"id"`
	URL         string   `json:"url"`
	Mode        string   `json:"mode"`
	Status      int      `json:"status"`
	Differences []string `json:"differences"`
}

func runWebhookReplay(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "webhook replay", "--id N --url URL [--resign --secret-env VAR] [--body F]")
	id := fs.Int64("id", 0, "capture id (see webhook list)")
	rawURL := fs.String("url", "", "where to send: scheme and host (its path, if any, replaces the captured path)")
	resign := fs.Bool("resign", false, "sign it now: fresh iat and jti, payload_hash recomputed (needs --secret-env or --secrets-env)")
	var sf secretFlags
	sf.add(fs.StringVar)
	bodyF := fs.String("body", "", "file whose bytes replace the captured body")
	db := fs.String("db", "", "database file (default: the user's data dir)")
	jsonOut := fs.Bool("json", false, "print the result as one JSON object")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *id <= 0 || *rawURL == "" {
		fmt.Fprintln(cio.stderr, "hookphone webhook replay: --id and --url are required")
		return exitUsage
	}
	opts := webhookinspector.ReplayOptions{URL: *rawURL}
	if *resign {
		def, byKey, err := sf.load(cio.getenv)
		if err != nil {
			if sf.secretEnv == "" && sf.secretsEnv == "" {
				fmt.Fprintln(cio.stderr, "hookphone webhook replay: --resign needs --secret-env VAR or --secrets-env api_key=VAR")
				return exitUsage
			}
			return failf(cio, "webhook replay", "%v", err)
		}
		opts.Mode, opts.DefaultSecret, opts.Secrets = webhookinspector.ReplayResigned, def, byKey
	}
	if *bodyF != "" {
		b, err := os.ReadFile(*bodyF)
		if err != nil {
			return failf(cio, "webhook replay", "read body: %v", err)
		}
		opts.Body = b
	}
	path, err := dbPath(*db)
	if err != nil {
		return failf(cio, "webhook replay", "%v", err)
	}
	store, err := webhookinspector.OpenStore(ctx, path)
	if err != nil {
		return failf(cio, "webhook replay", "%v", err)
	}
	defer store.Close()
	c, err := store.Get(ctx, *id)
	if err != nil {
		return failf(cio, "webhook replay", "%v", err)
	}
	res, err := webhookinspector.Replay(ctx, c, opts)
	if err != nil {
		return failf(cio, "webhook replay", "%v", err)
	}
	out := replayResult{ID: c.ID, URL: res.URL, Mode: res.Mode, Status: res.Response.Status, Differences: res.Differences}
	printer{w: cio.stdout, json: *jsonOut}.event(out, fmt.Sprintf("replayed capture %d %s to %s → %d\n  differences: %s",
		c.ID, res.Mode, res.URL, res.Response.Status, strings.Join(res.Differences, "; ")))
	return exitOK
}

func runWebhookExport(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "webhook export", "[--id N,M…] [--since T] [--verdict V] [--call ID] [--path P] [--text S] [--limit N] [--format har|curl]")
	ids := fs.String("id", "", "comma-separated capture ids (default: every capture matching the filters)")
	ff := addFilterFlags(fs)
	limit := fs.Int("limit", 0, "at most N captures (default all)")
	format := fs.String("format", "har", "har (one HAR 1.2 log) or curl (one command per capture)")
	db := fs.String("db", "", "database file (default: the user's data dir)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *format != "har" && *format != "curl" {
		fmt.Fprintf(cio.stderr, "hookphone webhook export: --format %q is not har or curl\n", *format)
		return exitUsage
	}
	f, err := ff.filter()
	if err != nil {
		fmt.Fprintf(cio.stderr, "hookphone webhook export: %v\n", err)
		return exitUsage
	}
	f.Limit = *limit
	var idList []int64
	for _, s := range splitPaths(*ids) {
		var n int64
		if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
			fmt.Fprintf(cio.stderr, "hookphone webhook export: --id %q is not a capture id\n", s)
			return exitUsage
		}
		idList = append(idList, n)
	}
	path, err := dbPath(*db)
	if err != nil {
		return failf(cio, "webhook export", "%v", err)
	}
	store, err := webhookinspector.OpenStore(ctx, path)
	if err != nil {
		return failf(cio, "webhook export", "%v", err)
	}
	defer store.Close()
	// next yields captures one at a time: by id, or page by page from the store.
	var next func() (*webhookinspector.Capture, error)
	if idList != nil {
		i := 0
		next = func() (*webhookinspector.Capture, error) {
			if i == len(idList) {
				return nil, nil
			}
			i++
			return store.Get(ctx, idList[i-1])
		}
	} else {
		var page []webhookinspector.Summary
		remaining := f.Limit
		done := false
		next = func() (*webhookinspector.Capture, error) {
			if len(page) == 0 && !done {
				pf := f
				pf.Limit = 200
				if remaining > 0 {
					pf.Limit = min(200, remaining)
				}
				var err error
				if page, err = store.List(ctx, pf); err != nil {
					return nil, err
				}
				if len(page) < pf.Limit {
					done = true
				}
				if len(page) > 0 {
					f.AfterID = page[len(page)-1].ID
				}
				if remaining > 0 {
					if remaining -= len(page); remaining <= 0 {
						done = true
					}
				}
			}
			if len(page) == 0 {
				return nil, nil
			}
			s := page[0]
			page = page[1:]
			return store.Get(ctx, s.ID)
		}
	}
	if *format == "har" {
		if err := webhookinspector.WriteHAR(cio.stdout, "dev", next); err != nil {
			return failf(cio, "webhook export", "%v", err)
		}
		return exitOK
	}
	for {
		c, err := next()
		if err != nil {
			return failf(cio, "webhook export", "%v", err)
		}
		if c == nil {
			return exitOK
		}
		fmt.Fprintf(cio.stdout, "# capture %d: %s %s, %s\n%s\n\n", c.ID, c.Method, c.Path, c.Result.Verdict, webhookinspector.CURL(c))
	}
}

// captureFilter turns the --verdict and --since flags of webhook list and
// webhook export into a store filter; --since is an RFC 3339 time or a
// duration ago such as 15m.
// filterFlags are the capture filters webhook list and export share.
type filterFlags struct {
	since, verdict, call, path, text *string
}

func addFilterFlags(fs *flag.FlagSet) filterFlags {
	return filterFlags{
		since:   fs.String("since", "", "only captures received at or after T: an RFC 3339 time, or a duration ago such as 15m"),
		verdict: fs.String("verdict", "", "only this verdict: valid, invalid or unsigned"),
		call:    fs.String("call", "", "only captures of this call: its uuid, conversation_uuid or X-Hookphone-Call-Id"),
		path:    fs.String("path", "", "only captures whose path contains P (case-insensitive)"),
		text:    fs.String("text", "", "only captures whose method, path, event, ids, reason or kind contain S (case-insensitive)"),
	}
}

// filter builds the store filter, or says which flag is wrong.
func (ff filterFlags) filter() (webhookinspector.Filter, error) {
	f := webhookinspector.Filter{
		Call: strings.TrimSpace(*ff.call), Path: strings.TrimSpace(*ff.path), Text: strings.TrimSpace(*ff.text),
	}
	verdict, since := *ff.verdict, *ff.since
	if verdict != "" {
		v, err := webhookinspector.ParseVerdict(verdict)
		if err != nil {
			return f, err
		}
		f.Verdict = v
	}
	if since != "" {
		if t, err := time.Parse(time.RFC3339, since); err == nil {
			f.Since = t
		} else if d, err := time.ParseDuration(since); err == nil && d > 0 {
			f.Since = time.Now().Add(-d)
		} else {
			return f, fmt.Errorf("--since %q is neither an RFC 3339 time nor a duration like 15m", since)
		}
	}
	return f, nil
}
