package audio

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookphone/hookphone/media"
)

// DeviceChoice names the devices a user picked; "" or "default" means the
// system default. Names are PortAudio device names (System.Devices).
type DeviceChoice struct {
	Input  string `toml:"input" json:"input"`
	Output string `toml:"output" json:"output"`
	Ringer string `toml:"ringer" json:"ringer"`
}

// DuplexConfig configures OpenDuplex. The zero value of every switch is the
// recommended setting (echo cancellation, noise suppression and AGC on).
type DuplexConfig struct {
	Choice DeviceChoice
	// CodecRate is the media engine's clock rate (8000 for G.711).
	CodecRate int
	// Period is the device read/write size (default 10 ms; 10–20 ms sensible).
	Period time.Duration
	// QueueLimit bounds each queue between the devices and the engine
	// (default 100 ms); beyond it the oldest audio is dropped and counted.
	QueueLimit time.Duration
	// NoInput opens the output only (a ringer, a file played to a device).
	NoInput bool
	// NoEchoCancel, NoNoiseSuppress and NoAGC switch the processing off.
	NoEchoCancel, NoNoiseSuppress, NoAGC bool
	// MicGainDB amplifies the microphone before processing.
	MicGainDB float64
	// EchoTail is the longest echo the canceller models (default 250 ms).
	EchoTail time.Duration
	Logger   *slog.Logger
}

// Stats counts what a Duplex did, for diagnostics and tests.
type Stats struct {
	InputDevice  string `json:"input_device"`
	OutputDevice string `json:"output_device"`
	// Captured and Played are device audio handled, in codec-rate samples.
	Captured uint64 `json:"captured"`
	Played   uint64 `json:"played"`
	// CaptureDropped: mic samples dropped because the engine did not read them in time
	// (queue full, or a backlog standing for a second cut to keep latency low).
	CaptureDropped uint64 `json:"capture_dropped"`
	// CaptureShort: samples the engine asked for that the mic had not delivered (silence given).
	CaptureShort uint64 `json:"capture_short"`
	// PlayDropped: samples the engine wrote faster than the speaker played them
	// (queue full, or a standing backlog cut).
	PlayDropped uint64 `json:"play_dropped"`
	// PlayShort: speaker periods filled with silence for lack of engine audio, in samples.
	PlayShort uint64 `json:"play_short"`
	// Overflows and Underflows are device-side glitches reported by PortAudio.
	Overflows  uint64 `json:"overflows"`
	Underflows uint64 `json:"underflows"`
	// Reopens counts streams reopened after a device was lost.
	Reopens uint64 `json:"reopens"`
	// EventsDropped counts events nobody read in time.
	EventsDropped uint64 `json:"events_dropped"`
}

// Duplex is a call's audio: the microphone as a media.Source and the speaker
// as a media.Sink at the codec rate, with echo cancellation between them.
// Each device is serviced by its own goroutine with blocking PortAudio I/O.
type Duplex struct {
	sys   *System
	cfg   DuplexConfig
	log   *slog.Logger
	block int // samples per 10 ms at the codec rate: the processing unit

	capQ, playQ, farQ  *sampleQueue
	micMeter, spkMeter *Meter

	aecOn   atomic.Bool
	micGain atomic.Uint64 // math.Float64bits of the linear gain

	events        chan Event
	eventsDropped atomic.Uint64
	cancel        context.CancelFunc
	wg            sync.WaitGroup
	closeOnce     sync.Once

	captured, played, overflows, underflows, reopens atomic.Uint64
	devMu                                            sync.Mutex
	inDev, outDev                                    string
}

// OpenDuplex opens the chosen input and output devices (falling back to the
// defaults, with an event) and starts servicing them. It fails when a
// direction has no usable device at all (not even a default); a device that
// fails later is replaced by the default one while the call goes on. The
// Duplex runs until Close; cancelling ctx afterwards does not stop it.
func OpenDuplex(ctx context.Context, sys *System, cfg DuplexConfig) (*Duplex, error) {
	if cfg.Logger == nil {
		cfg.Logger = sys.log
	}
	d, aec, err := newDuplex(sys, cfg)
	if err != nil {
		return nil, err
	}
	return d.start(ctx, d.cfg, aec)
}

// newDuplex validates cfg and builds a Duplex and its canceller, without devices.
func newDuplex(sys *System, cfg DuplexConfig) (*Duplex, *EchoCanceller, error) {
	if cfg.CodecRate < 8000 || cfg.CodecRate > 48000 || cfg.CodecRate%100 != 0 {
		return nil, nil, fmt.Errorf("open audio: codec rate %d Hz: want 8000–48000, a multiple of 100", cfg.CodecRate)
	}
	if cfg.Period <= 0 {
		cfg.Period = 10 * time.Millisecond
	}
	if cfg.QueueLimit <= 0 {
		cfg.QueueLimit = 100 * time.Millisecond
	}
	if cfg.EchoTail <= 0 {
		cfg.EchoTail = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	q := int(cfg.QueueLimit.Seconds() * float64(cfg.CodecRate))
	d := &Duplex{
		sys: sys, cfg: cfg, log: cfg.Logger, block: cfg.CodecRate / 100,
		capQ: newSampleQueue(q), playQ: newSampleQueue(q), farQ: newSampleQueue(cfg.CodecRate / 2),
		micMeter: NewMeter(cfg.CodecRate), spkMeter: NewMeter(cfg.CodecRate),
		events: make(chan Event, 32),
	}
	d.aecOn.Store(!cfg.NoEchoCancel)
	d.SetMicGain(cfg.MicGainDB)
	aec, err := NewEchoCanceller(EchoConfig{Rate: cfg.CodecRate, FrameSize: d.block, Tail: cfg.EchoTail,
		NoNoiseSuppress: cfg.NoNoiseSuppress, AGC: !cfg.NoAGC})
	if err != nil {
		return nil, nil, err
	}
	return d, aec, nil
}

// start opens the devices (so that a machine without audio fails here) and
// starts the loops.
func (d *Duplex) start(ctx context.Context, cfg DuplexConfig, aec *EchoCanceller) (*Duplex, error) {
	var err error
	var in *deviceStream
	if !cfg.NoInput {
		if in, err = d.open(cfg.Choice.Input, DirectionInput); err != nil {
			aec.Close()
			return nil, fmt.Errorf("open audio: %w", err)
		}
	}
	out, err := d.open(cfg.Choice.Output, DirectionOutput)
	if err != nil {
		if in != nil {
			in.close()
		}
		aec.Close()
		return nil, fmt.Errorf("open audio: %w", err)
	}
	ctx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	d.wg.Add(1)
	go d.playbackLoop(ctx, out)
	if in != nil {
		d.wg.Add(1)
		go d.captureLoop(ctx, in, aec)
	} else {
		aec.Close()
		d.farQ = newSampleQueue(1) // nobody reads the echo reference
	}
	return d, nil
}

// OpenPlayback opens only an output device (the ringer, or a file played
// to the speakers): a Duplex with NoInput whose Source is silent.
func OpenPlayback(ctx context.Context, sys *System, device string, codecRate int) (*Duplex, error) {
	return OpenDuplex(ctx, sys, DuplexConfig{Choice: DeviceChoice{Output: device}, CodecRate: codecRate, NoInput: true})
}

// Source returns the microphone side (never blocks; silence when the
// device has not delivered).
func (d *Duplex) Source() media.Source { return duplexSource{d} }

// Sink returns the speaker side (never blocks; drops and counts when full).
func (d *Duplex) Sink() media.Sink { return duplexSink{d} }

// Events reports device changes; it is closed by Close. Events that are not
// read in time are dropped and counted in Stats.
func (d *Duplex) Events() <-chan Event { return d.events }

// Levels returns the microphone (after processing) and speaker meters.
func (d *Duplex) Levels() (mic, speaker Level) { return d.micMeter.Level(), d.spkMeter.Level() }

// SetEchoCancel switches echo cancellation on or off mid-call.
func (d *Duplex) SetEchoCancel(on bool) { d.aecOn.Store(on) }

// SetMicGain sets the microphone gain in dB (−40…+40).
func (d *Duplex) SetMicGain(db float64) {
	db = max(-40, min(40, db))
	d.micGain.Store(math.Float64bits(math.Pow(10, db/20)))
}

// Buffered returns how much audio waits in the capture queue (for the
// engine to read) and in the playback queue (for the speaker).
func (d *Duplex) Buffered() (capture, playback time.Duration) {
	r := float64(d.cfg.CodecRate)
	return time.Duration(float64(d.capQ.len()) / r * float64(time.Second)),
		time.Duration(float64(d.playQ.len()) / r * float64(time.Second))
}

// Stats returns the counters.
func (d *Duplex) Stats() Stats {
	cd, cs := d.capQ.counters()
	pd, ps := d.playQ.counters()
	d.devMu.Lock()
	in, out := d.inDev, d.outDev
	d.devMu.Unlock()
	return Stats{InputDevice: in, OutputDevice: out, Captured: d.captured.Load(), Played: d.played.Load(),
		CaptureDropped: cd, CaptureShort: cs, PlayDropped: pd, PlayShort: ps,
		Overflows: d.overflows.Load(), Underflows: d.underflows.Load(), Reopens: d.reopens.Load(),
		EventsDropped: d.eventsDropped.Load()}
}

// Close stops both streams and closes Events.
func (d *Duplex) Close() error {
	d.closeOnce.Do(func() {
		d.cancel()
		d.wg.Wait()
		close(d.events)
	})
	return nil
}

type duplexSource struct{ d *Duplex }

// ReadFrame implements media.Source.
func (s duplexSource) ReadFrame(frame []int16) error {
	s.d.capQ.pop(frame)
	return nil
}

type duplexSink struct{ d *Duplex }

// WriteFrame implements media.Sink.
func (s duplexSink) WriteFrame(frame []int16) error {
	s.d.playQ.push(frame)
	return nil
}

func (d *Duplex) emit(e Event) {
	e.Time = time.Now()
	if e.Kind == EventOpened && !e.Fallback {
		d.log.Info("audio: " + e.String())
	} else {
		d.log.Warn("audio: " + e.String())
	}
	select {
	case d.events <- e:
	default:
		d.eventsDropped.Add(1)
	}
}

// open opens a stream and reports it.
func (d *Duplex) open(name string, dir Direction) (*deviceStream, error) {
	st, err := d.sys.openStream(name, dir, d.cfg.Period)
	if err != nil {
		return nil, err
	}
	d.devMu.Lock()
	if dir == DirectionInput {
		d.inDev = st.dev.Name
	} else {
		d.outDev = st.dev.Name
	}
	d.devMu.Unlock()
	d.emit(Event{Kind: EventOpened, Direction: dir, Device: st.dev.Name, Wanted: name, Fallback: st.fellBack,
		Rate: st.rate, Channels: st.channels, Latency: st.latency})
	return st, nil
}

// reopen replaces a lost stream with one on the default device, retrying
// every second until ctx ends.
func (d *Duplex) reopen(ctx context.Context, lost *deviceStream, err error) *deviceStream {
	lost.close()
	d.emit(Event{Kind: EventDeviceLost, Direction: lost.dir, Device: lost.dev.Name, Err: err})
	for {
		st, err := d.open(DefaultDeviceName, lost.dir)
		if err == nil {
			d.reopens.Add(1)
			return st
		}
		d.emit(Event{Kind: EventOpenFailed, Direction: lost.dir, Err: err})
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// captureLoop reads the microphone and hands each period to the capture
// chain; on a device error it reopens on the default device.
func (d *Duplex) captureLoop(ctx context.Context, st *deviceStream, aec *EchoCanceller) {
	defer d.wg.Done()
	defer d.recoverLoop(DirectionInput)
	defer aec.Close()
	defer func() {
		if st != nil {
			st.close()
		}
	}()
	c := newCaptureChain(d, aec, st.rate)
	for ctx.Err() == nil {
		glitch, err := st.read()
		if glitch {
			d.overflows.Add(1)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if st = d.reopen(ctx, st, err); st == nil {
				return
			}
			c.restart(st.rate)
			continue
		}
		c.process(st.buf, st.channels)
	}
}

// playbackLoop fills each device period from the playback chain and writes
// it; the blocking write paces the loop. On a device error it reopens on
// the default device.
func (d *Duplex) playbackLoop(ctx context.Context, st *deviceStream) {
	defer d.wg.Done()
	defer d.recoverLoop(DirectionOutput)
	defer func() {
		if st != nil {
			st.close()
		}
	}()
	c := newPlaybackChain(d, st.rate)
	capacity := st.capacity()
	for ctx.Err() == nil {
		// With no engine audio waiting, keep the device buffer shallow:
		// silence written now would sit in front of the next real audio
		// as latency. Only write it when the device is about to run dry.
		if d.playQ.len() < d.block && st.queued(capacity) > 2*st.period {
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Millisecond):
			}
			continue
		}
		c.fill(st.buf, st.channels, st.period)
		glitch, err := st.write()
		if glitch {
			d.underflows.Add(1)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if st = d.reopen(ctx, st, err); st == nil {
				return
			}
			c.restart(st.rate)
			capacity = st.capacity()
		}
	}
}

// recoverLoop keeps a bug in a device loop from killing the process: the
// loop stops, the call goes on without that direction, and it is reported.
func (d *Duplex) recoverLoop(dir Direction) {
	if r := recover(); r != nil {
		d.log.Error("audio: device loop stopped by a bug", "direction", dir.String(), "panic", fmt.Sprint(r))
		d.emit(Event{Kind: EventDeviceLost, Direction: dir, Err: fmt.Errorf("internal error: %v", r)})
	}
}

// downmix converts interleaved PCM with ch channels to mono floats.
func downmix(dst []float32, src []int16, ch int) []float32 {
	if ch == 1 {
		return Int16ToFloat(dst, src)
	}
	for i := 0; i+ch <= len(src); i += ch {
		var s float32
		for c := 0; c < ch; c++ {
			s += float32(src[i+c])
		}
		dst = append(dst, s/float32(ch)/32768)
	}
	return dst
}

// upmix writes mono floats to interleaved PCM with ch identical channels.
func upmix(dst []int16, src []float32, ch int) {
	for i, f := range src {
		v := sat16(float64(f) * 32768)
		for c := 0; c < ch; c++ {
			dst[i*ch+c] = v
		}
	}
}

func sat16(v float64) int16 {
	v = math.Round(v)
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return int16(v)
}
