package audiofile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxLeadingJunk is how far past the start (or the ID3v2 tag) Probe looks for
// the first MP3 frame.
const maxLeadingJunk = 4096

// Probe identifies the audio file held in r (size bytes) without decoding
// it: WAV headers are parsed and MP3 frame headers walked. The error wraps
// ErrUnknownFormat (with a hint of what the bytes look like, e.g. an HTML
// page), ErrUnsupported, ErrCorrupt or ErrTruncated.
func Probe(r io.ReaderAt, size int64) (Info, error) {
	head := make([]byte, 64)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return Info{}, fmt.Errorf("probe: %w", err)
	}
	head = head[:n]
	switch {
	case n == 0:
		return Info{}, fmt.Errorf("probe: the file is empty: %w", ErrUnknownFormat)
	case bytes.HasPrefix(head, []byte("RIFF")) || bytes.HasPrefix(head, []byte("RF64")):
		return probeWAV(r, size)
	}
	start, err := id3v2Size(head)
	if err != nil {
		return Info{}, err
	}
	if start > 0 && start >= size {
		return Info{}, fmt.Errorf("mp3: ID3v2 tag of %d bytes but the file has %d: %w", start, size, ErrTruncated)
	}
	first, ok := findFirstMP3Frame(r, start, size)
	if !ok {
		if start > 0 {
			return Info{}, fmt.Errorf("mp3: ID3 tag but no MPEG audio frame within %d bytes after it: %w", maxLeadingJunk, ErrCorrupt)
		}
		return Info{}, fmt.Errorf("probe: %s: %w", sniffHint(head), ErrUnknownFormat)
	}
	return mp3Scan(r, first, size)
}

func probeWAV(r io.ReaderAt, size int64) (Info, error) {
	h, err := readWAVHeader(bufio.NewReader(io.NewSectionReader(r, 0, size)))
	if err != nil {
		return Info{}, err
	}
	avail := size - h.info.DataOffset
	if h.dataSize < 0 {
		// Never finalised (a recorder that crashed): the data runs to the end.
		h.info.DataBytes = avail
		h.info.Frames = avail / int64(h.blockAlign)
		h.info.Duration = framesDuration(h.info.Frames, h.info.SampleRate)
	} else if h.dataSize > avail {
		return Info{}, fmt.Errorf("wav: data chunk declares %d bytes but only %d follow: %w", h.dataSize, avail, ErrTruncated)
	}
	return h.info, nil
}

// findFirstMP3Frame returns the offset of the first Layer III frame header at
// or after start (within maxLeadingJunk) that is either the whole file or
// followed by a second header with the same rate, so that stray 0xFF bytes
// in junk are not taken for audio.
func findFirstMP3Frame(r io.ReaderAt, start, size int64) (int64, bool) {
	win := make([]byte, maxLeadingJunk+4)
	n, _ := r.ReadAt(win, start)
	win = win[:n]
	for i := 0; i+4 <= len(win); i++ {
		if win[i] != 0xFF {
			continue
		}
		h, ok, err := parseMP3Header(win[i : i+4])
		if !ok {
			continue
		}
		if err != nil {
			return start + int64(i), true // let mp3Scan report the unsupported kind
		}
		next := start + int64(i) + int64(h.frameBytes)
		if next >= size {
			return start + int64(i), true
		}
		var nb [4]byte
		if k, _ := r.ReadAt(nb[:], next); k == 4 {
			if h2, ok2, _ := parseMP3Header(nb[:]); ok2 && h2.sampleRate == h.sampleRate {
				return start + int64(i), true
			}
		}
	}
	return 0, false
}

// sniffHint says in words what a non-audio file looks like.
func sniffHint(head []byte) string {
	t := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	lower := bytes.ToLower(t)
	switch {
	case bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")):
		return "this is an HTML page, not audio"
	case bytes.HasPrefix(t, []byte("<?xml")) || bytes.HasPrefix(t, []byte("<")):
		return "this is XML or markup, not audio"
	case bytes.HasPrefix(t, []byte("{")) || bytes.HasPrefix(t, []byte("[")):
		return "this looks like JSON, not audio"
	case bytes.HasPrefix(head, []byte("OggS")):
		return "this is an Ogg file (Vorbis/Opus); the stream action wants MP3 or 16-bit WAV"
	case bytes.HasPrefix(head, []byte("fLaC")):
		return "this is a FLAC file; the stream action wants MP3 or 16-bit WAV"
	case len(head) >= 8 && string(head[4:8]) == "ftyp":
		return "this is an MP4/M4A file; the stream action wants MP3 or 16-bit WAV"
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xF6 == 0xF0:
		return "this is AAC (ADTS); the stream action wants MP3 or 16-bit WAV"
	}
	return fmt.Sprintf("unrecognised leading bytes % x", head[:min(8, len(head))])
}
