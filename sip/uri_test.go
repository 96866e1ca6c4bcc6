package sip

import (
	"strings"
	"testing"
)

func TestParseServerURI(t *testing.T) {
	ok := []struct{ in, want, hostport string }{
		{"sips:pbx.example.com", "sips:pbx.example.com", "pbx.example.com:5061"},
		{"sips:pbx.example.com:5071", "sips:pbx.example.com:5071", "pbx.example.com:5071"},
		{"sip:sip.nexmo.com;transport=tls", "sip:sip.nexmo.com;transport=tls", "sip.nexmo.com:5061"},
		{"SIP:Host.Example;Transport=TLS;lr", "sip:Host.Example;transport=tls;lr", "Host.Example:5061"},
		{"127.0.0.1:5061", "sips:127.0.0.1:5061", "127.0.0.1:5061"},
		{"sips:[::1]:5062", "sips:[::1]:5062", "[::1]:5062"},
		{"sips:host;transport=tcp", "sips:host", "host:5061"},
	}
	for _, c := range ok {
		u, err := ParseServerURI(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if u.String() != c.want || u.HostPort() != c.hostport {
			t.Errorf("%q → %q / %q, want %q / %q", c.in, u.String(), u.HostPort(), c.want, c.hostport)
		}
		if u.URI().UriParams.GetOr("transport", "") != "tls" {
			t.Errorf("%q: URI() lacks transport=tls", c.in)
		}
	}
	bad := []struct{ in, why string }{
		{"", "empty"},
		{"sip:pbx.example.com", "transport=tls"},
		{"sip:pbx.example.com;transport=udp", "not TLS"},
		{"sips:pbx.example.com;transport=udp", "not TLS"},
		{"sips:alice@pbx.example.com", "user part"},
		{"sips:pbx.example.com?X=1", "headers"},
		{"sips:pbx example.com", "whitespace"},
		{"sips:pbx.example.com\r\nX: y", "line break"},
		{"sips:pbx\x00", "control"},
		{"sips:pbx.example.com:0", "port"},
		{"sips:pbx.example.com:70000", "port"},
		{"sips:pbx.example.com:", "empty port"},
		{"sips:::1", "brackets"},
		{"sips:-bad-.com", "label"},
		{"http://x", "not a SIP server"},
		{"sips:ex..com", "empty label"},
		{"sips:hôst", "non-ASCII"},
	}
	for _, c := range bad {
		_, err := ParseServerURI(c.in)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%q: error %v, want one mentioning %q", c.in, err, c.why)
		}
	}
}

func TestParseTarget(t *testing.T) {
	ok := []struct{ in, want string }{
		{"bob", "sip:bob@pbx.test;transport=tls"},
		{"+447700900000", "sip:+447700900000@pbx.test;transport=tls"},
		{"bob@other.test:5071", "sip:bob@other.test:5071;transport=tls"},
		{"sips:bob@other.test", "sip:bob@other.test;transport=tls"},
		{"sip:bob@other.test;transport=tls;user=phone", "sip:bob@other.test;user=phone;transport=tls"},
		{"tel:+15550100", "sip:+15550100@pbx.test;transport=tls"},
		{"sip:echo@127.0.0.1:5061", "sip:echo@127.0.0.1:5061;transport=tls"},
	}
	for _, c := range ok {
		u, err := ParseTarget(c.in, "pbx.test")
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if u.String() != c.want {
			t.Errorf("%q → %q, want %q", c.in, u.String(), c.want)
		}
	}
	bad := []string{"", "bob smith", "bob\r\nVia: x", "sip:bob@host;transport=udp", "bob@", "b<ob", "sip:bob@host?subject=x", "bob%zz", "mailto:bob"}
	for _, in := range bad {
		if _, err := ParseTarget(in, "pbx.test"); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestValidators(t *testing.T) {
	cases := []struct {
		name string
		err  error
		ok   bool
	}{
		{"display plain", ValidateDisplayName("Alice Smith"), true},
		{"display empty", ValidateDisplayName(""), true},
		{"display unicode", ValidateDisplayName("Zoë Ünal"), true},
		{"display CRLF", ValidateDisplayName("Alice\r\nVia: evil"), false},
		{"display quote", ValidateDisplayName(`Al"ice`), false},
		{"display control", ValidateDisplayName("Al\x07ice"), false},
		{"display padded", ValidateDisplayName(" Alice"), false},
		{"display invalid utf8", ValidateDisplayName("Al\xffice"), false},
		{"header ok", ValidateHeaderValue("X-Test", "a b\tc"), true},
		{"header LF", ValidateHeaderValue("X-Test", "a\nb"), false},
		{"header NUL", ValidateHeaderValue("X-Test", "a\x00b"), false},
		{"header name ok", ValidateHeaderName("X-Hookphone-Call-Id"), true},
		{"header name colon", ValidateHeaderName("X-A:b"), false},
		{"header name space", ValidateHeaderName("X A"), false},
		{"user ok", ValidateUser("alice.o'neil+1"), true},
		{"user escape", ValidateUser("a%40b"), true},
		{"user bad escape", ValidateUser("a%4"), false},
		{"user at", ValidateUser("a@b"), false},
		{"user space", ValidateUser("a b"), false},
		{"codec", ValidateCodecName("opus/48000/2"), true},
		{"codec bad", ValidateCodecName("opus 48000"), false},
	}
	for _, c := range cases {
		if (c.err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, c.err, c.ok)
		}
	}
}

func TestAccountValidate(t *testing.T) {
	srv, _ := ParseServerURI("sips:pbx.test")
	a := Account{Server: srv, User: "alice", DisplayName: "Alice"}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Mode != ModeRegister || a.SRTP != SRTPMandatory || a.Expires != DefaultExpires || a.KeepAlive != DefaultKeepAlive ||
		a.CallIDHeader != "X-Hookphone-Call-Id" || a.AuthUsername() != "alice" || a.AOR() != "sip:alice@pbx.test" {
		t.Fatalf("defaults not filled: %+v", a)
	}
	bad := Account{Server: srv, User: "al ice", DisplayName: "x\r\ny", PinnedSHA256: "zz", Listen: "nohost", CallIDHeader: "X Bad", Password: "a\nb"}
	err := bad.Validate()
	if err == nil {
		t.Fatal("bad account accepted")
	}
	for _, want := range []string{"user", "display name", "pinned certificate", "listen address", "call id header", "password"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	trunk := Account{Mode: ModeTrunk, Server: srv}
	if err := trunk.Validate(); err != nil {
		t.Fatalf("trunk without user: %v", err)
	}
	if p, err := ParseSRTPPolicy("Optional"); err != nil || p != SRTPOptional || p.String() != "optional" {
		t.Fatalf("srtp policy: %v %v", p, err)
	}
	if _, err := ParseSRTPPolicy("maybe"); err == nil {
		t.Fatal("srtp policy maybe accepted")
	}
}
