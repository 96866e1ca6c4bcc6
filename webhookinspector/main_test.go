package webhookinspector

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/leakcheck"
)

// TestMain fails the run when goroutines started by this package outlive the
// tests (a capture server, store writer or watchdog left running), and
// removes the binary built for the end-to-end tests.
func TestMain(m *testing.M) {
	code := leakcheck.Main(m, "webhookinspector", 5*time.Second,
		[]string{"hookphone/webhookinspector."}, []string{"TestMain", "testing.tRunner"})
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// hookphoneBinary builds the real hookphone command once per test run.
func hookphoneBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "hookphone-e2e-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "hookphone")
		cmd := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", binPath, "github.com/hookphone/hookphone")
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}
