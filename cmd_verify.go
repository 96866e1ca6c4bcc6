package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hookphone/hookphone/webhookinspector"
)

func init() {
	register(command{name: "verify", summary: "verify one captured webhook (JWT or legacy sig) and explain the verdict", run: runVerify})
}

// secretFlags are the flags every webhook command uses to find signature
// secrets; the secrets themselves only ever come from the environment.
type secretFlags struct {
	secretEnv  string // VAR holding the default signature secret
	secretsEnv string // "apikey=VAR,apikey2=VAR2": per-account secrets
}

func (s *secretFlags) add(fsAdd func(p *string, name, value, usage string)) {
	fsAdd(&s.secretEnv, "secret-env", "", "environment variable holding the signature secret (serves every api_key without its own)")
	fsAdd(&s.secretsEnv, "secrets-env", "", "per-account secrets: comma-separated api_key=VAR pairs, each VAR an environment variable")
}

// load reads the secrets from the environment.
func (s *secretFlags) load(getenv func(string) string) (def string, byKey map[string]string, err error) {
	if s.secretEnv != "" {
		def = getenv(s.secretEnv)
		if def == "" {
			return "", nil, fmt.Errorf("environment variable %s (from --secret-env) is empty or unset", s.secretEnv)
		}
	}
	byKey = map[string]string{}
	for _, pair := range strings.Split(s.secretsEnv, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		key, env, ok := strings.Cut(pair, "=")
		if !ok || key == "" || env == "" {
			return "", nil, fmt.Errorf("--secrets-env entry %q is not api_key=VAR", pair)
		}
		v := getenv(env)
		if v == "" {
			return "", nil, fmt.Errorf("environment variable %s (for api_key %s) is empty or unset", env, key)
		}
		byKey[key] = v
	}
	if def == "" && len(byKey) == 0 {
		return "", nil, fmt.Errorf("no signature secret: give --secret-env VAR or --secrets-env api_key=VAR")
	}
	return def, byKey, nil
}

// verifyResult is the verify command's result object (DESIGN.md: verdict,
// scheme, checks, reason) plus what helps a developer act on it.
type verifyResult struct {
	webhookinspector.Result
}

func runVerify(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "verify", "--secret-env VAR [--authorization 'Bearer …'] [--query 'a=b&…'] [--body F]")
	var sf secretFlags
	sf.add(fs.StringVar)
	auth := fs.String("authorization", "", "the Authorization header's value as received (omit for a request that had none)")
	query := fs.String("query", "", "the raw query string as received, without '?'")
	bodyFile := fs.String("body", "", "file holding the body exactly as received ('-' for stdin)")
	method := fs.String("method", "", "HTTP method (default POST with --body, else GET)")
	ctype := fs.String("content-type", "", "the Content-Type header (default application/json with --body)")
	appID := fs.String("application-id", "", "application_id the token must carry")
	window := fs.Duration("window", webhookinspector.DefaultWindow, "allowed |now - iat| (and exp/nbf leeway)")
	atStr := fs.String("at", "", "verify as of this time (RFC 3339), e.g. the capture time of an old webhook")
	id := fs.Int64("id", 0, "verify capture N from the store instead (judged as of its arrival unless --at is given)")
	db := fs.String("db", "", "database file for --id (default: the user's data dir)")
	jsonOut := fs.Bool("json", false, "print the result as one JSON object")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: hookphone verify --secret-env VAR [--authorization 'Bearer …'] [--query 'a=b&…'] [--body F]\n       hookphone verify --secret-env VAR --id N   (a capture from the store)\n\n")
		fmt.Fprintf(fs.Output(), "Exit status: 0 the webhook is valid; 1 it is invalid or unsigned (the reason on stderr) or it could not be read; 2 usage error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *window <= 0 {
		fmt.Fprintln(cio.stderr, "hookphone verify: --window must be positive")
		return exitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	def, byKey, err := sf.load(cio.getenv)
	if err != nil {
		if sf.secretEnv == "" && sf.secretsEnv == "" {
			fmt.Fprintln(cio.stderr, "hookphone verify: "+err.Error())
			return exitUsage
		}
		return failf(cio, "verify", "%v", err)
	}
	now := time.Now
	if *atStr != "" {
		at, err := time.Parse(time.RFC3339, *atStr)
		if err != nil {
			fmt.Fprintf(cio.stderr, "hookphone verify: --at %q is not an RFC 3339 time (e.g. 2024-05-01T10:16:10Z)\n", *atStr)
			return exitUsage
		}
		now = func() time.Time { return at }
	}
	var body []byte
	if *bodyFile != "" {
		var r io.Reader
		if *bodyFile == "-" {
			r = os.Stdin
		} else {
			f, err := os.Open(*bodyFile)
			if err != nil {
				return failf(cio, "verify", "read body: %v", err)
			}
			defer f.Close()
			r = f
		}
		body, err = io.ReadAll(io.LimitReader(r, 16<<20))
		if err != nil {
			return failf(cio, "verify", "read body %s: %v", *bodyFile, err)
		}
	}
	req := webhookinspector.Request{
		Method: *method, Authorization: *auth, HasAuthorization: set["authorization"],
		RawQuery: strings.TrimPrefix(*query, "?"), ContentType: *ctype, Body: body,
	}
	var replay webhookinspector.ReplayGuard
	if *id != 0 {
		if set["authorization"] || set["query"] || set["body"] {
			fmt.Fprintln(cio.stderr, "hookphone verify: --id reads the request from the store; drop --authorization, --query and --body")
			return exitUsage
		}
		path, err := dbPath(*db)
		if err != nil {
			return failf(cio, "verify", "%v", err)
		}
		store, err := webhookinspector.OpenStore(ctx, path)
		if err != nil {
			return failf(cio, "verify", "%v", err)
		}
		c, err := store.Get(ctx, *id)
		if err != nil {
			store.Close()
			return failf(cio, "verify", "%v", err)
		}
		// Replay is judged against the store's history of token ids.
		guard := webhookinspector.CaptureReplayGuard{Self: c.ID}
		if c.Result.JTI != "" {
			guard.FirstID, guard.FirstSeen, _, err = store.JTIFirstSeen(ctx, c.Result.JTI)
		}
		store.Close()
		if err != nil {
			return failf(cio, "verify", "%v", err)
		}
		replay = guard
		req = c.VerifyRequest()
		if *atStr == "" {
			at := c.ReceivedAt
			now = func() time.Time { return at }
		}
	}
	if req.Method == "" && *id == 0 {
		req.Method = "GET"
		if *bodyFile != "" {
			req.Method = "POST"
		}
	}
	if req.ContentType == "" && len(body) > 0 && *id == 0 {
		req.ContentType = "application/json"
	}
	v := webhookinspector.NewVerifier(webhookinspector.VerifierConfig{
		Secrets: byKey, DefaultSecret: def, ApplicationID: *appID, Window: *window, Now: now, Replay: replay,
	})
	res := v.Verify(req)
	p := printer{w: cio.stdout, json: *jsonOut}
	if !*jsonOut {
		fmt.Fprintf(cio.stdout, "%s (%s): %s\n", res.Verdict, res.Scheme, res.Reason)
		for _, c := range res.Checks {
			mark := "ok  "
			if !c.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(cio.stdout, "  %s %-15s %s\n", mark, c.Name, c.Detail)
		}
	} else {
		p.event(verifyResult{res}, "")
	}
	if res.Verdict != webhookinspector.VerdictValid {
		return failf(cio, "verify", "%s: %s", res.Verdict, res.Reason)
	}
	return exitOK
}
