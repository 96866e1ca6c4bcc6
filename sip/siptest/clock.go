package siptest

import (
	"sort"
	"sync"
	"time"

	"github.com/hookphone/hookphone/sip"
)

// Clock is a sip.Clock whose time only moves when the test calls Advance.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*timer
	changed chan struct{}
}

type timer struct {
	c        *Clock
	at       time.Time
	d        time.Duration
	ch       chan time.Time
	inactive bool
}

// NewClock starts a fake clock at start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer makes a timer firing once the clock has advanced by d.
func (c *Clock) NewTimer(d time.Duration) sip.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{c: c, at: c.now.Add(d), d: d, ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.inactive = true
		t.ch <- c.now
	} else {
		c.timers = append(c.timers, t)
	}
	c.notifyLocked()
	return t
}

// C delivers the fake time when the timer fires.
func (t *timer) C() <-chan time.Time { return t.ch }

// Stop cancels the timer; false if it already fired or was stopped.
func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.inactive {
		return false
	}
	t.inactive = true
	t.c.removeLocked(t)
	t.c.notifyLocked()
	return true
}

func (c *Clock) removeLocked(t *timer) {
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return
		}
	}
}

func (c *Clock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Advance moves the clock by d, firing every timer that falls due (in order).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
	keep := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			t.inactive = true
			t.ch <- t.at
			continue
		}
		keep = append(keep, t)
	}
	c.timers = keep
	c.notifyLocked()
}

// Pending returns the time left on each active timer, shortest first.
func (c *Clock) Pending() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Duration, 0, len(c.timers))
	for _, t := range c.timers {
		out = append(out, t.at.Sub(c.now))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// WaitPending blocks until ok accepts the pending timers, or limit (real
// time) passes; it returns the last pending list and whether ok accepted it.
// It waits on the clock's changes, never by sleeping.
func (c *Clock) WaitPending(ok func([]time.Duration) bool, limit time.Duration) ([]time.Duration, bool) {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		ch := c.changed
		c.mu.Unlock()
		p := c.Pending()
		if ok(p) {
			return p, true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return c.Pending(), false
		}
	}
}

// Has returns a WaitPending predicate: all of ds are among the pending timers.
func Has(ds ...time.Duration) func([]time.Duration) bool {
	return func(p []time.Duration) bool {
		left := append([]time.Duration(nil), p...)
	next:
		for _, d := range ds {
			for i, x := range left {
				if x == d {
					left = append(left[:i], left[i+1:]...)
					continue next
				}
			}
			return false
		}
		return true
	}
}
