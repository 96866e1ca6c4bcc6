package audio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Ring plays spec (e.g. Ringtone()) on device (the ringer; "" or "default":
// the default output) until ctx ends or a finite tone is over, then closes
// the device. Device changes are logged by the System's logger. It returns
// nil when stopped by ctx.
func Ring(ctx context.Context, sys *System, device string, spec ToneSpec) error {
	const rate = 16000
	src, err := NewToneSource(spec, rate, 0)
	if err != nil {
		return err
	}
	pb, err := OpenPlayback(ctx, sys, device, rate)
	if err != nil {
		return fmt.Errorf("ring on %q: %w", device, err)
	}
	defer pb.Close()
	go func() { // drain events (they are logged); Close ends the range
		for range pb.Events() {
		}
	}()
	frame := make([]int16, rate/50)
	tk := time.NewTicker(20 * time.Millisecond)
	defer tk.Stop()
	for {
		// Stay a little ahead of the device so the tone never starves.
		if _, queued := pb.Buffered(); queued < 40*time.Millisecond {
			if err := src.ReadFrame(frame); errors.Is(err, io.EOF) {
				return nil
			}
			pb.Sink().WriteFrame(frame)
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tk.C:
		}
	}
}
