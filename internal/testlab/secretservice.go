package testlab

// secretservice.go: a private D-Bus session bus with gnome-keyring-daemon's
// freedesktop Secret Service on it, so the keyring path of the secret store is
// tested against a real implementation.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SecretService is a dbus-daemon (session bus) plus gnome-keyring-daemon
// (components=secrets) with an unlocked login keyring, owned by one test and
// stopped by t.Cleanup. Nothing of the user's session is touched: both run
// with their own HOME, XDG dirs and bus.
type SecretService struct {
	// BusAddress is the DBUS_SESSION_BUS_ADDRESS of the private bus.
	BusAddress string
	// Dir holds the daemons' HOME, XDG dirs and logs.
	Dir string

	env []string
}

// StartSecretService starts the bus and the keyring daemon and waits until
// org.freedesktop.secrets is owned on the bus. It fails the test with
// "run make deps" when a binary is missing.
func StartSecretService(t testing.TB) *SecretService {
	t.Helper()
	for bin, pkg := range map[string]string{"gnome-keyring-daemon": "gnome-keyring", "dbus-send": "dbus-bin", "secret-tool": "libsecret-tools"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("testlab: %s not found (package %s): run make deps", bin, pkg)
		}
	}
	dir, err := os.MkdirTemp("", "hksecrets")
	if err != nil {
		t.Fatalf("testlab: secret service dir: %v", err)
	}
	s := &SecretService{Dir: dir}
	runtime := filepath.Join(dir, "run")
	for _, d := range []string{runtime, filepath.Join(dir, "data"), filepath.Join(dir, "config"), filepath.Join(dir, "cache")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatalf("testlab: %v", err)
		}
	}
	base := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_RUNTIME_DIR=" + runtime,
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"), "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"), "LANG=C.UTF-8",
	}

	t.Cleanup(func() { os.RemoveAll(dir) })
	s.BusAddress = startSessionBus(t, dir, base)
	s.env = append(base, "DBUS_SESSION_BUS_ADDRESS="+s.BusAddress)

	kr := exec.Command("gnome-keyring-daemon", "--foreground", "--components=secrets", "--unlock")
	kr.Env = s.env
	kr.Stdin = strings.NewReader("hookphone-test-keyring") // the login keyring's password
	krLog, _ := os.Create(filepath.Join(dir, "gnome-keyring.log"))
	kr.Stdout, kr.Stderr = krLog, krLog
	if err := kr.Start(); err != nil {
		t.Fatalf("testlab: start gnome-keyring-daemon: %v", err)
	}
	t.Cleanup(func() { secretServiceStop(kr); krLog.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		q := exec.CommandContext(ctx, "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
			"/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		q.Env = s.env
		if b, err := q.Output(); err == nil && bytes.Contains(b, []byte("boolean true")) {
			break
		}
		select {
		case <-ctx.Done():
			log, _ := os.ReadFile(filepath.Join(dir, "gnome-keyring.log"))
			t.Fatalf("testlab: gnome-keyring-daemon did not own org.freedesktop.secrets within 30 s; log:\n%s", log)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return s
}

// Env is the environment a child process needs to reach this Secret Service.
func (s *SecretService) Env() []string { return append([]string(nil), s.env...) }

// Lookup reads an item with secret-tool, independently of the code under test:
// the secret stored under service and username, and whether one exists.
func (s *SecretService) Lookup(service, username string) (string, bool, error) {
	cmd := exec.Command("secret-tool", "lookup", "service", service, "username", username)
	cmd.Env = s.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 && stderr.Len() == 0 {
			return "", false, nil
		}
		return "", false, fmt.Errorf("secret-tool lookup: %v: %s", err, stderr.String())
	}
	return string(out), true, nil
}

// secretServiceStop sends SIGTERM, waits up to 5 s, then kills.
func secretServiceStop(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
