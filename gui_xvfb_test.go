package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
)

// screenshotDir keeps the captures as test artifacts (git-ignored);
// `make screenshots` copies first-run.png to docs/screenshot.png.
const screenshotDir = "artifacts/screenshots"

// isolatedEnv is an environment whose every per-user folder is under home,
// with no session bus (so no keyring or tray is touched) and the file secret store.
func isolatedEnv(home string) []string {
	var env []string
	for _, e := range os.Environ() {
		k, _, _ := strings.Cut(e, "=")
		switch k {
		case "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS",
			"LANG", "LC_ALL", "HOOKPHONE_SECRET_STORE", "PULSE_SERVER", "MESA_SHADER_CACHE_DIR":
			continue
		}
		env = append(env, e)
	}
	return append(env, "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "XDG_RUNTIME_DIR="+filepath.Join(home, "run"),
		"LANG=en_US.UTF-8", "HOOKPHONE_SECRET_STORE=file", "JACK_NO_START_SERVER=1")
}

// window is one run of the real binary under Xvfb.
type window struct {
	cmd  *exec.Cmd
	log  *bytes.Buffer
	done chan error
	id   string
}

func startWindow(t *testing.T, x *testlab.Xvfb, env []string, args ...string) *window {
	t.Helper()
	w := &window{log: &bytes.Buffer{}, done: make(chan error, 1)}
	w.cmd = exec.Command(hookphoneBinary(t), args...)
	w.cmd.Env = x.Env(env)
	w.cmd.Stdout, w.cmd.Stderr = w.log, w.log
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	id, err := x.WaitWindow(ctx, "^Hookphone$")
	if err != nil {
		t.Fatalf("%v\napp log:\n%s", err, w.log.String())
	}
	w.id = id
	return w
}

// capture saves the window to screenshotDir/name and fails when it looks
// blank. Frames take a moment to settle after a start, a click or a resize,
// so it captures again (bounded) until two captures in a row are the same
// and, when after is given, differ from that earlier capture.
func (w *window) capture(t *testing.T, x *testlab.Xvfb, name, after string) testlab.ImageStats {
	t.Helper()
	path := filepath.Join(screenshotDir, name)
	var before []byte
	if after != "" {
		before, _ = os.ReadFile(filepath.Join(screenshotDir, after))
	}
	var st testlab.ImageStats
	var prev []byte
	for attempt := 0; attempt < 60; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := x.Capture(ctx, w.id, path)
		cancel()
		if err != nil {
			t.Fatalf("capture: %v\napp log:\n%s", err, w.log.String())
		}
		if st, err = testlab.PNGStats(path); err != nil {
			t.Fatal(err)
		}
		cur, _ := os.ReadFile(path)
		settled := bytes.Equal(cur, prev) && !st.Blank() && (before == nil || !bytes.Equal(cur, before))
		if settled {
			return st
		}
		prev = cur
		time.Sleep(300 * time.Millisecond)
	}
	if st.Blank() {
		t.Fatalf("%s is blank: %d colours, %.0f%% one colour\napp log:\n%s", path, st.Colours, st.Dominant*100, w.log.String())
	}
	t.Fatalf("%s never settled into a new picture\napp log:\n%s", path, w.log.String())
	return st
}

// quit sends SIGTERM and wants a clean exit.
func (w *window) quit(t *testing.T) {
	t.Helper()
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	w.waitExit(t, "SIGTERM")
}

// waitExit wants the process to exit cleanly within 30 s of what asked it to.
func (w *window) waitExit(t *testing.T, after string) {
	t.Helper()
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("after %s: %v\napp log:\n%s", after, err, w.log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after %s\napp log:\n%s", after, w.log.String())
	}
}

// xdotool returns a function that runs xdotool on x's display and fails
// the test when it fails.
func xdotool(t *testing.T, ctx context.Context, x *testlab.Xvfb) func(args ...string) {
	return func(args ...string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, "xdotool", args...)
		cmd.Env = x.Env(os.Environ())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v %s", args, err, out)
		}
	}
}

// TestWindowUnderXvfb starts the real binary on a private X server with
// Mesa's software GL, waits for the window to map, captures it (kept in
// artifacts/screenshots/), fails on a blank capture, quits with SIGTERM, and
// checks on a second start that the area and size were remembered.
func TestWindowUnderXvfb(t *testing.T) {
	x := testlab.StartXvfb(t, 1280, 800)
	home := t.TempDir()
	env := isolatedEnv(home)

	w := startWindow(t, x, env)
	st := w.capture(t, x, "first-run.png", "")
	t.Logf("first-run.png: %d×%d, %d colours", st.Width, st.Height, st.Colours)
	if st.Width < 480 || st.Height < 360 {
		t.Errorf("window is %d×%d", st.Width, st.Height)
	}
	// Go to Settings (the sidebar's last entry) and resize, then quit.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	xdo := xdotool(t, ctx, x)
	xdo("windowsize", w.id, "1100", "720")
	xdo("mousemove", "--window", w.id, "44", "475", "click", "1")
	st = w.capture(t, x, "settings.png", "first-run.png")
	t.Logf("settings.png: %d×%d, %d colours", st.Width, st.Height, st.Colours)
	w.quit(t)

	prefs, err := os.ReadFile(filepath.Join(home, ".config", "fyne", "com.hookphone.app", "preferences.json"))
	if err != nil {
		t.Fatalf("preferences not saved: %v", err)
	}
	var p map[string]any
	if err := json.Unmarshal(prefs, &p); err != nil {
		t.Fatalf("preferences.json: %v", err)
	}
	if p["window.area"] != "settings" || p["window.width"] != 1100.0 || p["window.height"] != 720.0 {
		t.Errorf("preferences = %s; want area settings, 1100×720", prefs)
	}
	if bytes.Contains(prefs, []byte("password")) {
		t.Error("preferences mention a password")
	}

	w2 := startWindow(t, x, env)
	gw, gh, err := x.Geometry(ctx, w2.id)
	if err != nil {
		t.Fatal(err)
	}
	if gw != 1100 || gh != 720 {
		t.Errorf("second start at %d×%d, want the remembered 1100×720", gw, gh)
	}
	w2.capture(t, x, "second-start.png", "")
	w2.quit(t)
}

// A config file broken by hand: the window still opens and the file is not rewritten.
func TestWindowUnderXvfbWithBrokenConfig(t *testing.T) {
	x := testlab.StartXvfb(t, 1280, 800)
	home := t.TempDir()
	env := isolatedEnv(home)
	cfg := filepath.Join(home, ".config", "hookphone", "config.toml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	broken := []byte("version = 1\n[[account]]\nname = \"x\"\nserver = \"sip//pbx\"\nuser = \"u\"\n")
	if err := os.WriteFile(cfg, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	w := startWindow(t, x, env)
	w.capture(t, x, "broken-config.png", "")
	w.quit(t)
	if got, _ := os.ReadFile(cfg); !bytes.Equal(got, broken) {
		t.Errorf("the broken config was rewritten:\n%s", got)
	}
	if !strings.Contains(w.log.String(), "config.toml:4") {
		t.Errorf("the log does not name the broken line:\n%s", w.log.String())
	}
}
