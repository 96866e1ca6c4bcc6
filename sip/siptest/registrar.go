package siptest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/hookphone/hookphone/internal/pki"
	"github.com/hookphone/hookphone/sip"
)

// RegistrarHost is a DNS name the registrar's certificate also carries, for
// tests that locate it by (fake) SRV records.
const RegistrarHost = "registrar.siptest"

// Registrar is an in-process SIP registrar over TLS on 127.0.0.1 built on
// sipgo: digest auth (qop=auth, MD5) against Users, bindings with expiry, an
// optional Policy that overrides answers, and control over the flows it
// accepted (cut them, or silence them to simulate a dead NAT binding).
type Registrar struct {
	// Addr is "127.0.0.1:port".
	Addr string
	// CA signed the registrar's certificate (for 127.0.0.1); Roots holds just it.
	CA    *pki.CA
	Roots *x509.CertPool
	// MaxExpires caps granted lifetimes in seconds (0: no cap).
	MaxExpires int

	mu       sync.Mutex
	users    map[string]string
	policy   func(req *sipgosip.Request) *sipgosip.Response
	bindings map[string]map[string]int // aor → contact → seconds
	regs     []*sipgosip.Request
	options  int
	conns    []*ctlConn
	changed  chan struct{}
	ua       *sipgo.UserAgent
	ln       net.Listener
}

// NewRegistrar starts a registrar knowing users (name → password); it stops at test cleanup.
func NewRegistrar(t testing.TB, users map[string]string) *Registrar {
	t.Helper()
	ca, err := pki.NewCA("siptest CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("siptest registrar", []string{"127.0.0.1", "localhost", RegistrarHost}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Registrar{
		Addr:     tcp.Addr().String(),
		CA:       ca,
		Roots:    ca.Pool(),
		users:    map[string]string{},
		bindings: map[string]map[string]int{},
		changed:  make(chan struct{}),
	}
	for u, p := range users {
		r.users[u] = p
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("siptest-registrar"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	srv.OnRegister(r.onRegister)
	srv.OnOptions(func(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
		r.mu.Lock()
		r.options++
		r.notifyLocked()
		r.mu.Unlock()
		_ = tx.Respond(sipgosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	r.ua = ua
	r.ln = tls.NewListener(&ctlListener{Listener: tcp, r: r}, &tls.Config{Certificates: []tls.Certificate{leaf.TLS}, MinVersion: tls.VersionTLS12})
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.ServeTLS(r.ln) }()
	t.Cleanup(func() {
		r.ln.Close()
		r.CloseFlows()
		ua.Close()
		<-done
	})
	return r
}

// ServerURI is "sips:127.0.0.1:port".
func (r *Registrar) ServerURI() string { return "sips:" + r.Addr }

// SetPolicy installs f: when it returns a response, that is the answer to the REGISTER.
func (r *Registrar) SetPolicy(f func(req *sipgosip.Request) *sipgosip.Response) {
	r.mu.Lock()
	r.policy = f
	r.mu.Unlock()
}

// Registers returns how many REGISTERs arrived (challenged ones included).
func (r *Registrar) Registers() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.regs)
}

// LastRegister returns the latest REGISTER received.
func (r *Registrar) LastRegister() *sipgosip.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.regs) == 0 {
		return nil
	}
	return r.regs[len(r.regs)-1]
}

// Options returns how many OPTIONS arrived.
func (r *Registrar) Options() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.options
}

// Bindings returns the contacts bound to user's AOR.
func (r *Registrar) Bindings(user string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for aor, m := range r.bindings {
		if strings.HasPrefix(aor, "sip:"+user+"@") {
			for c := range m {
				out = append(out, c)
			}
		}
	}
	return out
}

// WaitRegisters waits (real time, without sleeping) until at least n REGISTERs arrived.
func (r *Registrar) WaitRegisters(n int, limit time.Duration) bool {
	return r.wait(func() bool { return len(r.regs) >= n }, limit)
}

// WaitOptions waits until at least n OPTIONS arrived.
func (r *Registrar) WaitOptions(n int, limit time.Duration) bool {
	return r.wait(func() bool { return r.options >= n }, limit)
}

// wait re-checks cond (called with r.mu held) on every change until limit.
func (r *Registrar) wait(cond func() bool, limit time.Duration) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok, ch := cond(), r.changed
		r.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

// Flows returns how many connections the registrar accepted so far.
func (r *Registrar) Flows() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// CloseFlows closes every accepted connection (as a registrar restart would).
func (r *Registrar) CloseFlows() {
	r.mu.Lock()
	conns := append([]*ctlConn(nil), r.conns...)
	r.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// Silence makes every currently open flow drop whatever the registrar
// writes (a dead NAT binding: the client's bytes vanish, nothing comes back).
func (r *Registrar) Silence() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.mu.Lock()
		c.silent = true
		c.mu.Unlock()
	}
}

func (r *Registrar) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *Registrar) onRegister(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
	r.mu.Lock()
	r.regs = append(r.regs, req)
	r.notifyLocked()
	policy := r.policy
	r.mu.Unlock()
	if policy != nil {
		if res := policy(req); res != nil {
			_ = tx.Respond(res)
			return
		}
	}
	user := req.From().Address.User
	auth := req.GetHeader("Authorization")
	if auth == nil {
		_ = tx.Respond(challenge(req))
		return
	}
	cred, err := digest.ParseCredentials(auth.Value())
	if err != nil {
		_ = tx.Respond(sipgosip.NewResponseFromRequest(req, 400, "Bad Authorization", nil))
		return
	}
	r.mu.Lock()
	pw, known := r.users[cred.Username]
	r.mu.Unlock()
	if !known || cred.Username != user || !checkDigest(req, cred, pw) {
		_ = tx.Respond(challenge(req)) // a wrong password is challenged again, as Asterisk does
		return
	}
	aor := "sip:" + user + "@" + req.From().Address.Host
	defExp := 3600
	if h := req.GetHeader("Expires"); h != nil {
		if n, ok := sip.ParseDeltaSeconds(h.Value()); ok {
			defExp = n
		}
	}
	res := sipgosip.NewResponseFromRequest(req, 200, "OK", nil)
	r.mu.Lock()
	if r.bindings[aor] == nil {
		r.bindings[aor] = map[string]int{}
	}
	for _, h := range req.GetHeaders("Contact") {
		for _, b := range sip.ParseContacts(h.Value()) {
			exp := b.Expires
			if exp < 0 {
				exp = defExp
			}
			if r.MaxExpires > 0 && exp > r.MaxExpires {
				exp = r.MaxExpires
			}
			if exp == 0 {
				delete(r.bindings[aor], b.URI)
			} else {
				r.bindings[aor][b.URI] = exp
			}
		}
	}
	for c, exp := range r.bindings[aor] {
		res.AppendHeader(sipgosip.NewHeader("Contact", "<"+c+">;expires="+strconv.Itoa(exp)))
	}
	r.notifyLocked()
	r.mu.Unlock()
	_ = tx.Respond(res)
}

func challenge(req *sipgosip.Request) *sipgosip.Response {
	res := sipgosip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
	chal := digest.Challenge{Realm: "siptest", Nonce: fmt.Sprintf("%x", time.Now().UnixNano()), Algorithm: "MD5", QOP: []string{"auth"}}
	res.AppendHeader(sipgosip.NewHeader("WWW-Authenticate", chal.String()))
	return res
}

func checkDigest(req *sipgosip.Request, cred *digest.Credentials, password string) bool {
	chal := &digest.Challenge{Realm: cred.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, QOP: []string{cred.QOP}, Opaque: cred.Opaque}
	want, err := digest.Digest(chal, digest.Options{
		Method: req.Method.String(), URI: cred.URI, Username: cred.Username, Password: password,
		Count: cred.Nc, Cnonce: cred.Cnonce,
	})
	return err == nil && want.Response == cred.Response
}

// ctlListener tracks accepted TCP connections so tests can cut or silence them.
type ctlListener struct {
	net.Listener
	r *Registrar
}

// Accept records each accepted connection.
func (l *ctlListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	cc := &ctlConn{Conn: c}
	l.r.mu.Lock()
	l.r.conns = append(l.r.conns, cc)
	l.r.notifyLocked()
	l.r.mu.Unlock()
	return cc, nil
}

type ctlConn struct {
	net.Conn
	mu     sync.Mutex
	silent bool
}

// Write drops the bytes while the connection is silenced.
func (c *ctlConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	silent := c.silent
	c.mu.Unlock()
	if silent {
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// Close is idempotent enough for tests.
func (c *ctlConn) Close() error { return c.Conn.Close() }
