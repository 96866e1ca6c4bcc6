// Package testlab starts real peers for tests (one file per peer). pulse.go:
// a private PulseAudio server with virtual speaker and microphone.
package testlab

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Names of the virtual devices every Pulse server has.
const (
	// PulseSpeaker is the null sink that stands for the speaker (the default sink).
	PulseSpeaker = "vspk"
	// PulseMicFeed is the null sink a test plays into; its monitor feeds PulseMic.
	PulseMicFeed = "micfeed"
	// PulseMic is the virtual microphone (the default source), a remap of micfeed.monitor.
	PulseMic = "vmic"
	// PulseRate is the sample rate of every virtual device and of Feed/Record.
	PulseRate = 48000
)

// Pulse is a private PulseAudio 16 server owned by one test: its own
// XDG_RUNTIME_DIR, HOME and config, a speaker null sink (vspk), a microphone
// (vmic) fed through the micfeed null sink, and a silent low-latency client on
// every null sink, because an idle null sink renders in 2 s blocks and starves
// new streams (AUDIO-LAB-NOTES §5a). It is stopped by t.Cleanup.
//
// In-process PortAudio reaches it through ALSA's pulse plugin once Setenv has
// pointed PULSE_SERVER (and HOME, for ALSAPCM) at it; child processes get Env.
type Pulse struct {
	// Dir holds the runtime dir, home, config, log and anything the test adds.
	Dir string
	// Server is the PULSE_SERVER value (unix:/…/native).
	Server string
	// Home is the HOME the server runs with; Setenv points the test process at it too.
	Home string

	t       testing.TB
	log     *lockedBuffer
	cmd     *exec.Cmd
	mu      sync.Mutex
	keep    map[string]*exec.Cmd // keepalive client per sink
	modules map[string]int       // null sink name → module index (sinks added by AddNullSink)
	pcms    []string             // ~/.asoundrc entries
	exited  chan struct{}
}

// StartPulse starts PulseAudio for t and waits until its sinks run in real
// time. It fails the test with "run make deps" when a binary is missing.
func StartPulse(t testing.TB) *Pulse {
	t.Helper()
	for _, bin := range []string{"pulseaudio", "pactl", "pacat"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("testlab: %s not found (packages pulseaudio, pulseaudio-utils): run make deps", bin)
		}
	}
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so"); err != nil {
		if m, _ := filepath.Glob("/usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so"); len(m) == 0 {
			t.Fatalf("testlab: ALSA pulse plugin not found (package libasound2-plugins): run make deps")
		}
	}
	// A short directory: the unix socket path must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "hkpulse")
	if err != nil {
		t.Fatalf("testlab: pulse dir: %v", err)
	}
	p := &Pulse{Dir: dir, t: t, log: &lockedBuffer{}, keep: map[string]*exec.Cmd{}, modules: map[string]int{}}
	t.Cleanup(func() {
		p.stop()
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("testlab: pulse files kept in %s", dir)
		}
	})
	xdg := filepath.Join(dir, "xdg")
	p.Home = filepath.Join(dir, "home")
	for _, d := range []string{xdg, p.Home, filepath.Join(dir, "config"), filepath.Join(dir, "cache")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatalf("testlab: %v", err)
		}
	}
	sock := filepath.Join(xdg, "pulse", "native")
	p.Server = "unix:" + sock
	script := fmt.Sprintf(`load-module module-native-protocol-unix auth-anonymous=1 socket=%s
load-module module-null-sink sink_name=%s rate=%d channels=1 sink_properties=device.description=VirtualSpeaker
load-module module-null-sink sink_name=%s rate=%d channels=1 sink_properties=device.description=MicFeed
load-module module-remap-source source_name=%s master=%s.monitor channels=1 source_properties=device.description=VirtualMic
set-default-sink %s
set-default-source %s
`, sock, PulseSpeaker, PulseRate, PulseMicFeed, PulseRate, PulseMic, PulseMicFeed, PulseSpeaker, PulseMic)
	pa := filepath.Join(dir, "lab.pa")
	if err := os.WriteFile(pa, []byte(script), 0o600); err != nil {
		t.Fatalf("testlab: %v", err)
	}
	// No CPU load limiter: on a loaded 2-core machine PulseAudio's own
	// watchdog would otherwise kill the server in the middle of a test.
	p.cmd = exec.Command("pulseaudio", "-n", "-F", pa, "--daemonize=no", "--exit-idle-time=-1",
		"--use-pid-file=no", "--log-target=stderr", "--system=false", "--no-cpu-limit=true")
	p.cmd.Env = p.daemonEnv()
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("testlab: start pulseaudio: %v", err)
	}
	exited := make(chan struct{})
	go func() { p.cmd.Wait(); close(exited) }()
	p.exited = exited

	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := p.Pactl("info"); err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("testlab: pulseaudio exited during start-up:\n%s", p.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("testlab: pulseaudio not ready after 15 s:\n%s", p.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, s := range []string{PulseSpeaker, PulseMicFeed} {
		p.keepalive(s)
	}
	// The block the idle null sinks were rendering must end before the
	// keepalives' low latency applies (up to 2 s).
	time.Sleep(2500 * time.Millisecond)
	return p
}

// Env returns the environment for a child process (pacat, baresip, the
// hookphone binary) that must use this server.
func (p *Pulse) Env() []string {
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE", "HOME", "XDG_RUNTIME_DIR":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PULSE_SERVER="+p.Server, "HOME="+p.Home,
		"XDG_RUNTIME_DIR="+filepath.Join(p.Dir, "xdg"), "JACK_NO_START_SERVER=1")
}

// Setenv points the test process itself at this server (PULSE_SERVER, HOME,
// XDG_RUNTIME_DIR) with t.Setenv, so PortAudio opened afterwards reaches it.
// Call it before initialising PortAudio: ALSA reads its configuration then.
func (p *Pulse) Setenv(t testing.TB) {
	t.Helper()
	t.Setenv("PULSE_SERVER", p.Server)
	t.Setenv("HOME", p.Home)
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(p.Dir, "xdg"))
	t.Setenv("JACK_NO_START_SERVER", "1")
	os.Unsetenv("PULSE_SINK")
	os.Unsetenv("PULSE_SOURCE")
}

// ALSAPCM adds an ALSA PCM named name to the server's $HOME/.asoundrc that
// plays to sink (or records from source; empty: the defaults). PortAudio lists
// it as a device of its own after its next initialisation. server, if not
// empty, is the PULSE_SERVER the PCM connects to (see AddDevice).
func (p *Pulse) ALSAPCM(name, sink, source, server string) {
	p.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "pcm.%s {\n  type pulse\n", name)
	if sink != "" {
		fmt.Fprintf(&b, "  device %q\n", sink)
	} else if source != "" {
		fmt.Fprintf(&b, "  device %q\n", source)
	}
	if server != "" {
		fmt.Fprintf(&b, "  server %q\n", server)
	}
	fmt.Fprintf(&b, "  hint { show on description %q }\n}\n", name+" (hookphone test)")
	p.mu.Lock()
	p.pcms = append(p.pcms, b.String())
	all := strings.Join(p.pcms, "")
	p.mu.Unlock()
	if err := os.WriteFile(filepath.Join(p.Home, ".asoundrc"), []byte(all), 0o600); err != nil {
		p.t.Fatalf("testlab: write .asoundrc: %v", err)
	}
}

// AddDevice makes a pluggable playback device: a null sink "<name>" with a
// keepalive, reached through a protocol socket of its own, and an ALSA PCM
// named name bound to both (PortAudio lists it after its next
// initialisation; record what it plays from "<name>.monitor"). UnplugDevice
// then behaves like pulling a USB headset: the socket module is unloaded, so
// streams on the device fail instead of being moved to another sink by the
// server, and the sink goes away.
func (p *Pulse) AddDevice(name string) {
	p.t.Helper()
	sock := p.deviceSocket(name)
	p.ALSAPCM(name, name, "", "unix:"+sock)
}

// AddInputDevice makes a pluggable capture device: an ALSA PCM named name
// recording from the monitor of a null sink "<name>" (play into it with
// Play(ctx, name, gen)), through a socket of its own, so that UnplugDevice
// makes capture streams on it fail, like a USB microphone pulled out.
func (p *Pulse) AddInputDevice(name string) {
	p.t.Helper()
	sock := p.deviceSocket(name)
	p.ALSAPCM(name, "", name+".monitor", "unix:"+sock)
}

// deviceSocket makes the null sink "<name>" and a protocol socket of its own
// for a pluggable device, remembers the socket module for UnplugDevice, and
// returns the socket's path.
func (p *Pulse) deviceSocket(name string) string {
	p.t.Helper()
	p.AddNullSink(name)
	sock := filepath.Join(p.Dir, "xdg", "dev-"+name)
	out, err := p.Pactl("load-module", "module-native-protocol-unix", "auth-anonymous=1", "socket="+sock)
	if err != nil {
		p.t.Fatalf("testlab: socket for device %s: %v", name, err)
	}
	idx, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		p.t.Fatalf("testlab: socket for device %s: module index %q: %v", name, out, err)
	}
	p.mu.Lock()
	p.modules["socket:"+name] = idx
	p.mu.Unlock()
	return sock
}

// UnplugDevice removes a device made by AddDevice or AddInputDevice while
// streams use it.
func (p *Pulse) UnplugDevice(name string) {
	p.t.Helper()
	p.mu.Lock()
	idx, ok := p.modules["socket:"+name]
	delete(p.modules, "socket:"+name)
	p.mu.Unlock()
	if !ok {
		p.t.Fatalf("testlab: no device %q was added", name)
	}
	if _, err := p.Pactl("unload-module", strconv.Itoa(idx)); err != nil {
		p.t.Fatalf("testlab: unplug %s: %v", name, err)
	}
	p.RemoveNullSink(name)
}

// AddNullSink loads another mono 48 kHz null sink with a keepalive client.
func (p *Pulse) AddNullSink(name string) {
	p.t.Helper()
	out, err := p.Pactl("load-module", "module-null-sink", "sink_name="+name,
		"rate="+strconv.Itoa(PulseRate), "channels=1")
	if err != nil {
		p.t.Fatalf("testlab: load null sink %s: %v", name, err)
	}
	idx, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		p.t.Fatalf("testlab: load null sink %s: module index %q: %v", name, out, err)
	}
	p.mu.Lock()
	p.modules[name] = idx
	p.mu.Unlock()
	p.keepalive(name)
	time.Sleep(2500 * time.Millisecond)
}

// RemoveNullSink unloads a sink added by AddNullSink, as if the device were
// unplugged: streams on it are moved or killed by the server.
func (p *Pulse) RemoveNullSink(name string) {
	p.t.Helper()
	p.mu.Lock()
	idx, ok := p.modules[name]
	delete(p.modules, name)
	k := p.keep[name]
	delete(p.keep, name)
	p.mu.Unlock()
	if !ok {
		p.t.Fatalf("testlab: no null sink %q was added", name)
	}
	stopProcess(k)
	if _, err := p.Pactl("unload-module", strconv.Itoa(idx)); err != nil {
		p.t.Fatalf("testlab: unload sink %s: %v", name, err)
	}
}

// Pactl runs pactl against this server and returns its standard output.
func (p *Pulse) Pactl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pactl", args...)
	cmd.Env = p.Env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("pactl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// Log returns what the server has printed so far.
func (p *Pulse) Log() string { return p.log.String() }

// Generator fills buf with the next samples (mono, PulseRate) of a signal.
type Generator func(buf []int16)

// FeedMic plays gen into the virtual microphone in real time until ctx ends
// or the returned stop is called; stop waits for the player to exit.
func (p *Pulse) FeedMic(ctx context.Context, gen Generator) (stop func()) {
	return p.Play(ctx, PulseMicFeed, gen)
}

// FeedMicSamples plays samples (mono, PulseRate) into the virtual microphone
// once, then silence.
func (p *Pulse) FeedMicSamples(ctx context.Context, samples []int16) (stop func()) {
	pos := 0
	return p.FeedMic(ctx, func(buf []int16) {
		n := copy(buf, samples[pos:])
		pos += n
		clear(buf[n:])
	})
}

// Play plays gen into sink in real time (pacat, 100 ms latency, which keeps
// the feeder itself from underrunning under load).
func (p *Pulse) Play(ctx context.Context, sink string, gen Generator) (stop func()) {
	p.t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(ctx, "pacat", "--playback", "--latency-msec=100", "-d", sink,
		"--rate="+strconv.Itoa(PulseRate), "--channels=1", "--format=s16le", "--raw")
	cmd.Env = p.Env()
	cmd.Stderr = p.log
	in, err := cmd.StdinPipe()
	if err != nil {
		p.t.Fatalf("testlab: pacat: %v", err)
	}
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("testlab: start pacat: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]int16, PulseRate/100)
		raw := make([]byte, 2*len(buf))
		for ctx.Err() == nil {
			gen(buf)
			for i, s := range buf {
				binary.LittleEndian.PutUint16(raw[2*i:], uint16(s))
			}
			if _, err := in.Write(raw); err != nil {
				return
			}
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			in.Close()
			<-done
			cmd.Wait()
		})
	}
	p.t.Cleanup(stop)
	return stop
}

// Recording captures a source (for example "vspk.monitor") until Stop.
type Recording struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	once sync.Once
	res  []int16
}

// Record starts capturing source (mono, PulseRate, 20 ms latency).
func (p *Pulse) Record(source string) *Recording {
	p.t.Helper()
	r := &Recording{out: &lockedBuffer{}}
	r.cmd = exec.Command("pacat", "--record", "--latency-msec=20", "-d", source,
		"--rate="+strconv.Itoa(PulseRate), "--channels=1", "--format=s16le", "--raw")
	r.cmd.Env = p.Env()
	r.cmd.Stdout = r.out
	r.cmd.Stderr = p.log
	if err := r.cmd.Start(); err != nil {
		p.t.Fatalf("testlab: start pacat --record: %v", err)
	}
	p.t.Cleanup(func() { r.Stop() })
	return r
}

// Stop ends the capture and returns the samples recorded.
func (r *Recording) Stop() []int16 {
	r.once.Do(func() {
		stopProcess(r.cmd)
		b := r.out.Bytes()
		r.res = make([]int16, len(b)/2)
		for i := range r.res {
			r.res[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
		}
	})
	return r.res
}

// Samples returns a copy of what was recorded so far, without stopping.
func (r *Recording) Samples() []int16 {
	b := r.out.Bytes()
	res := make([]int16, len(b)/2)
	for i := range res {
		res[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return res
}

func (p *Pulse) keepalive(sink string) {
	cmd := exec.Command("pacat", "--playback", "--latency-msec=10", "-d", sink,
		"--rate="+strconv.Itoa(PulseRate), "--channels=1", "--format=s16le", "--raw", "/dev/zero")
	cmd.Env = p.Env()
	cmd.Stderr = p.log
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("testlab: start keepalive for %s: %v", sink, err)
	}
	p.mu.Lock()
	p.keep[sink] = cmd
	p.mu.Unlock()
}

func (p *Pulse) daemonEnv() []string {
	env := p.Env()
	out := env[:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PULSE_SERVER=") {
			out = append(out, kv)
		}
	}
	return append(out, "XDG_CONFIG_HOME="+filepath.Join(p.Dir, "config"), "XDG_CACHE_HOME="+filepath.Join(p.Dir, "cache"))
}

func (p *Pulse) stop() {
	p.mu.Lock()
	keeps := p.keep
	p.keep = map[string]*exec.Cmd{}
	p.mu.Unlock()
	for _, k := range keeps {
		stopProcess(k)
	}
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.exited
		}
	}
}

// stopProcess ends a child with SIGTERM (pacat finishes cleanly on it), then SIGKILL.
func stopProcess(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// lockedBuffer is a bytes.Buffer safe for a child's output and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

var _ io.Writer = (*lockedBuffer)(nil)

// SineGenerator returns a Generator of a continuous sine at freq Hz with peak
// amplitude amp (0..1 of full scale), at PulseRate.
func SineGenerator(freq, amp float64) Generator {
	phase := 0.0
	step := 2 * math.Pi * freq / PulseRate
	return func(buf []int16) {
		for i := range buf {
			buf[i] = int16(math.Round(amp * 32767 * math.Sin(phase)))
			phase += step
			if phase > 2*math.Pi {
				phase -= 2 * math.Pi
			}
		}
	}
}

// ToneLevel returns the RMS amplitude (0..1 of full scale) of the component of
// samples at freq Hz, by the Goertzel algorithm, and the RMS of the whole
// signal, so a test can check both that a tone is there and that it dominates.
func ToneLevel(samples []int16, rate, freq float64) (tone, total float64) {
	if len(samples) == 0 {
		return 0, 0
	}
	w := 2 * math.Pi * freq / rate
	c := 2 * math.Cos(w)
	var s1, s2, sum float64
	for _, v := range samples {
		x := float64(v) / 32768
		sum += x * x
		s0 := x + c*s1 - s2
		s2, s1 = s1, s0
	}
	n := float64(len(samples))
	power := s1*s1 + s2*s2 - c*s1*s2 // |X(k)|^2
	return math.Sqrt(2*power) / n, math.Sqrt(sum / n)
}
