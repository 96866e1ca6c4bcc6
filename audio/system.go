package audio

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gordonklaus/portaudio"
)

// SystemOptions configures a [System].
type SystemOptions struct {
	// Logger receives device and stream events (default: slog.Default()).
	Logger *slog.Logger
	// BackendDiagnostics keeps the ALSA and JACK libraries' stderr messages
	// (normally silenced: they are noise from probing absent hardware).
	BackendDiagnostics bool
}

// System owns PortAudio for the process: NewSystem initialises it, Close
// terminates it, and the device list it caches is only re-read by Refresh,
// with no stream open (PortAudio cannot rescan otherwise). PortAudio is
// process-wide, so have one System at a time.
type System struct {
	log *slog.Logger

	mu      sync.Mutex
	up      bool // PortAudio initialised
	streams int  // open streams
	devices []Device
	raw     []*portaudio.DeviceInfo // same order as devices
	hostAPI []HostAPI
}

// Device describes one PortAudio device.
type Device struct {
	// Name is PortAudio's device name, the stable identifier users choose
	// (e.g. "pulse", "default", "USB Headset: Audio (hw:1,0)").
	Name string `json:"name"`
	// HostAPI is the name of the host API the device belongs to (e.g. "ALSA").
	HostAPI                  string        `json:"host_api"`
	MaxInputChannels         int           `json:"max_input_channels"`
	MaxOutputChannels        int           `json:"max_output_channels"`
	DefaultSampleRate        float64       `json:"default_sample_rate"`
	DefaultLowInputLatency   time.Duration `json:"default_low_input_latency_ns"`
	DefaultLowOutputLatency  time.Duration `json:"default_low_output_latency_ns"`
	DefaultHighInputLatency  time.Duration `json:"default_high_input_latency_ns"`
	DefaultHighOutputLatency time.Duration `json:"default_high_output_latency_ns"`
	// DefaultInput and DefaultOutput mark the system's default devices.
	DefaultInput  bool `json:"default_input"`
	DefaultOutput bool `json:"default_output"`
}

// HostAPI describes one PortAudio host API (ALSA, JACK, …).
type HostAPI struct {
	Name    string `json:"name"`
	Devices int    `json:"devices"`
	// DefaultInput and DefaultOutput name its default devices ("" if none).
	DefaultInput  string `json:"default_input"`
	DefaultOutput string `json:"default_output"`
}

// Direction says whether a device is wanted for capture or playback.
type Direction int

const (
	// DirectionUnknown is the zero value.
	DirectionUnknown Direction = iota
	// DirectionInput is capture (a microphone).
	DirectionInput
	// DirectionOutput is playback (a speaker, a ringer).
	DirectionOutput
)

// String returns "input" or "output".
func (d Direction) String() string {
	switch d {
	case DirectionInput:
		return "input"
	case DirectionOutput:
		return "output"
	}
	return "unknown"
}

// Errors of device handling.
var (
	// ErrStreamsOpen is returned by Refresh and Close while a stream is open.
	ErrStreamsOpen = errors.New("audio streams are still open; close them first")
	// ErrNoDevice means there is no device at all for a direction (no sound server, no hardware).
	ErrNoDevice = errors.New("no audio device")
	// ErrClosed is returned after System.Close.
	ErrClosed = errors.New("audio: system closed")
)

// NewSystem initialises PortAudio and reads the device list.
func NewSystem(opts SystemOptions) (*System, error) {
	s := &System{log: opts.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	quietBackends(opts.BackendDiagnostics)
	if err := portaudio.Initialize(); err != nil {
		return nil, fmt.Errorf("initialise portaudio: %w", err)
	}
	s.up = true
	if err := s.load(); err != nil {
		portaudio.Terminate()
		return nil, err
	}
	return s, nil
}

// Close terminates PortAudio. Close every Duplex first: while a stream is
// open Close refuses with ErrStreamsOpen, because terminating under a
// stream being read or written would crash in C.
func (s *System) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.up {
		return nil
	}
	if s.streams > 0 {
		return ErrStreamsOpen
	}
	s.up = false
	if err := portaudio.Terminate(); err != nil {
		return fmt.Errorf("terminate portaudio: %w", err)
	}
	return nil
}

// Devices returns the cached device list.
func (s *System) Devices() ([]Device, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.up {
		return nil, ErrClosed
	}
	return append([]Device(nil), s.devices...), nil
}

// HostAPIs returns the host APIs PortAudio was built with.
func (s *System) HostAPIs() ([]HostAPI, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.up {
		return nil, ErrClosed
	}
	return append([]HostAPI(nil), s.hostAPI...), nil
}

// Refresh re-reads the device list by terminating and re-initialising
// PortAudio, which is only possible with no stream open.
func (s *System) Refresh() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshLocked()
}

func (s *System) refreshLocked() error {
	if !s.up {
		return ErrClosed
	}
	if s.streams > 0 {
		return ErrStreamsOpen
	}
	if err := portaudio.Terminate(); err != nil {
		return fmt.Errorf("refresh devices: terminate portaudio: %w", err)
	}
	if err := portaudio.Initialize(); err != nil {
		s.up = false
		return fmt.Errorf("refresh devices: initialise portaudio: %w", err)
	}
	return s.loadLocked()
}

func (s *System) load() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked()
}

func (s *System) loadLocked() error {
	apis, err := portaudio.HostApis()
	if err != nil {
		return fmt.Errorf("list host apis: %w", err)
	}
	raw, err := portaudio.Devices()
	if err != nil {
		return fmt.Errorf("list devices: %w", err)
	}
	var defIn, defOut *portaudio.DeviceInfo
	if d, err := portaudio.DefaultInputDevice(); err == nil {
		defIn = d
	}
	if d, err := portaudio.DefaultOutputDevice(); err == nil {
		defOut = d
	}
	s.hostAPI = s.hostAPI[:0]
	for _, a := range apis {
		h := HostAPI{Name: a.Name, Devices: len(a.Devices)}
		if a.DefaultInputDevice != nil {
			h.DefaultInput = a.DefaultInputDevice.Name
		}
		if a.DefaultOutputDevice != nil {
			h.DefaultOutput = a.DefaultOutputDevice.Name
		}
		s.hostAPI = append(s.hostAPI, h)
	}
	s.raw = raw
	s.devices = make([]Device, len(raw))
	for i, d := range raw {
		host := ""
		if d.HostApi != nil {
			host = d.HostApi.Name
		}
		s.devices[i] = Device{
			Name: d.Name, HostAPI: host,
			MaxInputChannels: d.MaxInputChannels, MaxOutputChannels: d.MaxOutputChannels,
			DefaultSampleRate:      d.DefaultSampleRate,
			DefaultLowInputLatency: d.DefaultLowInputLatency, DefaultLowOutputLatency: d.DefaultLowOutputLatency,
			DefaultHighInputLatency: d.DefaultHighInputLatency, DefaultHighOutputLatency: d.DefaultHighOutputLatency,
			DefaultInput: defIn != nil && d.Index == defIn.Index, DefaultOutput: defOut != nil && d.Index == defOut.Index,
		}
	}
	return nil
}

// hwSuffix is the ALSA card/device suffix that changes when cards are re-plugged.
var hwSuffix = regexp.MustCompile(`\s*\(hw:\d+,\d+\)$`)

// DefaultDeviceName is the device choice meaning "the system's default".
const DefaultDeviceName = "default"

// Resolve finds the device for name ("" or "default": the system default)
// in direction dir. Names match exactly, then case-insensitively, then
// ignoring an ALSA "(hw:N,M)" suffix. When the named device is missing it
// returns the default device and fellBack = true.
func (s *System) Resolve(name string, dir Direction) (dev Device, fellBack bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, dev, fellBack, err = s.resolveLocked(name, dir)
	return dev, fellBack, err
}

func (s *System) resolveLocked(name string, dir Direction) (*portaudio.DeviceInfo, Device, bool, error) {
	if !s.up {
		return nil, Device{}, false, ErrClosed
	}
	usable := func(d Device) bool {
		if dir == DirectionInput {
			return d.MaxInputChannels > 0
		}
		return d.MaxOutputChannels > 0
	}
	if name != "" && name != DefaultDeviceName {
		for _, match := range []func(string) bool{
			func(n string) bool { return n == name },
			func(n string) bool { return strings.EqualFold(n, name) },
			func(n string) bool {
				return strings.EqualFold(hwSuffix.ReplaceAllString(n, ""), hwSuffix.ReplaceAllString(name, ""))
			},
		} {
			for i, d := range s.devices {
				if usable(d) && match(d.Name) {
					return s.raw[i], d, false, nil
				}
			}
		}
	}
	for i, d := range s.devices {
		if usable(d) && ((dir == DirectionInput && d.DefaultInput) || (dir == DirectionOutput && d.DefaultOutput)) {
			return s.raw[i], d, name != "" && name != DefaultDeviceName, nil
		}
	}
	// No PortAudio default: take the first usable device.
	for i, d := range s.devices {
		if usable(d) {
			return s.raw[i], d, name != "" && name != DefaultDeviceName, nil
		}
	}
	return nil, Device{}, false, fmt.Errorf("%w for %s (is a sound server running?)", ErrNoDevice, dir)
}
