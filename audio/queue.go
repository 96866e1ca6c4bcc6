package audio

import "sync"

// sampleQueue is a bounded FIFO of samples between two goroutines (a device
// loop and the media engine). When full, the oldest samples are dropped and
// counted, so a slow consumer loses audio instead of accumulating latency.
type sampleQueue struct {
	mu      sync.Mutex
	buf     []int16
	r, n    int
	dropped uint64 // samples dropped because the queue was full
	short   uint64 // samples asked for but not there (filled with silence)
	trimmed uint64 // samples dropped by govern to cut standing latency

	// govern's window: the smallest depth seen since seen was reset.
	minDepth, seen int
}

func newSampleQueue(capacity int) *sampleQueue {
	return &sampleQueue{buf: make([]int16, capacity)}
}

// push appends s, dropping the oldest samples if it does not fit.
func (q *sampleQueue) push(s []int16) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := len(q.buf)
	if len(s) > c {
		q.dropped += uint64(len(s) - c)
		s = s[len(s)-c:]
	}
	if over := q.n + len(s) - c; over > 0 {
		q.r = (q.r + over) % c
		q.n -= over
		q.dropped += uint64(over)
	}
	w := (q.r + q.n) % c
	k := copy(q.buf[w:], s)
	copy(q.buf, s[k:])
	q.n += len(s)
}

// pop fills dst from the queue and pads with silence; it returns how many
// samples were real.
func (q *sampleQueue) pop(dst []int16) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(dst), q.n)
	c := len(q.buf)
	k := copy(dst[:n], q.buf[q.r:min(c, q.r+n)])
	copy(dst[k:n], q.buf[:n-k])
	q.r = (q.r + n) % c
	q.n -= n
	clear(dst[n:])
	q.short += uint64(len(dst) - n)
	return n
}

// trim drops the oldest samples so that at most keep remain (not counted as
// drops: used to keep the echo reference aligned).
func (q *sampleQueue) trim(keep int) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n <= keep {
		return 0
	}
	d := q.n - keep
	q.r = (q.r + d) % len(q.buf)
	q.n = keep
	return d
}

// govern cuts standing latency: a queue whose depth never fell below target
// during a whole window (samples passed through) holds a backlog that only
// delays audio, left by a start-up burst or a stall. At the window's end it
// is cut to keep samples (the drop counted in trimmed). Call it once per
// block with the block size.
func (q *sampleQueue) govern(block, window, target, keep int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.seen == 0 || q.n < q.minDepth {
		q.minDepth = q.n
	}
	q.seen += block
	if q.seen < window {
		return
	}
	if q.minDepth > target {
		excess := q.n - min(q.n, keep)
		q.r = (q.r + excess) % len(q.buf)
		q.n -= excess
		q.trimmed += uint64(excess)
	}
	q.seen = 0
}

func (q *sampleQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

func (q *sampleQueue) counters() (dropped, short uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped + q.trimmed, q.short
}
