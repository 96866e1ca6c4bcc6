package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/sqlitedb"
	"github.com/hookphone/hookphone/internal/testlab"
	"github.com/hookphone/hookphone/sip"
)

func TestCallUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"call"}, "--to is required"},
		{[]string{"call", "--to", "bob", "--server", "sips:127.0.0.1", "--user", "a", "--duration", "-1s"}, "--duration"},
		{[]string{"call", "--to", "bob", "--server", "udp://x", "--user", "a"}, "server"},
		{[]string{"call", "--to", "bob", "--server", "sips:127.0.0.1", "--user", "a", "--dtmf", "12x"}, "--dtmf"},
		{[]string{"call", "--to", "bob", "--server", "sips:127.0.0.1", "--user", "a", "--srtp", "maybe"}, "srtp policy"},
		{[]string{"call", "--to", "bob", "--server", "sips:127.0.0.1", "--user", "a", "--password-env", "HOOKPHONE_UNSET_VAR"}, "HOOKPHONE_UNSET_VAR"},
		{[]string{"answer", "--server", "sips:127.0.0.1", "--user", "a", "--no-register"}, "registering account"},
		{[]string{"answer", "--server", "sips:127.0.0.1", "--user", "a", "--early-media", "-2s"}, "--early-media"},
		{[]string{"call", "--to", "bob"}, "no account"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), cliIO{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, tc.args)
		if code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 mentioning %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

// TestCallEchoServerEndToEnd runs the real binary twice: `echo-server` and
// `call` against it, playing a 16 kHz tone (resampled to 8 kHz) and
// recording the echo.
func TestCallEchoServerEndToEnd(t *testing.T) {
	dir := t.TempDir()
	bin := hookphoneBinary(t)
	env := append(os.Environ(), "XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv := exec.CommandContext(ctx, bin, "echo-server", "--json")
	srv.Env = env
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var srvErr bytes.Buffer
	srv.Stderr = &srvErr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Signal(os.Interrupt); _ = srv.Wait() }()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("echo-server printed nothing; stderr: %s", srvErr.String())
	}
	var ready struct {
		Event, Server, CAFile, CertSHA256 string
	}
	var raw map[string]string
	if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
		t.Fatalf("echo-server line %q: %v", sc.Text(), err)
	}
	ready.Event, ready.Server, ready.CAFile, ready.CertSHA256 = raw["event"], raw["server"], raw["ca_file"], raw["cert_sha256"]
	if ready.Event != "listening" || !strings.HasPrefix(ready.Server, "sips:127.0.0.1:") || ready.CAFile == "" || len(ready.CertSHA256) != 95 {
		t.Fatalf("echo-server said %+v", raw)
	}
	if !strings.HasPrefix(ready.CAFile, filepath.Join(dir, "data")) {
		t.Errorf("CA file %s is not under the data dir", ready.CAFile)
	}

	play, rec := filepath.Join(dir, "tone16k.wav"), filepath.Join(dir, "heard.wav")
	if err := testlab.WriteToneWAV(play, 600, 16000, 10); err != nil {
		t.Fatal(err)
	}
	call := exec.CommandContext(ctx, bin, "call", "--server", ready.Server, "--ca", ready.CAFile, "--no-register",
		"--user", "tester", "--to", "echo", "--play", play, "--record", rec, "--duration", "3s", "--dtmf", "1#", "--json")
	call.Env = env
	var out, errb bytes.Buffer
	call.Stdout, call.Stderr = &out, &errb
	if err := call.Run(); err != nil {
		t.Fatalf("hookphone call: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	for _, k := range []string{"result", "sip_status", "setup_ms", "duration_s", "transport", "tls_version", "tls_cipher", "srtp_suite", "codec", "rtp", "error"} {
		if _, ok := res[k]; !ok {
			t.Errorf("result object lacks %q: %v", k, res)
		}
	}
	if res["result"] != "answered" || res["sip_status"] != float64(200) || res["transport"] != "TLS" ||
		res["srtp_suite"] != "AES_CM_128_HMAC_SHA1_80" || res["codec"] != "PCMU" || !strings.HasPrefix(res["tls_version"].(string), "TLS 1.") {
		t.Errorf("result %v", res)
	}
	rtp := res["rtp"].(map[string]any)
	if rtp["sent"].(float64) < 100 || rtp["received"].(float64) < 100 || rtp["srtp_auth_failures"].(float64) != 0 ||
		rtp["srtcp_auth_failures"] != float64(0) || rtp["srtcp_plaintext"] != float64(0) {
		t.Errorf("rtp %v", rtp)
	}
	// The call is in the history of the user's database.
	db, err := sqlitedb.Open(ctx, filepath.Join(dir, "data", "hookphone", "hookphone.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h, err := sip.OpenHistory(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := h.List(ctx, time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].ID != res["call_id"] || entries[0].Result != sip.ResultAnswered || entries[0].SRTPSuite != "AES_CM_128_HMAC_SHA1_80" {
		t.Errorf("history %+v, want the one answered call %v", entries, res["call_id"])
	}
	s, rate, err := testlab.ReadWAV(rec)
	if err != nil {
		t.Fatal(err)
	}
	if rate != 8000 || len(s) < 2*rate {
		t.Fatalf("recording: %d samples at %d Hz", len(s), rate)
	}
	if ok, detail := testlab.ToneCheck(testlab.Middle(s, 0.3, 0.9), rate, 600); !ok {
		t.Errorf("our 600 Hz back from the echo: %s", detail)
	}
}

// TestCallsBenchmark is the driver of scripts/bench/calls.sh (skipped in
// normal test runs): a 60 s call Hookphone→baresip with the real binary and
// a 60 s call baresip→baresip, through a real Kamailio over TLS with SRTP,
// measuring the caller's CPU-seconds and the call set-up times.
func TestCallsBenchmark(t *testing.T) {
	if os.Getenv("HOOKPHONE_BENCH_CALLS") == "" {
		t.Skip("process benchmark: run scripts/bench/calls.sh")
	}
	secs := 60
	dir := t.TempDir()
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA", "bob": "secretB", "carol": "secretC"}})
	bob := testlab.StartBaresip(t, testlab.BaresipConfig{Name: "bob", User: "bob", Password: "secretB", Domain: k.Domain(),
		Registrar: k.TLSAddr(), CAFile: k.CAFile, ToneHz: 1000, ToneSeconds: float64(secs + 20)})
	carol := testlab.StartBaresip(t, testlab.BaresipConfig{Name: "carol", User: "carol", Password: "secretC", Domain: k.Domain(),
		Registrar: k.TLSAddr(), CAFile: k.CAFile, ToneHz: 440, ToneSeconds: float64(secs + 20)})
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs*3)*time.Second)
	defer cancel()

	// Hookphone → bob.
	play := filepath.Join(dir, "tone.wav")
	if err := testlab.WriteToneWAV(play, 440, 8000, float64(secs+10)); err != nil {
		t.Fatal(err)
	}
	call := startJSON(t, ctx, []string{"BENCH_PW=secretA", "XDG_DATA_HOME=" + filepath.Join(dir, "data")},
		"call", "--server", k.ServerURI(), "--ca", k.CAFile, "--user", "alice",
		"--password-env", "BENCH_PW", "--to", "bob", "--play", play, "--duration", fmt.Sprintf("%ds", secs), "--json")
	// CPU at the answer, so that both callers are measured over the call
	// itself (start-up, TLS and registration excluded).
	call.waitLine(t, `"state":"active"`)
	atAnswer := testlab.ProcessCPU(call.cmd.Process.Pid)
	var res struct {
		Result       string  `json:"result"`
		SetupMS      float64 `json:"setup_ms"`
		FirstMediaMS float64 `json:"first_media_ms"`
		DurationS    float64 `json:"duration_s"`
	}
	call.result(t, &res)
	if res.Result != "answered" {
		t.Fatalf("hookphone result %q", call.lines[len(call.lines)-1])
	}
	hookTotal := call.cmd.ProcessState.UserTime() + call.cmd.ProcessState.SystemTime()
	hookCPU := hookTotal - atAnswer

	// carol → bob (baresip → baresip), measuring carol's CPU during the call.
	from := carol.EventCount()
	cpu0 := carol.CPUTime()
	t0 := time.Now()
	if err := carol.Dial(ctx, bob.AOR()); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.WaitEventAfter(ctx, "CALL_ESTABLISHED", from); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	if _, err := carol.WaitEventAfter(ctx, "CALL_RTPESTAB", from); err != nil {
		t.Fatal(err)
	}
	t2 := time.Now()
	time.Sleep(time.Duration(secs)*time.Second - t2.Sub(t0))
	if err := carol.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.WaitEventAfter(ctx, "CALL_CLOSED", from); err != nil {
		t.Fatal(err)
	}
	bareCPU := carol.CPUTime() - cpu0
	t.Logf("hookphone process total CPU %.3f s (of which before the answer %.3f s)", hookTotal.Seconds(), atAnswer.Seconds())
	t.Logf("BENCH hookphone_cpu_s=%.3f baresip_cpu_s=%.3f hookphone_setup_ms=%.0f hookphone_first_media_ms=%.0f baresip_setup_ms=%.0f baresip_first_media_ms=%.0f call_s=%d",
		hookCPU.Seconds(), bareCPU.Seconds(), res.SetupMS, res.FirstMediaMS,
		float64(t1.Sub(t0).Microseconds())/1000, float64(t2.Sub(t0).Microseconds())/1000, secs)
}

// TestCallDeviceWithPulseAndBaresip: `hookphone call --device default`
// through a private PulseAudio (virtual mic fed with 440 Hz, virtual
// speaker recorded) to baresip sending 1000 Hz.
func TestCallDeviceWithPulseAndBaresip(t *testing.T) {
	dir := t.TempDir()
	bin := hookphoneBinary(t)
	pulse := testlab.StartPulse(t)
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA", "bob": "secretB"}})
	bob := testlab.StartBaresip(t, testlab.BaresipConfig{Name: "bob", User: "bob", Password: "secretB", Domain: k.Domain(),
		Registrar: k.TLSAddr(), CAFile: k.CAFile, ToneHz: 1000})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	stopMic := pulse.FeedMic(ctx, testlab.SineGenerator(440, 0.5))
	defer stopMic()
	spk := pulse.Record(testlab.PulseSpeaker + ".monitor")
	call := exec.CommandContext(ctx, bin, "call", "--server", k.ServerURI(), "--ca", k.CAFile, "--user", "alice",
		"--password-env", "ALICE_PW", "--to", "bob", "--device", "default", "--duration", "5s", "--json")
	call.Env = append(append(os.Environ(), pulse.Env()...), "ALICE_PW=secretA", "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	var out, errb bytes.Buffer
	call.Stdout, call.Stderr = &out, &errb
	if err := call.Run(); err != nil {
		t.Fatalf("hookphone call --device: %v\n%s\n%s", err, out.String(), errb.String())
	}
	heard := spk.Stop()
	if len(heard) < testlab.PulseRate*3 {
		t.Fatalf("speaker monitor recorded %d samples", len(heard))
	}
	if f, p := testlab.DominantFrequency(testlab.Middle(heard, 0.3, 0.8), testlab.PulseRate, testlab.ToneScan()); f != 1000 || p < 0.2 {
		t.Errorf("the speaker played %.0f Hz (power %.2f), want bob's 1000 Hz", f, p)
	}
	if _, err := bob.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	_, bobHeard, err := bob.Recordings()
	if err != nil {
		t.Fatal(err)
	}
	s, rate, err := testlab.ReadWAV(bobHeard)
	if err != nil {
		t.Fatal(err)
	}
	// The microphone path runs echo cancellation, noise suppression and AGC.
	if ok, detail := testlab.ToneCheck(s, rate, 440); !ok {
		t.Errorf("our microphone's 440 Hz at bob: %s", detail)
	}
}
