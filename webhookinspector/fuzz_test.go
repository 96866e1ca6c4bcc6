package webhookinspector

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// Seeds live in testdata/fuzz/<FuzzName>/ and run with every go test.

func FuzzVerify(f *testing.F) {
	f.Add("Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "a=1", []byte(`{"a":1}`), true)
	v := NewVerifier(VerifierConfig{Secrets: map[string]string{keyMain: secretMain}, DefaultSecret: defaultSecret, Now: func() time.Time { return testNow }})
	f.Fuzz(func(t *testing.T, auth, query string, body []byte, hasAuth bool) {
		for _, ct := range []string{"application/json", "application/x-www-form-urlencoded"} {
			r := v.Verify(Request{Method: "POST", Authorization: auth, HasAuthorization: hasAuth, RawQuery: query, ContentType: ct, Body: body})
			switch r.Verdict {
			case VerdictValid, VerdictInvalid, VerdictUnsigned:
			default:
				t.Fatalf("verdict %v", r.Verdict)
			}
			if r.Reason == "" || len(r.Checks) == 0 {
				t.Fatalf("no reason or checks: %+v", r)
			}
			if r.Verdict == VerdictInvalid && r.Failed() == nil {
				t.Fatalf("invalid without a failed check: %+v", r)
			}
			if strings.Contains(r.Reason, secretMain) || strings.Contains(r.Reason, defaultSecret) {
				t.Fatal("reason leaks a secret")
			}
		}
	})
}

func FuzzParseNCCO(f *testing.F) {
	f.Add([]byte(`[{"action":"stream","streamUrl":["https://a/b.mp3"],"bargeIn":true}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseNCCO(data)
		if err != nil {
			if n != nil {
				t.Fatal("NCCO with an error")
			}
			return
		}
		for _, e := range n.Validate() {
			if e.Msg == "" || e.Error() == "" {
				t.Fatalf("empty validation error %+v", e)
			}
		}
		for _, u := range n.StreamURLs() {
			if u == "" {
				t.Fatal("empty stream URL")
			}
		}
	})
}

func FuzzParseEvent(f *testing.F) {
	f.Add("status=ringing&uuid=u", []byte(`{"uuid":"u","duration":"68","speech":{"results":[]}}`))
	f.Fuzz(func(t *testing.T, query string, body []byte) {
		for _, k := range []Kind{KindAnswer, KindEvent, KindFallback, KindOther} {
			e, err := ParseEvent(k, query, "application/json", body)
			if err == nil && e.Name() == "" {
				t.Fatal("event without a name")
			}
		}
	})
}

// FuzzRecordingConn feeds an HTTP/1.1 byte stream to the head recorder at
// once and in small pieces: the heads cut out must not depend on how the
// bytes arrive.
func FuzzRecordingConn(f *testing.F) {
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}GET /a HTTP/1.1\r\nHost: x\r\n\r\n"), uint8(3))
	f.Fuzz(func(t *testing.T, stream []byte, step uint8) {
		whole := &recordingConn{}
		whole.feed(stream)
		pieces := &recordingConn{}
		n := int(step%16) + 1
		for i := 0; i < len(stream); i += n {
			pieces.feed(stream[i:min(i+n, len(stream))])
		}
		if len(whole.heads) != len(pieces.heads) {
			t.Fatalf("%d heads at once, %d in pieces of %d", len(whole.heads), len(pieces.heads), n)
		}
		for i := range whole.heads {
			if !bytes.Equal(whole.heads[i], pieces.heads[i]) {
				t.Fatalf("head %d differs: %q vs %q", i, whole.heads[i], pieces.heads[i])
			}
			parseHeadLines(whole.heads[i])
		}
	})
}
