package audiofile

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Peak is the lowest and highest sample (all channels) in one bucket of a
// waveform, each in [-1, 1].
type Peak struct {
	Min, Max float32
}

// Peaks decodes r to the end and reduces it to n buckets of min/max for a
// waveform view. The buckets split Info().Frames evenly; when the length is
// unknown or the file is shorter than n frames, fewer buckets come back.
func Peaks(r *Reader, n int) ([]Peak, error) {
	return PeaksContext(context.Background(), r, n)
}

// PeaksContext is Peaks that gives up when ctx is done (decoding a long MP3
// takes seconds).
func PeaksContext(ctx context.Context, r *Reader, n int) ([]Peak, error) {
	if n < 1 {
		return nil, fmt.Errorf("peaks: want at least one bucket, got %d", n)
	}
	info := r.Info()
	total := info.Frames
	if total <= 0 {
		total = 0
	}
	per := int64(1)
	if total > int64(n) {
		per = (total + int64(n) - 1) / int64(n)
	}
	out := make([]Peak, 0, min(int64(n), max(total, 1)))
	buf := make([]float32, 4096*info.Channels)
	var cur Peak
	var inBucket int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("peaks: %w", err)
		}
		got, err := r.ReadFloat32(buf)
		for i := 0; i < got; i += info.Channels {
			if inBucket == 0 {
				cur = Peak{Min: buf[i], Max: buf[i]}
			}
			for _, v := range buf[i : i+info.Channels] {
				cur.Min = min(cur.Min, v)
				cur.Max = max(cur.Max, v)
			}
			inBucket++
			if inBucket == per {
				out = appendPeak(out, cur, n)
				inBucket = 0
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("peaks: %w", err)
		}
	}
	if inBucket > 0 {
		out = appendPeak(out, cur, n)
	}
	return out, nil
}

// appendPeak adds p, folding it into the last bucket once n are full (a
// decoder that yields more frames than the header announced).
func appendPeak(out []Peak, p Peak, n int) []Peak {
	if len(out) < n {
		return append(out, p)
	}
	last := &out[len(out)-1]
	last.Min = min(last.Min, p.Min)
	last.Max = max(last.Max, p.Max)
	return out
}
