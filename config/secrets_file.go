package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// FileStore keeps secrets in a JSON file readable only by its owner (mode
// 0600), beside the config. It is the fallback where no OS secret store
// answers; the Settings view says when it is in use. Every call reads the file
// afresh, so several Hookphone processes see each other's changes.
type FileStore struct {
	path string
	mu   sync.Mutex
}

type secretsFile struct {
	Version int               `json:"version"`
	Secrets map[string]string `json:"secrets"`
}

// NewFileStore returns a store backed by the file at path (created on first Set).
func NewFileStore(path string) *FileStore { return &FileStore{path: path} }

// Path is the secrets file.
func (f *FileStore) Path() string { return f.path }

func (f *FileStore) read() (secretsFile, error) {
	sf := secretsFile{Version: 1, Secrets: map[string]string{}}
	fi, err := os.Stat(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return sf, nil
	}
	if err != nil {
		return sf, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return sf, fmt.Errorf("%s is readable by other users (mode %04o): run chmod 600 %s", f.path, fi.Mode().Perm(), f.path)
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		return sf, err
	}
	if err := json.Unmarshal(b, &sf); err != nil {
		return sf, fmt.Errorf("%s is not a Hookphone secrets file: %w", f.path, err)
	}
	if sf.Secrets == nil {
		sf.Secrets = map[string]string{}
	}
	return sf, nil
}

func (f *FileStore) write(sf secretsFile) error {
	b, err := json.MarshalIndent(sf, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(f.path, append(b, '\n'), 0o600)
}

// Get returns the named secret.
func (f *FileStore) Get(_ context.Context, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sf, err := f.read()
	if err != nil {
		return "", fmt.Errorf("get secret %s: %w", name, err)
	}
	v, ok := sf.Secrets[name]
	if !ok {
		return "", fmt.Errorf("get secret %s: %w", name, ErrSecretNotFound)
	}
	return v, nil
}

// Set stores the named secret, replacing an older value.
func (f *FileStore) Set(_ context.Context, name, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	sf, err := f.read()
	if err != nil {
		return fmt.Errorf("set secret %s: %w", name, err)
	}
	sf.Secrets[name] = value
	if err := f.write(sf); err != nil {
		return fmt.Errorf("set secret %s: %w", name, err)
	}
	return nil
}

// Delete removes the named secret; a missing one is not an error.
func (f *FileStore) Delete(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	sf, err := f.read()
	if err != nil {
		return fmt.Errorf("delete secret %s: %w", name, err)
	}
	if _, ok := sf.Secrets[name]; !ok {
		return nil
	}
	delete(sf.Secrets, name)
	if err := f.write(sf); err != nil {
		return fmt.Errorf("delete secret %s: %w", name, err)
	}
	return nil
}

// Backend returns BackendFile.
func (f *FileStore) Backend() SecretBackend { return BackendFile }

// Describe names the file for the Settings view.
func (f *FileStore) Describe() string {
	return "file " + f.path + " (mode 0600, readable only by you; not encrypted)"
}
