package webhookinspector

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookphone/hookphone/internal/pki"
)

type testServer struct {
	srv   *Server
	store *Store
	addr  string
	base  string
	stop  func()
}

func startServer(t *testing.T, mod func(*ServerConfig)) *testServer {
	t.Helper()
	store, _ := openTestStore(t)
	cfg := ServerConfig{
		Store:    store,
		Verifier: NewVerifier(VerifierConfig{Secrets: map[string]string{keyMain: secretMain}, DefaultSecret: defaultSecret}),
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	scheme := "http"
	if cfg.TLS != nil {
		scheme = "https"
	}
	ts := &testServer{srv: srv, store: store, addr: ln.Addr().String(), base: scheme + "://" + ln.Addr().String()}
	var once sync.Once
	ts.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(ts.stop)
	return ts
}

// rawExchange writes raw bytes on one connection and reads n responses.
func rawExchange(t *testing.T, addr string, raw string, n int) []*http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var out []*http.Response
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		out = append(out, resp)
	}
	return out
}

func captureOf(t *testing.T, s *Store, resp *http.Response) *Capture {
	t.Helper()
	var id int64
	fmt.Sscan(resp.Header.Get("X-Hookphone-Capture-Id"), &id)
	c, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServerKeepsRawHeadsInOrderAcrossKeepAliveAndChunked(t *testing.T) {
	ts := startServer(t, nil)
	tok := makeToken(t, "HS256", with(baseClaims([]byte(eventBody)), "iat", time.Now().Unix()), secretMain)
	req1 := "POST /webhooks/event?x=1 HTTP/1.1\r\nhost: inspector.test\r\nZ-Last: z\r\nauthorization: Bearer " + tok +
		"\r\nA-First: a\r\nContent-Type: application/json\r\ncontent-length: " + fmt.Sprint(len(eventBody)) + "\r\n\r\n" + eventBody
	chunkBody := `{"uuid":"chunky","status":"ringing"}`
	req2 := "POST /anything/else HTTP/1.1\r\nHost: inspector.test\r\nX-Dup: 1\r\nTransfer-Encoding: chunked\r\nX-Dup: 2\r\n\r\n" +
		fmt.Sprintf("%x\r\n%s\r\n", 10, chunkBody[:10]) + fmt.Sprintf("%x;ext=1\r\n%s\r\n", len(chunkBody)-10, chunkBody[10:]) + "0\r\nTrailer-X: t\r\n\r\n"
	req3 := "GET /webhooks/answer?to=447700900000&from=447700900001&uuid=u-3&conversation_uuid=CON-3 HTTP/1.1\r\nHost: inspector.test\r\nX-Third: 3\r\n\r\n"
	resps := rawExchange(t, ts.addr, req1+req2+req3, 3) // pipelined in one write

	c1 := captureOf(t, ts.store, resps[0])
	wantHead := req1[:strings.Index(req1, "\r\n\r\n")+4]
	if string(c1.RawHead) != wantHead {
		t.Fatalf("raw head 1:\n%q\nwant\n%q", c1.RawHead, wantHead)
	}
	names := []string{}
	for _, h := range c1.Headers {
		names = append(names, h.Name)
	}
	if strings.Join(names, ",") != "host,Z-Last,authorization,A-First,Content-Type,content-length" {
		t.Fatalf("header order/case lost: %v", names)
	}
	if string(c1.Body) != eventBody || c1.Result.Verdict != VerdictValid || c1.Event.Name() != "completed" || c1.RawQuery != "x=1" {
		t.Fatalf("capture 1: verdict %v %q body %q", c1.Result.Verdict, c1.Result.Reason, c1.Body)
	}
	c2 := captureOf(t, ts.store, resps[1])
	if !strings.HasPrefix(string(c2.RawHead), "POST /anything/else HTTP/1.1\r\nHost: inspector.test\r\nX-Dup: 1\r\nTransfer-Encoding: chunked\r\nX-Dup: 2\r\n") {
		t.Fatalf("raw head 2: %q", c2.RawHead)
	}
	if string(c2.Body) != chunkBody || c2.Kind != KindOther || c2.Result.Verdict != VerdictUnsigned || c2.Event.Name() != "ringing" {
		t.Fatalf("capture 2: %q %v %v %q", c2.Body, c2.Kind, c2.Result.Verdict, c2.Event.Name())
	}
	c3 := captureOf(t, ts.store, resps[2])
	if !strings.HasSuffix(string(c3.RawHead), "X-Third: 3\r\n\r\n") || c3.Kind != KindAnswer || c3.Event.UUID != "u-3" {
		t.Fatalf("capture 3: %q", c3.RawHead)
	}
	body, _ := io.ReadAll(resps[2].Body)
	if string(body) != string(DefaultNCCO) || resps[2].Header.Get("Content-Type") != "application/json" {
		t.Fatalf("answer response %q", body)
	}
	if b, _ := io.ReadAll(resps[0].Body); len(b) != 0 || resps[0].StatusCode != 200 {
		t.Fatalf("event response %d %q", resps[0].StatusCode, b)
	}
}

func TestServerBodyCap(t *testing.T) {
	ts := startServer(t, func(c *ServerConfig) { c.MaxBody = 1000 })
	big := strings.Repeat("x", 1001)
	resps := rawExchange(t, ts.addr, "POST /webhooks/event HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n"+big, 1)
	if resps[0].StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", resps[0].StatusCode)
	}
	c := captureOf(t, ts.store, resps[0])
	if !c.BodyTruncated || c.BodySize != 1001 || c.Response.Status != 413 || !strings.Contains(c.Result.Reason, "413") {
		t.Fatalf("413 capture: %+v", c)
	}
	// Chunked: no Content-Length to refuse early; the cap still holds.
	chunked := fmt.Sprintf("POST /webhooks/event HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", 1500, strings.Repeat("y", 1500))
	resps = rawExchange(t, ts.addr, chunked, 1)
	c = captureOf(t, ts.store, resps[0])
	if resps[0].StatusCode != 413 || len(c.Body) != 1000 || !c.BodyTruncated {
		t.Fatalf("chunked over cap: %d, %d bytes kept", resps[0].StatusCode, len(c.Body))
	}
	// Exactly at the cap is fine.
	resps = rawExchange(t, ts.addr, "POST /webhooks/event HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n"+big[:1000], 1)
	if resps[0].StatusCode != 200 {
		t.Fatalf("at cap: %d", resps[0].StatusCode)
	}
}

func TestServerRejectsInvalidConfiguredNCCO(t *testing.T) {
	store, _ := openTestStore(t)
	_, err := NewServer(ServerConfig{Store: store, Verifier: NewVerifier(VerifierConfig{}), NCCO: []byte(`[{"action":"stream","streamUrl":"https://x/a.mp3"}]`)})
	if err == nil || !strings.Contains(err.Error(), "streamUrl") {
		t.Fatalf("err %v", err)
	}
	_, err = NewServer(ServerConfig{Store: store, Verifier: NewVerifier(VerifierConfig{}), ForwardURL: "localhost:3000"})
	if err == nil {
		t.Fatal("forward URL without scheme accepted")
	}
}

// rawApp is a real HTTP app on loopback that records the exact bytes of each
// request it gets and answers with a fixed response.
type rawApp struct {
	ln       net.Listener
	mu       sync.Mutex
	received [][]byte
	answer   string
}

func startRawApp(t *testing.T, answer string) *rawApp {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &rawApp{ln: ln, answer: answer}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go a.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return a
}

func (a *rawApp) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var rec bytes.Buffer
	br := bufio.NewReader(io.TeeReader(c, &rec))
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	io.Copy(io.Discard, req.Body)
	// What was consumed = recorded minus what bufio still buffers.
	got := rec.Bytes()[:rec.Len()-br.Buffered()]
	a.mu.Lock()
	a.received = append(a.received, append([]byte(nil), got...))
	a.mu.Unlock()
	io.WriteString(c, a.answer)
}

func (a *rawApp) last() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.received) == 0 {
		return nil
	}
	return a.received[len(a.received)-1]
}

func TestForwardByteForByte(t *testing.T) {
	ncco := `[{"action":"talk","text":"hi","bargeIn":true},{"action":"stream","streamUrl":["https://example.com/a.mp3"]}]`
	app := startRawApp(t, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-App: yes\r\nContent-Length: "+fmt.Sprint(len(ncco))+"\r\n\r\n"+ncco)
	ts := startServer(t, func(c *ServerConfig) { c.ForwardURL = "http://" + app.ln.Addr().String() })
	tok := makeToken(t, "HS256", with(baseClaims([]byte(answerQueryJSON)), "iat", time.Now().Unix()), secretMain)
	sent := "GET /webhooks/answer?" + answerQuery + " HTTP/1.1\r\nHost: my-tunnel.example\r\nauthorization: Bearer " + tok + "\r\nX-Z: 1\r\nx-a:   spaced  \r\n\r\n"
	resps := rawExchange(t, ts.addr, sent, 1)
	if got := app.last(); string(got) != sent {
		t.Fatalf("app received\n%q\nsent\n%q", got, sent)
	}
	body, _ := io.ReadAll(resps[0].Body)
	if string(body) != ncco || resps[0].Header.Get("X-App") != "yes" {
		t.Fatalf("sender got %d %q", resps[0].StatusCode, body)
	}
	c := captureOf(t, ts.store, resps[0])
	if c.Response.Status != 200 || string(c.Response.Body) != ncco || c.Result.Verdict != VerdictValid {
		t.Fatalf("capture response %+v verdict %v %s", c.Response, c.Result.Verdict, c.Result.Reason)
	}
	if len(c.NCCOErrors) != 1 || !strings.Contains(c.NCCOErrors[0], "bargeIn") {
		t.Fatalf("ncco errors %v", c.NCCOErrors)
	}
	// POST with a body.
	post := "POST /webhooks/event HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " + fmt.Sprint(len(eventBody)) + "\r\n\r\n" + eventBody
	rawExchange(t, ts.addr, post, 1)
	if string(app.last()) != post {
		t.Fatalf("POST not forwarded byte for byte: %q", app.last())
	}
}

func TestForwardTargetDown(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	ts := startServer(t, func(c *ServerConfig) { c.ForwardURL = "http://" + dead })
	resps := rawExchange(t, ts.addr, "POST /webhooks/event HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}", 1)
	if resps[0].StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d", resps[0].StatusCode)
	}
	c := captureOf(t, ts.store, resps[0])
	if !strings.Contains(c.ForwardError, "connect") || c.Response.Status != 502 {
		t.Fatalf("forward error %q status %d", c.ForwardError, c.Response.Status)
	}
}

func TestServerTLS(t *testing.T) {
	ca, err := pki.NewCA("hookphone test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("inspector", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, func(c *ServerConfig) { c.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLS}} })
	pool := ca.Pool()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Post(ts.base+"/webhooks/event", "application/json", strings.NewReader(`{"uuid":"tls-1","status":"started"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := captureOf(t, ts.store, resp)
	if !c.TLS || c.RawHead == nil || c.Event.UUID != "tls-1" {
		t.Fatalf("TLS capture %+v", c)
	}
	client.CloseIdleConnections()
}

func TestReplayAsCapturedAndResigned(t *testing.T) {
	app := startRawApp(t, "HTTP/1.1 204 No Content\r\n\r\n")
	ts := startServer(t, nil)
	now := time.Now()
	tok := makeToken(t, "HS256", with(baseClaims([]byte(eventBody)), "iat", now.Add(-10*time.Minute).Unix()), secretMain)
	sent := "POST /webhooks/event HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + tok + "\r\nContent-Type: application/json\r\nContent-Length: " + fmt.Sprint(len(eventBody)) + "\r\n\r\n" + eventBody
	c := captureOf(t, ts.store, rawExchange(t, ts.addr, sent, 1)[0])
	if c.Result.Verdict != VerdictInvalid {
		t.Fatalf("old token verdict %v", c.Result.Verdict)
	}
	res, err := Replay(context.Background(), c, ReplayOptions{URL: "http://" + app.ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	if string(app.last()) != sent || res.Response.Status != 204 || !strings.Contains(strings.Join(res.Differences, ";"), "byte for byte") {
		t.Fatalf("as captured: %q %v", app.last(), res.Differences)
	}
	edited := []byte(strings.Replace(eventBody, `"68"`, `"70"`, 1))
	res, err = Replay(context.Background(), c, ReplayOptions{URL: "http://" + app.ln.Addr().String(), Mode: ReplayResigned,
		Secrets: map[string]string{keyMain: secretMain}, Body: edited})
	if err != nil {
		t.Fatal(err)
	}
	diff := strings.Join(res.Differences, "; ")
	for _, want := range []string{"iat ", "jti ", "payload_hash ", "body changed", "Authorization token re-signed"} {
		if !strings.Contains(diff, want) {
			t.Errorf("differences %q lack %q", diff, want)
		}
	}
	// What the app got verifies as genuine now.
	got := app.last()
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(got)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	v := NewVerifier(VerifierConfig{Secrets: map[string]string{keyMain: secretMain}})
	r := v.Verify(Request{Method: "POST", Authorization: req.Header.Get("Authorization"), HasAuthorization: true, ContentType: "application/json", Body: body})
	if r.Verdict != VerdictValid || string(body) != string(edited) {
		t.Fatalf("re-signed replay: %v %s", r.Verdict, r.Reason)
	}
}

func TestExportCURLReproducesTheRequest(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl not found: run make deps")
	}
	ts := startServer(t, nil)
	body := "{\"text\":\"it's \\u00e9\\n<b>\",\"bin\":\"\x01\"}"
	sent := "POST /webhooks/event?q=a%20b HTTP/1.1\r\nHost: " + ts.addr + "\r\nX-B: two\r\nX-A: it's\r\nContent-Type: application/json\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body
	c := captureOf(t, ts.store, rawExchange(t, ts.addr, sent, 1)[0])
	cmd := exec.Command("bash", "-c", CURL(c)+" -s -D - -o /dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s\n%s", err, out, CURL(c))
	}
	var id int64
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "X-Hookphone-Capture-Id: "); ok {
			fmt.Sscan(v, &id)
		}
	}
	c2, err := ts.store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("curl's capture: %v (%s)", err, out)
	}
	if string(c2.Body) != body || c2.Target != c.Target || headerValue(c2.Headers, "X-A") != "it's" {
		t.Fatalf("curl sent %q %q", c2.Target, c2.Body)
	}
	if idx := func(hs []Header, n string) int {
		for i, h := range hs {
			if h.Name == n {
				return i
			}
		}
		return -1
	}; idx(c2.Headers, "X-B") > idx(c2.Headers, "X-A") {
		t.Fatalf("header order not kept by curl export: %v", c2.Headers)
	}
	// HAR of both.
	var buf bytes.Buffer
	caps := []*Capture{c, c2}
	i := 0
	if err := WriteHAR(&buf, "test", func() (*Capture, error) {
		if i == len(caps) {
			return nil, nil
		}
		i++
		return caps[i-1], nil
	}); err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Version string
			Entries []struct {
				Request struct {
					Method, URL string
					Headers     []struct{ Name, Value string }
					QueryString []struct{ Name, Value string }
					PostData    struct{ Text string }
				}
				Response struct{ Status int }
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &har); err != nil {
		t.Fatalf("HAR not JSON: %v\n%s", err, buf.String())
	}
	e := har.Log.Entries
	if har.Log.Version != "1.2" || len(e) != 2 || e[0].Request.PostData.Text != body || e[0].Request.QueryString[0].Value != "a b" || e[0].Response.Status != 200 {
		t.Fatalf("HAR %s", buf.String())
	}
}

func TestWatchdogAndSubscribe(t *testing.T) {
	ts := startServer(t, func(c *ServerConfig) { c.WatchdogTimeout = 2 * time.Second })
	notices, cancel := ts.srv.Subscribe(16)
	defer cancel()
	ts.srv.CallStarted("call-quiet", time.Now())
	ts.srv.CallStarted("call-heard", time.Now())
	q := "to=1&from=2&uuid=u-9&conversation_uuid=CON-9&" + HookphoneCallIDField + "=call-heard"
	rawExchange(t, ts.addr, "GET /webhooks/answer?"+q+" HTTP/1.1\r\nHost: t\r\n\r\n", 1)
	var gotCapture bool
	var warnings []string
	deadline := time.After(20 * time.Second)
	for len(warnings) == 0 {
		select {
		case n := <-notices:
			if n.Capture != nil && n.Capture.CallID == "call-heard" {
				gotCapture = true
			}
			if n.Warning != nil {
				warnings = append(warnings, n.Warning.CallID)
			}
		case <-deadline:
			t.Fatal("no watchdog warning")
		}
	}
	// Give the heard call's timer time to (wrongly) fire.
	time.Sleep(2500 * time.Millisecond)
	for len(notices) > 0 {
		if n := <-notices; n.Warning != nil {
			warnings = append(warnings, n.Warning.CallID)
		}
	}
	// A call whose webhook arrived before CallStarted raises nothing either.
	ts.srv.CallStarted("u-9", time.Now())
	time.Sleep(2500 * time.Millisecond)
	for len(notices) > 0 {
		if n := <-notices; n.Warning != nil {
			warnings = append(warnings, n.Warning.CallID)
		}
	}
	if !gotCapture || len(warnings) != 1 || warnings[0] != "call-quiet" {
		t.Fatalf("capture %v warnings %v", gotCapture, warnings)
	}
}

// TestForwardHTTPSAndChunked forwards to an https app (own CA) and re-sends a
// chunked request as one chunk with its head untouched.
func TestForwardHTTPSAndChunked(t *testing.T) {
	ca, err := pki.NewCA("forward test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("app", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := &rawApp{ln: tls.NewListener(plain, &tls.Config{Certificates: []tls.Certificate{leaf.TLS}}), answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]"}
	go func() {
		for {
			c, err := app.ln.Accept()
			if err != nil {
				return
			}
			go app.serve(c)
		}
	}()
	t.Cleanup(func() { app.ln.Close() })
	ts := startServer(t, func(c *ServerConfig) {
		c.ForwardURL = "https://" + plain.Addr().String()
		c.ForwardTLS = &tls.Config{RootCAs: ca.Pool()}
	})
	head := "POST /webhooks/event HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nX-Order: 1\r\n\r\n"
	resps := rawExchange(t, ts.addr, head+"3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n", 1)
	want := head + "7\r\n{\"a\":1}\r\n0\r\n\r\n"
	if got := string(app.last()); got != want {
		t.Fatalf("app got %q, want %q", got, want)
	}
	c := captureOf(t, ts.store, resps[0])
	if resps[0].StatusCode != 200 || string(c.Response.Body) != "[]" || c.ForwardError != "" {
		t.Fatalf("forward over https: %d %q %q", resps[0].StatusCode, c.Response.Body, c.ForwardError)
	}
	// An app whose certificate is not trusted: 502 and the reason.
	ts2 := startServer(t, func(c *ServerConfig) { c.ForwardURL = "https://" + plain.Addr().String() })
	resps = rawExchange(t, ts2.addr, "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", 1)
	c = captureOf(t, ts2.store, resps[0])
	if resps[0].StatusCode != 502 || !strings.Contains(c.ForwardError, "tls") {
		t.Fatalf("untrusted app: %d %q", resps[0].StatusCode, c.ForwardError)
	}
}

func TestForwardToBasePath(t *testing.T) {
	app := startRawApp(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	ts := startServer(t, func(c *ServerConfig) { c.ForwardURL = "http://" + app.ln.Addr().String() + "/dev-app/" })
	rawExchange(t, ts.addr, "POST /webhooks/event?a=1 HTTP/1.1\r\nHost: t\r\nX-Keep: 1\r\nContent-Length: 2\r\n\r\n{}", 1)
	if want := "POST /dev-app/webhooks/event?a=1 HTTP/1.1\r\nHost: t\r\nX-Keep: 1\r\nContent-Length: 2\r\n\r\n{}"; string(app.last()) != want {
		t.Fatalf("app got %q, want %q", app.last(), want)
	}
}

func TestConfiguredPathsAndNCCO(t *testing.T) {
	ncco := `[{"action":"stream","streamUrl":["https://example.com/a.mp3"]}]`
	ts := startServer(t, func(c *ServerConfig) {
		c.AnswerPaths, c.EventPaths, c.FallbackPaths = []string{"/vonage/answer", "/a2"}, []string{"/vonage/event"}, []string{"/vonage/fb"}
		c.NCCO = []byte(ncco)
	})
	for path, want := range map[string]struct {
		kind Kind
		body string
	}{
		"/vonage/answer": {KindAnswer, ncco}, "/a2": {KindAnswer, ncco}, "/vonage/event": {KindEvent, ""},
		"/vonage/fb": {KindFallback, ncco}, "/webhooks/answer": {KindOther, ""},
	} {
		resp := rawExchange(t, ts.addr, "GET "+path+" HTTP/1.1\r\nHost: t\r\n\r\n", 1)[0]
		body, _ := io.ReadAll(resp.Body)
		if c := captureOf(t, ts.store, resp); c.Kind != want.kind || string(body) != want.body || resp.StatusCode != 200 {
			t.Errorf("%s: kind %v, answered %d %q", path, c.Kind, resp.StatusCode, body)
		}
	}
}
