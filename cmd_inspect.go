package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hookphone/hookphone/webhookinspector"
)

func init() {
	register(command{name: "inspect", summary: "run the webhook inspector headless: capture, verify and store every webhook", run: runInspect})
}

func splitPaths(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func runInspect(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "inspect", "[--listen 127.0.0.1:8088] [--secret-env VAR] [--forward URL]")
	listen := fs.String("listen", webhookinspector.DefaultListen, "address to listen on")
	var sf secretFlags
	sf.add(fs.StringVar)
	forward := fs.String("forward", "", "pass every request byte for byte to this app (e.g. http://localhost:3000) and return its response")
	db := fs.String("db", "", "database file (default: the user's data dir)")
	certF := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate (chain)")
	keyF := fs.String("tls-key", "", "private key of --tls-cert")
	nccoF := fs.String("ncco", "", "file with the NCCO answered on answer paths (validated)")
	answerP := fs.String("answer-path", webhookinspector.DefaultAnswerPath, "answer webhook paths, comma-separated")
	eventP := fs.String("event-path", webhookinspector.DefaultEventPath, "event webhook paths, comma-separated")
	fallbackP := fs.String("fallback-path", webhookinspector.DefaultFallbackPath, "fallback webhook paths, comma-separated")
	appID := fs.String("application-id", "", "application_id every token must carry")
	window := fs.Duration("window", webhookinspector.DefaultWindow, "allowed |now - iat| (and exp/nbf leeway)")
	maxBody := fs.Int64("max-body", webhookinspector.DefaultMaxBody, "body cap in bytes; larger requests get 413 (and are captured)")
	watchdog := fs.Duration("watchdog", 15*time.Second, "warn when a started call gets no webhook within this time")
	jsonOut := fs.Bool("json", false, "print one JSON object per capture (id, method, path, verdict, reason, event, uuid)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *window <= 0 || *maxBody <= 0 {
		fmt.Fprintln(cio.stderr, "hookphone inspect: --window and --max-body must be positive")
		return exitUsage
	}
	if (*certF == "") != (*keyF == "") {
		fmt.Fprintln(cio.stderr, "hookphone inspect: --tls-cert and --tls-key go together")
		return exitUsage
	}
	def, byKey := "", map[string]string{}
	if sf.secretEnv != "" || sf.secretsEnv != "" {
		var err error
		if def, byKey, err = sf.load(cio.getenv); err != nil {
			return failf(cio, "inspect", "%v", err)
		}
	} else {
		fmt.Fprintln(cio.stderr, "hookphone inspect: no --secret-env: every signed webhook will be reported invalid (no secret to check it with)")
	}
	var nccoBytes []byte
	if *nccoF != "" {
		b, err := os.ReadFile(*nccoF)
		if err != nil {
			return failf(cio, "inspect", "read NCCO: %v", err)
		}
		nccoBytes = b
	}
	if nccoBytes != nil {
		n, err := webhookinspector.ParseNCCO(nccoBytes)
		if err != nil {
			fmt.Fprintf(cio.stderr, "hookphone inspect: --ncco %s: %v\n", *nccoF, err)
			return exitUsage
		}
		if errs := n.Validate(); len(errs) > 0 {
			fmt.Fprintf(cio.stderr, "hookphone inspect: --ncco %s is not a valid NCCO: %v\n", *nccoF, errs[0])
			return exitUsage
		}
	}
	if *forward != "" {
		if u, err := url.Parse(*forward); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fmt.Fprintf(cio.stderr, "hookphone inspect: --forward %q is not an absolute http(s) URL (e.g. http://localhost:3000)\n", *forward)
			return exitUsage
		}
	}
	var tlsConf *tls.Config
	if *certF != "" {
		cert, err := tls.LoadX509KeyPair(*certF, *keyF)
		if err != nil {
			return failf(cio, "inspect", "load TLS certificate: %v", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	path, err := dbPath(*db)
	if err != nil {
		return failf(cio, "inspect", "%v", err)
	}
	insp, err := webhookinspector.New(ctx, webhookinspector.Config{
		DatabasePath: path, Listen: *listen, Secrets: byKey, DefaultSecret: def, ApplicationID: *appID, Window: *window,
		Server: webhookinspector.ServerConfig{
			NCCO: nccoBytes, ForwardURL: *forward, MaxBody: *maxBody, TLS: tlsConf,
			AnswerPaths: splitPaths(*answerP), EventPaths: splitPaths(*eventP), FallbackPaths: splitPaths(*fallbackP),
			WatchdogTimeout: *watchdog, Logger: slog.New(slog.NewTextHandler(cio.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		},
	})
	if err != nil {
		return failf(cio, "inspect", "%v", err)
	}
	p := printer{w: cio.stdout, json: *jsonOut}
	base := insp.URL()
	p.event(map[string]string{"listening": base, "database": path, "forward": *forward},
		fmt.Sprintf("listening on %s (answer %s, event %s, fallback %s); storing in %s", base, *answerP, *eventP, *fallbackP, path))

	notices, cancel := insp.Server.Subscribe(1 << 16) // generous: a slow terminal must not lose lines
	done := make(chan int)
	go func() {
		n := 0
		for nt := range notices {
			switch {
			case nt.Capture != nil:
				n++
				r := rowOf(*nt.Capture, false)
				p.event(r, r.human())
			case nt.Warning != nil:
				p.event(map[string]any{"warning": nt.Warning}, "warning: "+nt.Warning.Message)
			}
		}
		done <- n
	}()
	serveErr := insp.Serve(ctx)
	cancel()
	n := <-done
	if serveErr != nil {
		return failf(cio, "inspect", "%v", serveErr)
	}
	if d := insp.Server.Dropped(); d > 0 {
		fmt.Fprintf(cio.stderr, "hookphone inspect: %d capture lines were not printed (output too slow); all are in the store: see webhook list\n", d)
		p.event(map[string]any{"stopped": true, "captures": n, "not_printed": d}, fmt.Sprintf("stopped after %d captures (%d not printed)", n+int(d), d))
		return exitOK
	}
	p.event(map[string]any{"stopped": true, "captures": n}, fmt.Sprintf("stopped after %d captures", n))
	return exitOK
}
