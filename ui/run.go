package ui

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/systray"

	"github.com/hookphone/hookphone/config"
)

// Options is what main passes to Run.
type Options struct {
	// Paths says where config, secrets, data and cache live.
	Paths config.Paths
	// Dial is a sip:, sips: or tel: URI from the command line ("" for none).
	Dial string
	// SecretStoreMode is "auto" (or ""), "keyring" or "file" (see config.SecretStoreEnv).
	SecretStoreMode string
	// Log receives log lines; nil means slog.Default().
	Log *slog.Logger
}

// Run opens the main window on the real (GLFW) driver and blocks until the
// user quits or ctx ends. This is the only place a real fyne.App is made;
// tests build the Shell on fyne's test app instead.
func Run(ctx context.Context, o Options) (err error) {
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	secrets, note, err := config.OpenSecrets(ctx, o.Paths.SecretsFallback, o.SecretStoreMode)
	if err != nil {
		return fmt.Errorf("open the window: %w", err)
	}
	defer func() {
		// GLFW panics when it cannot open the display; report it instead.
		if r := recover(); r != nil {
			log.Error("window panicked", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("open the window (is DISPLAY right?): %v", r)
		}
	}()
	tray := config.SessionBusAvailable()
	if tray != nil {
		log.Info("no system tray icon", "reason", tray)
	}
	a := app.NewWithID(AppID)
	a.SetIcon(Icon)
	store := config.NewStore(o.Paths.ConfigFile)
	svc, err := startServices(ctx, o, secrets, store, log)
	if err != nil {
		log.Warn("services", "err", err)
	}
	if svc != nil {
		defer svc.Close()
	}
	s := NewShell(a, Deps{
		Paths:       o.Paths,
		Services:    svc,
		Config:      store,
		Secrets:     secrets,
		SecretsNote: note,
		Dial:        o.Dial,
		Tray:        tray == nil,
		Log:         log,
	})
	a.Lifecycle().SetOnStarted(func() {
		if tray == nil {
			// fyne.io/systray sets the title from a goroutine that races with
			// the export of the item's properties, and loses it now and then.
			// By now the export is done (Fyne starts the tray before this
			// callback), so setting it again sticks.
			systray.SetTitle("Hookphone")
		}
		log.Info("window shown", "area", s.Area(), "secrets", secrets.Backend().String(), "config", o.Paths.ConfigFile)
	})
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			fyne.Do(s.Quit)
		case <-stop:
		}
	}()
	s.Window().ShowAndRun()
	return nil
}
