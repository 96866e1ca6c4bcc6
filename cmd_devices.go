package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hookphone/hookphone/audio"
)

func init() {
	register(command{name: "devices", summary: "list audio devices; --echo-test / --loopback check one", run: runDevices})
}

// devicesResult is the result object of `hookphone devices --json`.
type devicesResult struct {
	Devices       []audio.Device  `json:"devices"`
	HostAPIs      []audio.HostAPI `json:"host_apis"`
	DefaultInput  string          `json:"default_input"`
	DefaultOutput string          `json:"default_output"`
	// Check is set after --echo-test or --loopback.
	Check *deviceCheck `json:"check,omitempty"`
	Error string       `json:"error,omitempty"`
}

type deviceCheck struct {
	Mode       string      `json:"mode"` // echo-test or loopback
	Input      string      `json:"input"`
	Output     string      `json:"output"`
	DurationS  float64     `json:"duration_s"`
	MicPeak    float64     `json:"mic_peak_dbfs"`
	MicRMS     float64     `json:"mic_rms_dbfs"`
	Stats      audio.Stats `json:"stats"`
	DeviceLost bool        `json:"device_lost"`
}

func runDevices(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "devices", "[--json] [--echo-test 5s | --loopback 10s] [--device NAME|default]")
	asJSON := fs.Bool("json", false, "print JSON objects, one per line; the last is the result")
	echo := fs.Duration("echo-test", 0, "record the microphone for this long, then play it back")
	loop := fs.Duration("loopback", 0, "play the microphone live on the speaker for this long")
	device := fs.String("device", "default", "device for --echo-test/--loopback (input and output): a name from the list, or default")
	input := fs.String("input", "", "input device (overrides --device)")
	output := fs.String("output", "", "output device (overrides --device)")
	rate := fs.Int("codec-rate", 8000, "processing rate for the checks (8000, 16000, 48000)")
	aec := fs.Bool("aec", false, "run echo cancellation, noise suppression and AGC in the checks")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *echo > 0 && *loop > 0 {
		fmt.Fprintln(cio.stderr, "hookphone devices: --echo-test and --loopback are exclusive")
		return exitUsage
	}
	if *echo < 0 || *loop < 0 || *echo > 10*time.Minute || *loop > 10*time.Minute {
		fmt.Fprintln(cio.stderr, "hookphone devices: durations must be between 0 and 10m")
		return exitUsage
	}
	p := printer{w: cio.stdout, json: *asJSON}
	logger := slog.New(slog.NewTextHandler(cio.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sys, err := audio.NewSystem(audio.SystemOptions{Logger: logger})
	if err != nil {
		return failf(cio, "devices", "%v", err)
	}
	defer sys.Close()
	devs, err := sys.Devices()
	if err != nil {
		return failf(cio, "devices", "%v", err)
	}
	apis, _ := sys.HostAPIs()
	res := devicesResult{Devices: devs, HostAPIs: apis}
	for _, d := range devs {
		if d.DefaultInput {
			res.DefaultInput = d.Name
		}
		if d.DefaultOutput {
			res.DefaultOutput = d.Name
		}
	}
	if res.Devices == nil {
		res.Devices = []audio.Device{}
	}
	if !p.json {
		printDeviceTable(cio, devs)
	}
	if *echo == 0 && *loop == 0 {
		if p.json {
			p.event(res, "")
		}
		return exitOK
	}

	in, out := *device, *device
	if *input != "" {
		in = *input
	}
	if *output != "" {
		out = *output
	}
	d, err := audio.OpenDuplex(ctx, sys, audio.DuplexConfig{Choice: audio.DeviceChoice{Input: in, Output: out},
		CodecRate: *rate, NoEchoCancel: !*aec, NoNoiseSuppress: !*aec, NoAGC: !*aec, Logger: logger})
	if err != nil {
		return failf(cio, "devices", "%v", err)
	}
	check := &deviceCheck{Input: in, Output: out}
	done := make(chan struct{})
	go func() { // report device events as they happen
		defer close(done)
		for e := range d.Events() {
			if e.Kind == audio.EventDeviceLost {
				check.DeviceLost = true
			}
			p.event(map[string]any{"event": e.Kind.String(), "direction": e.Direction, "device": e.Device,
				"wanted": e.Wanted, "fallback": e.Fallback, "rate": e.Rate, "message": e.String()}, e.String())
		}
	}()
	start := time.Now()
	var peak, rms = -120.0, -120.0
	if *echo > 0 {
		check.Mode = "echo-test"
		if !p.json {
			fmt.Fprintf(cio.stdout, "recording %v from %q, then playing it back on %q…\n", *echo, in, out)
		}
		rec, err := audio.EchoTest(ctx, d.Source(), d.Sink(), *rate, *echo)
		if err == nil {
			m := audio.NewMeter(*rate)
			for i := 0; i+160 <= len(rec); i += 160 {
				m.Update(rec[i : i+160])
				l := m.Level()
				peak, rms = max(peak, l.Peak), max(rms, l.RMS)
			}
			time.Sleep(200 * time.Millisecond) // let the tail play out
		}
		if err != nil && ctx.Err() == nil {
			d.Close()
			<-done
			return failf(cio, "devices", "%v", err)
		}
	} else {
		check.Mode = "loopback"
		if !p.json {
			fmt.Fprintf(cio.stdout, "playing %q live on %q for %v…\n", in, out, *loop)
		}
		peak, rms = loopback(ctx, d, *rate, *loop)
	}
	check.DurationS = time.Since(start).Seconds()
	check.MicPeak, check.MicRMS = peak, rms
	check.Stats = d.Stats()
	check.Input, check.Output = check.Stats.InputDevice, check.Stats.OutputDevice
	d.Close()
	<-done
	res.Check = check
	p.event(res, fmt.Sprintf("%s done: microphone peak %.1f dBFS, loudest RMS %.1f dBFS", check.Mode, peak, rms))
	return exitOK
}

// loopback moves microphone frames to the speaker as soon as they are
// captured (polled every 2 ms) and returns the highest mic levels seen.
func loopback(ctx context.Context, d *audio.Duplex, rate int, dur time.Duration) (peak, rms float64) {
	peak, rms = -120, -120
	frame := make([]int16, rate/100)
	tk := time.NewTicker(2 * time.Millisecond)
	defer tk.Stop()
	end := time.After(dur)
	for {
		select {
		case <-ctx.Done():
			return
		case <-end:
			return
		case <-tk.C:
		}
		for {
			c, _ := d.Buffered()
			if c < 10*time.Millisecond {
				break
			}
			d.Source().ReadFrame(frame)
			d.Sink().WriteFrame(frame)
		}
		mic, _ := d.Levels()
		peak, rms = max(peak, mic.Peak), max(rms, mic.RMS)
	}
}

func printDeviceTable(cio cliIO, devs []audio.Device) {
	if len(devs) == 0 {
		fmt.Fprintln(cio.stdout, "no audio devices (is a sound server such as PulseAudio or PipeWire running?)")
		return
	}
	fmt.Fprintf(cio.stdout, "%-3s %-40s %-6s %4s %4s %7s %9s\n", "", "NAME", "API", "IN", "OUT", "RATE", "LATENCY")
	for _, d := range devs {
		var mark []string
		if d.DefaultInput {
			mark = append(mark, "i")
		}
		if d.DefaultOutput {
			mark = append(mark, "o")
		}
		lat := d.DefaultLowOutputLatency
		if d.MaxOutputChannels == 0 {
			lat = d.DefaultLowInputLatency
		}
		fmt.Fprintf(cio.stdout, "%-3s %-40s %-6s %4d %4d %7.0f %7.1fms\n", strings.Join(mark, ""), d.Name, d.HostAPI,
			d.MaxInputChannels, d.MaxOutputChannels, d.DefaultSampleRate, float64(lat.Microseconds())/1000)
	}
	fmt.Fprintln(cio.stdout, "(i/o: default input/output; choose a device by NAME, e.g. --device pulse)")
}
