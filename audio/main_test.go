package audio

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run when a test leaves a device loop running: every
// Duplex must stop its goroutines on Close.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leak := waitForLeaks(3 * time.Second); leak != "" {
			fmt.Fprintf(os.Stderr, "audio: goroutines still running after the tests:\n%s\n", leak)
			code = 1
		}
	}
	os.Exit(code)
}

func waitForLeaks(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaks []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "hookphone/audio.(*Duplex)") || strings.Contains(g, "hookphone/audio.(*deviceStream)") {
				leaks = append(leaks, g)
			}
		}
		if len(leaks) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaks, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
