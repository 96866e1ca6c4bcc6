package audiofile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// WAVWriter writes 16-bit PCM WAV as a stream. The header goes out first
// with an "unknown" data size (0xFFFFFFFF, which [Probe] reads as "until end
// of file", so a recording cut off by a crash stays playable); Close writes
// the real sizes.
type WAVWriter struct {
	w        io.WriteSeeker
	bw       *bufio.Writer
	file     *os.File // set by CreateWAV: synced and closed by Close
	channels int
	data     int64 // sample bytes written
	buf      []byte
	closed   bool
}

// maxWAVData is the largest data chunk a RIFF size field can describe.
const maxWAVData = 0xFFFFFFFF - 36 - 1

// CreateWAV creates (or truncates) the file at path and starts a 16-bit PCM
// WAV with the given rate and channel count.
func CreateWAV(path string, sampleRate, channels int) (*WAVWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create wav: %w", err)
	}
	w, err := NewWAVWriter(f, sampleRate, channels)
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("create wav %s: %w", path, err)
	}
	w.file = f
	return w, nil
}

// NewWAVWriter starts a 16-bit PCM WAV on w. The caller keeps ownership of w
// (Close fixes the header but does not close w).
func NewWAVWriter(w io.WriteSeeker, sampleRate, channels int) (*WAVWriter, error) {
	if channels < 1 || channels > 32 {
		return nil, fmt.Errorf("wav writer: %d channels (want 1 to 32)", channels)
	}
	if sampleRate < 1 || sampleRate > 1_000_000 {
		return nil, fmt.Errorf("wav writer: sample rate %d Hz (want 1 to 1000000)", sampleRate)
	}
	ww := &WAVWriter{w: w, bw: bufio.NewWriterSize(w, 32<<10), channels: channels}
	var h [44]byte
	copy(h[0:4], "RIFF")
	binary.LittleEndian.PutUint32(h[4:8], unknownDataSize)
	copy(h[8:12], "WAVE")
	copy(h[12:16], "fmt ")
	binary.LittleEndian.PutUint32(h[16:20], 16)
	binary.LittleEndian.PutUint16(h[20:22], wavTagPCM)
	binary.LittleEndian.PutUint16(h[22:24], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:28], uint32(sampleRate))
	binary.LittleEndian.PutUint32(h[28:32], uint32(sampleRate*channels*2))
	binary.LittleEndian.PutUint16(h[32:34], uint16(channels*2))
	binary.LittleEndian.PutUint16(h[34:36], 16)
	copy(h[36:40], "data")
	binary.LittleEndian.PutUint32(h[40:44], unknownDataSize)
	if _, err := ww.bw.Write(h[:]); err != nil {
		return nil, fmt.Errorf("wav writer: header: %w", err)
	}
	return ww, nil
}

// WriteInt16 appends interleaved samples; len(samples) must be a multiple of
// the channel count.
func (w *WAVWriter) WriteInt16(samples []int16) error {
	if w.closed {
		return errors.New("wav writer: write after close")
	}
	if len(samples)%w.channels != 0 {
		return fmt.Errorf("wav writer: %d samples is not a whole number of %d-channel frames", len(samples), w.channels)
	}
	if w.data+int64(2*len(samples)) > maxWAVData {
		return fmt.Errorf("wav writer: file would exceed the 4 GiB WAV limit")
	}
	if cap(w.buf) < 2*len(samples) {
		w.buf = make([]byte, 2*len(samples))
	}
	b := w.buf[:2*len(samples)]
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	if _, err := w.bw.Write(b); err != nil {
		return fmt.Errorf("wav writer: %w", err)
	}
	w.data += int64(len(b))
	return nil
}

// WriteFrame appends one frame of mono samples (the media.Sink shape, for a
// mono writer).
func (w *WAVWriter) WriteFrame(frame []int16) error { return w.WriteInt16(frame) }

// Frames returns how many sample frames have been written.
func (w *WAVWriter) Frames() int64 { return w.data / int64(2*w.channels) }

// Close flushes, writes the real RIFF and data sizes into the header and,
// for a file made by CreateWAV, fsyncs and closes it. Closing twice is a no-op.
func (w *WAVWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.finish()
	if w.file != nil {
		if serr := w.file.Sync(); err == nil && serr != nil {
			err = fmt.Errorf("wav writer: sync: %w", serr)
		}
		if cerr := w.file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("wav writer: close: %w", cerr)
		}
	}
	return err
}

func (w *WAVWriter) finish() error {
	pad := w.data % 2 // never set for 16-bit samples; kept for chunk correctness
	if pad == 1 {
		if err := w.bw.WriteByte(0); err != nil {
			return fmt.Errorf("wav writer: %w", err)
		}
	}
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("wav writer: flush: %w", err)
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(36+w.data+pad))
	if err := w.patch(4, b[:]); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(b[:], uint32(w.data))
	if err := w.patch(40, b[:]); err != nil {
		return err
	}
	if _, err := w.w.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("wav writer: fix header: %w", err)
	}
	return nil
}

func (w *WAVWriter) patch(off int64, b []byte) error {
	if _, err := w.w.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("wav writer: fix header: %w", err)
	}
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("wav writer: fix header: %w", err)
	}
	return nil
}
