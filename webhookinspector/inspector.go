package webhookinspector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Config configures a complete inspector: the store, the verifier and the
// capture server, as the GUI and "hookphone inspect" run them.
type Config struct {
	// DatabasePath is the SQLite file (config.Paths.Database).
	DatabasePath string
	// Listen is the address to listen on (default DefaultListen).
	Listen string
	// Secrets, DefaultSecret, ApplicationID and Window configure verification.
	Secrets       map[string]string
	DefaultSecret string
	ApplicationID string
	Window        time.Duration
	// Server holds the capture server options; its Store and Verifier are
	// filled in by New.
	Server ServerConfig
}

// Inspector is a listening capture server with its store and verifier.
type Inspector struct {
	Store    *Store
	Verifier *Verifier
	Server   *Server
	ln       net.Listener
}

// New opens the store, preloads the token ids of the replay window (so
// replays are caught across restarts), and listens. Call Subscribe on
// Server before Serve to see every capture.
func New(ctx context.Context, cfg Config) (*Inspector, error) {
	if cfg.DatabasePath == "" {
		return nil, errors.New("inspector: no database path")
	}
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	store, err := OpenStore(ctx, cfg.DatabasePath)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Inspector, error) {
		store.Close()
		return nil, err
	}
	retention := 2 * cfg.Window
	jtis := NewJTICache(retention)
	if err := store.LoadJTIs(ctx, time.Now().Add(-retention), jtis); err != nil {
		return fail(err)
	}
	if err := store.PruneJTIs(ctx, time.Now().Add(-retention)); err != nil {
		return fail(err)
	}
	v := NewVerifier(VerifierConfig{Secrets: cfg.Secrets, DefaultSecret: cfg.DefaultSecret, ApplicationID: cfg.ApplicationID, Window: cfg.Window, Replay: jtis})
	sc := cfg.Server
	sc.Store, sc.Verifier = store, v
	srv, err := NewServer(sc)
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fail(fmt.Errorf("listen on %s: %w", cfg.Listen, err))
	}
	return &Inspector{Store: store, Verifier: v, Server: srv, ln: ln}, nil
}

// Addr is the address listened on (useful with port 0).
func (i *Inspector) Addr() net.Addr { return i.ln.Addr() }

// URL is the base URL senders use.
func (i *Inspector) URL() string {
	if i.Server.cfg.TLS != nil {
		return "https://" + i.ln.Addr().String()
	}
	return "http://" + i.ln.Addr().String()
}

// Serve captures until ctx ends, then shuts down and closes the store.
func (i *Inspector) Serve(ctx context.Context) error {
	err := i.Server.Serve(ctx, i.ln)
	if cerr := i.Store.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close capture store: %w", cerr)
	}
	return err
}
