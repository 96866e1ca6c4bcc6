// Package audio moves sound between Hookphone's media engine and the
// computer: PortAudio devices (chosen by name, with fallback to the default
// and recovery when a device vanishes mid-call), a band-limited resampler
// between the device rate and the codec clock, an acoustic echo canceller
// with noise suppression and AGC (libspeexdsp), level meters, and the
// sources and sinks [media.Source] and [media.Sink] describe: device capture
// and playback, WAV files, tones and silence.
//
// PortAudio is initialised and terminated by a [System] value, never by
// package state; every stream is serviced by blocking reads and writes on a
// goroutine of its own, so no Go code runs on the audio thread.
package audio
