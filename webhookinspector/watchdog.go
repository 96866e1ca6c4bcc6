package webhookinspector

import (
	"fmt"
	"sync"
	"time"
)

// watchdog raises a Warning when a call the SIP side started gets no webhook
// within the timeout (a tunnel down, a wrong answer_url, signing off…).
type watchdog struct {
	timeout time.Duration
	emit    func(Notice)

	mu      sync.Mutex
	pending map[string]*time.Timer
	// recent remembers ids webhooks already arrived for, so a call whose
	// answer webhook beats CallStarted raises no warning. Bounded.
	recent map[string]time.Time
	closed bool
}

// maxRecent bounds the ids remembered for early webhooks.
const maxRecent = 4096

func newWatchdog(timeout time.Duration, emit func(Notice)) *watchdog {
	return &watchdog{timeout: timeout, emit: emit, pending: map[string]*time.Timer{}, recent: map[string]time.Time{}}
}

func (w *watchdog) started(callID string, at time.Time) {
	if callID == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	if _, ok := w.recent[callID]; ok {
		return // its webhook already came
	}
	if old, ok := w.pending[callID]; ok {
		old.Stop()
	}
	wait := w.timeout - time.Since(at)
	w.pending[callID] = time.AfterFunc(max(wait, 0), func() {
		w.mu.Lock()
		_, still := w.pending[callID]
		delete(w.pending, callID)
		closed := w.closed
		w.mu.Unlock()
		if !still || closed {
			return
		}
		w.emit(Notice{Warning: &Warning{
			CallID: callID, StartedAt: at, At: time.Now(),
			Message: fmt.Sprintf("Call %s started at %s but no webhook for it arrived within %s: check that the application's answer_url/event_url point at this inspector and that the tunnel is up.",
				callID, at.Local().Format("15:04:05"), w.timeout),
		}})
	})
}

// seen clears the watch for a call a webhook just arrived for.
func (w *watchdog) seen(s Summary) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	for _, id := range []string{s.CallID, s.UUID, s.ConversationUUID} {
		if id == "" {
			continue
		}
		if t, ok := w.pending[id]; ok {
			t.Stop()
			delete(w.pending, id)
		}
		if len(w.recent) >= maxRecent {
			clear(w.recent) // rare: thousands of calls; forgetting only risks a spurious warning
		}
		w.recent[id] = now
	}
}

func (w *watchdog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for id, t := range w.pending {
		t.Stop()
		delete(w.pending, id)
	}
}
