package webhookinspector

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults of the capture server (DESIGN.md, issue 6).
const (
	DefaultListen       = "127.0.0.1:8088"     // loopback only: a tunnel points here
	DefaultMaxBody      = 1 << 20              // bytes; larger bodies get 413
	DefaultAnswerPath   = "/webhooks/answer"   // answer_url path
	DefaultEventPath    = "/webhooks/event"    // event_url path
	DefaultFallbackPath = "/webhooks/fallback" // fallback_answer_url path
)

// ServerConfig configures a capture [Server].
type ServerConfig struct {
	// Store keeps every capture; required.
	Store *Store
	// Verifier verifies every capture; required.
	Verifier *Verifier
	// AnswerPaths, EventPaths and FallbackPaths say which paths are which
	// webhook; nil means the defaults (/webhooks/answer, …).
	AnswerPaths, EventPaths, FallbackPaths []string
	// NCCO is returned on answer paths (and fallback paths) when not
	// forwarding; nil means a short talk action. It must validate.
	NCCO []byte
	// ForwardURL, when set, passes every request to the developer's app
	// byte for byte and returns its response.
	ForwardURL string
	// ForwardTimeout bounds one forwarded exchange (default 10 s).
	ForwardTimeout time.Duration
	// ForwardTLS configures https forward targets (nil: system roots).
	ForwardTLS *tls.Config
	// MaxBody is the body cap (default 1 MiB); larger requests get 413.
	MaxBody int64
	// TLS, when set, makes the server speak HTTPS with this config.
	TLS *tls.Config
	// WatchdogTimeout is how long after CallStarted a webhook must arrive
	// before a warning (default 15 s).
	WatchdogTimeout time.Duration
	// Logger receives operational logs (never secrets); nil: slog.Default().
	Logger *slog.Logger
}

// DefaultNCCO is answered on answer paths when no NCCO is configured.
var DefaultNCCO = []byte(`[{"action":"talk","text":"Hello from Hookphone. This call is answered by the webhook inspector."}]`)

// Notice is what subscribers receive: a new capture or a watchdog warning.
type Notice struct {
	Capture *Summary `json:"capture,omitempty"`
	Warning *Warning `json:"warning,omitempty"`
}

// Warning says that a call started and no webhook for it arrived in time.
type Warning struct {
	CallID    string    `json:"call_id"`
	StartedAt time.Time `json:"started_at"`
	At        time.Time `json:"at"`
	Message   string    `json:"message"`
}

// Server is the capture server: it records, verifies and stores every
// request, then answers it (or forwards it).
type Server struct {
	cfg     ServerConfig
	ncco    []byte
	forward *url.URL
	kinds   map[string]Kind
	log     *slog.Logger

	mu     sync.Mutex
	subs   map[int]chan Notice
	nextID int
	drops  int64

	watch *watchdog
}

// NewServer checks cfg and returns a server.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Store == nil || cfg.Verifier == nil {
		return nil, errors.New("capture server needs a store and a verifier")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.ForwardTimeout <= 0 {
		cfg.ForwardTimeout = 10 * time.Second
	}
	if cfg.WatchdogTimeout <= 0 {
		cfg.WatchdogTimeout = 15 * time.Second
	}
	s := &Server{cfg: cfg, kinds: map[string]Kind{}, subs: map[int]chan Notice{}, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	def := func(p []string, d string) []string {
		if p == nil {
			return []string{d}
		}
		return p
	}
	for _, p := range def(cfg.AnswerPaths, DefaultAnswerPath) {
		s.kinds[p] = KindAnswer
	}
	for _, p := range def(cfg.EventPaths, DefaultEventPath) {
		s.kinds[p] = KindEvent
	}
	for _, p := range def(cfg.FallbackPaths, DefaultFallbackPath) {
		s.kinds[p] = KindFallback
	}
	s.ncco = cfg.NCCO
	if s.ncco == nil {
		s.ncco = DefaultNCCO
	}
	n, err := ParseNCCO(s.ncco)
	if err != nil {
		return nil, fmt.Errorf("configured answer: %w", err)
	}
	if errs := n.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("configured answer NCCO is invalid: %w", errs[0])
	}
	if cfg.ForwardURL != "" {
		u, err := url.Parse(cfg.ForwardURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("forward URL %q is not an absolute http(s) URL (e.g. http://localhost:3000)", cfg.ForwardURL)
		}
		s.forward = u
	}
	s.watch = newWatchdog(cfg.WatchdogTimeout, s.publish)
	return s, nil
}

// Serve accepts connections on ln until ctx ends, then shuts down
// gracefully (in-flight captures finish and are stored).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	var tlsConf *tls.Config
	if s.cfg.TLS != nil {
		tlsConf = s.cfg.TLS.Clone()
		tlsConf.NextProtos = []string{"http/1.1"}
		if tlsConf.MinVersion == 0 {
			tlsConf.MinVersion = tls.VersionTLS12
		}
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(recordingListener{Listener: ln, tls: tlsConf}) }()
	select {
	case err := <-errc:
		s.watch.stop()
		return fmt.Errorf("capture server: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(shutCtx)
	<-errc
	s.watch.stop()
	if err != nil {
		return fmt.Errorf("capture server shutdown: %w", err)
	}
	return nil
}

// Subscribe returns a channel of notices and a cancel function. A slow
// subscriber misses notices rather than slowing capture: lists re-read the
// store anyway.
func (s *Server) Subscribe(buf int) (<-chan Notice, func()) {
	ch := make(chan Notice, max(buf, 1))
	s.mu.Lock()
	id := s.nextID
	s.nextID++
	s.subs[id] = ch
	s.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.subs, id)
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Dropped reports how many notices subscribers missed because their
// channel was full.
func (s *Server) Dropped() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drops
}

func (s *Server) publish(n Notice) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		select {
		case ch <- n:
		default:
			s.drops++
		}
	}
}

// CallStarted tells the watchdog that a call with this id (the
// X-Hookphone-Call-Id put on the INVITE, or the leg uuid) started at t; if no
// webhook for it arrives within the watchdog timeout, subscribers get a Warning.
func (s *Server) CallStarted(callID string, t time.Time) { s.watch.started(callID, t) }

// kindOf classifies a path.
func (s *Server) kindOf(path string) Kind {
	if k, ok := s.kinds[path]; ok {
		return k
	}
	return KindOther
}

// ServeHTTP captures one request, stores it, then answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &Capture{
		ReceivedAt: time.Now(), RemoteAddr: r.RemoteAddr, Method: r.Method, Target: r.RequestURI,
		Path: r.URL.Path, RawQuery: r.URL.RawQuery, Proto: r.Proto, Host: r.Host,
	}
	if rc := connFromContext(r.Context()); rc != nil {
		c.TLS = rc.isTLS
		c.RawHead = rc.popHead()
	}
	if c.RawHead != nil {
		c.Headers = parseHeadLines(c.RawHead)
	} else {
		c.Headers = sortedHeaders(r.Header)
		if r.Host != "" {
			c.Headers = append([]Header{{Name: "Host", Value: r.Host}}, c.Headers...)
		}
	}
	c.Kind = s.kindOf(c.Path)

	// Body, capped (DESIGN.md: 1 MiB by default, 413 above).
	readErr := ""
	tooBig := r.ContentLength > s.cfg.MaxBody
	if !tooBig {
		body, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxBody+1))
		if err != nil {
			readErr = "the body ended early: " + err.Error()
		}
		if int64(len(body)) > s.cfg.MaxBody {
			tooBig = true
			body = body[:s.cfg.MaxBody]
		}
		c.Body = body
		c.BodySize = int64(len(body))
	} else {
		c.Body = []byte{}
	}
	if tooBig {
		c.BodyTruncated = true
		c.BodySize = max(r.ContentLength, s.cfg.MaxBody+1)
	}

	c.Result = s.cfg.Verifier.Verify(c.VerifyRequest())
	ct, _ := c.Header("Content-Type")
	ev, err := ParseEvent(c.Kind, c.RawQuery, ct, c.Body)
	if err != nil {
		ev.Problems = append(ev.Problems, err.Error())
	}
	if readErr != "" {
		ev.Problems = append(ev.Problems, readErr)
	}
	c.Event = ev

	switch {
	case tooBig:
		c.Response = Response{Status: http.StatusRequestEntityTooLarge, Body: []byte(fmt.Sprintf("request body larger than %d bytes\n", s.cfg.MaxBody))}
		c.Result.Reason = fmt.Sprintf("Rejected with 413: the body is larger than the %d-byte cap (only its first %d bytes were kept, so the signature check of the body cannot pass).", s.cfg.MaxBody, s.cfg.MaxBody)
		s.storeAndAnswer(w, c)
	case s.forward != nil:
		s.forwardAndAnswer(w, r, c)
	default:
		c.Response = s.localResponse(c)
		s.storeAndAnswer(w, c)
	}
}

// localResponse is the answer when not forwarding: the NCCO on answer and
// fallback paths, 200 with an empty body elsewhere.
func (s *Server) localResponse(c *Capture) Response {
	if c.Kind == KindAnswer || c.Kind == KindFallback {
		return Response{Status: http.StatusOK, Headers: []Header{{"Content-Type", "application/json"}}, Body: s.ncco}
	}
	return Response{Status: http.StatusOK}
}

// storeAndAnswer commits the capture, then writes the response.
func (s *Server) storeAndAnswer(w http.ResponseWriter, c *Capture) {
	if err := s.cfg.Store.Add(context.WithoutCancel(context.Background()), c); err != nil {
		s.log.Error("capture not stored", "err", err)
		http.Error(w, "webhook inspector could not store the request; retry", http.StatusServiceUnavailable)
		return
	}
	s.writeResponse(w, c)
	s.after(c)
}

func (s *Server) writeResponse(w http.ResponseWriter, c *Capture) {
	h := w.Header()
	for _, hd := range c.Response.Headers {
		switch strings.ToLower(hd.Name) {
		case "content-length", "transfer-encoding", "connection", "keep-alive":
			continue
		}
		h.Add(hd.Name, hd.Value)
	}
	h.Set("X-Hookphone-Capture-Id", itoa64(c.ID))
	h.Set("X-Hookphone-Verdict", c.Result.Verdict.String())
	if c.Response.Status == http.StatusRequestEntityTooLarge {
		h.Set("Connection", "close")
	}
	w.WriteHeader(c.Response.Status)
	w.Write(c.Response.Body)
}

// forwardAndAnswer stores the capture, passes it to the app, stores the
// app's response (or why there is none), then answers the sender.
func (s *Server) forwardAndAnswer(w http.ResponseWriter, r *http.Request, c *Capture) {
	ctx := context.WithoutCancel(r.Context())
	target := forwardTarget(s.forward, c.Target)
	fu := *s.forward
	fu.Path, fu.RawQuery = "", ""
	c.ForwardURL = fu.String() + target
	c.Response = Response{Status: 0}
	if err := s.cfg.Store.Add(ctx, c); err != nil {
		s.log.Error("capture not stored", "err", err)
		http.Error(w, "webhook inspector could not store the request; retry", http.StatusServiceUnavailable)
		return
	}
	raw := rawRequest(c, target, nil, c.Body) // the recorded head as is, unless the target path changes
	resp, err := sendRaw(ctx, s.forward, raw, s.cfg.ForwardTimeout, s.cfg.ForwardTLS)
	if err != nil {
		c.ForwardError = fmt.Sprintf("forward target %s failed: %v", s.forward.Redacted(), err)
		c.Response = Response{Status: http.StatusBadGateway, Headers: []Header{{"Content-Type", "text/plain; charset=utf-8"}}, Body: []byte(c.ForwardError + "\n")}
	} else {
		c.Response = resp
		c.NCCOErrors = nccoProblems(c.Kind, resp.Body)
	}
	if err := s.cfg.Store.SetResponse(ctx, c.ID, c.Response, c.ForwardError, c.NCCOErrors); err != nil {
		s.log.Error("response not stored", "capture", c.ID, "err", err)
	}
	s.writeResponse(w, c)
	s.after(c)
}

// nccoProblems validates an NCCO returned by the app: always on answer and
// fallback paths, and on other paths when the body is a JSON array (an
// event webhook may return an NCCO after input/notify).
func nccoProblems(kind Kind, body []byte) []string {
	trim := strings.TrimSpace(string(body))
	if kind != KindAnswer && kind != KindFallback && !strings.HasPrefix(trim, "[") {
		return nil
	}
	n, err := ParseNCCO(body)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, e := range n.Validate() {
		out = append(out, e.Error())
	}
	return out
}

// after publishes the new capture and feeds the watchdog.
func (s *Server) after(c *Capture) {
	sum := c.Summary()
	s.watch.seen(sum)
	s.publish(Notice{Capture: &sum})
}
