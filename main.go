// Command hookphone is a desktop softphone and webhook inspector for developers
// building on voice APIs. With no arguments (or a sip:, sips: or tel: URI) it
// opens the GUI; with a subcommand it runs headless. See README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes of every headless command (DESIGN.md: a contract).
const (
	exitOK     = 0 // the operation succeeded
	exitFailed = 1 // the operation failed; a one-line reason is on stderr
	exitUsage  = 2 // the command line was wrong
)

// command is one headless subcommand. Each lives in its own cmd_*.go file and
// adds itself to the table with register from an init function.
type command struct {
	name    string // as typed: "register", "webhook send"
	summary string // one line for `hookphone --help`
	run     func(ctx context.Context, io cliIO, args []string) int
}

// cliIO carries a command's streams and environment, so tests can run commands in-process.
type cliIO struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("hookphone: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, cliIO{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches argv (without the program name) and returns the exit code.
func run(ctx context.Context, cio cliIO, args []string) int {
	if len(args) == 0 || isDialURI(args[0]) {
		dial := ""
		if len(args) > 0 {
			dial = args[0]
		}
		return runGUI(ctx, cio, dial)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printHelp(cio.stdout)
		return exitOK
	}
	// Two-word commands ("webhook send", "config path") first.
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c.run(ctx, cio, args[2:])
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c.run(ctx, cio, args[1:])
	}
	fmt.Fprintf(cio.stderr, "hookphone: unknown command %q; run 'hookphone --help' for the list\n", strings.Join(args[:min(2, len(args))], " "))
	return exitUsage
}

func isDialURI(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "sip:") || strings.HasPrefix(l, "sips:") || strings.HasPrefix(l, "tel:")
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "Usage: hookphone [sip:|sips:|tel: URI]   open the window (dialling the URI if given)")
	fmt.Fprintln(w, "       hookphone COMMAND [flags]         run headless; 'hookphone COMMAND --help' for its flags")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nExit status: 0 success, 1 the operation failed (reason on stderr), 2 usage error.")
}
