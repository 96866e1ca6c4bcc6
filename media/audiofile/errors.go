package audiofile

import "errors"

// Sentinel errors. Returned errors wrap one of these with the detail of what
// was wrong, so callers test with errors.Is.
var (
	// ErrUnknownFormat means the bytes are neither WAV nor MP3.
	ErrUnknownFormat = errors.New("not a WAV or MP3 file")
	// ErrUnsupported means the file is WAV or MP3 but uses an encoding this
	// package does not decode (for example A-law WAV or MPEG Layer II).
	ErrUnsupported = errors.New("unsupported audio encoding")
	// ErrCorrupt means a header or chunk holds impossible values.
	ErrCorrupt = errors.New("corrupt audio file")
	// ErrTruncated means the file ends before the data its header declares.
	ErrTruncated = errors.New("truncated audio file")
)
