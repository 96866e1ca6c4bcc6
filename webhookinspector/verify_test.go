package webhookinspector

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// The test signs tokens with plain crypto/hmac and base64, not with the code
// under test, so a bug shared by signer and verifier cannot hide.

var testNow = time.Date(2024, 5, 1, 10, 16, 10, 0, time.UTC)

const (
	defaultSecret = "sig-secret-default-0123456789abcdef"
	keyMain       = "a1b2c3d4"
	secretMain    = "sig-secret-main-ffeeddccbbaa9988"
	keySub        = "sub00001"
	secretSub     = "sig-secret-sub-1122334455667788"
	apiSecret     = "api-secret-NOT-the-signature-one"
	testAppID     = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
)

const eventBody = `{"start_time":"2024-05-01T10:15:02.000Z","end_time":"2024-05-01T10:16:10.000Z","uuid":"63f61863-4a51-4f6b-86e1-46edebcf9356","network":"GB-FIXED","duration":"68","rate":"0.00450000","price":"0.00510000","from":"447700900001","to":"447700900000","conversation_uuid":"CON-f972836a-550f-45fa-956c-12a2ab5b7d22","status":"completed","direction":"inbound","timestamp":"2024-05-01T10:16:10.123Z"}`

const answerQuery = `to=447700900000&from=447700900001&uuid=63f61863-4a51-4f6b-86e1-46edebcf9356&conversation_uuid=CON-f972836a-550f-45fa-956c-12a2ab5b7d22&SipHeader_X-Hookphone-Call-Id=c%2B1%40host`

// answerQueryJSON is answerQuery as compact JSON in received order, written by hand.
const answerQueryJSON = `{"to":"447700900000","from":"447700900001","uuid":"63f61863-4a51-4f6b-86e1-46edebcf9356","conversation_uuid":"CON-f972836a-550f-45fa-956c-12a2ab5b7d22","SipHeader_X-Hookphone-Call-Id":"c+1@host"}`

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func hexSHA(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// makeToken builds header.payload.signature by hand with HMAC of alg.
func makeToken(t *testing.T, alg string, claims map[string]any, secret string) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	p, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	signing := b64(h) + "." + b64(p)
	var mac hash.Hash
	switch alg {
	case "HS256":
		mac = hmac.New(sha256.New, []byte(secret))
	case "HS512":
		mac = hmac.New(sha512.New, []byte(secret))
	default: // "none", "RS256": an arbitrary signature; the alg check must reject first
		return signing + "." + b64([]byte("not-a-real-signature-of-32-bytes"))
	}
	mac.Write([]byte(signing))
	return signing + "." + b64(mac.Sum(nil))
}

func baseClaims(payload []byte) map[string]any {
	return map[string]any{
		"iat": testNow.Unix(), "jti": "0b4d2b1e-6a57-4a3e-9f39-2f3a3f7b1c11", "iss": "Vonage",
		"payload_hash": hexSHA(payload), "api_key": keyMain, "application_id": testAppID,
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func postReq(auth string, body string) Request {
	return Request{Method: "POST", Authorization: auth, HasAuthorization: true, ContentType: "application/json", Body: []byte(body)}
}

func getReq(auth, query string) Request {
	return Request{Method: "GET", Authorization: auth, HasAuthorization: true, RawQuery: query}
}

// independent legacy signature: documented algorithm written out again here.
func legacySigIndependent(params url.Values, method, secret string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "sig" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		v := strings.ReplaceAll(strings.ReplaceAll(params.Get(k), "&", "_"), "=", "_")
		s += "&" + k + "=" + v
	}
	var mac hash.Hash
	switch method {
	case "md5hash":
		sum := md5.Sum([]byte(s + secret))
		return hex.EncodeToString(sum[:])
	case "md5":
		mac = hmac.New(md5.New, []byte(secret))
	case "sha1":
		mac = hmac.New(sha1.New, []byte(secret))
	case "sha256":
		mac = hmac.New(sha256.New, []byte(secret))
	case "sha512":
		mac = hmac.New(sha512.New, []byte(secret))
	}
	mac.Write([]byte(s))
	return hex.EncodeToString(mac.Sum(nil))
}

func smsParams(ts time.Time) url.Values {
	v := url.Values{}
	v.Set("msisdn", "447700900001")
	v.Set("to", "447700900000")
	v.Set("messageId", "0A0000000123ABCD1")
	v.Set("text", "Hello & welcome = yes")
	v.Set("type", "text")
	v.Set("message-timestamp", "2024-05-01 10:16:00")
	v.Set("timestamp", itoa(ts.Unix()))
	return v
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func sigReq(method, secret string, ts time.Time, upper bool) Request {
	v := smsParams(ts)
	s := legacySigIndependent(v, method, secret)
	if upper {
		s = strings.ToUpper(s)
	}
	v.Set("sig", s)
	return Request{Method: "GET", RawQuery: v.Encode()}
}

type verifyCase struct {
	name    string
	cfg     func(*VerifierConfig)
	req     func(t *testing.T) Request
	twice   bool // verify the request twice, judge the second result
	verdict Verdict
	failed  string // name of the first failed check ("" when valid)
	reason  string // substring of the reason sentence
	form    PayloadForm
	sigM    string
}

func verifyCases() []verifyCase {
	body := []byte(eventBody)
	bearer := func(t *testing.T, claims map[string]any, secret string) string {
		return "Bearer " + makeToken(t, "HS256", claims, secret)
	}
	postWith := func(claims func() map[string]any, secret string) func(t *testing.T) Request {
		return func(t *testing.T) Request { return postReq(bearer(t, claims(), secret), eventBody) }
	}
	bc := func(kv ...any) func() map[string]any {
		return func() map[string]any { return with(baseClaims(body), kv...) }
	}
	at := func(d time.Duration) int64 { return testNow.Add(d).Unix() }
	return []verifyCase{
		{name: "valid POST raw body", req: postWith(bc(), secretMain), verdict: VerdictValid, form: FormRawBody, reason: "Genuine"},
		{name: "valid lower-case bearer", req: func(t *testing.T) Request {
			return postReq("bearer "+makeToken(t, "HS256", baseClaims(body), secretMain), eventBody)
		}, verdict: VerdictValid, form: FormRawBody},
		{name: "valid upper-case BEARER", req: func(t *testing.T) Request {
			return postReq("BEARER "+makeToken(t, "HS256", baseClaims(body), secretMain), eventBody)
		}, verdict: VerdictValid, form: FormRawBody},
		{name: "valid bare token", req: func(t *testing.T) Request {
			return postReq(makeToken(t, "HS256", baseClaims(body), secretMain), eventBody)
		}, verdict: VerdictValid, form: FormRawBody},
		{name: "valid GET answer query as compact JSON", req: func(t *testing.T) Request {
			return getReq(bearer(t, baseClaims([]byte(answerQueryJSON)), secretMain), answerQuery)
		}, verdict: VerdictValid, form: FormQueryJSON},
		{name: "valid GET with no query hashes {}", req: func(t *testing.T) Request {
			return getReq(bearer(t, baseClaims([]byte("{}")), secretMain), "")
		}, verdict: VerdictValid, form: FormQueryJSON},
		{name: "valid re-serialised JSON form", req: func(t *testing.T) Request {
			pretty := "{\n  \"uuid\": \"u-1\",\n  \"duration\": 68.50,\n  \"text\": \"a<b>&c\"\n}"
			compact := `{"uuid":"u-1","duration":68.5,"text":"a<b>&c"}`
			return postReq(bearer(t, baseClaims([]byte(compact)), secretMain), pretty)
		}, verdict: VerdictValid, form: FormReserialised},
		{name: "valid form-encoded body", req: func(t *testing.T) Request {
			r := postReq(bearer(t, baseClaims([]byte(`{"a":"1 2","b":"x"}`)), secretMain), "a=1+2&b=x")
			r.ContentType = "application/x-www-form-urlencoded"
			return r
		}, verdict: VerdictValid, form: FormFormJSON},
		{name: "valid subaccount with its own secret", req: postWith(bc("api_key", keySub), secretSub), verdict: VerdictValid},
		{name: "valid unknown api_key served by default secret", req: postWith(bc("api_key", "zzzz9999"), defaultSecret), verdict: VerdictValid},
		{name: "valid no api_key claim uses default secret", req: postWith(bc("api_key", nil), defaultSecret), verdict: VerdictValid},
		{name: "valid application_id matches configured", cfg: func(c *VerifierConfig) { c.ApplicationID = testAppID }, req: postWith(bc(), secretMain), verdict: VerdictValid},
		{name: "valid iat 299 s old", req: postWith(bc("iat", at(-299*time.Second)), secretMain), verdict: VerdictValid},
		{name: "valid iat exactly 300 s old", req: postWith(bc("iat", at(-300*time.Second)), secretMain), verdict: VerdictValid},
		{name: "valid iat 299 s in the future", req: postWith(bc("iat", at(299*time.Second)), secretMain), verdict: VerdictValid},
		{name: "invalid iat 301 s old", req: postWith(bc("iat", at(-301*time.Second)), secretMain), verdict: VerdictInvalid, failed: "iat", reason: "outside the ±5 min window"},
		{name: "invalid token 14 min old", req: postWith(bc("iat", at(-14*time.Minute)), secretMain), verdict: VerdictInvalid, failed: "iat", reason: "issued 14 min ago"},
		{name: "invalid iat 6 min in the future", req: postWith(bc("iat", at(6*time.Minute)), secretMain), verdict: VerdictInvalid, failed: "iat", reason: "6 min in the future"},
		{name: "valid with 60 s window configured", cfg: func(c *VerifierConfig) { c.Window = time.Minute }, req: postWith(bc("iat", at(-59*time.Second)), secretMain), verdict: VerdictValid},
		{name: "invalid with 60 s window configured", cfg: func(c *VerifierConfig) { c.Window = time.Minute }, req: postWith(bc("iat", at(-61*time.Second)), secretMain), verdict: VerdictInvalid, failed: "iat", reason: "1 s ago"},
		{name: "valid exp in the future", req: postWith(bc("exp", at(time.Minute)), secretMain), verdict: VerdictValid},
		{name: "valid exp past but inside leeway", req: postWith(bc("exp", at(-100*time.Second)), secretMain), verdict: VerdictValid},
		{name: "invalid exp 10 min past", req: postWith(bc("exp", at(-10*time.Minute)), secretMain), verdict: VerdictInvalid, failed: "exp", reason: "expired 10 min ago"},
		{name: "valid nbf in the past", req: postWith(bc("nbf", at(-time.Minute)), secretMain), verdict: VerdictValid},
		{name: "invalid nbf 10 min ahead", req: postWith(bc("nbf", at(10*time.Minute)), secretMain), verdict: VerdictInvalid, failed: "nbf", reason: "not valid before"},
		{name: "invalid API secret used instead of signature secret", req: postWith(bc(), apiSecret), verdict: VerdictInvalid, failed: "signature", reason: "did you use the API secret instead of the signature secret?"},
		{name: "invalid signed with another account's secret", req: postWith(bc(), secretSub), verdict: VerdictInvalid, failed: "signature", reason: "signature secret of api_key sub00001"},
		{name: "invalid unknown api_key and no default secret", cfg: func(c *VerifierConfig) { c.DefaultSecret = "" }, req: postWith(bc("api_key", "zzzz9999"), defaultSecret), verdict: VerdictInvalid, failed: "api_key", reason: "No signature secret is configured for api_key zzzz9999"},
		{name: "invalid body changed after signing", req: func(t *testing.T) Request {
			return postReq(bearer(t, baseClaims(body), secretMain), strings.Replace(eventBody, `"68"`, `"6800"`, 1))
		}, verdict: VerdictInvalid, failed: "payload_hash", reason: "changed or re-serialised after signing"},
		{name: "invalid GET query changed", req: func(t *testing.T) Request {
			return getReq(bearer(t, baseClaims([]byte(answerQueryJSON)), secretMain), strings.Replace(answerQuery, "447700900001", "447700900666", 1))
		}, verdict: VerdictInvalid, failed: "payload_hash", reason: "query parameters do not match"},
		{name: "invalid GET query reordered", req: func(t *testing.T) Request {
			q := "from=447700900001&to=447700900000&uuid=63f61863-4a51-4f6b-86e1-46edebcf9356&conversation_uuid=CON-f972836a-550f-45fa-956c-12a2ab5b7d22&SipHeader_X-Hookphone-Call-Id=c%2B1%40host"
			return getReq(bearer(t, baseClaims([]byte(answerQueryJSON)), secretMain), q)
		}, verdict: VerdictInvalid, failed: "payload_hash"},
		{name: "invalid no payload_hash claim", req: postWith(bc("payload_hash", nil), secretMain), verdict: VerdictInvalid, failed: "payload_hash", reason: "no payload_hash claim"},
		{name: "valid upper-case payload_hash", req: postWith(bc("payload_hash", strings.ToUpper(hexSHA(body))), secretMain), verdict: VerdictValid, form: FormRawBody},
		{name: "invalid alg RS256", req: func(t *testing.T) Request {
			return postReq("Bearer "+makeToken(t, "RS256", baseClaims(body), secretMain), eventBody)
		}, verdict: VerdictInvalid, failed: "alg", reason: "alg RS256, which is not accepted"},
		{name: "invalid alg none", req: func(t *testing.T) Request {
			tok := makeToken(t, "none", baseClaims(body), "")
			return postReq("Bearer "+tok[:strings.LastIndexByte(tok, '.')+1], eventBody)
		}, verdict: VerdictInvalid, failed: "alg", reason: "alg none"},
		{name: "invalid alg HS512 with the right secret", req: func(t *testing.T) Request {
			return postReq("Bearer "+makeToken(t, "HS512", baseClaims(body), secretMain), eventBody)
		}, verdict: VerdictInvalid, failed: "alg", reason: "HS256 only"},
		{name: "invalid unknown alg HS999", req: func(t *testing.T) Request {
			h := b64([]byte(`{"alg":"HS999","typ":"JWT"}`))
			p, _ := json.Marshal(baseClaims(body))
			return postReq("Bearer "+h+"."+b64(p)+"."+b64(make([]byte, 32)), eventBody)
		}, verdict: VerdictInvalid, failed: "alg", reason: "alg HS999"},
		{name: "invalid alg missing from header", req: func(t *testing.T) Request {
			p, _ := json.Marshal(baseClaims(body))
			return postReq("Bearer "+b64([]byte(`{"typ":"JWT"}`))+"."+b64(p)+"."+b64(make([]byte, 32)), eventBody)
		}, verdict: VerdictInvalid, failed: "alg", reason: "alg (missing)"},
		{name: "invalid iss", req: postWith(bc("iss", "Nexmo"), secretMain), verdict: VerdictInvalid, failed: "iss", reason: `"Nexmo"`},
		{name: "invalid application_id mismatch", cfg: func(c *VerifierConfig) { c.ApplicationID = "11111111-2222-4333-8444-555555555555" }, req: postWith(bc(), secretMain), verdict: VerdictInvalid, failed: "application_id", reason: "not to the configured application"},
		{name: "invalid application_id missing when configured", cfg: func(c *VerifierConfig) { c.ApplicationID = testAppID }, req: postWith(bc("application_id", nil), secretMain), verdict: VerdictInvalid, failed: "application_id"},
		{name: "unsigned: no Authorization header", req: func(t *testing.T) Request {
			return Request{Method: "POST", ContentType: "application/json", Body: body}
		}, verdict: VerdictUnsigned, reason: "created before July 2021"},
		{name: "invalid empty Authorization", req: func(t *testing.T) Request { return postReq("", eventBody) }, verdict: VerdictInvalid, failed: "authorization", reason: "empty"},
		{name: "invalid Basic scheme", req: func(t *testing.T) Request { return postReq("Basic dXNlcjpwYXNz", eventBody) }, verdict: VerdictInvalid, failed: "authorization", reason: `"Basic" scheme`},
		{name: "invalid Bearer without token", req: func(t *testing.T) Request { return postReq("Bearer   ", eventBody) }, verdict: VerdictInvalid, failed: "authorization"},
		{name: "invalid huge token", req: func(t *testing.T) Request {
			return postReq("Bearer "+strings.Repeat("a", 20000)+".b.c", eventBody)
		}, verdict: VerdictInvalid, failed: "authorization", reason: "larger than"},
		{name: "invalid two-part token", req: func(t *testing.T) Request { return postReq("Bearer abc.def", eventBody) }, verdict: VerdictInvalid, failed: "format"},
		{name: "invalid non-JSON parts", req: func(t *testing.T) Request { return postReq("Bearer aGVsbG8.d29ybGQ.c2ln", eventBody) }, verdict: VerdictInvalid, failed: "format"},
		{name: "invalid damaged signature segment", req: func(t *testing.T) Request {
			tok := makeToken(t, "HS256", baseClaims(body), secretMain)
			return postReq("Bearer "+tok[:len(tok)-5], eventBody)
		}, verdict: VerdictInvalid, failed: "signature", reason: "damaged"},
		{name: "invalid claims edited after signing", req: func(t *testing.T) Request {
			good := strings.Split(makeToken(t, "HS256", baseClaims(body), secretMain), ".")
			forged := strings.Split(makeToken(t, "HS256", with(baseClaims(body), "iat", at(time.Second)), "x"), ".")
			return postReq("Bearer "+good[0]+"."+forged[1]+"."+good[2], eventBody)
		}, verdict: VerdictInvalid, failed: "signature", reason: "different secret"},
		{name: "invalid iat missing", req: postWith(bc("iat", nil), secretMain), verdict: VerdictInvalid, failed: "iat", reason: "is missing"},
		{name: "invalid iat as string", req: postWith(bc("iat", "1714558570"), secretMain), verdict: VerdictInvalid, failed: "iat", reason: "not a number"},
		{name: "invalid jti missing", req: postWith(bc("jti", nil), secretMain), verdict: VerdictInvalid, failed: "jti", reason: "no jti claim"},
		{name: "invalid replay of the same token", req: postWith(bc(), secretMain), twice: true, verdict: VerdictInvalid, failed: "jti", reason: "was already seen at"},
		{name: "legacy md5hash lower-case", req: func(t *testing.T) Request { return sigReq("md5hash", defaultSecret, testNow, false) }, verdict: VerdictValid, sigM: "md5hash"},
		{name: "legacy HMAC md5 upper-case", req: func(t *testing.T) Request { return sigReq("md5", defaultSecret, testNow, true) }, verdict: VerdictValid, sigM: "md5"},
		{name: "legacy HMAC sha1", req: func(t *testing.T) Request { return sigReq("sha1", defaultSecret, testNow, true) }, verdict: VerdictValid, sigM: "sha1"},
		{name: "legacy HMAC sha256", req: func(t *testing.T) Request { return sigReq("sha256", defaultSecret, testNow, true) }, verdict: VerdictValid, sigM: "sha256"},
		{name: "legacy HMAC sha512 lower-case", req: func(t *testing.T) Request { return sigReq("sha512", defaultSecret, testNow, false) }, verdict: VerdictValid, sigM: "sha512"},
		{name: "legacy form body", req: func(t *testing.T) Request {
			v := smsParams(testNow.Add(-4 * time.Minute))
			v.Set("sig", strings.ToUpper(legacySigIndependent(v, "sha256", defaultSecret)))
			return Request{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte(v.Encode())}
		}, verdict: VerdictValid, sigM: "sha256"},
		{name: "legacy wrong secret", req: func(t *testing.T) Request { return sigReq("sha256", apiSecret, testNow, true) }, verdict: VerdictInvalid, failed: "sig", reason: "matches no signing method"},
		{name: "legacy timestamp 6 min old", req: func(t *testing.T) Request {
			return sigReq("md5hash", defaultSecret, testNow.Add(-6*time.Minute), false)
		}, verdict: VerdictInvalid, failed: "timestamp", reason: "6 min ago"},
		{name: "legacy parameter changed", req: func(t *testing.T) Request {
			r := sigReq("sha1", defaultSecret, testNow, true)
			r.RawQuery = strings.Replace(r.RawQuery, "msisdn=447700900001", "msisdn=447700900002", 1)
			return r
		}, verdict: VerdictInvalid, failed: "sig"},
		{name: "legacy missing timestamp", req: func(t *testing.T) Request {
			v := smsParams(testNow)
			v.Del("timestamp")
			v.Set("sig", legacySigIndependent(v, "md5hash", defaultSecret))
			return Request{Method: "GET", RawQuery: v.Encode()}
		}, verdict: VerdictInvalid, failed: "timestamp"},
	}
}

func testConfig() VerifierConfig {
	return VerifierConfig{
		Secrets:       map[string]string{keyMain: secretMain, keySub: secretSub},
		DefaultSecret: defaultSecret,
		Now:           func() time.Time { return testNow },
	}
}

func TestVerifyTable(t *testing.T) {
	cases := verifyCases()
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			v := NewVerifier(cfg)
			req := tc.req(t)
			res := v.Verify(req)
			if tc.twice {
				if res.Verdict != VerdictValid {
					t.Fatalf("first verification: %v %s", res.Verdict, res.Reason)
				}
				res = v.Verify(req)
			}
			if res.Verdict != tc.verdict {
				t.Fatalf("verdict %v, want %v; reason %q; checks %+v", res.Verdict, tc.verdict, res.Reason, res.Checks)
			}
			got := ""
			if f := res.Failed(); f != nil && res.Verdict == VerdictInvalid {
				got = f.Name
			}
			if got != tc.failed {
				t.Errorf("first failed check %q, want %q (reason %q)", got, tc.failed, res.Reason)
			}
			if !strings.Contains(res.Reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", res.Reason, tc.reason)
			}
			if strings.Count(strings.TrimSuffix(res.Reason, "."), ". ") > 0 || !strings.HasSuffix(res.Reason, ".") {
				t.Errorf("reason is not one sentence: %q", res.Reason)
			}
			if tc.form != "" && res.PayloadForm != tc.form {
				t.Errorf("payload form %q, want %q", res.PayloadForm, tc.form)
			}
			if tc.sigM != "" && res.SigMethod != tc.sigM {
				t.Errorf("sig method %q, want %q", res.SigMethod, tc.sigM)
			}
			for _, s := range []string{secretMain, secretSub, defaultSecret, apiSecret} {
				b, _ := json.Marshal(res)
				if strings.Contains(string(b), s) {
					t.Errorf("result leaks a secret: %s", b)
				}
			}
		})
	}
}

// TestSignRoundTrip checks the signer used by "webhook send" and replay
// against the verifier (the table above checks the verifier independently).
func TestSignRoundTrip(t *testing.T) {
	tok, err := Sign(NewClaims(testNow, keyMain, testAppID, hexSHA([]byte(eventBody))), secretMain)
	if err != nil {
		t.Fatal(err)
	}
	res := NewVerifier(testConfig()).Verify(postReq("Bearer "+tok, eventBody))
	if res.Verdict != VerdictValid {
		t.Fatalf("%v: %s", res.Verdict, res.Reason)
	}
	rs, err := SignRS256(NewClaims(testNow, keyMain, testAppID, hexSHA([]byte(eventBody))))
	if err != nil {
		t.Fatal(err)
	}
	res = NewVerifier(testConfig()).Verify(postReq("Bearer "+rs, eventBody))
	if res.Verdict != VerdictInvalid || res.Failed().Name != "alg" {
		t.Fatalf("RS256 token: %v %s", res.Verdict, res.Reason)
	}
}

func TestJSNumber(t *testing.T) {
	for in, want := range map[string]string{"68": "68", "68.50": "68.5", "1e2": "100", "0.0000001": "1e-7", "1e21": "1e+21", "-0": "0", "0.1": "0.1", "123456789012345678": "123456789012345680"} {
		if got := jsNumber(json.Number(in)); got != want {
			t.Errorf("jsNumber(%s) = %s, want %s", in, got, want)
		}
	}
}
