package audio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hookphone/hookphone/media"
)

// EchoTest is the local echo test: it records d from src (the microphone)
// and then plays the recording to sink (the speaker), pacing both at real
// time in frames of 20 ms at rate Hz. It returns the recording. A person
// hears their own voice after d, which checks device choice and levels
// without a call.
func EchoTest(ctx context.Context, src media.Source, sink media.Sink, rate int, d time.Duration) ([]int16, error) {
	if rate <= 0 || d <= 0 {
		return nil, fmt.Errorf("echo test: rate %d, duration %v", rate, d)
	}
	frame := rate / 50
	total := int(d.Seconds()*float64(rate)) / frame * frame
	rec := make([]int16, 0, total)
	tk := time.NewTicker(20 * time.Millisecond)
	defer tk.Stop()
	buf := make([]int16, frame)
	for len(rec) < total {
		select {
		case <-ctx.Done():
			return rec, ctx.Err()
		case <-tk.C:
		}
		err := src.ReadFrame(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rec, fmt.Errorf("echo test: record: %w", err)
		}
		rec = append(rec, buf...)
	}
	for i := 0; i < len(rec); i += frame {
		select {
		case <-ctx.Done():
			return rec, ctx.Err()
		case <-tk.C:
		}
		if err := sink.WriteFrame(rec[i:min(len(rec), i+frame)]); err != nil {
			return rec, fmt.Errorf("echo test: play: %w", err)
		}
	}
	return rec, nil
}
