package webhookinspector

import (
	"strings"
	"testing"
	"time"
)

// TestSamplesVerifyAsIntended checks every sample event and tamper kind
// against the verifier in-process (the e2e test does it through the binary).
func TestSamplesVerifyAsIntended(t *testing.T) {
	for _, ev := range SampleEvents {
		for tm := TamperNone; tm <= TamperUnsigned; tm++ {
			reqs, err := BuildSample(SampleOptions{Event: ev, Secret: secretMain, APIKey: keyMain, ApplicationID: testAppID, Tamper: tm, Now: testNow, CallID: "call-1"})
			if err != nil {
				t.Fatal(err)
			}
			v := NewVerifier(VerifierConfig{Secrets: map[string]string{keyMain: secretMain}, ApplicationID: testAppID, Now: func() time.Time { return testNow }})
			var got []string
			for _, r := range reqs {
				vr := Request{Method: r.Method, RawQuery: r.RawQuery, Body: r.Body}
				for _, h := range r.Headers {
					switch strings.ToLower(h.Name) {
					case "authorization":
						vr.Authorization, vr.HasAuthorization = h.Value, true
					case "content-type":
						vr.ContentType = h.Value
					}
				}
				res := v.Verify(vr)
				name := res.Verdict.String()
				if f := res.Failed(); f != nil && res.Verdict == VerdictInvalid {
					name += ":" + f.Name
				}
				got = append(got, name)
				if e, err := ParseEvent(KindEvent, r.RawQuery, "application/json", r.Body); err != nil || (ev != "answer" && ev != "fallback" && e.Name() != ev) {
					t.Errorf("%s: parsed as %q (%v)", ev, e.Name(), err)
				}
			}
			want := map[Tamper]string{TamperNone: "valid", TamperBody: "invalid:payload_hash", TamperSignature: "invalid:signature",
				TamperIAT: "invalid:iat", TamperAlg: "invalid:alg", TamperReplay: "valid invalid:jti", TamperUnsigned: "unsigned"}[tm]
			if strings.Join(got, " ") != want {
				t.Errorf("%s tamper %v: %v, want %s", ev, tm, got, want)
			}
		}
	}
}
