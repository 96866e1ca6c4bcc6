package main

import (
	"context"
	"fmt"
)

// runGUI opens the window. Replaced by the ui package wiring (issue 2).
func runGUI(ctx context.Context, cio cliIO, dial string) int {
	fmt.Fprintln(cio.stderr, "hookphone: the window is not built yet")
	return exitFailed
}
