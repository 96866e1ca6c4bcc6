package audio

import (
	"errors"
	"fmt"
	"time"

	"github.com/gordonklaus/portaudio"
)

// deviceStream is one blocking PortAudio stream (capture or playback) at the
// device's native rate, serviced by exactly one goroutine through read or
// write. Opening and closing go through the System so that Refresh knows
// whether streams are open.
type deviceStream struct {
	sys      *System
	dir      Direction
	dev      Device
	fellBack bool
	pa       *portaudio.Stream
	buf      []int16 // one period, interleaved
	channels int
	rate     int
	period   int // frames per read/write
	latency  time.Duration
}

// openStream opens and starts a stream on the device called name (with
// fallback to the default) with a period of the given duration.
func (s *System) openStream(name string, dir Direction, period time.Duration) (*deviceStream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info, dev, fellBack, err := s.resolveLocked(name, dir)
	if err != nil {
		return nil, err
	}
	st := &deviceStream{sys: s, dir: dir, dev: dev, fellBack: fellBack}
	var lastErr error
	// 48 kHz first: the native rate of most hardware and of PulseAudio,
	// though ALSA plugin devices advertise 44.1 kHz.
	rates := []int{48000}
	if r := int(dev.DefaultSampleRate); r > 0 && r != 48000 {
		rates = append(rates, r)
	}
	for _, try := range tryFormats(rates) {
		rate, ch := try[0], try[1]
		frames := max(1, int(period.Seconds()*float64(rate)))
		st.rate, st.period = rate, frames
		var p portaudio.StreamParameters
		if dir == DirectionInput {
			if ch > dev.MaxInputChannels {
				continue
			}
			p = portaudio.LowLatencyParameters(info, nil)
			p.Input.Channels = ch
			st.latency = p.Input.Latency
		} else {
			if ch > dev.MaxOutputChannels {
				continue
			}
			p = portaudio.LowLatencyParameters(nil, info)
			p.Output.Channels = ch
			st.latency = p.Output.Latency
		}
		p.SampleRate = float64(rate)
		p.FramesPerBuffer = frames
		if err := portaudio.IsFormatSupported(p, make([]int16, 0)); err != nil {
			lastErr = err
			continue
		}
		st.buf = make([]int16, frames*ch)
		st.channels = ch
		pa, err := portaudio.OpenStream(p, st.buf)
		if err != nil {
			lastErr = err
			continue
		}
		if err := pa.Start(); err != nil {
			pa.Close()
			lastErr = err
			continue
		}
		st.pa = pa
		if info := pa.Info(); info != nil {
			st.latency = info.InputLatency
			if dir == DirectionOutput {
				st.latency = info.OutputLatency
			}
		}
		s.streams++
		return st, nil
	}
	return nil, fmt.Errorf("open %s device %q: %w", dir, dev.Name, lastErr)
}

// tryFormats lists (rate, channels) pairs in order of preference: mono
// before stereo at each rate.
func tryFormats(rates []int) [][2]int {
	var out [][2]int
	for _, r := range rates {
		out = append(out, [2]int{r, 1}, [2]int{r, 2})
	}
	return out
}

// read captures one period into st.buf. Overflows are glitches, reported
// as recoverable.
func (st *deviceStream) read() (glitch bool, err error) {
	err = st.pa.Read()
	if errors.Is(err, portaudio.InputOverflowed) {
		return true, nil
	}
	return false, st.wrap("read", err)
}

// write plays st.buf. Underflows are glitches, reported as recoverable.
func (st *deviceStream) write() (glitch bool, err error) {
	err = st.pa.Write()
	if errors.Is(err, portaudio.OutputUnderflowed) {
		return true, nil
	}
	return false, st.wrap("write", err)
}

// queued returns how many frames the device still has to play, given the
// buffer capacity measured right after the stream started (0 if unknown).
func (st *deviceStream) queued(capacity int) int {
	if capacity <= 0 {
		return 0
	}
	avail, err := st.pa.AvailableToWrite()
	if err != nil {
		return 0
	}
	return max(0, capacity-avail)
}

// capacity returns the frames writable without blocking: the whole device
// buffer when called right after the stream started.
func (st *deviceStream) capacity() int {
	n, err := st.pa.AvailableToWrite()
	if err != nil {
		return 0
	}
	return n
}

// wrap names the operation; PortAudio's host errors often carry no text.
func (st *deviceStream) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if err.Error() == "" { // PortAudio's UnanticipatedHostError without text; keep it for errors.As
		return fmt.Errorf("%s %q: host API error (device gone?)%w", op, st.dev.Name, err)
	}
	return fmt.Errorf("%s %q: %w", op, st.dev.Name, err)
}

// close aborts (drops what is queued) and closes the stream.
func (st *deviceStream) close() error {
	st.sys.mu.Lock()
	defer st.sys.mu.Unlock()
	if st.pa == nil {
		return nil
	}
	if !st.sys.up {
		st.pa = nil // Terminate already closed it
		return nil
	}
	st.pa.Abort()
	err := st.pa.Close()
	st.pa = nil
	st.sys.streams--
	if err != nil {
		return fmt.Errorf("close %s stream on %q: %w", st.dir, st.dev.Name, err)
	}
	return nil
}
