// Package config owns Hookphone's files on disk: where they live (XDG base
// directories), the human-editable TOML configuration of accounts, audio devices
// and inspector settings, and the secret store (OS keyring, with a 0600 file
// fallback) that keeps SIP passwords and signature secrets out of the config.
package config
