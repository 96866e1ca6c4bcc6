package main

import (
	"context"
	"fmt"

	"github.com/hookphone/hookphone/config"
)

func init() {
	register(command{name: "config path", summary: "print where the config file, data, cache and secrets fallback live", run: runConfigPath})
}

// configPathResult is `hookphone config path --json`'s result object.
type configPathResult struct {
	Config          string `json:"config"`
	Backup          string `json:"backup"`
	SecretsFallback string `json:"secrets_fallback"`
	DataDir         string `json:"data_dir"`
	Database        string `json:"database"`
	CacheDir        string `json:"cache_dir"`
}

func runConfigPath(_ context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "config path", "[--json]")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	p, err := config.DefaultPaths()
	if err != nil {
		return failf(cio, "config path", "%v", err)
	}
	r := configPathResult{
		Config: p.ConfigFile, Backup: config.NewStore(p.ConfigFile).BackupPath(), SecretsFallback: p.SecretsFallback,
		DataDir: p.DataDir, Database: p.Database, CacheDir: p.CacheDir,
	}
	human := fmt.Sprintf("config            %s\nconfig backup     %s\nsecrets fallback  %s (used only when no OS secret store answers)\ndata              %s\ndatabase          %s\ncache             %s",
		r.Config, r.Backup, r.SecretsFallback, r.DataDir, r.Database, r.CacheDir)
	printer{w: cio.stdout, json: *asJSON}.event(r, human)
	return exitOK
}
