package sip_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hookphone/hookphone/sip"
	"github.com/hookphone/hookphone/sip/siptest"
)

// A request sent without Prepare makes sipgo dial its own connection (still
// verified with the account's TLS config); what comes back on it is traced.
func TestForeignConnectionReadsAreTraced(t *testing.T) {
	reg := siptest.NewRegistrar(t, nil)
	srv, _ := sip.ParseServerURI(reg.ServerURI())
	tr := sip.NewTrace(0)
	ep, err := sip.NewEndpoint(sip.Account{Mode: sip.ModeTrunk, Server: srv, User: "x"}, sip.EndpointOptions{Roots: reg.Roots, Trace: tr})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	req := sipgosip.NewRequest(sipgosip.OPTIONS, sipgosip.Uri{Scheme: "sip", Host: "127.0.0.1"})
	req.SetTransport("TLS")
	req.SetDestination(reg.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := ep.Client.Do(ctx, req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("OPTIONS on a sipgo-dialled connection: %v %v", res, err)
	}
	var got []string
	for _, m := range tr.Messages("") {
		got = append(got, m.Dir.String()+" "+m.Summary)
	}
	if len(got) != 1 || got[0] != "received SIP/2.0 200 OK" {
		t.Fatalf("trace %q, want exactly the received 200 (writes there have no hook)", got)
	}
}

func TestConnectErrors(t *testing.T) {
	srv, _ := sip.ParseServerURI("sips:127.0.0.1:1")
	ep, err := sip.NewEndpoint(sip.Account{Mode: sip.ModeTrunk, Server: srv}, sip.EndpointOptions{DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ep.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("connect to a closed port: %v", err)
	}
	ep.Close()
	if _, err := ep.Connect(context.Background()); err == nil {
		t.Fatal("connect after Close succeeded")
	}
	if _, err := sip.NewEndpoint(sip.Account{Server: srv, User: "a b"}, sip.EndpointOptions{}); err == nil {
		t.Fatal("invalid account accepted")
	}
	var ce *sip.CertError
	reg := siptest.NewRegistrar(t, nil)
	srv2, _ := sip.ParseServerURI(reg.ServerURI())
	ep2, _ := sip.NewEndpoint(sip.Account{Mode: sip.ModeTrunk, Server: srv2}, sip.EndpointOptions{})
	defer ep2.Close()
	if _, err := ep2.Connect(context.Background()); !errors.As(err, &ce) || ce.Reason != sip.RefusedUnknownAuthority {
		t.Fatalf("untrusted registrar: %v", err)
	}
}

type fakeSRV struct {
	recs    []*net.SRV
	queried []string
}

func (f *fakeSRV) LookupSRV(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
	f.queried = append(f.queried, "_"+service+"._"+proto+"."+name)
	return "", f.recs, nil
}

// A server URI without a port is located by SRV (RFC 3263): targets are
// tried in order, and the certificate is checked against the URI's host.
func TestConnectFollowsSRVAndVerifiesTheDomain(t *testing.T) {
	reg := siptest.NewRegistrar(t, map[string]string{"alice": "pw"})
	_, portStr, _ := net.SplitHostPort(reg.Addr)
	port, _ := strconv.Atoi(portStr)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	deadPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	res := &fakeSRV{recs: []*net.SRV{
		{Target: "127.0.0.1.", Port: uint16(deadPort), Priority: 10},
		{Target: "127.0.0.1.", Port: uint16(port), Priority: 20},
	}}
	srv, err := sip.ParseServerURI("sips:" + siptest.RegistrarHost)
	if err != nil || !srv.DefaultPort {
		t.Fatalf("%+v %v", srv, err)
	}
	ep, err := sip.NewEndpoint(sip.Account{Server: srv, User: "alice", Password: "pw", Domain: "127.0.0.1"},
		sip.EndpointOptions{Roots: reg.Roots, Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	f, err := ep.Connect(context.Background())
	if err != nil {
		t.Fatalf("connect via SRV: %v", err)
	}
	if f.Remote != reg.Addr || f.TLS.ServerName != siptest.RegistrarHost {
		t.Fatalf("flow %s verified as %q", f, f.TLS.ServerName)
	}
	if len(res.queried) != 1 || res.queried[0] != "_sips._tcp."+siptest.RegistrarHost {
		t.Fatalf("SRV queries %v", res.queried)
	}
	// An explicit port skips SRV.
	srv2, _ := sip.ParseServerURI("sips:127.0.0.1:" + portStr)
	res2 := &fakeSRV{}
	ep2, _ := sip.NewEndpoint(sip.Account{Mode: sip.ModeTrunk, Server: srv2}, sip.EndpointOptions{Roots: reg.Roots, Resolver: res2})
	defer ep2.Close()
	if _, err := ep2.Connect(context.Background()); err != nil || len(res2.queried) != 0 {
		t.Fatalf("explicit port: %v, SRV queried %v", err, res2.queried)
	}
}
