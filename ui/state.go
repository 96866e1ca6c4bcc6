package ui

import (
	"context"

	"github.com/hookphone/hookphone/config"
)

// ConfigStore loads and saves the config file; *config.Store implements it.
type ConfigStore interface {
	// Load reads the file; on error it still returns a config to run with.
	Load() (*config.Config, error)
	// Save writes the config (atomically, with a backup), or says why not.
	Save(*config.Config) error
	// Path is the config file.
	Path() string
	// BackupPath is where the previous version is kept.
	BackupPath() string
}

// SecretStore keeps secrets by name; config.SecretStore implementations
// (*config.KeyringStore, *config.FileStore) satisfy it.
type SecretStore interface {
	// Get returns a secret or an error wrapping config.ErrSecretNotFound.
	Get(ctx context.Context, name string) (string, error)
	// Set stores a secret.
	Set(ctx context.Context, name, value string) error
	// Delete removes a secret (missing is fine).
	Delete(ctx context.Context, name string) error
	// Backend says keyring or file.
	Backend() config.SecretBackend
	// Describe says where the secrets are, in one sentence.
	Describe() string
}

// configState is the config as the window knows it: the last loaded or saved
// value and the last load's error. It is used on the UI goroutine only;
// views subscribe to changes with onChange.
type configState struct {
	store     ConfigStore
	cfg       *config.Config
	err       error
	listeners []func()
}

func newConfigState(store ConfigStore) *configState {
	return &configState{store: store, cfg: config.Default()}
}

// reload reads the file again and tells every listener.
func (s *configState) reload() error {
	s.cfg, s.err = s.store.Load()
	if s.cfg == nil {
		s.cfg = config.Default()
	}
	s.changed()
	return s.err
}

// saved records a config that Save has just written.
func (s *configState) saved(c *config.Config) {
	s.cfg, s.err = c, nil
	s.changed()
}

func (s *configState) onChange(f func()) { s.listeners = append(s.listeners, f) }

func (s *configState) changed() {
	for _, f := range s.listeners {
		f()
	}
}
