package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runIn runs argv in-process and returns exit code, stdout and stderr.
func runIn(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), cliIO{stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }}, args)
	return code, out.String(), errb.String()
}

// --help lists exactly the registered commands, and each of them answers
// its own --help: nothing is listed that does not exist.
func TestHelpListsOnlyRegisteredCommands(t *testing.T) {
	code, out, _ := runIn(t, nil, "--help")
	if code != exitOK || !strings.Contains(out, "Usage: hookphone") || !strings.Contains(out, "Exit status") {
		t.Fatalf("--help: exit %d\n%s", code, out)
	}
	listed := map[string]bool{}
	inCommands := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case line == "Commands:":
			inCommands = true
		case inCommands && strings.HasPrefix(line, "  "):
			f := strings.Fields(line)
			name := f[0]
			if _, ok := commands[name]; !ok && len(f) > 1 {
				name = f[0] + " " + f[1]
			}
			listed[name] = true
		case inCommands && line == "":
			inCommands = false
		}
	}
	if len(listed) != len(commands) {
		t.Errorf("--help lists %d commands, %d are registered", len(listed), len(commands))
	}
	for name := range commands {
		if !listed[name] {
			t.Errorf("registered command %q is not in --help", name)
		}
		args := append(strings.Fields(name), "--help")
		code, _, errOut := runIn(t, nil, args...)
		if code != exitOK || !strings.Contains(errOut, "Usage: hookphone "+name) {
			t.Errorf("hookphone %s --help: exit %d, stderr %q", name, code, errOut)
		}
	}
	if !listed["config path"] {
		t.Error("config path is not listed")
	}
	for _, alias := range []string{"-h", "help", "-help"} {
		if code, out2, _ := runIn(t, nil, alias); code != exitOK || out2 != out {
			t.Errorf("%s: exit %d, output differs from --help", alias, code)
		}
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"config"}, {"config", "nope"}, {"--verbose"}} {
		code, out, errOut := runIn(t, nil, args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "unknown command") || !strings.Contains(errOut, "--help") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and a hint", args, code, out, errOut)
		}
	}
}

func TestWindowWithoutDisplayFailsCleanly(t *testing.T) {
	code, _, errOut := runIn(t, map[string]string{}, "sips:alice@example.com")
	if code != exitFailed || !strings.Contains(errOut, "no display") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 1 and one line", code, errOut)
	}
}

func TestConfigPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "c"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "d"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "k"))
	code, out, _ := runIn(t, nil, "config", "path")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		filepath.Join(dir, "c", "hookphone", "config.toml"), filepath.Join(dir, "c", "hookphone", "secrets.json"),
		filepath.Join(dir, "d", "hookphone", "hookphone.db"), filepath.Join(dir, "k", "hookphone"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	code, out, _ = runIn(t, nil, "config", "path", "--json")
	var r map[string]string
	if code != exitOK || json.Unmarshal([]byte(out), &r) != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("--json: exit %d, %q", code, out)
	}
	if r["config"] != filepath.Join(dir, "c", "hookphone", "config.toml") || r["secrets_fallback"] == "" ||
		r["data_dir"] != filepath.Join(dir, "d", "hookphone") || r["cache_dir"] != filepath.Join(dir, "k", "hookphone") || r["backup"] == "" {
		t.Errorf("--json result = %v", r)
	}
	if code, _, _ := runIn(t, nil, "config", "path", "--bogus"); code != exitUsage {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
	if code, _, _ := runIn(t, nil, "config", "path", "extra"); code != exitUsage {
		t.Errorf("extra argument: exit %d, want 2", code)
	}
}

// The real binary prints --help on stdout and nothing on stderr, even under
// LANG=C.UTF-8, which Fyne cannot parse (internal/localefix).
func TestBinaryHelpIsQuiet(t *testing.T) {
	for _, lang := range []string{"C.UTF-8", "POSIX", "en_US.UTF-8"} {
		cmd := exec.Command(hookphoneBinary(t), "--help")
		cmd.Env = append(isolatedEnv(t.TempDir()), "LANG="+lang)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("LANG=%s: %v", lang, err)
		}
		if errb.Len() != 0 || !strings.Contains(out.String(), "Commands:") {
			t.Errorf("LANG=%s: stderr %q, stdout %q", lang, errb.String(), out.String())
		}
	}
	cmd := exec.Command(hookphoneBinary(t), "no-such-command")
	cmd.Env = append(isolatedEnv(t.TempDir()), "LANG=C.UTF-8")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("unknown command: %v, stderr %q; want exit 2 and one line", err, errb.String())
	}
}
