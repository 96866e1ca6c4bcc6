package siptest

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// NoLeaks registers a cleanup that fails t when goroutines whose stacks
// contain any of patterns (function names such as
// "hookphone/sip.(*Registration)") are still alive once the test's other
// cleanups have run. It waits up to
// 5 s for them to finish, re-checking on each scheduler pass.
// Call it first in a test so that its cleanup runs last.
func NoLeaks(t testing.TB, patterns ...string) {
	t.Helper()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			leaked := goroutinesMatching(patterns)
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutine(s) leaked:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
				return
			}
			runtime.Gosched()
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func goroutinesMatching(patterns []string) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "siptest.goroutinesMatching") {
			continue
		}
		for _, p := range patterns {
			if strings.Contains(g, p) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}
