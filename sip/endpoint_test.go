package sip_test

import (
	"context"
	"errors"
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
