package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// EndpointOptions tune NewEndpoint; the zero value is fine.
type EndpointOptions struct {
	// Trace records every message of the endpoint's flows (nil: none).
	Trace *Trace
	// Logger receives sipgo's and Hookphone's logs (nil: slog.Default()).
	Logger *slog.Logger
	// Roots replaces the system root pool (tests); the account's CA file is added to it.
	Roots *x509.CertPool
	// DialTimeout bounds TCP connect plus TLS handshake (0: 15 s).
	DialTimeout time.Duration
	// Resolver finds the server by DNS SRV when its URI names no port (nil: net.DefaultResolver).
	Resolver SRVResolver
}

// SRVResolver looks up DNS SRV records; *net.Resolver is one.
type SRVResolver interface {
	LookupSRV(ctx context.Context, service, proto, name string) (cname string, addrs []*net.SRV, err error)
}

// Endpoint is one account's SIP user agent: a sipgo UserAgent with its Client
// and Server, whose traffic all travels on one persistent TLS flow to the
// account's server. Inbound requests on the flow reach the handlers set with
// Handle.
type Endpoint struct {
	// Account is the validated account (read-only after NewEndpoint).
	Account Account
	// UA, Client and Server are the sipgo handles (for dialogs: sipgo.DialogUA{Client: e.Client, ContactHDR: e.Contact()}).
	UA     *sipgo.UserAgent
	Client *sipgo.Client
	Server *sipgo.Server

	tlsConf  *tls.Config
	trace    *Trace
	log      *slog.Logger
	timeout  time.Duration
	listener *flowListener
	serveErr chan error

	connectMu sync.Mutex
	mu        sync.Mutex
	flow      *Flow
	flowSeq   uint64
	closed    bool
	flowSubs  []func(*Flow)
	// contactAddr, when set (trunk listener), is advertised in Contact instead of the flow's local address.
	contactAddr string
	listeners   []*TrunkListener
	resolver    SRVResolver
	// foreign frames what sipgo reads on connections it dialled itself
	// (requests not sent through Prepare), keyed by local|remote address.
	foreign map[string]*framer
}

// NewEndpoint validates acct and builds its user agent. No connection is
// made until Connect (or a Registration) needs one.
func NewEndpoint(acct Account, opts EndpointOptions) (*Endpoint, error) {
	if err := acct.Validate(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("account", acct.Label())
	tlsConf, err := NewTLSConfig(TLSOptions{
		ServerName:   acct.Server.Host,
		CAFile:       acct.CAFile,
		PinnedSHA256: acct.PinnedSHA256,
		Roots:        opts.Roots,
	})
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", acct.Label(), err)
	}
	timeout := opts.DialTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	e := &Endpoint{
		Account:  acct,
		tlsConf:  tlsConf,
		trace:    opts.Trace,
		log:      log,
		timeout:  timeout,
		listener: newFlowListener(),
		serveErr: make(chan error, 1),
		foreign:  map[string]*framer{},
		resolver: opts.Resolver,
	}
	if e.resolver == nil {
		e.resolver = net.DefaultResolver
	}
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(acct.User),
		sipgo.WithUserAgentHostname(acct.AORDomain()),
		sipgo.WithUserAgenTLSConfig(tlsConf),
		sipgo.WithUserAgentTransportLayerOptions(
			sip.WithTransportLayerLogger(log),
			// The read filter must come before the transports, which copy it.
			sip.WithTransportLayerReadFilter(e.traceForeignRead),
			sip.WithTransportLayerTransports(sip.TransportsConfig{TLS: &sip.TransportTLS{TransportTCP: &sip.TransportTCP{
				DialerCreate: e.foreignDialer,
			}}}),
		),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(log)),
	)
	if err != nil {
		return nil, fmt.Errorf("account %s: user agent: %w", acct.Label(), err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientNAT(), sipgo.WithClientLogger(log))
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("account %s: client: %w", acct.Label(), err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("account %s: server: %w", acct.Label(), err)
	}
	e.UA, e.Client, e.Server = ua, cli, srv
	// Answer keep-alive OPTIONS from the server (RFC 3261 §11.2) unless the caller replaces it.
	e.Handle(sip.OPTIONS, func(req *sip.Request, tx sip.ServerTransaction) {
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		res.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER"))
		_ = tx.Respond(res)
	})
	go func() { e.serveErr <- srv.ServeTLS(e.listener) }()
	return e, nil
}

// Trace returns the endpoint's trace (may be nil).
func (e *Endpoint) Trace() *Trace { return e.trace }

// Logger returns the endpoint's logger.
func (e *Endpoint) Logger() *slog.Logger { return e.log }

// Handle registers h for inbound requests of method on the endpoint's flows
// (and trunk listener). A panic in h is recovered, logged, and answered with
// 500 if the transaction is still open: sipgo itself would crash the process.
// Register handlers before the first Connect.
func (e *Endpoint) Handle(method sip.RequestMethod, h sipgo.RequestHandler) {
	e.Server.OnRequest(method, e.recoverHandler(method, h))
}

func (e *Endpoint) recoverHandler(method sip.RequestMethod, h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		defer func() {
			if r := recover(); r != nil {
				e.log.Error("sip handler panicked", "method", method, "panic", r, "stack", string(debug.Stack()))
				if method != sip.ACK && tx != nil {
					_ = tx.Respond(sip.NewResponseFromRequest(req, 500, "Server Internal Error", nil))
				}
			}
		}()
		h(req, tx)
	}
}

// OnFlow calls f with each new flow once sipgo uses it (f must not block).
func (e *Endpoint) OnFlow(f func(*Flow)) {
	e.mu.Lock()
	e.flowSubs = append(e.flowSubs, f)
	e.mu.Unlock()
}

// Flow returns the current flow if it is up, else nil.
func (e *Endpoint) Flow() *Flow {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.flow != nil && e.flow.Alive() {
		return e.flow
	}
	return nil
}

// Connect returns the live flow, dialling a new one (TCP, TLS handshake with
// verification, hand-over to sipgo) when there is none. A refused
// certificate comes back as a *CertError.
func (e *Endpoint) Connect(ctx context.Context) (*Flow, error) {
	e.connectMu.Lock()
	defer e.connectMu.Unlock()
	if f := e.Flow(); f != nil {
		return f, nil
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, errors.New("endpoint closed")
	}
	e.flowSeq++
	id := e.flowSeq
	e.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	var tc *tls.Conn
	var addr string
	var errs []error
	for _, target := range e.dialTargets(ctx) {
		c, err := e.dial(ctx, target)
		if err == nil {
			tc, addr = c, target
			break
		}
		errs = append(errs, err)
		var ce *CertError
		if errors.As(err, &ce) || ctx.Err() != nil {
			break // a refused certificate is an answer, not an outage
		}
	}
	if tc == nil {
		return nil, errors.Join(errs...)
	}
	f := newFlow(id, tc, e.Account.PinnedSHA256, e.trace)
	f.TLS.ServerName = e.tlsConf.ServerName
	select {
	case e.listener.handoff <- f.conn:
	case <-ctx.Done():
		tc.Close()
		return nil, fmt.Errorf("connect %s: hand flow to sipgo: %w", addr, ctx.Err())
	}
	select {
	case <-f.conn.pooled:
	case <-ctx.Done():
		tc.Close()
		return nil, fmt.Errorf("connect %s: hand flow to sipgo: %w", addr, ctx.Err())
	}
	e.mu.Lock()
	e.flow = f
	subs := append([]func(*Flow){}, e.flowSubs...)
	e.mu.Unlock()
	e.log.Info("flow up", "flow", f.ID, "local", f.Local, "remote", f.Remote, "tls", f.TLS.Version, "cipher", f.TLS.CipherSuite)
	for _, s := range subs {
		s(f)
	}
	return f, nil
}

// FlowFor returns the flow an inbound request arrived on (the account's flow
// or a trunk listener's connection), matched by the request's source
// address; nil if none matches. Contact(FlowFor(req)) then advertises the
// address the peer reached (for a listener on 0.0.0.0: the interface it used).
func (e *Endpoint) FlowFor(req *sip.Request) *Flow {
	src := req.Source()
	e.mu.Lock()
	f := e.flow
	listeners := append([]*TrunkListener(nil), e.listeners...)
	e.mu.Unlock()
	if f != nil && f.Remote == src {
		return f
	}
	for _, l := range listeners {
		for _, lf := range l.Flows() {
			if lf.Remote == src && lf.Alive() {
				return lf
			}
		}
	}
	return nil
}

// ours reports whether local is the local address of a flow Hookphone
// dialled or accepted (those are traced by their tracedConn).
func (e *Endpoint) ours(local string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.flow != nil && e.flow.Local == local {
		return true
	}
	for _, l := range e.listeners {
		if l.ListenAddr == local {
			return true
		}
	}
	return false
}

// traceForeignRead traces what sipgo reads on connections it dialled on its
// own (sipgo's TransportReadFilter hook). Writes on those connections have
// no hook and are not traced: send through Prepare to stay on the flow.
func (e *Endpoint) traceForeignRead(p sip.TransportReadProps, data []byte) ([]byte, error) {
	if e.trace == nil || p.LocalAddr == nil || p.RemoteAddr == nil {
		return data, nil
	}
	local, remote := p.LocalAddr.String(), p.RemoteAddr.String()
	if e.ours(local) {
		return data, nil
	}
	e.mu.Lock()
	key := local + "|" + remote
	fr := e.foreign[key]
	if fr == nil {
		if len(e.foreign) >= 32 { // bounded: forget old connections' partial state
			e.foreign = map[string]*framer{}
		}
		fr = &framer{onMsg: func(raw []byte) {
			e.trace.Add(NewTraceMessage(time.Now(), DirReceived, p.Transport, local, remote, raw))
		}}
		e.foreign[key] = fr
	}
	fr.write(data)
	e.mu.Unlock()
	return data, nil
}

// foreignDialer is sipgo's dialer for connections it opens by itself.
func (e *Endpoint) foreignDialer(laddr net.Addr) net.Dialer {
	e.log.Warn("sipgo is dialling a TLS connection outside the account's flow; only what it receives there is traced")
	return net.Dialer{Timeout: e.timeout, KeepAlive: 15 * time.Second, LocalAddr: laddr}
}

// dialTargets lists where the server may be reached: the URI's host:port,
// or when the URI names no port the DNS SRV targets of _sips._tcp.<host>
// in priority/weight order (RFC 3263 §4.2), then host:5061. The
// certificate is always checked against the URI's host (RFC 5922 §4).
func (e *Endpoint) dialTargets(ctx context.Context) []string {
	srv := e.Account.Server
	fallback := srv.HostPort()
	if !srv.DefaultPort || net.ParseIP(srv.Host) != nil {
		return []string{fallback}
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, recs, err := e.resolver.LookupSRV(lctx, "sips", "tcp", srv.Host)
	if err != nil {
		return []string{fallback}
	}
	var out []string
	for _, r := range recs {
		t := strings.TrimSuffix(r.Target, ".")
		if t == "" {
			continue // "." = service decidedly not available at this domain (RFC 2782)
		}
		out = append(out, net.JoinHostPort(t, strconv.Itoa(int(r.Port))))
	}
	return append(out, fallback)
}

// dial opens TCP to addr and completes a verified TLS handshake.
func (e *Endpoint) dial(ctx context.Context, addr string) (*tls.Conn, error) {
	d := net.Dialer{KeepAlive: 15 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	tc := tls.Client(raw, e.tlsConf)
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("connect %s: %w", addr, classifyHandshakeError(e.tlsConf.ServerName, err))
	}
	return tc, nil
}

// Prepare makes req travel on the flow: TLS transport and the flow's remote
// address as destination (so sipgo finds the pooled connection instead of
// resolving and dialling on its own).
func (e *Endpoint) Prepare(req *sip.Request, f *Flow) {
	req.SetTransport("TLS")
	if f != nil {
		req.SetDestination(f.Remote)
	}
}

// Contact returns the Contact header for the flow: sip:user@local-ip:port;transport=tls
// (the trunk listener's address instead, when one listens on a specific IP).
func (e *Endpoint) Contact(f *Flow) sip.ContactHeader {
	params := sip.NewParams()
	params.Add("transport", "tls")
	uri := sip.Uri{Scheme: "sip", User: e.Account.User, UriParams: params, Headers: sip.NewParams()}
	e.mu.Lock()
	local := e.contactAddr
	var anyListener string // a listener on 0.0.0.0/::: its port, when nothing better is known
	if len(e.listeners) > 0 {
		anyListener = e.listeners[0].ListenAddr
	}
	e.mu.Unlock()
	if local == "" && f != nil {
		local = f.Local
	}
	if local == "" && anyListener != "" {
		if _, port, err := net.SplitHostPort(anyListener); err == nil {
			local = net.JoinHostPort("127.0.0.1", port)
		}
	}
	if local != "" {
		host, port, err := net.SplitHostPort(local)
		if err == nil {
			uri.Host = host
			uri.Port, _ = strconv.Atoi(port)
		}
	}
	if uri.Host == "" {
		uri.Host = "127.0.0.1"
	}
	return sip.ContactHeader{DisplayName: e.Account.DisplayName, Address: uri, Params: sip.NewParams()}
}

// From returns the From header of the account's address of record with a new tag.
func (e *Endpoint) From() *sip.FromHeader {
	params := sip.NewParams()
	params.Add("tag", sip.GenerateTagN(16))
	return &sip.FromHeader{
		DisplayName: e.Account.DisplayName,
		Address:     sip.Uri{Scheme: "sip", User: e.Account.User, Host: e.Account.AORDomain(), UriParams: sip.NewParams(), Headers: sip.NewParams()},
		Params:      params,
	}
}

// Do sends an out-of-dialog request on the flow (dialling one if needed),
// filling From (the AOR), To (the Request-URI), Call-ID, CSeq and
// Max-Forwards when missing, and answers one digest challenge (401/407) with
// the account's credentials: trunks authenticate every request this way
// (SPEC §5.1). INVITEs belong to the dialog layer (sipgo.DialogUA), which
// does the same through AnswerOptions.
func (e *Endpoint) Do(ctx context.Context, req *sip.Request) (*sip.Response, error) {
	f, err := e.Connect(ctx)
	if err != nil {
		return nil, err
	}
	e.Prepare(req, f)
	if req.From() == nil {
		req.AppendHeader(e.From())
	}
	if req.To() == nil {
		to := req.Recipient.Clone()
		to.UriParams = sip.NewParams()
		req.AppendHeader(&sip.ToHeader{Address: *to, Params: sip.NewParams()})
	}
	if req.CallID() == nil {
		id := sip.CallIDHeader(newCallID())
		req.AppendHeader(&id)
	}
	if req.CSeq() == nil {
		req.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: req.Method})
	}
	if req.MaxForwards() == nil {
		mf := sip.MaxForwardsHeader(70)
		req.AppendHeader(&mf)
	}
	if req.GetHeader("User-Agent") == nil {
		req.AppendHeader(sip.NewHeader("User-Agent", e.Account.UserAgent))
	}
	if req.Body() == nil {
		req.SetBody(nil)
	}
	res, err := e.Client.Do(ctx, req, sipgo.ClientRequestAddVia)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.Recipient.String(), err)
	}
	if (res.StatusCode == 401 || res.StatusCode == 407) && e.Account.Password != "" {
		res, err = e.Client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: e.Account.AuthUsername(), Password: e.Account.Password})
		if err != nil {
			return nil, fmt.Errorf("%s %s with credentials: %w", req.Method, req.Recipient.String(), err)
		}
	}
	return res, nil
}

// Close closes the current flow and the user agent. Unregistering is the
// Registration's job: stop it first.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	f := e.flow
	listeners := e.listeners
	e.mu.Unlock()
	for _, l := range listeners {
		l.Close()
	}
	e.listener.Close()
	if f != nil {
		f.Close(ErrFlowClosed)
	}
	err := e.UA.Close()
	<-e.serveErr
	return err
}
