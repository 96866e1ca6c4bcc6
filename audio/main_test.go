package audio

import (
	"os"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/leakcheck"
)

// TestMain fails the run when a test leaves a device loop running: every
// Duplex must stop its goroutines on Close.
func TestMain(m *testing.M) {
	os.Exit(leakcheck.Main(m, "audio", 3*time.Second,
		[]string{"hookphone/audio.(*Duplex)", "hookphone/audio.(*deviceStream)"}, nil))
}
