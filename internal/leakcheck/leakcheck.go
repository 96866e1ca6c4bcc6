// Package leakcheck finds goroutines that outlive the tests that started them
// (the idea of net/http's main_test.go). A package's TestMain calls [Main]
// with the stack fragments that mark its own goroutines; a single test can
// call [Cleanup] instead.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Matching returns the stacks of live goroutines that contain any of
// patterns (function names such as "hookphone/media.(*Session)."), leaving
// out the goroutine that asks and any stack that contains one of ignore.
func Matching(patterns, ignore []string) []string {
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
		if strings.Contains(g, "leakcheck.Matching") || containsAny(g, ignore) {
			continue
		}
		if containsAny(g, patterns) {
			out = append(out, g)
		}
	}
	return out
}

// Wait re-checks for up to d until no goroutine matches, and returns the
// stacks of those still alive then ("" when none is).
func Wait(d time.Duration, patterns, ignore []string) string {
	deadline := time.Now().Add(d)
	for {
		leaked := Matching(patterns, ignore)
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return fmt.Sprintf("%d goroutine(s) leaked:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		runtime.Gosched()
		time.Sleep(20 * time.Millisecond)
	}
}

// Main runs the package's tests and, when they passed, fails the run if a
// goroutine matching patterns is still alive after wait. It returns the exit
// code for os.Exit, so that a TestMain can clean up after it.
func Main(m *testing.M, pkg string, wait time.Duration, patterns, ignore []string) int {
	code := m.Run()
	if code != 0 {
		return code
	}
	if leak := Wait(wait, patterns, ignore); leak != "" {
		fmt.Fprintf(os.Stderr, "%s: goroutines outlived the tests: %s\n", pkg, leak)
		return 1
	}
	return code
}

// Cleanup registers a cleanup that fails t when goroutines matching patterns
// are still alive (after up to 5 s) once the test's other cleanups have run.
// Call it first in a test so that its cleanup runs last.
func Cleanup(t testing.TB, patterns ...string) {
	t.Helper()
	t.Cleanup(func() {
		if leak := Wait(5*time.Second, patterns, nil); leak != "" {
			t.Error(leak)
		}
	})
}

func containsAny(s string, subs []string) bool {
	for _, p := range subs {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
