package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
	"github.com/hookphone/hookphone/ui"
)

// TestTrayWithHost runs the real binary with a session bus on which a tray
// host owns org.kde.StatusNotifierWatcher (as a desktop panel does). The
// app's item registers; its menu, read and clicked over com.canonical.dbusmenu
// as a panel would, shows the registration, hides and shows the window,
// follows a call (state line, Hang up), offers the number again under
// Redial, and Quit ends the process cleanly.
func TestTrayWithHost(t *testing.T) {
	x := testlab.StartXvfb(t, 1280, 800)
	pulse := testlab.StartPulse(t)
	host := testlab.StartDesktop(t)
	home := t.TempDir()
	logPath := filepath.Join(home, "ui-test.log")
	env := append(isolatedEnv(home), "PULSE_SERVER="+pulse.Server, ui.TestLogEnv+"="+logPath,
		"DBUS_SESSION_BUS_ADDRESS="+host.BusAddress)

	w := startWindow(t, x, env)
	log := testLog{path: logPath, w: w}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := host.WaitItem(ctx); err != nil {
		t.Fatalf("%v\napp log:\n%s", err, w.log.String())
	}
	log.wait(t, `registration account="Local echo" state=registered`, 30*time.Second)

	// menuWith polls the menu (it is rebuilt on state changes) until ok.
	menuWith := func(what string, ok func([]string) bool) []string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			items, err := host.Menu(ctx)
			if err != nil {
				t.Fatalf("read the tray menu: %v\napp log:\n%s", err, w.log.String())
			}
			labels := testlab.Labels(items)
			if ok(labels) {
				return labels
			}
			if time.Now().After(deadline) {
				t.Fatalf("tray menu never showed %s: %q\napp log:\n%s", what, labels, w.log.String())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	has := func(want ...string) func([]string) bool {
		return func(l []string) bool {
			for _, s := range want {
				if !slices.Contains(l, s) {
					return false
				}
			}
			return true
		}
	}
	click := func(label string) {
		t.Helper()
		if err := host.Click(ctx, label); err != nil {
			t.Fatalf("%v\napp log:\n%s", err, w.log.String())
		}
	}
	visible := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			cmd := exec.CommandContext(ctx, "xdotool", "search", "--onlyvisible", "--name", "^Hookphone$")
			cmd.Env = x.Env(os.Environ())
			err := cmd.Run()
			if (err == nil) == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("window visible = %v after 20 s, want %v", err == nil, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	idle := menuWith("the registration and the standard entries",
		has("Local echo: registered", "Quick dial…", "Show", "Hide", "Quit"))
	t.Logf("idle menu: %q", idle)
	// fyne.io/systray alone loses the title now and then (a race between
	// its goroutine and the property export); the app sets it again once
	// started.
	if title, err := host.Title(ctx); err != nil || title != "Hookphone" {
		t.Errorf("tray item title %q (%v), want Hookphone", title, err)
	}
	if slices.Contains(idle, "Hang up") {
		t.Errorf("Hang up offered with no call: %q", idle)
	}

	click("Hide")
	visible(false)
	click("Show")
	visible(true)

	// A call placed from the keyboard shows in the tray, and the tray ends it.
	xdo := xdotool(t, ctx, x)
	xdo("mousemove", "--window", w.id, strconv.Itoa(ptIdle[0]), strconv.Itoa(ptIdle[1]))
	xdo("type", "--delay", "60", "echo")
	xdo("key", "Return")
	log.wait(t, `call state=active .*lock=green`, 30*time.Second)
	inCall := menuWith("the call", func(l []string) bool {
		return has("Hang up")(l) && slices.ContainsFunc(l, func(s string) bool { return strings.HasPrefix(s, "In call with echo since ") })
	})
	t.Logf("in-call menu: %q", inCall)
	click("Hang up")
	log.wait(t, `call state=ended remote=sip:echo@`, 20*time.Second)
	after := menuWith("Redial with the number just called", has("Local echo: registered", "Redial", "  echo"))
	t.Logf("after the call: %q", after)

	click("Quit")
	w.waitExit(t, "tray Quit")
	if strings.Contains(w.log.String(), "panic") {
		t.Errorf("the app log mentions a panic:\n%s", w.log.String())
	}
}
