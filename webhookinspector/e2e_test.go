package webhookinspector

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
)

// inspectProc is a running "hookphone inspect" process.
type inspectProc struct {
	cmd   *exec.Cmd
	addr  string
	lines chan map[string]any
	waitc chan error
}

const e2eSecret = "e2e-signature-secret-0123456789abcdef"

func e2eEnv(dir string) []string {
	return append(os.Environ(), "HP_SECRET="+e2eSecret, "XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
}

// startInspect runs the real binary and waits for its "listening" line.
func startInspect(t *testing.T, dir string, extra ...string) *inspectProc {
	t.Helper()
	bin := hookphoneBinary(t)
	args := append([]string{"inspect", "--listen", "127.0.0.1:0", "--secret-env", "HP_SECRET", "--json"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = e2eEnv(dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &testLogWriter{t: t, prefix: "inspect stderr: "}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &inspectProc{cmd: cmd, lines: make(chan map[string]any, 100000), waitc: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = map[string]any{"unparsed": sc.Text()}
			}
			p.lines <- m
		}
		close(p.lines)
		p.waitc <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.waitc
		}
	})
	select {
	case m := <-p.lines:
		l, _ := m["listening"].(string)
		if l == "" {
			t.Fatalf("first line is not the listening line: %v", m)
		}
		p.addr = strings.TrimPrefix(strings.TrimPrefix(l, "http://"), "https://")
	case <-time.After(30 * time.Second):
		t.Fatal("inspect did not start listening")
	}
	return p
}

func (p *inspectProc) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m, ok := <-p.lines:
		if !ok {
			t.Fatal("inspect output ended")
		}
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("no capture line from inspect")
	}
	return nil
}

// stop sends SIGINT and returns the final result line.
func (p *inspectProc) stop(t *testing.T) map[string]any {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGINT)
	var last map[string]any
	for m := range p.lines {
		last = m
	}
	if err := <-p.waitc; err != nil {
		t.Fatalf("inspect exit: %v", err)
	}
	return last
}

type testLogWriter struct {
	t      *testing.T
	prefix string
}

func (w *testLogWriter) Write(b []byte) (int, error) {
	w.t.Log(w.prefix + strings.TrimSpace(string(b)))
	return len(b), nil
}

func runHookphone(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(hookphoneBinary(t), args...)
	cmd.Env = e2eEnv(dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if stderr.Len() > 0 {
		t.Logf("hookphone %s stderr: %s", args[0], stderr.String())
	}
	return string(out), code
}

func TestE2EInspectAndSendEveryEventAndTamper(t *testing.T) {
	dir := t.TempDir()
	p := startInspect(t, dir)
	type want struct {
		verdict, reason string
	}
	expect := map[string][]want{
		"":          {{"valid", "Genuine"}},
		"body":      {{"invalid", "after signing"}},
		"signature": {{"invalid", "did you use the API secret instead of the signature secret?"}},
		"iat":       {{"invalid", "issued 20 min ago"}},
		"alg":       {{"invalid", "alg RS256, which is not accepted"}},
		"replay":    {{"valid", "Genuine"}, {"invalid", "already seen at"}},
		"unsigned":  {{"unsigned", "created before July 2021"}},
	}
	n := 0
	for _, ev := range SampleEvents {
		for _, tamper := range []string{"", "body", "signature", "iat", "alg", "replay", "unsigned"} {
			args := []string{"webhook", "send", "--url", "http://" + p.addr, "--secret-env", "HP_SECRET", "--event", ev, "--json"}
			if tamper != "" {
				args = append(args, "--tamper", tamper)
			}
			out, code := runHookphone(t, dir, args...)
			if code != 0 {
				t.Fatalf("webhook send %s %s: exit %d: %s", ev, tamper, code, out)
			}
			var res struct {
				Sent []SentSample
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
				t.Fatalf("send result %q: %v", out, err)
			}
			for i, w := range expect[tamper] {
				line := p.next(t)
				n++
				if line["verdict"] != w.verdict || !strings.Contains(fmt.Sprint(line["reason"]), w.reason) {
					t.Errorf("%s/%s #%d: inspect printed %v, want %s containing %q", ev, tamper, i, line, w.verdict, w.reason)
				}
				wantEvent := ev
				if line["event"] != wantEvent {
					t.Errorf("%s/%s: event %v", ev, tamper, line["event"])
				}
				for _, k := range []string{"id", "method", "path", "verdict", "reason", "event", "uuid"} {
					if _, ok := line[k]; !ok {
						t.Errorf("inspect --json line lacks %q: %v", k, line)
					}
				}
				if res.Sent[i].Verdict != w.verdict {
					t.Errorf("%s/%s: response header verdict %q", ev, tamper, res.Sent[i].Verdict)
				}
			}
		}
	}
	final := p.stop(t)
	if final["stopped"] != true || final["captures"] != float64(n) {
		t.Fatalf("final line %v, want %d captures", final, n)
	}
	// webhook list reads the same store (XDG data dir), oldest first.
	out, code := runHookphone(t, dir, "webhook", "list", "--json")
	if code != 0 {
		t.Fatalf("webhook list exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != n+1 || lines[len(lines)-1] != fmt.Sprintf(`{"count":%d}`, n) {
		t.Fatalf("webhook list printed %d lines, last %q", len(lines), lines[len(lines)-1])
	}
	var prev float64
	for _, l := range lines[:n] {
		var m map[string]any
		json.Unmarshal([]byte(l), &m)
		if m["id"].(float64) <= prev || m["received_at"] == nil || len(fmt.Sprint(m["body_sha256"])) != 64 {
			t.Fatalf("list row %s", l)
		}
		prev = m["id"].(float64)
	}
	out, _ = runHookphone(t, dir, "webhook", "list", "--json", "--verdict", "unsigned", "--limit", "3")
	if !strings.HasSuffix(strings.TrimSpace(out), `{"count":3}`) || strings.Contains(out, `"verdict":"valid"`) {
		t.Fatalf("filtered list: %s", out)
	}
	if _, code := runHookphone(t, dir, "webhook", "list", "--verdict", "maybe"); code != 2 {
		t.Fatalf("bad --verdict exit %d, want 2", code)
	}
	// Text, path and call filters run in the store over every capture.
	out, _ = runHookphone(t, dir, "webhook", "list", "--json", "--text", "ALREADY SEEN")
	if !strings.HasSuffix(strings.TrimSpace(out), fmt.Sprintf(`{"count":%d}`, len(SampleEvents))) {
		t.Errorf("--text: want one replay per event (%d):\n%s", len(SampleEvents), out)
	}
	var first map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	out, _ = runHookphone(t, dir, "webhook", "list", "--json", "--call", fmt.Sprint(first["uuid"]), "--path", fmt.Sprint(first["path"]))
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows) != 2 || !strings.Contains(rows[0], fmt.Sprintf(`"id":%v,`, first["id"])) {
		t.Errorf("--call %v --path %v: want exactly capture %v:\n%s", first["uuid"], first["path"], first["id"], out)
	}
}

func TestE2EVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	body := filepath.Join(dir, "body.json")
	os.WriteFile(body, []byte(eventBody), 0o600)
	tok := makeToken(t, "HS256", with(baseClaims([]byte(eventBody)), "iat", time.Now().Unix()), e2eSecret)
	out, code := runHookphone(t, dir, "verify", "--secret-env", "HP_SECRET", "--authorization", "Bearer "+tok, "--body", body, "--json")
	var res Result
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &res); err != nil || code != 0 || res.Verdict != VerdictValid || res.Scheme != SchemeJWT || len(res.Checks) < 8 {
		t.Fatalf("verify valid: exit %d %s", code, out)
	}
	os.WriteFile(body, []byte(strings.Replace(eventBody, `"68"`, `"69"`, 1)), 0o600)
	out, code = runHookphone(t, dir, "verify", "--secret-env", "HP_SECRET", "--authorization", "Bearer "+tok, "--body", body, "--json")
	if code != 1 || !strings.Contains(out, `"verdict":"invalid"`) {
		t.Fatalf("verify tampered: exit %d %s", code, out)
	}
	q := "to=447700900000&from=447700900001&uuid=u&conversation_uuid=CON-1"
	qtok := makeToken(t, "HS256", with(baseClaims([]byte(`{"to":"447700900000","from":"447700900001","uuid":"u","conversation_uuid":"CON-1"}`)), "iat", time.Now().Unix()), e2eSecret)
	if out, code = runHookphone(t, dir, "verify", "--secret-env", "HP_SECRET", "--authorization", "bearer "+qtok, "--query", q); code != 0 {
		t.Fatalf("verify GET: exit %d %s", code, out)
	}
	if _, code = runHookphone(t, dir, "verify", "--query", q); code != 2 {
		t.Fatalf("verify without secret: exit %d, want 2", code)
	}
	if _, code = runHookphone(t, dir, "verify", "--secret-env", "HP_SECRET", "--query", q); code != 1 {
		t.Fatalf("verify unsigned: exit %d, want 1", code)
	}
}

func TestE2EForwardToRealApp(t *testing.T) {
	dir := t.TempDir()
	// The app answers an NCCO with a classic mistake: it still reaches the
	// sender byte for byte, and the inspector names the mistake.
	ncco := `[{"action":"stream","streamUrl":"https://audio.example.com/hello.mp3"}]`
	app := startRawApp(t, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+fmt.Sprint(len(ncco))+"\r\n\r\n"+ncco)
	p := startInspect(t, dir, "--forward", "http://"+app.ln.Addr().String())
	q := "to=447700900000&from=447700900001&uuid=fw-1&conversation_uuid=CON-fw"
	qtok := makeToken(t, "HS256", with(baseClaims([]byte(`{"to":"447700900000","from":"447700900001","uuid":"fw-1","conversation_uuid":"CON-fw"}`)), "iat", time.Now().Unix()), e2eSecret)
	sent := "GET /webhooks/answer?" + q + " HTTP/1.1\r\nHost: abc.tunnel.example\r\nUser-Agent: Vonage\r\nAuthorization: Bearer " + qtok + "\r\naccept: */*\r\n\r\n"
	resp := rawExchange(t, p.addr, sent, 1)[0]
	body, _ := io.ReadAll(resp.Body)
	if string(app.last()) != sent {
		t.Fatalf("app received\n%q\nwant\n%q", app.last(), sent)
	}
	if resp.StatusCode != 200 || string(body) != ncco {
		t.Fatalf("sender got %d %q", resp.StatusCode, body)
	}
	line := p.next(t)
	if errs := fmt.Sprint(line["ncco_errors"]); !strings.Contains(errs, "streamUrl: must be an array of exactly one URL") {
		t.Fatalf("inspect line does not name the NCCO mistake: %v", line)
	}
	if line["verdict"] != "valid" || line["event"] != "answer" || line["uuid"] != "fw-1" {
		t.Fatalf("inspect line %v", line)
	}
	// POST body byte for byte, including bytes a re-serialiser would change.
	post := `{"uuid":"fw-1","status":"started","note":"caf\u00e9 <&>",  "n":1.50}`
	raw := "POST /webhooks/event HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + fmt.Sprint(len(post)) + "\r\n\r\n" + post
	rawExchange(t, p.addr, raw, 1)
	if string(app.last()) != raw {
		t.Fatalf("POST forwarded as %q", app.last())
	}
	p.next(t)
	p.stop(t)
}

// TestE2EDurabilityKill9 kills the inspector with SIGKILL while a sender
// posts signed webhooks; every request that got a 2xx must be in the store,
// byte-identical, after the kill, and the restarted inspector must still
// recognise their tokens as replays.
func TestE2EDurabilityKill9(t *testing.T) {
	dir := t.TempDir()
	p := startInspect(t, dir)
	type acked struct {
		id   int64
		body []byte
		head string // the request line and headers, byte for byte
	}
	var mu sync.Mutex
	var ok []acked
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Raw keep-alive connections, so the exact bytes sent are known.
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var conn net.Conn
			var br *bufio.Reader
			for i := 0; ctx.Err() == nil; i++ {
				if conn == nil {
					c, err := net.DialTimeout("tcp", p.addr, time.Second)
					if err != nil {
						time.Sleep(10 * time.Millisecond)
						continue // the inspector is gone; keep trying until stopped
					}
					conn, br = c, bufio.NewReader(c)
				}
				body := []byte(fmt.Sprintf(`{"uuid":"dur-%d-%d","status":"answered","seq":%d,"pad":"%s"}`, w, i, i, strings.Repeat("z", i%300)))
				claims := with(baseClaims(body), "iat", time.Now().Unix(), "jti", fmt.Sprintf("jti-%d-%d", w, i))
				auth := "Bearer " + makeToken(t, "HS256", claims, e2eSecret)
				head := fmt.Sprintf("POST /webhooks/event?w=%d HTTP/1.1\r\nHost: vonage-sender\r\nauthorization: %s\r\nX-Seq: %d\r\ncontent-type: application/json\r\nContent-Length: %d\r\n\r\n", w, auth, i, len(body))
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				_, err := conn.Write(append([]byte(head), body...))
				var resp *http.Response
				if err == nil {
					resp, err = http.ReadResponse(br, nil)
				}
				if err != nil {
					conn.Close()
					conn = nil
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					var id int64
					fmt.Sscan(resp.Header.Get("X-Hookphone-Capture-Id"), &id)
					mu.Lock()
					ok = append(ok, acked{id, body, head})
					mu.Unlock()
				}
			}
			if conn != nil {
				conn.Close()
			}
		}(w)
	}
	// Let a few hundred land, then kill -9 mid-stream.
	for {
		mu.Lock()
		n := len(ok)
		mu.Unlock()
		if n >= 300 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.waitc
	time.Sleep(200 * time.Millisecond) // senders see the dead socket
	cancel()
	wg.Wait()

	store, err := OpenStore(context.Background(), filepath.Join(dir, "data", "hookphone", "hookphone.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range ok {
		c, err := store.Get(context.Background(), a.id)
		if err != nil {
			t.Fatalf("acknowledged capture %d lost after kill -9: %v", a.id, err)
		}
		if string(c.Body) != string(a.body) || string(c.RawHead) != a.head {
			t.Fatalf("capture %d differs from what was sent", a.id)
		}
		sum := sha256.Sum256(a.body)
		if c.BodySHA256() != hex.EncodeToString(sum[:]) {
			t.Fatal("sha mismatch")
		}
	}
	store.Close()
	t.Logf("%d acknowledged webhooks all survived kill -9", len(ok))

	// Restart on the same store: a token seen before the kill is a replay now.
	p2 := startInspect(t, dir)
	last := ok[len(ok)-1]
	req, _ := http.NewRequest("POST", "http://"+p2.addr+"/webhooks/event", strings.NewReader(string(last.body)))
	req.Header.Set("Authorization", headerValue(parseHeadLines([]byte(last.head)), "Authorization"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	line := p2.next(t)
	if line["verdict"] != "invalid" || !strings.Contains(fmt.Sprint(line["reason"]), "already seen") {
		t.Fatalf("replay across restart: %v", line)
	}
	p2.stop(t)
	http.DefaultClient.CloseIdleConnections()
}

func TestE2EReplayAndExport(t *testing.T) {
	dir := t.TempDir()
	p := startInspect(t, dir)
	if _, code := runHookphone(t, dir, "webhook", "send", "--url", "http://"+p.addr, "--secret-env", "HP_SECRET", "--event", "completed"); code != 0 {
		t.Fatal("send failed")
	}
	first := p.next(t)
	if first["verdict"] != "valid" {
		t.Fatalf("first %v", first)
	}
	// As captured, to the same inspector: its token is a replay now.
	out, code := runHookphone(t, dir, "webhook", "replay", "--id", "1", "--url", "http://"+p.addr, "--json")
	if code != 0 || !strings.Contains(out, "byte for byte") {
		t.Fatalf("replay as captured: %d %s", code, out)
	}
	if l := p.next(t); l["verdict"] != "invalid" || !strings.Contains(fmt.Sprint(l["reason"]), "already seen") {
		t.Fatalf("as-captured replay judged %v", l)
	}
	// Re-signed now, with an edited body: genuine again, and the differences say why.
	edited := filepath.Join(dir, "edited.json")
	os.WriteFile(edited, []byte(`{"uuid":"edited","status":"completed","duration":"1"}`), 0o600)
	out, code = runHookphone(t, dir, "webhook", "replay", "--id", "1", "--url", "http://"+p.addr, "--resign", "--secret-env", "HP_SECRET", "--body", edited, "--json")
	var rr struct {
		Status      int
		Differences []string
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &rr); err != nil || code != 0 || rr.Status != 200 {
		t.Fatalf("replay re-signed: %d %s", code, out)
	}
	if d := strings.Join(rr.Differences, "; "); !strings.Contains(d, "payload_hash") || !strings.Contains(d, "body changed") || !strings.Contains(d, "jti") {
		t.Fatalf("differences %q", d)
	}
	if l := p.next(t); l["verdict"] != "valid" || l["uuid"] != "edited" {
		t.Fatalf("re-signed replay judged %v", l)
	}
	// cURL export of capture 1, run by bash: arrives with the same body.
	out, code = runHookphone(t, dir, "webhook", "export", "--id", "1", "--format", "curl")
	if code != 0 || !strings.Contains(out, "curl --http1.1 -X POST") {
		t.Fatalf("export curl: %d %s", code, out)
	}
	if b, err := exec.Command("bash", "-c", strings.TrimSpace(out)+" -s -o /dev/null").CombinedOutput(); err != nil {
		t.Fatalf("running the exported curl: %v %s", err, b)
	}
	l := p.next(t)
	list, _ := runHookphone(t, dir, "webhook", "list", "--json")
	var sums []string
	for _, row := range strings.Split(strings.TrimSpace(list), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(row), &m)
		if id, ok := m["id"].(float64); ok && (id == 1 || id == l["id"].(float64)) {
			sums = append(sums, fmt.Sprint(m["body_sha256"]))
		}
	}
	if len(sums) != 2 || sums[0] != sums[1] {
		t.Fatalf("exported curl sent a different body: %v", sums)
	}
	// HAR of everything.
	out, code = runHookphone(t, dir, "webhook", "export", "--format", "har")
	var har struct {
		Log struct {
			Version string
			Entries []json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(out), &har); err != nil || code != 0 || har.Log.Version != "1.2" || len(har.Log.Entries) != 4 {
		t.Fatalf("HAR export: %d %v %d entries", code, err, len(har.Log.Entries))
	}
	// verify --id judges a stored capture as of its arrival, replays by the store's jti history.
	if out, code := runHookphone(t, dir, "verify", "--secret-env", "HP_SECRET", "--id", "1", "--json"); code != 0 || !strings.Contains(out, `"verdict":"valid"`) {
		t.Fatalf("verify --id 1: %d %s", code, out)
	}
	if out, code := runHookphone(t, dir, "verify", "--secret-env", "HP_SECRET", "--id", "2", "--json"); code != 1 || !strings.Contains(out, "already seen") {
		t.Fatalf("verify --id 2 (the as-captured replay): %d %s", code, out)
	}
	p.stop(t)
}

func TestE2EInspectTLS(t *testing.T) {
	dir := t.TempDir()
	ca, err := pki.NewCA("e2e CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("inspector", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	certF, keyF := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certF, leaf.CertPEM, 0o600)
	os.WriteFile(keyF, leaf.KeyPEM, 0o600)
	p := startInspect(t, dir, "--tls-cert", certF, "--tls-key", keyF)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	defer client.CloseIdleConnections()
	body := `{"uuid":"tls-e2e","status":"ringing"}`
	tok := makeToken(t, "HS256", with(baseClaims([]byte(body)), "iat", time.Now().Unix()), e2eSecret)
	req, _ := http.NewRequest("POST", "https://"+p.addr+"/webhooks/event", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if l := p.next(t); l["verdict"] != "valid" || l["event"] != "ringing" {
		t.Fatalf("over TLS: %v", l)
	}
	p.stop(t)
}
