package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/webhookinspector"
)

func init() {
	register(command{name: "webhook send", summary: "sends a correctly (or deliberately wrongly) signed sample webhook", run: runWebhookSend})
	register(command{name: "webhook list", summary: "prints the captured webhooks in the durable store, oldest first", run: runWebhookList})
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
	ID         int64  `json:"id"`
	Method     string `json:"method"`
	Path       string `json:"path"`
	Verdict    string `json:"verdict"`
	Reason     string `json:"reason"`
	Event      string `json:"event"`
	UUID       string `json:"uuid"`
	ReceivedAt string `json:"received_at,omitempty"`
	BodySHA256 string `json:"body_sha256,omitempty"`
	Status     int    `json:"status,omitempty"`
	CallID     string `json:"call_id,omitempty"`
}

func rowOf(s webhookinspector.Summary, full bool) listRow {
	r := listRow{ID: s.ID, Method: s.Method, Path: s.Path, Verdict: s.Verdict.String(), Reason: s.Reason, Event: s.Event, UUID: s.UUID, CallID: s.CallID}
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
	return s + ": " + r.Reason
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
	fs := newFlagSet(cio, "webhook list", "[--since T] [--verdict V] [--limit N]")
	since := fs.String("since", "", "only captures received at or after T: an RFC 3339 time, or a duration ago such as 15m")
	verdictS := fs.String("verdict", "", "only this verdict: valid, invalid or unsigned")
	limit := fs.Int("limit", 0, "print at most N captures (default all)")
	db := fs.String("db", "", "database file (default: the user's data dir)")
	jsonOut := fs.Bool("json", false, "print JSON objects, one per line; the last is {\"count\": N}")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var f webhookinspector.Filter
	if *verdictS != "" {
		v, err := webhookinspector.ParseVerdict(*verdictS)
		if err != nil {
			fmt.Fprintf(cio.stderr, "hookphone webhook list: %v\n", err)
			return exitUsage
		}
		f.Verdict = v
	}
	if *since != "" {
		if t, err := time.Parse(time.RFC3339, *since); err == nil {
			f.Since = t
		} else if d, err := time.ParseDuration(*since); err == nil && d > 0 {
			f.Since = time.Now().Add(-d)
		} else {
			fmt.Fprintf(cio.stderr, "hookphone webhook list: --since %q is neither an RFC 3339 time nor a duration like 15m\n", *since)
			return exitUsage
		}
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
