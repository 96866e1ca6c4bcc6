package config

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrSecretNotFound is returned by SecretStore.Get for a name that has no secret.
var ErrSecretNotFound = errors.New("secret not found")

// SecretBackend says where a SecretStore keeps its secrets.
type SecretBackend int

const (
	// BackendKeyring is the OS secret store (Secret Service over D-Bus on Linux).
	BackendKeyring SecretBackend = iota + 1
	// BackendFile is the 0600 JSON file beside the config, used when no OS store answers.
	BackendFile
)

// String returns "keyring" or "file".
func (b SecretBackend) String() string {
	switch b {
	case BackendKeyring:
		return "keyring"
	case BackendFile:
		return "file"
	}
	return fmt.Sprintf("SecretBackend(%d)", int(b))
}

// SecretStore keeps secrets (SIP passwords, webhook signature secrets) by name,
// away from the config file. Names come from AccountPasswordKey and
// SignatureSecretKey.
type SecretStore interface {
	// Get returns the secret, or an error wrapping ErrSecretNotFound.
	Get(ctx context.Context, name string) (string, error)
	// Set stores (or replaces) the secret.
	Set(ctx context.Context, name, value string) error
	// Delete removes the secret; removing a missing one is not an error.
	Delete(ctx context.Context, name string) error
	// Backend says which kind of store this is.
	Backend() SecretBackend
	// Describe says in one sentence where the secrets are, for the Settings view.
	Describe() string
}

// SecretStoreEnv names the environment variable that forces a backend:
// "keyring", "file" or "auto" (the default: keyring when it answers, else file).
const SecretStoreEnv = "HOOKPHONE_SECRET_STORE"

// KeyringService is the service name Hookphone's secrets carry in the OS store.
const KeyringService = "hookphone"

// OpenSecrets picks the secret store: the OS keyring when a Secret Service
// answers within a few seconds, else the 0600 file at fallbackPath. mode is
// "auto" (or ""), "keyring" (fail when it does not answer) or "file". The
// returned note explains a fallback in one sentence ("" when the keyring is used).
func OpenSecrets(ctx context.Context, fallbackPath, mode string) (store SecretStore, note string, err error) {
	switch strings.ToLower(strings.TrimSpace(mode)) {
	case "file":
		return NewFileStore(fallbackPath), fmt.Sprintf("%s=file chose the file store", SecretStoreEnv), nil
	case "keyring":
		k := NewKeyringStore(KeyringService)
		if err := k.Probe(ctx); err != nil {
			return nil, "", fmt.Errorf("open OS secret store: %w", err)
		}
		return k, "", nil
	case "", "auto":
		k := NewKeyringStore(KeyringService)
		if err := k.Probe(ctx); err != nil {
			slog.Info("no OS secret store; using the 0600 file", "file", fallbackPath, "reason", err)
			return NewFileStore(fallbackPath), "no OS secret store answered (" + err.Error() + ")", nil
		}
		return k, "", nil
	}
	return nil, "", fmt.Errorf("%s=%q: want auto, keyring or file", SecretStoreEnv, mode)
}

// SessionBusAvailable reports whether a D-Bus session bus is advertised,
// without starting one (godbus would otherwise try dbus-launch). The secret
// store and the system tray both need one on Linux.
func SessionBusAvailable() error {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		if _, err := os.Stat(filepath.Join(rt, "bus")); err == nil {
			return nil
		}
	}
	return errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
}

// keyringTimeout bounds one call to the OS secret store, which may wait on a
// prompt or an unresponsive daemon.
const keyringTimeout = 10 * time.Second

// withTimeout runs f in a goroutine and gives up when ctx ends or keyringTimeout
// passes (go-keyring takes no context; an abandoned call finishes on its own).
func withTimeout(ctx context.Context, what string, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, keyringTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%s: OS secret store did not answer: %w", what, ctx.Err())
	}
}
