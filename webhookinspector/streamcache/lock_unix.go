//go:build unix

package streamcache

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// dirLock is an advisory flock on <dir>/lock. Every open Cache holds it
// shared; Open first tries it exclusive, and only a process that gets it
// exclusively (nobody else has the cache open) may delete orphaned body
// files, so one process never deletes another's download in progress.
type dirLock struct{ f *os.File }

// lockDir takes the lock and reports whether this process is alone.
func lockDir(dir string) (*dirLock, bool, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("stream cache: lock: %w", err)
	}
	alone := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("stream cache: lock: %w", err)
	}
	return &dirLock{f: f}, alone, nil
}

// unlock releases the lock (closing the file drops the flock).
func (l *dirLock) unlock() error { return l.f.Close() }
