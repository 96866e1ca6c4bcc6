package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/sip"
)

func init() {
	register(command{name: "echo-server", summary: "run the built-in SIP-over-TLS + SRTP echo service alone", run: runEchoServer})
}

func runEchoServer(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "echo-server", "[--listen 127.0.0.1:5062] [--ca-dir DIR] [--json]")
	listen := fs.String("listen", "127.0.0.1:0", "TLS address to listen on (port 0: any free port, printed)")
	caDir := fs.String("ca-dir", "", "folder keeping the echo service's CA across runs (default: <data dir>/echo)")
	asJSON := fs.Bool("json", false, "print JSON objects, one per line")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	dir := *caDir
	if dir == "" {
		paths, err := config.DefaultPaths()
		if err != nil {
			return failf(cio, "echo-server", "%v", err)
		}
		dir = filepath.Join(paths.DataDir, "echo")
	}
	echo, err := sip.StartEchoServer(ctx, sip.EchoConfig{Listen: *listen, Dir: dir, Logger: cliLogger(cio)})
	if err != nil {
		return failf(cio, "echo-server", "%v", err)
	}
	defer echo.Close()
	p := printer{w: cio.stdout, json: *asJSON}
	p.event(map[string]any{"event": "listening", "addr": echo.Addr(), "server": echo.ServerURI(),
		"ca_file": echo.CAFile(), "cert_sha256": echo.Fingerprint()},
		fmt.Sprintf("echo server listening on %s\nserver:  %s\nCA file: %s\nSHA-256: %s\ntry:     hookphone call --server %s --ca %s --no-register --to echo",
			echo.Addr(), echo.ServerURI(), echo.CAFile(), echo.Fingerprint(), echo.ServerURI(), echo.CAFile()))
	<-ctx.Done()
	p.event(map[string]any{"event": "stopped"}, "echo server stopped")
	return exitOK
}
