package sip_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hookphone/hookphone/internal/testlab"
	"github.com/hookphone/hookphone/sip"
)

func TestListenerCertMadeOnFirstUseThenReused(t *testing.T) {
	dir := t.TempDir()
	first, err := sip.LoadOrCreateListenerCert("", "", dir, []string{"127.0.0.1"})
	if err != nil || !first.Created || first.Fingerprint == "" {
		t.Fatalf("first use: %+v %v", first, err)
	}
	st, err := os.Stat(first.KeyFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v %v", st.Mode(), err)
	}
	again, err := sip.LoadOrCreateListenerCert("", "", dir, nil)
	if err != nil || again.Created || again.Fingerprint != first.Fingerprint {
		t.Fatalf("second use made a new certificate: %+v %v", again, err)
	}
	given, err := sip.LoadOrCreateListenerCert(first.CertFile, first.KeyFile, "", nil)
	if err != nil || given.Fingerprint != first.Fingerprint {
		t.Fatalf("user-given cert: %v", err)
	}
	if _, err := sip.LoadOrCreateListenerCert(filepath.Join(dir, "missing.crt"), first.KeyFile, "", nil); err == nil {
		t.Fatal("missing cert file accepted")
	}
}

// A trunk delivers calls to the listener: the request reaches the handler,
// a panicking handler answers 500 instead of crashing, and both directions are traced.
func TestTrunkListenerTakesInboundRequests(t *testing.T) {
	srv, _ := sip.ParseServerURI("sips:trunk.invalid")
	acct := sip.Account{Mode: sip.ModeTrunk, Server: srv, User: "hookphone", Listen: "127.0.0.1:0"}
	tr := sip.NewTrace(0)
	ep, err := sip.NewEndpoint(acct, sip.EndpointOptions{Trace: tr})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	got := make(chan string, 1)
	ep.Handle(sipgosip.MESSAGE, func(req *sipgosip.Request, tx sipgosip.ServerTransaction) {
		if f := ep.FlowFor(req); f == nil || ep.Contact(f).Address.Port == 0 {
			got <- "no inbound flow for " + req.Source()
		}
		got <- string(req.Body())
		tx.Respond(sipgosip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	ep.Handle(sipgosip.INFO, func(req *sipgosip.Request, tx sipgosip.ServerTransaction) { panic("handler bug") })
	cert, err := sip.LoadOrCreateListenerCert("", "", t.TempDir(), []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := ep.Listen(context.Background(), acct.Listen, cert)
	if err != nil {
		t.Fatal(err)
	}
	if c := ep.Contact(nil); !strings.Contains(c.Address.String(), l.ListenAddr) {
		t.Errorf("contact %s does not advertise the listener %s", c.Address.String(), l.ListenAddr)
	}

	// The "trunk": a plain sipgo client that pins the listener's self-signed certificate.
	pinned, err := sip.NewTLSConfig(sip.TLSOptions{ServerName: "127.0.0.1", PinnedSHA256: cert.Fingerprint})
	if err != nil {
		t.Fatal(err)
	}
	ua, _ := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(pinned))
	defer ua.Close()
	cli, _ := sipgo.NewClient(ua)
	send := func(method sipgosip.RequestMethod, body string) *sipgosip.Response {
		t.Helper()
		req := sipgosip.NewRequest(method, sipgosip.Uri{Scheme: "sip", User: "hookphone", Host: "127.0.0.1"})
		req.SetTransport("TLS")
		req.SetDestination(l.ListenAddr)
		req.SetBody([]byte(body))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		res, err := cli.Do(ctx, req)
		if err != nil {
			t.Fatalf("%s to listener: %v", method, err)
		}
		return res
	}
	if res := send(sipgosip.MESSAGE, "hello"); res.StatusCode != 200 {
		t.Fatalf("MESSAGE answered %d", res.StatusCode)
	}
	if b := <-got; b != "hello" {
		t.Fatalf("handler got %q", b)
	}
	// On 0.0.0.0 the Contact cannot name an address, but it keeps the listener's port.
	any := sip.Account{Mode: sip.ModeTrunk, Server: srv, User: "hookphone"}
	ep2, _ := sip.NewEndpoint(any, sip.EndpointOptions{})
	defer ep2.Close()
	l2, err := ep2.Listen(context.Background(), "0.0.0.0:0", cert)
	if err != nil {
		t.Fatal(err)
	}
	if c := ep2.Contact(nil); !strings.HasSuffix(l2.ListenAddr, fmt.Sprintf(":%d", c.Address.Port)) {
		t.Fatalf("contact %s lost the listener port of %s", c.Address.String(), l2.ListenAddr)
	}
	if res := send(sipgosip.INFO, ""); res.StatusCode != 500 {
		t.Fatalf("panicking handler answered %d, want 500", res.StatusCode)
	}
	var sent, recv int
	for _, m := range tr.Messages("") {
		if m.Dir == sip.DirSent {
			sent++
		} else {
			recv++
		}
	}
	if sent < 2 || recv < 2 {
		t.Fatalf("trace: %d sent, %d received", sent, recv)
	}
	if len(l.Flows()) != 1 || l.Flows()[0].TLS.Version == "" {
		t.Fatalf("inbound flows %+v", l.Flows())
	}
}

// Trunk mode sends no REGISTER and answers the proxy's digest challenge on its requests.
func TestKamailioTrunkModeAnswersDigestOnRequests(t *testing.T) {
	k := testlab.StartKamailio(t, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA", "bob": "secretB"}})
	acct := labAccount(t, k, "alice", "secretA")
	acct.Mode = sip.ModeTrunk
	tr := sip.NewTrace(0)
	ep, err := sip.NewEndpoint(acct, sip.EndpointOptions{Trace: tr})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	target, err := sip.ParseTarget("bob", k.Domain())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := ep.Do(ctx, sipgosip.NewRequest(sipgosip.MESSAGE, target))
	if err != nil {
		t.Fatal(err)
	}
	// bob is not registered: after the 407 was answered the proxy looks him up and finds nobody.
	if res.StatusCode != 404 {
		t.Fatalf("answered %d %s, want 404 after a successful digest", res.StatusCode, res.Reason)
	}
	var challenged, authed bool
	for _, m := range tr.Messages("") {
		if strings.Contains(m.Summary, "407") {
			challenged = true
		}
		if m.Dir == sip.DirSent && strings.Contains(m.Text(false), "Proxy-Authorization: Digest") {
			authed = true
		}
		if strings.HasPrefix(m.Summary, "REGISTER") {
			t.Fatal("trunk mode sent a REGISTER")
		}
	}
	if !challenged || !authed {
		t.Fatalf("challenged=%v authenticated=%v", challenged, authed)
	}
	if b, _ := k.Locations(); len(b) != 0 {
		t.Fatalf("trunk left bindings: %v", b)
	}
}
