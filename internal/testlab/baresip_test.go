package testlab

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestBaresipCallsBaresipThroughKamailio proves the harness: two baresip
// phones register over TLS, call with mandatory SRTP and hear each other's
// tone at the right frequency.
func TestBaresipCallsBaresipThroughKamailio(t *testing.T) {
	k := StartKamailio(t, KamailioConfig{Users: map[string]string{"alice": "secretA", "bob": "secretB"}})
	alice := StartBaresip(t, BaresipConfig{Name: "alice", User: "alice", Password: "secretA", Domain: k.Domain(),
		Registrar: k.TLSAddr(), CAFile: k.CAFile, ToneHz: 440})
	bob := StartBaresip(t, BaresipConfig{Name: "bob", User: "bob", Password: "secretB", Domain: k.Domain(),
		Registrar: k.TLSAddr(), CAFile: k.CAFile, ToneHz: 1000})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := alice.Dial(ctx, bob.AOR()); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.WaitEvent(ctx, "CALL_ESTABLISHED"); err != nil {
		t.Fatal(err)
	}
	menc, err := bob.WaitEvent(ctx, "CALL_MENC")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(menc.Param, "AES_CM_128_HMAC_SHA1_80") {
		t.Errorf("bob's media encryption %q, want AES_CM_128_HMAC_SHA1_80", menc.Param)
	}
	time.Sleep(3 * time.Second)
	if err := alice.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitEvent(ctx, "CALL_CLOSED"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	for _, c := range []struct {
		phone *Baresip
		want  float64
	}{{alice, 1000}, {bob, 440}} {
		_, heard, err := c.phone.Recordings()
		if err != nil {
			t.Fatal(err)
		}
		s, rate, err := ReadWAV(heard)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) < rate {
			t.Fatalf("%s heard %d samples at %d Hz, want ≥ 1 s", c.phone.Cfg.Name, len(s), rate)
		}
		if ok, detail := ToneCheck(Middle(s, 0.3, 0.9), rate, c.want); !ok {
			t.Errorf("%s: %s", c.phone.Cfg.Name, detail)
		}
	}
}
