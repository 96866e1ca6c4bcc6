package main

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/internal/testlab"
	"github.com/hookphone/hookphone/ui"
)

// Window-relative points of the default 1000×660 first-run window: the
// sidebar entries, the call view's lock badge, the Webhooks toolbar's "Send sample webhook" and the first rows
// of the Calls and Webhooks lists.
var (
	ptPhone     = [2]int{44, 50}
	ptCalls     = [2]int{44, 130}
	ptWebhooks  = [2]int{44, 215}
	ptStreams   = [2]int{44, 300}
	ptTrace     = [2]int{44, 380}
	ptLock      = [2]int{700, 106}
	ptSample    = [2]int{600, 27}
	ptFirstRow  = [2]int{250, 62}
	ptFirstHook = [2]int{280, 109}
	ptTraceMsg  = [2]int{600, 62}
	ptIdle      = [2]int{700, 560} // an empty spot of the call view
)

// docScreenshots are the captures the README shows; HOOKPHONE_UPDATE_DOCS=1
// (make screenshots) copies them to docs/screenshots/.
var docScreenshots = []string{"phone-call.png", "security.png", "calls.png", "webhooks.png", "streams.png", "trace.png"}

// testLog follows the HOOKPHONE_TEST_LOG file the app writes.
type testLog struct {
	path string
	w    *window
}

// wait returns the first line matching re written after skip lines, waiting
// up to d; it fails the test with the app's logs when none comes.
func (l testLog) wait(t *testing.T, re string, d time.Duration) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(d)
	for {
		raw, _ := os.ReadFile(l.path)
		for _, line := range strings.Split(string(raw), "\n") {
			if rx.MatchString(line) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no test-log line matches %q within %s\ntest log:\n%s\napp log:\n%s", re, d, raw, l.w.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// all returns every line matching re.
func (l testLog) all(re string) []string {
	rx := regexp.MustCompile(re)
	raw, _ := os.ReadFile(l.path)
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		if rx.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}

// TestGUIFirstRunEchoCall runs the real binary on first-run defaults (no
// config, throwaway XDG folders, a private PulseAudio so devices exist) under
// Xvfb and uses it like a person: keyboard-only dialling of echo, a TLS + SRTP
// call with the green lock and moving stats, the security report, Escape to
// hang up, the call in the history, sample webhooks verified in the Webhooks
// pane, and a capture of every pane (artifacts/screenshots/).
func TestGUIFirstRunEchoCall(t *testing.T) {
	x := testlab.StartXvfb(t, 1280, 800)
	pulse := testlab.StartPulse(t)
	// A tone in the virtual microphone: the echo sends it back, so both meters move.
	feedCtx, stopFeed := context.WithCancel(context.Background())
	defer stopFeed()
	defer pulse.FeedMic(feedCtx, testlab.SineGenerator(440, 0.3))()
	home := t.TempDir()
	logPath := filepath.Join(home, "ui-test.log")
	env := append(isolatedEnv(home), "PULSE_SERVER="+pulse.Server, ui.TestLogEnv+"="+logPath)

	w := startWindow(t, x, env)
	log := testLog{path: logPath, w: w}
	log.wait(t, `services started first_run=true inspector=true`, 30*time.Second)
	log.wait(t, `registration account="Local echo" state=registered`, 30*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	xdo := xdotool(t, ctx, x)
	click := func(p [2]int) {
		xdo("mousemove", "--window", w.id, strconv.Itoa(p[0]), strconv.Itoa(p[1]), "click", "1")
	}

	// Keyboard only: with nothing focused, typing goes to the number; Enter calls.
	xdo("mousemove", "--window", w.id, strconv.Itoa(ptIdle[0]), strconv.Itoa(ptIdle[1]))
	xdo("type", "--delay", "60", "echo")
	xdo("key", "Return")
	log.wait(t, `ui dial target="echo" account="Local echo"`, 20*time.Second)
	active := log.wait(t, `call state=active .*lock=green tls="TLS 1\.[23]" srtp="AES_CM_128_HMAC_SHA1_80"`, 30*time.Second)
	t.Logf("established: %s", active)

	// Stats move: the received count grows between two reports.
	log.wait(t, `call stats received=([1-9][0-9]{2,})`, 30*time.Second)
	stats := log.all(`call stats received=`)
	first, last := receivedOf(stats[0]), receivedOf(stats[len(stats)-1])
	if last <= first || last < 100 {
		t.Errorf("stats did not move: first %d, last %d packets received", first, last)
	}
	// Let the MOS graph draw a few seconds before the capture.
	log.wait(t, `call stats received=([4-9][0-9]{2}|[0-9]{4,}) `, 30*time.Second)
	// The tone fed to the virtual microphone comes back from the echo to the speaker.
	heard := log.wait(t, `call stats .*mic_dbfs=-[1-3]?[0-9] speaker_dbfs=-[1-3]?[0-9]$`, 30*time.Second)
	t.Logf("levels: %s", heard)
	captureLive(t, x, w, "phone-call.png")

	click(ptLock)
	time.Sleep(time.Second) // the dialog's first frame
	captureLive(t, x, w, "security.png")
	// Escape over the report closes the report and leaves the call up.
	xdo("key", "Escape")
	time.Sleep(time.Second)
	if h := log.all(`ui hangup`); len(h) != 0 {
		t.Fatalf("Escape over the security report hung up: %q", h)
	}
	log.wait(t, `call stats received=`, 5*time.Second)

	// Now Escape hangs up (nothing focused: the window's key handler).
	xdo("mousemove", "--window", w.id, strconv.Itoa(ptIdle[0]), strconv.Itoa(ptIdle[1]))
	xdo("key", "Escape")
	log.wait(t, `ui hangup`, 20*time.Second)
	log.wait(t, `call state=ended remote=sip:echo@`, 20*time.Second)
	log.wait(t, `history rows=1`, 20*time.Second)

	click(ptCalls)
	click(ptFirstRow)
	w.capture(t, x, "calls.png", "security.png")

	click(ptWebhooks)
	click(ptSample)
	log.wait(t, `sample webhooks sent=5`, 30*time.Second)
	valid := log.all(`webhook captured id=\d+ path=/webhooks/(answer|event) verdict=valid`)
	if len(valid) != 5 {
		t.Errorf("%d sample webhooks captured as valid, want 5:\n%s", len(valid), strings.Join(log.all(`webhook captured`), "\n"))
	}
	click(ptFirstHook)
	w.capture(t, x, "webhooks.png", "calls.png")

	click(ptStreams)
	w.capture(t, x, "streams-empty.png", "webhooks.png")
	click(ptTrace)
	click(ptTraceMsg)
	w.capture(t, x, "trace.png", "streams-empty.png")
	click(ptPhone)
	w.quit(t)

	// The generated inspector secret lives in the secret store only: never
	// in the config file or the logs.
	paths := config.PathsUnder(filepath.Join(home, ".config", config.AppDirName),
		filepath.Join(home, ".local", "share", config.AppDirName), filepath.Join(home, ".cache", config.AppDirName))
	secret, err := config.NewFileStore(paths.SecretsFallback).Get(ctx, config.SignatureSecretKey("hookphone-local"))
	if err != nil || len(secret) < 20 {
		t.Fatalf("inspector secret not in the secret store: %q, %v", secret, err)
	}
	cfgRaw, _ := os.ReadFile(paths.ConfigFile)
	logRaw, _ := os.ReadFile(logPath)
	for name, b := range map[string][]byte{"config file": cfgRaw, "test log": logRaw, "app log": w.log.Bytes()} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the inspector secret appears in the %s", name)
		}
	}

	// Second start, with an answer NCCO whose stream action points at a
	// real HTTP server: a sample answer webhook makes the inspector answer
	// with it, the stream cache fetches the WAV, and the Streams pane shows
	// it fresh with its waveform.
	wav := filepath.Join(home, "welcome.wav")
	// Two seconds of a 440 Hz tone in syllable-like bursts (a waveform worth drawing).
	samples := make([]int16, 32000)
	for i := range samples {
		ts := float64(i) / 16000
		env := math.Abs(math.Sin(2*math.Pi*1.25*ts)) * (0.35 + 0.65*math.Abs(math.Sin(2*math.Pi*0.31*ts)))
		samples[i] = int16(14000 * env * math.Sin(2*math.Pi*440*ts))
	}
	if err := testlab.WriteWAV(wav, 16000, 1, samples); err != nil {
		t.Fatal(err)
	}
	origin := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "public, max-age=3600")
		rw.Header().Set("ETag", `"welcome-1"`)
		http.ServeFile(rw, r, wav)
	}))
	defer origin.Close()
	cfg := config.Default()
	cfg.Inspector.NCCO = `[{"action":"stream","streamUrl":["` + origin.URL + `/audio/welcome.wav"]}]`
	if err := config.NewStore(paths.ConfigFile).Save(cfg); err != nil {
		t.Fatal(err)
	}
	w2 := startWindow(t, x, env)
	log.w = w2
	log.wait(t, `services started first_run=false inspector=true`, 30*time.Second)
	w2c := func(p [2]int) {
		xdo("mousemove", "--window", w2.id, strconv.Itoa(p[0]), strconv.Itoa(p[1]), "click", "1")
	}
	w2c(ptWebhooks)
	w2c(ptSample)
	log.wait(t, `sample webhooks sent=5`, 30*time.Second)
	w2c(ptStreams)
	log.wait(t, `streams rows=1`, 30*time.Second)
	w2c(ptFirstRow)
	w2.capture(t, x, "streams.png", "")
	w2.quit(t)

	if os.Getenv("HOOKPHONE_UPDATE_DOCS") == "1" {
		if err := os.MkdirAll(filepath.Join("docs", "screenshots"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range docScreenshots {
			b, err := os.ReadFile(filepath.Join(screenshotDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("docs", "screenshots", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// captureLive captures a window whose content keeps changing (a call's
// timer, meters and stats), so it never settles: one capture, which must not
// be blank.
func captureLive(t *testing.T, x *testlab.Xvfb, w *window, name string) {
	t.Helper()
	path := filepath.Join(screenshotDir, name)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := x.Capture(ctx, w.id, path); err != nil {
		t.Fatalf("capture %s: %v", name, err)
	}
	st, err := testlab.PNGStats(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Blank() {
		t.Fatalf("%s is blank: %d colours", name, st.Colours)
	}
}

// receivedOf reads N from "call stats received=N …".
func receivedOf(line string) int {
	_, rest, _ := strings.Cut(line, "received=")
	n, _ := strconv.Atoi(strings.Fields(rest + " ")[0])
	return n
}

// startLabWindow configures the account "lab" (alice at the lab Kamailio,
// her password in the file secret store) under home, starts the real
// binary with env and waits until the account is registered. env must
// carry TestLogEnv=home/ui-test.log.
func startLabWindow(t *testing.T, ctx context.Context, x *testlab.Xvfb, k *testlab.Kamailio, home string, env []string) (*window, testLog) {
	t.Helper()
	paths := config.PathsUnder(filepath.Join(home, ".config", config.AppDirName),
		filepath.Join(home, ".local", "share", config.AppDirName), filepath.Join(home, ".cache", config.AppDirName))
	cfg := config.Default()
	cfg.Accounts = []config.Account{{Name: "lab", Server: k.ServerURI(), User: "alice", CAFile: k.CAFile}}
	if err := config.NewStore(paths.ConfigFile).Save(cfg); err != nil {
		t.Fatal(err)
	}
	if err := config.NewFileStore(paths.SecretsFallback).Set(ctx, config.AccountPasswordKey("lab"), "secretA"); err != nil {
		t.Fatal(err)
	}
	w := startWindow(t, x, env)
	log := testLog{path: filepath.Join(home, "ui-test.log"), w: w}
	log.wait(t, `registration account="lab" state=registered`, 60*time.Second)
	return w, log
}

// TestGUIIncomingCallKeyboard: a real incoming call to the real binary.
// Alice (Hookphone, account "lab" registered over TLS to a lab Kamailio, its
// password in the secret store) is called by Bob (baresip, mandatory SRTP).
// The window rings (banner, ringtone on the ringer device, a desktop
// notification over D-Bus); Enter answers, the lock goes green, Escape
// hangs up, and baresip sees the call close.
func TestGUIIncomingCallKeyboard(t *testing.T) {
	x := testlab.StartXvfb(t, 1280, 800)
	pulse := testlab.StartPulse(t)
	desk := testlab.StartDesktop(t)
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA", "bob": "secretB"}})
	home := t.TempDir()
	logPath := filepath.Join(home, "ui-test.log")
	env := append(isolatedEnv(home), "PULSE_SERVER="+pulse.Server, ui.TestLogEnv+"="+logPath,
		"DBUS_SESSION_BUS_ADDRESS="+desk.BusAddress)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	w, log := startLabWindow(t, ctx, x, k, home, env)

	bob := testlab.StartBaresip(t, testlab.BaresipConfig{Name: "bob", User: "bob", Password: "secretB", Domain: k.Domain(),
		Registrar: k.TLSAddr(), CAFile: k.CAFile, ToneHz: 1000})
	if err := bob.Dial(ctx, "sip:alice@"+k.Domain()); err != nil {
		t.Fatal(err)
	}
	log.wait(t, `incoming ringing remote=".*bob@`, 30*time.Second)
	n, err := desk.WaitNotification(ctx, "Incoming call")
	if err != nil {
		t.Fatalf("%v\napp log:\n%s", err, w.log.String())
	}
	if !strings.Contains(n.Body, "bob@") || n.App != ui.AppID {
		t.Errorf("notification %+v, want the caller bob from %s", n, ui.AppID)
	}
	time.Sleep(time.Second) // the banner's first frame
	captureLive(t, x, w, "incoming.png")

	xdo := xdotool(t, ctx, x)
	xdo("mousemove", "--window", w.id, strconv.Itoa(ptIdle[0]), strconv.Itoa(ptIdle[1]))
	xdo("key", "Return")
	log.wait(t, `ui answer remote=".*bob@`, 20*time.Second)
	log.wait(t, `call state=active remote=.*bob@.* lock=green tls="TLS 1\.[23]" srtp="AES_`, 30*time.Second)
	if _, err := bob.WaitEvent(ctx, "CALL_ESTABLISHED"); err != nil {
		t.Fatalf("baresip: %v\n%s", err, bob.Log())
	}
	log.wait(t, `call stats received=[1-9]`, 30*time.Second)
	captureLive(t, x, w, "incoming-answered.png")

	xdo("key", "Escape")
	log.wait(t, `ui hangup`, 20*time.Second)
	log.wait(t, `call state=ended remote=.*bob@`, 20*time.Second)
	if _, err := bob.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
		t.Fatalf("baresip did not see the hang-up: %v", err)
	}
	w.quit(t)
}

// TestGUIFollowsTransfer: the real binary (alice) answers bob (baresip), and
// bob transfers her to carol (baresip, 700 Hz) with a REFER. The window
// follows the new call, and the same audio devices go on with it: carol's
// tone reaches the speaker after the old call has ended. Escape then hangs
// up on carol.
func TestGUIFollowsTransfer(t *testing.T) {
	x := testlab.StartXvfb(t, 1280, 800)
	pulse := testlab.StartPulse(t)
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA", "bob": "secretB", "carol": "secretC"}})
	home := t.TempDir()
	logPath := filepath.Join(home, "ui-test.log")
	env := append(isolatedEnv(home), "PULSE_SERVER="+pulse.Server, ui.TestLogEnv+"="+logPath)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	w, log := startLabWindow(t, ctx, x, k, home, env)
	peer := func(name, user, pw string, hz float64) *testlab.Baresip {
		return testlab.StartBaresip(t, testlab.BaresipConfig{Name: name, User: user, Password: pw, Domain: k.Domain(),
			Registrar: k.TLSAddr(), CAFile: k.CAFile, ToneHz: hz})
	}
	bob, carol := peer("bob", "bob", "secretB", 1000), peer("carol", "carol", "secretC", 700)

	if err := bob.Dial(ctx, "sip:alice@"+k.Domain()); err != nil {
		t.Fatal(err)
	}
	log.wait(t, `incoming ringing remote=".*bob@`, 30*time.Second)
	xdo := xdotool(t, ctx, x)
	xdo("mousemove", "--window", w.id, strconv.Itoa(ptIdle[0]), strconv.Itoa(ptIdle[1]))
	xdo("key", "Return")
	log.wait(t, `call state=active remote=.*bob@.* lock=green`, 30*time.Second)
	log.wait(t, `call stats received=[1-9]`, 30*time.Second)

	if _, err := bob.Command(ctx, "transfer", "sip:carol@"+k.Domain()); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.WaitEvent(ctx, "CALL_ESTABLISHED"); err != nil {
		t.Fatalf("carol never got the transferred call: %v", err)
	}
	log.wait(t, `call transferred from=.*bob@.* to=.*carol@`, 30*time.Second)
	if _, err := bob.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
		t.Fatalf("bob's leg did not end: %v", err)
	}
	// After the switch, the call view's stats are carol's call, and the
	// speaker still plays (the devices moved with the call): wait for a
	// line written after the transfer with a speaker level well above
	// silence.
	marker := len(log.all(`.`))
	deadline := time.Now().Add(30 * time.Second)
	for {
		lines := log.all(`.`)
		var heard string
		for _, l := range lines[min(marker, len(lines)):] {
			if m := regexp.MustCompile(`call stats received=([0-9]+) .* speaker_dbfs=(-?[0-9]+)$`).FindStringSubmatch(l); m != nil {
				if db, _ := strconv.Atoi(m[2]); db > -40 {
					heard = l
				}
			}
		}
		if heard != "" {
			t.Logf("after the transfer: %s", heard)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stats line with sound after the transfer:\n%s", strings.Join(lines[min(marker, len(lines)):], "\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	xdo("key", "Escape")
	log.wait(t, `call state=ended remote=.*carol@`, 20*time.Second)
	if _, err := carol.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
		t.Fatalf("carol did not see the hang-up: %v", err)
	}
	w.quit(t)
}
