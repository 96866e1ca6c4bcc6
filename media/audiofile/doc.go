// Package audiofile reads and writes the audio files Hookphone deals with:
// WAV (RIFF/WAVE, PCM 8/16/24/32-bit and IEEE float, WAVE_FORMAT_EXTENSIBLE)
// and MP3 (MPEG-1/2/2.5 Layer III, decoded by github.com/hajimehoshi/go-mp3).
//
// # Reading
//
// [Probe] inspects a file without decoding it and says what it is (format,
// rate, channels, bit depth, duration) and whether the voice platform's NCCO
// `stream` action accepts it (MP3, or 16-bit PCM WAV). [NewReader] and [Open]
// decode either format to interleaved samples, as float32 in [-1, 1] or as
// 16-bit PCM. [Peaks] reduces a file to N buckets of min/max for drawing a
// waveform.
//
// # Writing
//
// [CreateWAV] and [NewWAVWriter] write 16-bit PCM WAV as a stream: the header
// is written first with placeholder sizes and fixed up by [WAVWriter.Close].
//
// # Bad input
//
// Every entry point returns an error wrapping one of the sentinels in
// errors.go ([ErrUnknownFormat], [ErrUnsupported], [ErrCorrupt],
// [ErrTruncated]) with a sentence saying what was wrong; none panics, even on
// hostile input (the fuzz tests hold this).
//
// The package depends on nothing else in Hookphone, so audio devices, the call
// engine and the stream cache can all use it.
package audiofile
