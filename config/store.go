package config

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/BurntSushi/toml"
)

// ErrNotSaved wraps every reason Store.Save refuses to write.
var ErrNotSaved = errors.New("config not saved")

// header starts every file Hookphone writes.
const header = `# Hookphone configuration (TOML). Edit by hand if you like: unknown keys are
# errors, and Hookphone names the line. Passwords and signature secrets are NOT
# kept here; they live in the OS secret store (or secrets.json, mode 0600).
# Hookphone keeps the previous version of this file as config.toml.bak.

`

// Store reads and writes one config file. It never overwrites a file it could
// not read, nor one that changed on disk since it was read (the user's hand
// edits win), and it keeps a backup of the previous file before each rewrite.
type Store struct {
	path string

	mu      sync.Mutex
	seen    [sha256.Size]byte // hash of the file as last loaded or written
	exists  bool              // the file existed at the last load/save
	loadErr error             // the last Load's problem, if any
}

// NewStore returns a Store for the config file at path (see Paths.ConfigFile).
func NewStore(path string) *Store { return &Store{path: path} }

// Path is the config file's path.
func (s *Store) Path() string { return s.path }

// BackupPath is where the previous version is kept before each rewrite.
func (s *Store) BackupPath() string { return s.path + ".bak" }

// Load reads the file. A missing file gives Default() and no error. A file
// that cannot be used gives Default() together with the error (a *FileError
// naming line and field, or an I/O error), so the app can still start and
// show what is wrong; Save then refuses to write until a Load succeeds.
func (s *Store) Load() (*Config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.exists, s.loadErr, s.seen = false, nil, [sha256.Size]byte{}
		return Default(), nil
	case err != nil:
		s.exists, s.loadErr = true, fmt.Errorf("read config: %w", err)
		return Default(), s.loadErr
	}
	s.exists, s.seen = true, sha256.Sum256(data)
	c, err := Parse(s.path, data)
	if err != nil {
		s.loadErr = err
		return Default(), err
	}
	s.loadErr = nil
	return c, nil
}

// LoadError returns the last Load's problem (nil when the file was usable).
func (s *Store) LoadError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadErr
}

// Encode renders c as the TOML Hookphone writes (header comment included).
func Encode(c *Config) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	return buf.Bytes(), nil
}

// Save validates c and writes it atomically, after copying the current file to
// BackupPath. It refuses (with an error wrapping ErrNotSaved) when c is
// invalid, when the last Load failed, or when the file changed on disk since
// it was loaded or saved.
func (s *Store) Save(c *Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ps := c.Problems(); len(ps) > 0 {
		return fmt.Errorf("%w: %w", ErrNotSaved, &FileError{File: s.path, Problems: ps})
	}
	if s.loadErr != nil {
		return fmt.Errorf("%w: %s has errors and is left as you wrote it; fix it and reload: %w", ErrNotSaved, s.path, s.loadErr)
	}
	old, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if s.exists {
			return fmt.Errorf("%w: %s was removed since it was loaded; reload first", ErrNotSaved, s.path)
		}
	case err != nil:
		return fmt.Errorf("%w: read %s: %w", ErrNotSaved, s.path, err)
	default:
		if !s.exists || sha256.Sum256(old) != s.seen {
			return fmt.Errorf("%w: %s changed on disk since it was loaded; reload to see the changes, then save again", ErrNotSaved, s.path)
		}
	}
	data, err := Encode(c)
	if err != nil {
		return err
	}
	if _, err := Parse(s.path, data); err != nil { // what we write must read back
		return fmt.Errorf("%w: encoded config does not read back: %w", ErrNotSaved, err)
	}
	if old != nil {
		if err := WriteFileAtomic(s.BackupPath(), old, 0o600); err != nil {
			return fmt.Errorf("%w: back up %s: %w", ErrNotSaved, s.path, err)
		}
	}
	if err := WriteFileAtomic(s.path, data, 0o600); err != nil {
		return fmt.Errorf("%w: %w", ErrNotSaved, err)
	}
	s.exists, s.seen = true, sha256.Sum256(data)
	return nil
}
