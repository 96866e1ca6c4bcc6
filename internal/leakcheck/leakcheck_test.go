package leakcheck

import (
	"strings"
	"testing"
	"time"
)

// parkedUntil tells started that it runs, then blocks until stop closes.
//
//go:noinline
func parkedUntil(started chan<- struct{}, stop <-chan struct{}) {
	close(started)
	<-stop
}

func TestWaitFindsALiveGoroutineAndForgetsAFinishedOne(t *testing.T) {
	started, stop := make(chan struct{}), make(chan struct{})
	go parkedUntil(started, stop)
	<-started // a goroutine not yet scheduled has no parkedUntil frame to find
	pattern := []string{"leakcheck.parkedUntil"}
	leak := Wait(100*time.Millisecond, pattern, nil)
	if !strings.Contains(leak, "1 goroutine(s) leaked") || !strings.Contains(leak, "parkedUntil") {
		t.Fatalf("Wait did not report the parked goroutine: %q", leak)
	}
	if got := Wait(100*time.Millisecond, pattern, []string{"parkedUntil"}); got != "" {
		t.Errorf("an ignored stack was reported: %q", got)
	}
	close(stop)
	if leak := Wait(2*time.Second, pattern, nil); leak != "" {
		t.Errorf("a finished goroutine is still reported: %q", leak)
	}
}
