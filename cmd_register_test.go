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
	"syscall"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/testlab"
	"github.com/hookphone/hookphone/sip"
)

// End-to-end tests of `hookphone register` against a real Kamailio over TLS.

// isolateXDG points the config, data and cache folders at a temp dir, so the
// command's trace database and config reads stay inside the test.
func isolateXDG(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, v := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"} {
		t.Setenv(v, filepath.Join(dir, strings.ToLower(v)))
	}
	t.Setenv("HOME", dir)
	t.Setenv("HOOKPHONE_SECRET_STORE", "file")
	return dir
}

func lastJSON(t *testing.T, stdout string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, stdout)
	}
	return m
}

func TestRegisterCommandRegistersReportsAndUnregisters(t *testing.T) {
	isolateXDG(t)
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	env := map[string]string{"ALICE_PW": "secretA", "HOOKPHONE_SECRET_STORE": "file"}
	code, out, errOut := runIn(t, env, "register", "--server", k.ServerURI(), "--user", "alice", "--password-env", "ALICE_PW", "--ca", k.CAFile, "--json")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	r := lastJSON(t, out)
	if r["registered"] != true || r["expires_s"] != float64(600) || !strings.HasPrefix(r["tls_version"].(string), "TLS 1.") ||
		r["tls_cipher"] == "" || r["server_cert_sha256"] != k.Fingerprint || r["error"] != "" || r["unregistered"] != true {
		t.Fatalf("result %v", r)
	}
	if b, _ := k.BindingsFor("alice"); len(b) != 0 {
		t.Fatalf("binding left after the command: %v", b)
	}
	if strings.Contains(out, "secretA") || strings.Contains(errOut, "secretA") {
		t.Fatal("password printed")
	}
	code, out, _ = runIn(t, env, "register", "--server", k.ServerURI(), "--user", "alice", "--password-env", "ALICE_PW", "--ca", k.CAFile)
	last := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || !strings.HasPrefix(last[len(last)-1], "registered sip:alice@127.0.0.1 at "+k.ServerURI()+" for 600s over TLS 1.") ||
		!strings.Contains(out, "unregistered on exit") || !strings.Contains(out, k.Fingerprint) {
		t.Fatalf("human output (exit %d):\n%s", code, out)
	}
}

func TestRegisterCommandFailures(t *testing.T) {
	isolateXDG(t)
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	env := map[string]string{"PW": "wrong", "GOOD": "secretA"}
	base := []string{"register", "--server", k.ServerURI(), "--user", "alice", "--json"}

	code, out, errOut := runIn(t, env, append(base, "--password-env", "PW", "--ca", k.CAFile)...)
	if code != exitFailed || !strings.Contains(errOut, "wrong password") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("wrong password: exit %d, stderr %q", code, errOut)
	}
	if r := lastJSON(t, out); r["registered"] != false || !strings.Contains(r["error"].(string), "403") {
		t.Fatalf("wrong password result %v", r)
	}

	code, out, errOut = runIn(t, env, append(base, "--password-env", "GOOD")...)
	r := lastJSON(t, out)
	if code != exitFailed || r["tls_refusal"] != "unknown authority" || r["server_cert_sha256"] != k.Fingerprint || !strings.Contains(errOut, k.Fingerprint) {
		t.Fatalf("unknown CA: exit %d %v\n%s", code, r, errOut)
	}
	code, out, _ = runIn(t, env, append(base, "--password-env", "GOOD", "--pin-sha256", k.Fingerprint)...)
	if code != exitOK || lastJSON(t, out)["pinned"] != true {
		t.Fatalf("pinned: exit %d\n%s", code, out)
	}

	for _, args := range [][]string{
		{"register", "--server", "sip:127.0.0.1", "--user", "alice"},
		{"register", "--user", "alice"},
		{"register", "--server", k.ServerURI(), "--user", "al ice"},
		{"register", "--server", k.ServerURI(), "--user", "alice", "--password-env", "UNSET"},
		{"register", "--server", k.ServerURI(), "--user", "alice", "--no-register"},
		{"register", "--bogus"},
	} {
		if code, _, errOut := runIn(t, env, args...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want usage error 2", args, code, errOut)
		}
	}
}

func TestRegisterCommandReadsAccountFromConfig(t *testing.T) {
	dir := isolateXDG(t)
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	cfgDir := filepath.Join(dir, "xdg_config_home", "hookphone")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf("version = 1\n\n[[account]]\nname = \"lab\"\nserver = %q\nuser = \"alice\"\nca_file = %q\n", k.ServerURI(), k.CAFile)
	if err := os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOOKPHONE_SECRET_STORE": "file"}
	code, _, errOut := runIn(t, env, "register", "--account", "lab", "--json")
	if code != exitUsage || !strings.Contains(errOut, "no password stored") {
		t.Fatalf("without a stored password: exit %d %q", code, errOut)
	}
	secrets := `{"secrets":{"account/lab/password":"secretA"}}`
	if err := os.WriteFile(filepath.Join(cfgDir, "secrets.json"), []byte(secrets), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runIn(t, env, "register", "--account", "lab", "--json")
	if code != exitOK || lastJSON(t, out)["registered"] != true {
		t.Fatalf("--account lab: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runIn(t, env, "register", "--account", "nope"); code != exitUsage || !strings.Contains(errOut, "accounts: lab") {
		t.Fatalf("unknown account: exit %d %q", code, errOut)
	}
}

// The real binary with --hold prints each refresh, survives a registrar
// restart, and unregisters on SIGTERM with exit 0.
func TestRegisterBinaryHoldRefreshesAndUnregistersOnSIGTERM(t *testing.T) {
	bin := hookphoneBinary(t)
	dir := isolateXDG(t)
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}, MaxExpires: 10, MinExpires: 5})
	cmd := exec.Command(bin, "register", "--server", k.ServerURI(), "--user", "alice", "--password-env", "PW", "--ca", k.CAFile,
		"--json", "--hold", "10m", "--trace", filepath.Join(dir, "trace.txt"))
	cmd.Env = append(os.Environ(), "PW=secretA")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan map[string]any, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	waitLine := func(what string, match func(map[string]any) bool) map[string]any {
		t.Helper()
		deadline := time.After(60 * time.Second)
		for {
			select {
			case m, ok := <-lines:
				if !ok {
					t.Fatalf("output ended before %s; stderr %s", what, errb.String())
				}
				if match(m) {
					return m
				}
			case <-deadline:
				t.Fatalf("no %s within 60 s", what)
			}
		}
	}
	waitLine("registration", func(m map[string]any) bool { return m["state"] == "registered" && m["refresh"] != true })
	refresh := waitLine("refresh", func(m map[string]any) bool { return m["state"] == "registered" && m["refresh"] == true })
	if refresh["expires_s"] != float64(10) {
		t.Fatalf("refresh %v", refresh)
	}
	k.Kill()
	waitLine("flow loss", func(m map[string]any) bool { return m["state"] == "registering" || m["state"] == "retrying" })
	if err := k.Restart(); err != nil {
		t.Fatal(err)
	}
	waitLine("re-registration", func(m map[string]any) bool { return m["state"] == "registered" })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	res := waitLine("result", func(m map[string]any) bool { _, ok := m["registered"]; return ok })
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v; stderr %s", err, errb.String())
	}
	if res["registered"] != true || res["unregistered"] != true {
		t.Fatalf("result %v", res)
	}
	if b, _ := k.BindingsFor("alice"); len(b) != 0 {
		t.Fatalf("binding left after SIGTERM: %v", b)
	}
	trace, err := os.ReadFile(filepath.Join(dir, "trace.txt"))
	if err != nil || !bytes.Contains(trace, []byte("REGISTER sip:127.0.0.1 SIP/2.0")) || !bytes.Contains(trace, []byte(`response="<redacted>"`)) {
		t.Fatalf("trace file: %v\n%.500s", err, trace)
	}
}

func TestOpenTrunkListenerKeepsItsCertificate(t *testing.T) {
	isolateXDG(t)
	srv, _ := sip.ParseServerURI("sips:trunk.invalid")
	acct := sip.Account{Mode: sip.ModeTrunk, Server: srv, Listen: "127.0.0.1:0"}
	var fps []string
	for i := 0; i < 2; i++ {
		ep, err := sip.NewEndpoint(acct, sip.EndpointOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		l, err := openTrunkListener(context.Background(), ep, ep.Account, printer{w: &buf, json: true})
		if err != nil {
			t.Fatal(err)
		}
		ev := lastJSON(t, buf.String())
		if ev["listen"] != l.ListenAddr || ev["listener_cert_created"] != (i == 0) || ev["listener_cert_sha256"] != l.Cert.Fingerprint {
			t.Fatalf("run %d: event %v", i, ev)
		}
		fps = append(fps, l.Cert.Fingerprint)
		ep.Close()
	}
	if fps[0] != fps[1] {
		t.Fatalf("certificate changed between runs: %v", fps)
	}
}
