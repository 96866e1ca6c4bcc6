package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet makes a flag set for one command whose parse errors and --help
// go to stderr/stdout instead of exiting the process.
func newFlagSet(cio cliIO, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(cio.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: hookphone %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and maps the outcome to an exit code: ok is false
// when the caller must return code (0 for --help, 2 for a usage error).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		if fs.NArg() > 0 {
			fmt.Fprintf(fs.Output(), "hookphone %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
			return exitUsage, false
		}
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(io.Discard)
		return exitOK, false
	default:
		return exitUsage, false
	}
}

// printer writes a command's output: human text, or with --json one JSON
// object per line, the last line being the result object.
type printer struct {
	w    io.Writer
	json bool
}

// event prints one progress object (JSON mode) or its human line.
func (p printer) event(obj any, human string) {
	if p.json {
		b, err := json.Marshal(obj)
		if err != nil {
			b = []byte(fmt.Sprintf(`{"error":%q}`, err.Error()))
		}
		fmt.Fprintln(p.w, string(b))
		return
	}
	if human != "" {
		fmt.Fprintln(p.w, human)
	}
}

// failf writes the one-line reason for a failed operation to stderr and returns exitFailed.
func failf(cio cliIO, cmd, format string, a ...any) int {
	msg := strings.ReplaceAll(fmt.Sprintf(format, a...), "\n", " ")
	fmt.Fprintf(cio.stderr, "hookphone %s: %s\n", cmd, msg)
	return exitFailed
}
