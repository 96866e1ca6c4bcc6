package audio

import (
	"slices"
	"testing"
)

func TestSampleQueueOrderWrapAndDrops(t *testing.T) {
	q := newSampleQueue(5)
	q.push([]int16{1, 2, 3})
	got := make([]int16, 2)
	if n := q.pop(got); n != 2 || !slices.Equal(got, []int16{1, 2}) {
		t.Fatalf("pop = %d %v", n, got)
	}
	q.push([]int16{4, 5, 6, 7}) // wraps: 3 4 5 6 7
	q.push([]int16{8, 9})       // full: drops 3 and 4
	got = make([]int16, 7)
	if n := q.pop(got); n != 5 || !slices.Equal(got, []int16{5, 6, 7, 8, 9, 0, 0}) {
		t.Fatalf("pop = %d %v", n, got)
	}
	if d, s := q.counters(); d != 2 || s != 2 {
		t.Fatalf("dropped %d short %d, want 2 and 2", d, s)
	}
	q.push([]int16{1, 2, 3, 4, 5, 6, 7}) // longer than the queue: keeps the newest 5
	got = make([]int16, 5)
	q.pop(got)
	if !slices.Equal(got, []int16{3, 4, 5, 6, 7}) {
		t.Fatalf("got %v", got)
	}
	q.push([]int16{1, 2, 3, 4})
	if d := q.trim(1); d != 3 || q.len() != 1 {
		t.Fatalf("trim dropped %d, len %d", d, q.len())
	}
}

// A backlog that stands for a whole window is cut to the target; a queue
// that drains in between is left alone.
func TestSampleQueueGovern(t *testing.T) {
	q := newSampleQueue(1000)
	q.push(make([]int16, 500)) // a start-up burst
	buf := make([]int16, 10)
	for i := 0; i < 40; i++ { // steady state: 10 in, 10 out
		q.push(make([]int16, 10))
		q.govern(10, 200, 30, 10)
		q.pop(buf)
	}
	if n := q.len(); n > 20 {
		t.Fatalf("backlog still %d samples after two windows", n)
	}
	q2 := newSampleQueue(1000)
	for i := 0; i < 40; i++ { // bursty but draining: no trim
		if i%10 == 0 {
			q2.push(make([]int16, 100))
		}
		q2.govern(10, 200, 30, 10)
		q2.pop(buf)
	}
	if d, _ := q2.counters(); d != 0 {
		t.Fatalf("a queue that drains was trimmed by %d", d)
	}
}
