package testlab

import (
	"bytes"
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
)

//go:embed kamailio.cfg.tmpl
var kamailioCfgTmpl string

//go:embed kamailio-tls.cfg.tmpl
var kamailioTLSTmpl string

// KamailioConfig describes the registrar a test starts (LAB-NOTES.md: Debian
// kamailio 5.6 + kamailio-tls-modules, loopback only, digest users in an
// htable instead of a database).
type KamailioConfig struct {
	// Users maps user name to password; more can be added later with AddUser.
	Users map[string]string
	// CertHosts are the names (DNS or IP) in the server certificate's SANs
	// (default "127.0.0.1" and "localhost"). Leave 127.0.0.1 out to test a
	// name mismatch.
	CertHosts []string
	// SelfSigned makes the server present a self-signed certificate instead
	// of one issued by the lab CA (for pinning tests).
	SelfSigned bool
	// MaxExpires, MinExpires and DefaultExpires are the registrar's limits in
	// seconds (defaults 3600, 10, 600). A small MaxExpires makes the server
	// impose a shorter lifetime than the client asks for.
	MaxExpires, MinExpires, DefaultExpires int
	// Debug is Kamailio's log level (default 2).
	Debug int
}

// KamailioUser is one digest user of the lab registrar.
type KamailioUser struct{ Name, Password string }

// Kamailio is a running Kamailio owned by one test, listening on 127.0.0.1
// only: TLS on TLSPort (the one Hookphone uses) and TCP on SIPPort.
type Kamailio struct {
	Cfg KamailioConfig
	// Dir holds kamailio.cfg, tls.cfg, certs/, logs and sipdump/ (cleartext SIP).
	Dir string
	// TLSPort and SIPPort are the listening ports on 127.0.0.1.
	TLSPort, SIPPort int
	// CA is the lab CA (in memory, for issuing more certificates); CAFile its PEM.
	CA     *pki.CA
	CAFile string
	// ServerCert is the certificate Kamailio presents.
	ServerCert *pki.Leaf
	// Fingerprint is ServerCert's SHA-256 fingerprint (pki.Fingerprint form).
	Fingerprint string
	// CtlSocket is the binrpc socket for kamcmd.
	CtlSocket string

	t      testing.TB
	kamBin string
	cmdBin string
	mu     sync.Mutex
	users  []KamailioUser
	cmd    *exec.Cmd
	done   chan struct{}
	logf   *os.File
}

// KamailioTLSAddr is "127.0.0.1:<TLSPort>".
func (k *Kamailio) TLSAddr() string { return "127.0.0.1:" + strconv.Itoa(k.TLSPort) }

// ServerURI is the server URI an account uses: "sips:127.0.0.1:<TLSPort>".
func (k *Kamailio) ServerURI() string { return "sips:" + k.TLSAddr() }

// Domain is the SIP domain of the lab's users ("127.0.0.1").
func (k *Kamailio) Domain() string { return "127.0.0.1" }

// LogPath is Kamailio's stderr log.
func (k *Kamailio) LogPath() string { return filepath.Join(k.Dir, "kamailio.log") }

// StartKamailio writes a config for cfg into a temp dir, starts Kamailio on
// free loopback ports and waits until its TLS port completes a verified
// handshake. It fails the test (with "run make deps" when the binary is
// missing) and stops Kamailio at cleanup.
func StartKamailio(t testing.TB, cfg KamailioConfig) *Kamailio {
	t.Helper()
	kamBin, err := exec.LookPath("kamailio")
	if err != nil {
		kamBin = "/usr/sbin/kamailio"
		if _, err := os.Stat(kamBin); err != nil {
			t.Fatalf("kamailio not installed (run make deps): %v", err)
		}
	}
	cmdBin, err := exec.LookPath("kamcmd")
	if err != nil {
		cmdBin = "/usr/sbin/kamcmd"
		if _, err := os.Stat(cmdBin); err != nil {
			t.Fatalf("kamcmd not installed (run make deps): %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(kamailioModulesDir(), "tls.so")); err != nil {
		t.Fatalf("kamailio tls module missing (run make deps: kamailio-tls-modules): %v", err)
	}
	if cfg.MaxExpires == 0 {
		cfg.MaxExpires = 3600
	}
	if cfg.MinExpires == 0 {
		cfg.MinExpires = 10
	}
	if cfg.DefaultExpires == 0 {
		cfg.DefaultExpires = 600
	}
	if cfg.Debug == 0 {
		cfg.Debug = 2
	}
	if len(cfg.CertHosts) == 0 {
		cfg.CertHosts = []string{"127.0.0.1", "localhost"}
	}
	dir, err := os.MkdirTemp("", "hookphone-kamailio-")
	if err != nil {
		t.Fatalf("kamailio: temp dir: %v", err)
	}
	k := &Kamailio{Cfg: cfg, Dir: dir, t: t, kamBin: kamBin, cmdBin: cmdBin,
		CtlSocket: filepath.Join(dir, "run", "ctl.sock")}
	t.Cleanup(func() {
		k.Stop()
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("kamailio lab kept for inspection: %s", dir)
		}
	})
	for name, pw := range cfg.Users {
		k.users = append(k.users, KamailioUser{Name: name, Password: pw})
	}
	sort.Slice(k.users, func(i, j int) bool { return k.users[i].Name < k.users[j].Name })
	if err := k.makeCerts(); err != nil {
		t.Fatalf("kamailio: %v", err)
	}
	ports, err := FreeTCPPorts(2)
	if err != nil {
		t.Fatalf("kamailio: %v", err)
	}
	k.TLSPort, k.SIPPort = ports[0], ports[1]
	if err := k.start(); err != nil {
		t.Fatalf("kamailio: %v", err)
	}
	return k
}

func kamailioModulesDir() string {
	for _, d := range []string{"/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/aarch64-linux-gnu/kamailio/modules", "/usr/lib/kamailio/modules"} {
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	return "/usr/lib/x86_64-linux-gnu/kamailio/modules"
}

func (k *Kamailio) makeCerts() error {
	for _, d := range []string{"certs", "run", "sipdump"} {
		if err := os.MkdirAll(filepath.Join(k.Dir, d), 0o755); err != nil {
			return err
		}
	}
	ca, err := pki.NewCA("Hookphone lab CA", 24*time.Hour)
	if err != nil {
		return err
	}
	var leaf *pki.Leaf
	if k.Cfg.SelfSigned {
		leaf, err = pki.SelfSigned("kamailio self-signed", k.Cfg.CertHosts, 24*time.Hour)
	} else {
		leaf, err = ca.Issue("kamailio lab", k.Cfg.CertHosts, 24*time.Hour)
	}
	if err != nil {
		return err
	}
	k.CA, k.ServerCert, k.Fingerprint = ca, leaf, pki.Fingerprint(leaf.Cert)
	k.CAFile = filepath.Join(k.Dir, "certs", "ca.crt")
	files := map[string][]byte{"ca.crt": ca.CertPEM, "server.crt": leaf.CertPEM, "server.key": leaf.KeyPEM}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(k.Dir, "certs", name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (k *Kamailio) writeConfig() error {
	data := struct {
		KamailioConfig
		Dir, CtlSocket, ModulesDir string
		TLSPort, SIPPort           int
		Users                      []KamailioUser
	}{k.Cfg, k.Dir, k.CtlSocket, kamailioModulesDir(), k.TLSPort, k.SIPPort, k.users}
	for _, f := range []struct{ name, tmpl string }{{"kamailio.cfg", kamailioCfgTmpl}, {"tls.cfg", kamailioTLSTmpl}} {
		tm, err := template.New(f.name).Parse(f.tmpl)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := tm.Execute(&b, data); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(k.Dir, f.name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (k *Kamailio) start() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.writeConfig(); err != nil {
		return err
	}
	cfgPath := filepath.Join(k.Dir, "kamailio.cfg")
	if out, err := exec.Command(k.kamBin, "-c", "-f", cfgPath).CombinedOutput(); err != nil {
		return fmt.Errorf("config check failed: %v\n%s", err, out)
	}
	logf, err := os.OpenFile(k.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	// -DD: stay in the foreground so the test owns the pid; -E: log to stderr.
	cmd := exec.Command(k.kamBin, "-DD", "-E", "-f", cfgPath, "-P", filepath.Join(k.Dir, "run", "kamailio.pid"),
		"-Y", filepath.Join(k.Dir, "run"), "-m", "64", "-M", "8")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	k.cmd, k.done, k.logf = cmd, done, logf
	return k.waitReady(done, 30*time.Second)
}

// waitReady waits for a verified TLS handshake on the TLS port and an answering ctl socket.
func (k *Kamailio) waitReady(done chan struct{}, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	conf := &tls.Config{RootCAs: k.CA.Pool(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if k.Cfg.SelfSigned || !containsString(k.Cfg.CertHosts, "127.0.0.1") {
		conf.InsecureSkipVerify = true // the handshake itself is what is waited for
	}
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("exited during start-up; log %s:\n%s", k.LogPath(), kamailioLogTail(k.LogPath(), 30))
		default:
		}
		d := net.Dialer{Timeout: time.Second}
		c, err := tls.DialWithDialer(&d, "tcp", k.TLSAddr(), conf)
		if err == nil {
			c.Close()
			if _, err := k.RPC("core.version"); err == nil {
				return nil
			} else {
				lastErr = err
			}
		} else {
			lastErr = err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s (%v); log:\n%s", limit, lastErr, kamailioLogTail(k.LogPath(), 30))
}

// RPC runs a kamcmd command against this Kamailio's ctl socket.
func (k *Kamailio) RPC(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, k.cmdBin, append([]string{"-s", "unix:" + k.CtlSocket}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kamcmd %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// AddUser adds (or changes) a digest user at run time and keeps it across Restart.
func (k *Kamailio) AddUser(user, password string) error {
	k.mu.Lock()
	found := false
	for i := range k.users {
		if k.users[i].Name == user {
			k.users[i].Password, found = password, true
		}
	}
	if !found {
		k.users = append(k.users, KamailioUser{Name: user, Password: password})
	}
	k.mu.Unlock()
	_, err := k.RPC("htable.sets", "creds", user, password)
	return err
}

// Users returns the registrar's digest users.
func (k *Kamailio) Users() []KamailioUser {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]KamailioUser(nil), k.users...)
}

// Binding is one contact in Kamailio's location table.
type Binding struct {
	AOR     string
	Contact string
	// Expires is the remaining lifetime in seconds as Kamailio reports it.
	Expires int
	// Received is the flow's source address (fix_nated_register), e.g. "sip:127.0.0.1:40000;transport=tls".
	Received string
}

var (
	reAOR      = regexp.MustCompile(`(?mi)^\s*AoR:\s*(\S+)`)
	reContact  = regexp.MustCompile(`(?m)^\s*Address:\s*(\S+)`)
	reExpires  = regexp.MustCompile(`(?m)^\s*Expires:\s*(-?\d+|permanent)`)
	reReceived = regexp.MustCompile(`(?m)^\s*Received:\s*(\S+)`)
)

// Locations dumps the location table (kamcmd ul.dump).
func (k *Kamailio) Locations() ([]Binding, error) {
	out, err := k.RPC("ul.dump")
	if err != nil {
		return nil, err
	}
	return parseULDump(out), nil
}

// parseULDump reads kamcmd's text rendering of ul.dump: an "AOR:" line per
// record, then for each contact "Address:", "Expires:", "Received:" lines.
func parseULDump(out string) []Binding {
	var res []Binding
	aor := ""
	var cur *Binding
	for _, line := range strings.Split(out, "\n") {
		if m := reAOR.FindStringSubmatch(line); m != nil {
			aor = m[1]
			continue
		}
		if m := reContact.FindStringSubmatch(line); m != nil {
			res = append(res, Binding{AOR: aor, Contact: m[1]})
			cur = &res[len(res)-1]
			continue
		}
		if cur == nil {
			continue
		}
		if m := reExpires.FindStringSubmatch(line); m != nil {
			cur.Expires, _ = strconv.Atoi(m[1])
		} else if m := reReceived.FindStringSubmatch(line); m != nil && m[1] != "[not" {
			cur.Received = m[1]
		}
	}
	return res
}

// BindingsFor returns the bindings whose AOR is user (or user@domain).
func (k *Kamailio) BindingsFor(user string) ([]Binding, error) {
	all, err := k.Locations()
	if err != nil {
		return nil, err
	}
	var out []Binding
	for _, b := range all {
		a := strings.TrimPrefix(b.AOR, "sip:")
		if a == user || strings.HasPrefix(a, user+"@") {
			out = append(out, b)
		}
	}
	return out, nil
}

// SIPDump returns the cleartext SIP Kamailio saw and sent (its sipdump
// module's text files, oldest first): TLS hides it from packet captures.
func (k *Kamailio) SIPDump() (string, error) {
	files, err := filepath.Glob(filepath.Join(k.Dir, "sipdump", "*.data"))
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		b.Write(data)
	}
	return b.String(), nil
}

// Kill stops Kamailio at once (SIGKILL to its process group), as a crash would.
func (k *Kamailio) Kill() {
	k.signal(syscall.SIGKILL)
}

// Stop stops Kamailio (SIGTERM, then SIGKILL after 5 s).
func (k *Kamailio) Stop() {
	k.signal(syscall.SIGTERM)
}

func (k *Kamailio) signal(sig syscall.Signal) {
	k.mu.Lock()
	cmd, done := k.cmd, k.done
	k.cmd = nil
	k.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, sig)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
	// Children of the group may outlive the main process briefly; wait until the group is gone.
	for i := 0; i < 100; i++ {
		if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// Restart starts Kamailio again on the same ports with the same certificate
// and users (after Kill or Stop). The location table starts empty.
func (k *Kamailio) Restart() error {
	k.Stop()
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly after the kill
		if err = k.start(); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

// FreeTCPPorts returns n distinct currently free TCP ports on 127.0.0.1.
func FreeTCPPorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func kamailioLogTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
