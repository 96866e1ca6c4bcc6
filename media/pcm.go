package media

// Source supplies 16-bit linear PCM, mono, at the clock rate of the negotiated
// codec (8000 Hz for PCMU/PCMA), one frame at a time. The media engine paces
// itself (one frame per ptime) and calls ReadFrame from its own goroutine.
//
// ReadFrame fills all of frame and must not block for longer than one frame:
// a source with nothing ready (a device queue that ran dry) fills silence and
// returns nil. A finite source (a file) returns io.EOF once it is exhausted;
// the engine then sends silence.
type Source interface {
	ReadFrame(frame []int16) error
}

// Sink takes 16-bit linear PCM, mono, at the codec's clock rate, one frame at
// a time, from the engine's playout goroutine. WriteFrame must not block for
// longer than one frame: a sink that cannot keep up drops and counts frames.
type Sink interface {
	WriteFrame(frame []int16) error
}
