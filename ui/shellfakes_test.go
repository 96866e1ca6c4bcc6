package ui

import (
	"context"
	"fmt"
	"sync"

	"github.com/hookphone/hookphone/config"
)

// memConfig is an in-memory ConfigStore with a fixed path, for markup goldens
// that must not show a temp folder.
type memConfig struct {
	mu  sync.Mutex
	cfg *config.Config
}

func (m *memConfig) Load() (*config.Config, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cfg == nil {
		return config.Default(), nil
	}
	return m.cfg.Clone(), nil
}

func (m *memConfig) Save(c *config.Config) error {
	if ps := c.Problems(); len(ps) > 0 {
		return fmt.Errorf("%w: %s", config.ErrNotSaved, ps[0])
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cfg = c.Clone()
	return nil
}

func (m *memConfig) Path() string       { return "/home/user/.config/hookphone/config.toml" }
func (m *memConfig) BackupPath() string { return m.Path() + ".bak" }

// memSecrets is an in-memory SecretStore that reports itself as the file fallback.
type memSecrets struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memSecrets) Get(_ context.Context, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[name]
	if !ok {
		return "", fmt.Errorf("get %s: %w", name, config.ErrSecretNotFound)
	}
	return v, nil
}

func (s *memSecrets) Set(_ context.Context, name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[name] = value
	return nil
}

func (s *memSecrets) Delete(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, name)
	return nil
}

func (s *memSecrets) Backend() config.SecretBackend { return config.BackendFile }
func (s *memSecrets) Describe() string {
	return "file /home/user/.config/hookphone/secrets.json (mode 0600, readable only by you; not encrypted)"
}

// fixedDeps are Deps whose every shown path is fixed, for goldens.
func fixedDeps() Deps {
	return Deps{
		Paths:       config.PathsUnder("/home/user/.config/hookphone", "/home/user/.local/share/hookphone", "/home/user/.cache/hookphone"),
		Config:      &memConfig{},
		Secrets:     &memSecrets{},
		SecretsNote: "no OS secret store answered (no D-Bus session bus)",
		Async:       func(f func()) { f() },
	}
}
