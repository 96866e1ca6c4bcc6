package config

import (
	"context"
	"errors"
	"fmt"

	"github.com/zalando/go-keyring"
)

// KeyringStore keeps secrets in the OS secret store (on Linux the freedesktop
// Secret Service, e.g. gnome-keyring or KeePassXC, over the D-Bus session bus),
// as items with attributes service=<service> and username=<secret name>.
type KeyringStore struct {
	service string
}

// NewKeyringStore returns a store for items of the given service.
func NewKeyringStore(service string) *KeyringStore { return &KeyringStore{service: service} }

// Probe checks that a Secret Service answers (looking up an item that need not exist).
func (k *KeyringStore) Probe(ctx context.Context) error {
	if err := SessionBusAvailable(); err != nil {
		return err
	}
	return withTimeout(ctx, "probe", func() error {
		_, err := keyring.Get(k.service, "probe")
		if err == nil || errors.Is(err, keyring.ErrNotFound) {
			return nil
		}
		return err
	})
}

// Get returns the named secret.
func (k *KeyringStore) Get(ctx context.Context, name string) (string, error) {
	var v string
	err := withTimeout(ctx, "get secret "+name, func() error {
		var err error
		v, err = keyring.Get(k.service, name)
		return err
	})
	if errors.Is(err, keyring.ErrNotFound) {
		return "", fmt.Errorf("get secret %s: %w", name, ErrSecretNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("get secret %s: %w", name, err)
	}
	return v, nil
}

// Set stores the named secret, replacing an older value.
func (k *KeyringStore) Set(ctx context.Context, name, value string) error {
	err := withTimeout(ctx, "set secret "+name, func() error { return keyring.Set(k.service, name, value) })
	if err != nil {
		return fmt.Errorf("set secret %s: %w", name, err)
	}
	return nil
}

// Delete removes the named secret; a missing one is not an error.
func (k *KeyringStore) Delete(ctx context.Context, name string) error {
	err := withTimeout(ctx, "delete secret "+name, func() error { return keyring.Delete(k.service, name) })
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("delete secret %s: %w", name, err)
	}
	return nil
}

// Backend returns BackendKeyring.
func (k *KeyringStore) Backend() SecretBackend { return BackendKeyring }

// Describe names the store for the Settings view.
func (k *KeyringStore) Describe() string {
	return "OS secret store (Secret Service over D-Bus), items of service \"" + k.service + "\""
}
