package config

import (
	"fmt"
	"os"
	"path/filepath"
)

// AppDirName is the folder name Hookphone uses inside each XDG base directory.
const AppDirName = "hookphone"

// Paths says where Hookphone keeps its files. Every field is an absolute path.
type Paths struct {
	// ConfigFile is the human-editable TOML configuration (no secrets in it).
	ConfigFile string
	// SecretsFallback is the 0600 file used for secrets when no OS secret store answers.
	SecretsFallback string
	// DataDir holds the SQLite database of webhooks, call history and SIP traces.
	DataDir string
	// Database is the SQLite database file inside DataDir.
	Database string
	// CacheDir holds stream-audio bodies and other data that can be fetched again.
	CacheDir string
}

// DefaultPaths resolves the XDG base directories for the current user:
// $XDG_CONFIG_HOME (else ~/.config), $XDG_DATA_HOME (else ~/.local/share) and
// $XDG_CACHE_HOME (else ~/.cache), each with a "hookphone" folder inside.
func DefaultPaths() (Paths, error) {
	cfg, err := os.UserConfigDir()
	if err != nil {
		return Paths{}, fmt.Errorf("find config dir: %w", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return Paths{}, fmt.Errorf("find cache dir: %w", err)
	}
	data := os.Getenv("XDG_DATA_HOME")
	if data == "" || !filepath.IsAbs(data) {
		home, err := os.UserHomeDir()
		if err != nil {
			return Paths{}, fmt.Errorf("find data dir: %w", err)
		}
		data = filepath.Join(home, ".local", "share")
	}
	return PathsUnder(filepath.Join(cfg, AppDirName), filepath.Join(data, AppDirName), filepath.Join(cache, AppDirName)), nil
}

// PathsUnder lays out Paths below explicit config, data and cache folders.
func PathsUnder(configDir, dataDir, cacheDir string) Paths {
	return Paths{
		ConfigFile:      filepath.Join(configDir, "config.toml"),
		SecretsFallback: filepath.Join(configDir, "secrets.json"),
		DataDir:         dataDir,
		Database:        filepath.Join(dataDir, "hookphone.db"),
		CacheDir:        cacheDir,
	}
}
