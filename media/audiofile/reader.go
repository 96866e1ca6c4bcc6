package audiofile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Reader decodes a WAV or MP3 file to interleaved samples.
type Reader struct {
	info   Info
	src    sampleSource
	closer io.Closer
	fbuf   []float32
}

// sampleSource is one decoder: it fills dst with whole frames of
// interleaved float32 samples and returns how many samples it wrote.
type sampleSource interface {
	read(dst []float32) (int, error)
}

// NewReader probes r and returns a decoder positioned at the first sample.
// It needs to seek: MP3 frames are counted for the duration before decoding.
func NewReader(r io.ReadSeeker) (*Reader, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("audio: finding the file size: %w", err)
	}
	ra, ok := r.(io.ReaderAt)
	if !ok {
		ra = &seekReaderAt{r: r}
	}
	info, err := Probe(ra, size)
	if err != nil {
		return nil, err
	}
	if _, err := r.Seek(info.DataOffset, io.SeekStart); err != nil {
		return nil, fmt.Errorf("audio: seeking to the samples: %w", err)
	}
	rd := &Reader{info: info}
	switch info.Format {
	case FormatWAV:
		h := wavHeader{info: info, blockAlign: info.Channels * info.BitDepth / 8, dataSize: info.DataBytes}
		rd.src = newWAVSource(bufio.NewReaderSize(r, 32<<10), h)
	case FormatMP3:
		if info.MPEGVersion == "2.5" {
			// go-mp3 decodes MPEG-1 and MPEG-2 only.
			return nil, fmt.Errorf("mp3: MPEG-2.5 (%d Hz) files can be probed but not decoded here: %w", info.SampleRate, ErrUnsupported)
		}
		src, err := newMP3Source(&offsetSeeker{r: r, base: info.DataOffset}, info.Channels)
		if err != nil {
			return nil, err
		}
		rd.src = src
	}
	return rd, nil
}

// Open opens and probes the audio file at path. Close the Reader when done.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open audio: %w", err)
	}
	r, err := NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open audio %s: %w", path, err)
	}
	r.closer = f
	return r, nil
}

// ProbeFile is [Probe] on the file at path.
func ProbeFile(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("probe: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("probe: %w", err)
	}
	info, err := Probe(f, st.Size())
	if err != nil {
		return Info{}, fmt.Errorf("probe %s: %w", path, err)
	}
	return info, nil
}

// Info describes the file being decoded.
func (r *Reader) Info() Info { return r.info }

// ReadFloat32 fills dst with interleaved samples in [-1, 1] (Info().Channels
// per frame) and returns how many it wrote, always a whole number of frames.
// At the end it returns 0, io.EOF; a file that ends before its header says
// gives an error wrapping ErrTruncated instead.
func (r *Reader) ReadFloat32(dst []float32) (int, error) {
	if len(dst) < r.info.Channels {
		return 0, fmt.Errorf("audio: buffer of %d samples holds no whole frame of %d channels", len(dst), r.info.Channels)
	}
	return r.src.read(dst)
}

// ReadInt16 is ReadFloat32 converted to 16-bit linear PCM (16-bit WAV comes
// through bit-exact).
func (r *Reader) ReadInt16(dst []int16) (int, error) {
	if cap(r.fbuf) < len(dst) {
		r.fbuf = make([]float32, len(dst))
	}
	f := r.fbuf[:len(dst)]
	n, err := r.ReadFloat32(f)
	for i := 0; i < n; i++ {
		dst[i] = floatToInt16(f[i])
	}
	return n, err
}

// Close closes the file opened by [Open]; it is a no-op for [NewReader].
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

func floatToInt16(v float32) int16 {
	s := math.Round(float64(v) * 32768)
	switch {
	case s > math.MaxInt16:
		return math.MaxInt16
	case s < math.MinInt16:
		return math.MinInt16
	}
	return int16(s)
}

// seekReaderAt adapts a ReadSeeker for Probe (sequential use only).
type seekReaderAt struct{ r io.ReadSeeker }

// ReadAt seeks to off and reads len(p) bytes (io.ReaderAt).
func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := s.r.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(s.r, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}
