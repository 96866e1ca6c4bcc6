package webhookinspector

import (
	"sync"
	"time"
)

// ReplayGuard remembers token ids (jti) so a token used twice is caught
// (SPEC §1.5 step 7). Implementations must be safe for concurrent use.
type ReplayGuard interface {
	// Remember records jti as seen at t. When the jti was already seen it
	// returns the first time and true, and keeps the first time.
	Remember(jti string, t time.Time) (first time.Time, replay bool)
}

// JTICache is an in-memory [ReplayGuard] that forgets ids older than its
// retention, so its size is bounded by the webhook rate times the retention.
// The capture [Store] persists ids with their captures and preloads a cache
// on start, so replay detection survives a restart.
type JTICache struct {
	mu        sync.Mutex
	retention time.Duration
	seen      map[string]time.Time
	lastPrune time.Time
}

// NewJTICache returns a cache that keeps ids for retention (at least the
// verifier's iat window: older tokens fail the iat check anyway).
func NewJTICache(retention time.Duration) *JTICache {
	return &JTICache{retention: retention, seen: make(map[string]time.Time)}
}

// Remember implements [ReplayGuard].
func (c *JTICache) Remember(jti string, t time.Time) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pruneLocked(t)
	if first, ok := c.seen[jti]; ok {
		return first, true
	}
	c.seen[jti] = t
	return t, false
}

// Len reports how many ids the cache holds.
func (c *JTICache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// pruneLocked drops ids older than the retention, at most once a second.
func (c *JTICache) pruneLocked(now time.Time) {
	if now.Sub(c.lastPrune) < time.Second {
		return
	}
	c.lastPrune = now
	cut := now.Add(-c.retention)
	for k, t := range c.seen {
		if t.Before(cut) {
			delete(c.seen, k)
		}
	}
}
