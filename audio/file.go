package audio

import (
	"errors"
	"fmt"
	"io"

	"github.com/hookphone/hookphone/media/audiofile"
)

// FileSource plays an audio file (WAV at any common rate and depth, mono
// or stereo, or MP3) as a media.Source at the codec rate: channels are
// averaged and the rate converted by the band-limited Resampler. After the
// last sample it returns io.EOF.
type FileSource struct {
	r       *audiofile.Reader
	ch      int
	rs      *Resampler
	raw     []float32
	mono    []float32
	pending []float32
	eof     bool
	path    string
}

// OpenFileSource opens path for playing at rate Hz.
func OpenFileSource(path string, rate int) (*FileSource, error) {
	r, err := audiofile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	info := r.Info()
	rs, err := NewResampler(info.SampleRate, rate)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("play %s: %w", path, err)
	}
	return &FileSource{r: r, ch: max(1, info.Channels), rs: rs, path: path,
		raw: make([]float32, 1024*max(1, info.Channels))}, nil
}

// Info describes the file.
func (f *FileSource) Info() audiofile.Info { return f.r.Info() }

// ReadFrame implements media.Source.
func (f *FileSource) ReadFrame(frame []int16) error {
	for len(f.pending) < len(frame) && !f.eof {
		n, err := f.r.ReadFloat32(f.raw)
		if n > 0 {
			f.mono = f.mono[:0]
			for i := 0; i+f.ch <= n; i += f.ch {
				var s float32
				for c := 0; c < f.ch; c++ {
					s += f.raw[i+c]
				}
				f.mono = append(f.mono, s/float32(f.ch))
			}
			f.pending = f.rs.Process(f.mono, f.pending)
		}
		if errors.Is(err, io.EOF) {
			f.eof = true
			// Flush the filter's delay line with silence.
			f.pending = f.rs.Process(make([]float32, int(f.rs.Delay()*float64(f.rs.InRate())/float64(f.rs.OutRate()))+1), f.pending)
			break
		}
		if err != nil {
			return fmt.Errorf("play %s: %w", f.path, err)
		}
	}
	if len(f.pending) == 0 && f.eof {
		clear(frame)
		return io.EOF
	}
	n := min(len(frame), len(f.pending))
	FloatToInt16(frame[:n], f.pending[:n])
	clear(frame[n:])
	f.pending = f.pending[:copy(f.pending, f.pending[n:])]
	return nil
}

// Close closes the file.
func (f *FileSource) Close() error { return f.r.Close() }

// FileSink records mono 16-bit WAV at the codec rate (a media.Sink). The
// header is fixed by Close; until then the file reads as running to its end.
type FileSink struct {
	w *audiofile.WAVWriter
}

// CreateFileSink creates (or truncates) a WAV file at path.
func CreateFileSink(path string, rate int) (*FileSink, error) {
	w, err := audiofile.CreateWAV(path, rate, 1)
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", path, err)
	}
	return &FileSink{w: w}, nil
}

// WriteFrame implements media.Sink.
func (f *FileSink) WriteFrame(frame []int16) error { return f.w.WriteFrame(frame) }

// Close finishes the WAV header and closes the file.
func (f *FileSink) Close() error { return f.w.Close() }
