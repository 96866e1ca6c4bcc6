package main

import (
	"context"

	"github.com/hookphone/hookphone/config"
	_ "github.com/hookphone/hookphone/internal/localefix" // before Fyne reads the locale
	"github.com/hookphone/hookphone/ui"
)

// runGUI opens the window (dialling dial when it is not empty) and returns
// when the user quits or ctx ends (SIGINT/SIGTERM).
func runGUI(ctx context.Context, cio cliIO, dial string) int {
	if cio.getenv("DISPLAY") == "" && cio.getenv("WAYLAND_DISPLAY") == "" {
		return failf(cio, "window", "no display (DISPLAY is not set): run it in a desktop session, or use a headless command (hookphone --help)")
	}
	paths, err := config.DefaultPaths()
	if err != nil {
		return failf(cio, "window", "%v", err)
	}
	if err := ui.Run(ctx, ui.Options{Paths: paths, Dial: dial, SecretStoreMode: cio.getenv(config.SecretStoreEnv)}); err != nil {
		return failf(cio, "window", "%v", err)
	}
	return exitOK
}
