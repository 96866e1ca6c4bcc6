package streamcache

import (
	"os"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/leakcheck"
)

// TestMain fails the run when goroutines of this package, or HTTP
// connections it opened, outlive the tests. The kill -9 child process
// (STREAMCACHE_KILL_DIR) is killed mid-fetch on purpose and is not checked.
func TestMain(m *testing.M) {
	if os.Getenv("STREAMCACHE_KILL_DIR") != "" {
		os.Exit(m.Run())
	}
	os.Exit(leakcheck.Main(m, "streamcache", 5*time.Second,
		[]string{"streamcache.", "net/http.(*persistConn)"}, []string{"testing.(*M)"}))
}
