package sip

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"testing"

	"github.com/emiago/sipgo"
	sipgosip "github.com/emiago/sipgo/sip"

	"github.com/hookphone/hookphone/internal/testlab"
)

// One REGISTER exchange (REGISTER → 401 → REGISTER with digest → 200)
// against the same real Kamailio over TLS, done by Hookphone's registration
// (traced flow, verification, Contact/expiry handling) and by bare sipgo.
// The ns/op ratio HookphoneRegister / BareSipgoRegister is Hookphone's
// overhead on top of the library it builds on.

func BenchmarkKamailioHookphoneRegister(b *testing.B) {
	k := testlab.StartKamailio(b, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	srv, _ := ParseServerURI(k.ServerURI())
	e, err := NewEndpoint(Account{Server: srv, User: "alice", Password: "secretA", CAFile: k.CAFile}, EndpointOptions{Trace: NewTrace(0), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	r := NewRegistration(e, RegistrationOptions{})
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := r.register(ctx, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKamailioBareSipgoRegister(b *testing.B) {
	k := testlab.StartKamailio(b, testlab.KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("alice"), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgenTLSConfig(&tls.Config{RootCAs: k.CA.Pool(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}))
	if err != nil {
		b.Fatal(err)
	}
	defer ua.Close()
	cli, _ := sipgo.NewClient(ua, sipgo.WithClientNAT())
	ctx := context.Background()
	recipient := sipgosip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: k.TLSPort}
	for b.Loop() {
		req := sipgosip.NewRequest(sipgosip.REGISTER, recipient)
		req.SetTransport("TLS")
		req.AppendHeader(&sipgosip.ToHeader{Address: sipgosip.Uri{Scheme: "sip", User: "alice", Host: "127.0.0.1"}})
		req.AppendHeader(sipgosip.NewHeader("Contact", "<sip:alice@127.0.0.1;transport=tls>"))
		req.AppendHeader(sipgosip.NewHeader("Expires", "600"))
		res, err := cli.Do(ctx, req)
		if err == nil && res.StatusCode == 401 {
			res, err = cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: "alice", Password: "secretA"})
		}
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%v %v", res, err)
		}
	}
}
