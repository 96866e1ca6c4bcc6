package testlab

// sessionbus.go: a private D-Bus session bus (dbus-daemon) for tests that
// need one: the Secret Service and the system tray's StatusNotifier host.

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startSessionBus runs dbus-daemon --session on a socket in dir/run with
// env, logs to dir/dbus.log, stops it at cleanup, and returns its address.
// It fails the test with "run make deps" when dbus-daemon is missing.
func startSessionBus(t testing.TB, dir string, env []string) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatalf("testlab: dbus-daemon not found (package dbus-daemon): run make deps")
	}
	runtime := filepath.Join(dir, "run")
	if err := os.MkdirAll(runtime, 0o700); err != nil {
		t.Fatalf("testlab: %v", err)
	}
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--address=unix:path="+filepath.Join(runtime, "bus"), "--print-address=1")
	bus.Env = env
	busLog, _ := os.Create(filepath.Join(dir, "dbus.log"))
	bus.Stderr = busLog
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatalf("testlab: dbus-daemon: %v", err)
	}
	if err := bus.Start(); err != nil {
		t.Fatalf("testlab: start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { secretServiceStop(bus); busLog.Close() })
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	var a string
	select {
	case a = <-addr:
	case <-time.After(20 * time.Second):
		t.Fatalf("testlab: dbus-daemon printed no address within 20 s")
	}
	if a == "" {
		t.Fatalf("testlab: dbus-daemon exited without an address; see %s", filepath.Join(dir, "dbus.log"))
	}
	return a
}
