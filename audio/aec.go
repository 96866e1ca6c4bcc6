package audio

/*
#cgo pkg-config: speexdsp
#include <stdlib.h>
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

static int hk_echo_set_rate(SpeexEchoState *st, int rate) {
	return speex_echo_ctl(st, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
}
static int hk_pre_set_int(SpeexPreprocessState *st, int req, int v) {
	return speex_preprocess_ctl(st, req, &v);
}
static int hk_pre_set_float(SpeexPreprocessState *st, int req, float v) {
	return speex_preprocess_ctl(st, req, &v);
}
static int hk_pre_set_echo(SpeexPreprocessState *st, SpeexEchoState *echo) {
	return speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_ECHO_STATE, echo);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"time"
	"unsafe"
)

// EchoConfig configures an [EchoCanceller].
type EchoConfig struct {
	// Rate is the sample rate of near- and far-end audio (8000, 16000, 48000…).
	Rate int
	// FrameSize is the number of samples per Process call (10 ms: Rate/100).
	FrameSize int
	// Tail is the longest echo path the adaptive filter models (default 200 ms):
	// output latency + input latency + the room.
	Tail time.Duration
	// NoEchoCancel turns the adaptive filter off (the preprocessor still runs).
	NoEchoCancel bool
	// NoNoiseSuppress turns noise suppression off.
	NoNoiseSuppress bool
	// AGC turns on automatic gain control (speech normalised to about −12 dBFS).
	AGC bool
}

// EchoCanceller removes the far-end signal's acoustic echo from the
// microphone signal (libspeexdsp's multi-delay block frequency-domain adaptive
// filter), then suppresses residual echo and noise and optionally levels the
// gain (speex_preprocess). One goroutine at a time; Close frees the C state.
type EchoCanceller struct {
	cfg  EchoConfig
	echo *C.SpeexEchoState
	pre  *C.SpeexPreprocessState
	tmp  []int16
}

// NewEchoCanceller allocates the canceller and preprocessor.
func NewEchoCanceller(cfg EchoConfig) (*EchoCanceller, error) {
	if cfg.Rate < 8000 || cfg.Rate > 48000 {
		return nil, fmt.Errorf("echo canceller: rate %d Hz outside 8000–48000", cfg.Rate)
	}
	if cfg.FrameSize <= 0 || cfg.FrameSize > cfg.Rate/10 {
		return nil, fmt.Errorf("echo canceller: frame of %d samples at %d Hz: want 1–%d", cfg.FrameSize, cfg.Rate, cfg.Rate/10)
	}
	if cfg.Tail <= 0 {
		cfg.Tail = 200 * time.Millisecond
	}
	taps := int(cfg.Tail.Seconds() * float64(cfg.Rate))
	e := &EchoCanceller{cfg: cfg, tmp: make([]int16, cfg.FrameSize)}
	e.echo = C.speex_echo_state_init(C.int(cfg.FrameSize), C.int(taps))
	e.pre = C.speex_preprocess_state_init(C.int(cfg.FrameSize), C.int(cfg.Rate))
	if e.echo == nil || e.pre == nil {
		e.Close()
		return nil, errors.New("echo canceller: speexdsp could not allocate its state")
	}
	C.hk_echo_set_rate(e.echo, C.int(cfg.Rate))
	if !cfg.NoEchoCancel {
		C.hk_pre_set_echo(e.pre, e.echo)
	}
	denoise := 1
	if cfg.NoNoiseSuppress {
		denoise = 0
	}
	C.hk_pre_set_int(e.pre, C.SPEEX_PREPROCESS_SET_DENOISE, C.int(denoise))
	agc := 0
	if cfg.AGC {
		agc = 1
	}
	C.hk_pre_set_int(e.pre, C.SPEEX_PREPROCESS_SET_AGC, C.int(agc))
	C.hk_pre_set_float(e.pre, C.SPEEX_PREPROCESS_SET_AGC_LEVEL, 8000)
	return e, nil
}

// FrameSize returns the samples per Process call.
func (e *EchoCanceller) FrameSize() int { return e.cfg.FrameSize }

// Process cancels the echo of far (what the speaker played, FrameSize
// samples) from near (the microphone) and writes the result to out, which may
// be near itself.
func (e *EchoCanceller) Process(near, far, out []int16) error {
	n := e.cfg.FrameSize
	if len(near) != n || len(far) != n || len(out) != n {
		return fmt.Errorf("echo canceller: frames of %d/%d/%d samples, want %d", len(near), len(far), len(out), n)
	}
	if e.echo == nil {
		return errors.New("echo canceller: closed")
	}
	if e.cfg.NoEchoCancel {
		copy(out, near)
	} else {
		C.speex_echo_cancellation(e.echo, (*C.spx_int16_t)(unsafe.Pointer(&near[0])),
			(*C.spx_int16_t)(unsafe.Pointer(&far[0])), (*C.spx_int16_t)(unsafe.Pointer(&e.tmp[0])))
		copy(out, e.tmp)
	}
	C.speex_preprocess_run(e.pre, (*C.spx_int16_t)(unsafe.Pointer(&out[0])))
	return nil
}

// SetEchoCancel switches the adaptive filter (and residual echo
// suppression) on or off; noise suppression and AGC stay as configured.
func (e *EchoCanceller) SetEchoCancel(on bool) {
	if e.echo == nil || on == !e.cfg.NoEchoCancel {
		return
	}
	e.cfg.NoEchoCancel = !on
	if on {
		C.speex_echo_state_reset(e.echo)
		C.hk_pre_set_echo(e.pre, e.echo)
	} else {
		C.hk_pre_set_echo(e.pre, nil)
	}
}

// Reset forgets the learned echo path (after a device change).
func (e *EchoCanceller) Reset() {
	if e.echo != nil {
		C.speex_echo_state_reset(e.echo)
	}
}

// Close frees the C state; the canceller is unusable afterwards.
func (e *EchoCanceller) Close() {
	if e.echo != nil {
		C.speex_echo_state_destroy(e.echo)
		e.echo = nil
	}
	if e.pre != nil {
		C.speex_preprocess_state_destroy(e.pre)
		e.pre = nil
	}
}
