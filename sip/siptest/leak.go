package siptest

import (
	"testing"

	"github.com/hookphone/hookphone/internal/leakcheck"
)

// NoLeaks registers a cleanup that fails t when goroutines whose stacks
// contain any of patterns (function names such as
// "hookphone/sip.(*Registration)") are still alive once the test's other
// cleanups have run. It waits up to 5 s for them to finish.
// Call it first in a test so that its cleanup runs last.
func NoLeaks(t testing.TB, patterns ...string) {
	t.Helper()
	leakcheck.Cleanup(t, patterns...)
}
