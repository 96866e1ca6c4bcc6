package media

import (
	"os"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/leakcheck"
)

// TestMain fails the run when engine goroutines outlive their sessions.
func TestMain(m *testing.M) {
	os.Exit(leakcheck.Main(m, "media", 3*time.Second, []string{"media.(*Session)."}, nil))
}
