package sip

import (
	"bytes"
	"strings"
	"testing"
)

// Fuzz targets for everything Hookphone parses itself: user-typed URIs and
// the header values and stream framing it reads from the network. Seeds are
// in testdata/fuzz/<Target>/ and run with every `go test`.

func FuzzParseServerURI(f *testing.F) {
	f.Add("sips:pbx.example.com:5061")
	f.Add("sip:h;transport=tls;lr")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseServerURI(s)
		if err != nil {
			return
		}
		out := u.String()
		if strings.ContainsAny(out, " \t\r\n\x00") {
			t.Fatalf("%q → %q contains whitespace or control characters", s, out)
		}
		again, err := ParseServerURI(out)
		if err != nil || again.String() != out {
			t.Fatalf("%q → %q does not round-trip: %q %v", s, out, again.String(), err)
		}
	})
}

func FuzzParseTarget(f *testing.F) {
	f.Add("bob")
	f.Add("sip:bob@h:5061;user=phone")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseTarget(s, "pbx.test")
		if err != nil {
			return
		}
		out := u.String()
		if strings.ContainsAny(out, " \t\r\n\x00<>\"") {
			t.Fatalf("%q → %q is unsafe on the wire", s, out)
		}
		again, err := ParseTarget(out, "pbx.test")
		if err != nil || again.String() != out {
			t.Fatalf("%q → %q does not round-trip: %q %v", s, out, again.String(), err)
		}
	})
}

func FuzzParseContacts(f *testing.F) {
	f.Add(`<sip:a@h;transport=tls>;expires=60, "x,y" <sip:b@h>`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, b := range ParseContacts(s) {
			if b.Expires < -1 {
				t.Fatalf("%q: expires %d", s, b.Expires)
			}
		}
		ParseRetryAfter(s)
		ParseDeltaSeconds(s)
		sameContact(s, s)
	})
}

func FuzzFramer(f *testing.F) {
	f.Add([]byte("\r\n\r\nOPTIONS sip:a SIP/2.0\r\nl: 2\r\n\r\nhi"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		var got bytes.Buffer
		crlf := 0
		fr := framer{onMsg: func(b []byte) { got.Write(b) }, onCRLF: func(n int) { crlf += n }}
		step := int(chunk)%64 + 1
		for i := 0; i < len(data); i += step {
			fr.write(data[i:min(i+step, len(data))])
		}
		if got.Len()+crlf > len(data) {
			t.Fatalf("framer produced %d+%d bytes from %d", got.Len(), crlf, len(data))
		}
		if !fr.broken {
			stripped := got.Len() + crlf + len(fr.buf)
			if stripped != len(data) {
				t.Fatalf("bytes lost: %d messages + %d keep-alive + %d pending != %d", got.Len(), crlf, len(fr.buf), len(data))
			}
		}
	})
}

func FuzzRedact(f *testing.F) {
	f.Add("Authorization: Digest username=\"a\", response=\"0123abcd\"\r\n\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		r := Redact(s)
		if Redact(r) != r {
			t.Fatalf("redaction not idempotent on %q", s)
		}
		for _, line := range strings.Split(r, "\n") {
			low := strings.ToLower(line)
			if strings.HasPrefix(low, "a=crypto:") && reSDESInline.MatchString(line) && !strings.Contains(line, "inline:<redacted>") {
				t.Fatalf("key left in %q", line)
			}
		}
	})
}
