//go:build !unix

package streamcache

// dirLock is a no-op where flock is unavailable: orphans are then cleaned
// on every Open, which is safe as long as one process uses the cache.
type dirLock struct{}

func lockDir(dir string) (*dirLock, bool, error) { return &dirLock{}, true, nil }

func (l *dirLock) unlock() error { return nil }
