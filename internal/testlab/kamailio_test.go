package testlab

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"
)

func TestKamailioStartsWithVerifiedTLSAndAddsUsers(t *testing.T) {
	k := StartKamailio(t, KamailioConfig{Users: map[string]string{"alice": "secretA"}})
	conf := &tls.Config{RootCAs: k.CA.Pool(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", k.TLSAddr(), conf)
	if err != nil {
		t.Fatalf("verified handshake with the lab CA: %v", err)
	}
	c.Close()
	if err := k.AddUser("carol", "secretC"); err != nil {
		t.Fatal(err)
	}
	out, err := k.RPC("htable.get", "creds", "carol")
	if err != nil || !strings.Contains(out, "secretC") {
		t.Fatalf("carol not in creds htable: %q %v", out, err)
	}
	if b, err := k.Locations(); err != nil || len(b) != 0 {
		t.Fatalf("fresh location table: %v %v", b, err)
	}
}

func TestParseULDump(t *testing.T) {
	out := `{
	Domain: location
	Size: 1024
	AoRs: {
		Info: {
			AoR: alice@127.0.0.1
			HashID: 123
			Contacts: {
				Contact: {
					Address: sip:alice@127.0.0.1:40000;transport=tls
					Expires: 58
					Q: -1
					Received: sip:127.0.0.1:40000;transport=tls
				}
			}
		}
	}
}`
	b := parseULDump(out)
	if len(b) != 1 || b[0].AOR != "alice@127.0.0.1" || b[0].Expires != 58 || !strings.Contains(b[0].Received, "40000") {
		t.Fatalf("parsed %+v", b)
	}
}
