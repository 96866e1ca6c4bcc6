package media

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Each testdata/sdp/*.sdp offer goes through Answer under a policy; the
// table says what must come out.
func TestAnswerTable(t *testing.T) {
	tests := []struct {
		file    string
		policy  Policy
		suites  []Suite
		codecs  []Codec
		wantErr string // substring of the 488 Warning; "" = success
		secure  bool
		suite   Suite
		tag     string // "a=crypto:<tag> <suite>" expected in the answer
		codec   Codec
		pt      uint8
		dtmfPT  int
		ptime   time.Duration
		dir     Direction
		skipped int
		mux     bool
		check   func(t *testing.T, answer string, n Negotiated)
	}{
		{file: "suite_80", secure: true, suite: SuiteAESCM128HMACSHA1_80, tag: "1 AES_CM_128_HMAC_SHA1_80", codec: CodecPCMU, dtmfPT: 101,
			check: golden("answer_suite_80")},
		{file: "suite_32", secure: true, suite: SuiteAESCM128HMACSHA1_32, tag: "5 AES_CM_128_HMAC_SHA1_32", codec: CodecPCMU, dtmfPT: 101},
		{file: "suite_gcm128", secure: true, suite: SuiteAEADAES128GCM, tag: "2 AEAD_AES_128_GCM", codec: CodecPCMU, dtmfPT: 101},
		{file: "suite_gcm256", secure: true, suite: SuiteAEADAES256GCM, tag: "9 AEAD_AES_256_GCM", codec: CodecPCMU, dtmfPT: 101},
		{file: "no_common_suite", wantErr: "unknown crypto suite"},
		{file: "suite_32", suites: []Suite{SuiteAESCM128HMACSHA1_80}, wantErr: "AES_CM_128_HMAC_SHA1_32 is not enabled here"},
		{file: "lifetime_mki", secure: true, suite: SuiteAESCM128HMACSHA1_80, tag: "1 AES_CM_128_HMAC_SHA1_80", codec: CodecPCMU, dtmfPT: 101},
		{file: "lifetime_decimal", secure: true, suite: SuiteAESCM128HMACSHA1_80, tag: "1 AES_CM_128_HMAC_SHA1_80", codec: CodecPCMU, dtmfPT: 101},
		{file: "unknown_then_good", secure: true, suite: SuiteAESCM128HMACSHA1_32, tag: "2 AES_CM_128_HMAC_SHA1_32", codec: CodecPCMU, dtmfPT: 101, skipped: 1},
		{file: "bad_base64_then_good", secure: true, suite: SuiteAESCM128HMACSHA1_80, tag: "2 AES_CM_128_HMAC_SHA1_80", codec: CodecPCMU, dtmfPT: 101, skipped: 1},
		{file: "bad_base64_only", wantErr: "not valid base64"},
		{file: "wrong_key_length", wantErr: "key||salt is 28 bytes, want 30"},
		{file: "several_lines", secure: true, suite: SuiteAEADAES256GCM, tag: "3 AEAD_AES_256_GCM", codec: CodecPCMU, dtmfPT: 101},
		{file: "several_lines", suites: []Suite{SuiteAESCM128HMACSHA1_32, SuiteAESCM128HMACSHA1_80}, secure: true,
			suite: SuiteAESCM128HMACSHA1_80, tag: "7 AES_CM_128_HMAC_SHA1_80", codec: CodecPCMU, dtmfPT: 101, skipped: 1},
		{file: "unencrypted_param", secure: true, suite: SuiteAESCM128HMACSHA1_32, tag: "2 AES_CM_128_HMAC_SHA1_32", codec: CodecPCMU, dtmfPT: 101, skipped: 1},
		{file: "kdr_nonzero", wantErr: "key derivation rates"},
		{file: "mki_too_long", wantErr: "MKI"},
		{file: "plain", wantErr: "no a=crypto line (plain RTP refused)"},
		{file: "plain", policy: PolicyOptional, codec: CodecPCMU, dtmfPT: 101},
		{file: "plain", policy: PolicyOff, codec: CodecPCMU, dtmfPT: 101},
		{file: "suite_80", policy: PolicyOff, wantErr: "SRTP is off"},
		{file: "avp_with_crypto", policy: PolicyOptional, secure: true, suite: SuiteAESCM128HMACSHA1_80, tag: "4 AES_CM_128_HMAC_SHA1_80", codec: CodecPCMU, dtmfPT: 101},
		{file: "avp_with_crypto", policy: PolicyOff, codec: CodecPCMU, dtmfPT: 101},
		{file: "pcma_only", secure: true, suite: SuiteAESCM128HMACSHA1_80, tag: "1 AES_CM_128_HMAC_SHA1_80", codec: CodecPCMA, pt: 8, dtmfPT: -1},
		{file: "pcma_only", codecs: []Codec{CodecPCMU}, wantErr: "no common audio codec"},
		{file: "g729_only", wantErr: "no common audio codec"},
		{file: "dynamic_dtmf_ptime30", secure: true, suite: SuiteAESCM128HMACSHA1_80, tag: "1 AES_CM_128_HMAC_SHA1_80",
			codec: CodecPCMA, pt: 8, dtmfPT: 96, ptime: 30 * time.Millisecond, check: golden("answer_dynamic_dtmf_ptime30")},
		{file: "sendonly_rtcpmux", secure: true, suite: SuiteAESCM128HMACSHA1_80, tag: "1 AES_CM_128_HMAC_SHA1_80", codec: CodecPCMU, dtmfPT: 101,
			dir: DirectionRecvOnly, mux: true},
		{file: "inactive", secure: true, suite: SuiteAESCM128HMACSHA1_80, tag: "1 AES_CM_128_HMAC_SHA1_80", codec: CodecPCMU, dtmfPT: 101, dir: DirectionInactive},
		{file: "video_then_audio", secure: true, suite: SuiteAESCM128HMACSHA1_80, tag: "1 AES_CM_128_HMAC_SHA1_80", codec: CodecPCMU, dtmfPT: 101,
			check: func(t *testing.T, answer string, n Negotiated) {
				if !strings.Contains(answer, "m=video 0 RTP/SAVP 96") || strings.Index(answer, "m=video") > strings.Index(answer, "m=audio") {
					t.Errorf("answer must reject video in place:\n%s", answer)
				}
				if n.RemoteRTCP.Port() != 40005 {
					t.Errorf("a=rtcp ignored: %v", n.RemoteRTCP)
				}
			}},
		{file: "dtls", wantErr: "DTLS-SRTP is not implemented"},
		{file: "garbage", wantErr: "parse sdp"},
	}
	for _, tt := range tests {
		name := tt.file + "/" + tt.policy.String()
		if tt.suites != nil || tt.codecs != nil {
			name += "/restricted"
		}
		t.Run(name, func(t *testing.T) {
			offer, err := os.ReadFile(filepath.Join("testdata", "sdp", tt.file+".sdp"))
			if err != nil {
				t.Fatal(err)
			}
			s := newSession(t, Config{Policy: tt.policy, Suites: tt.suites, Codecs: tt.codecs})
			answer, n, err := s.Answer(offer)
			if tt.wantErr != "" {
				var ne *NegotiationError
				if !errors.As(err, &ne) || ne.Status != 488 {
					t.Fatalf("want a 488 NegotiationError, got %v", err)
				}
				if !strings.Contains(ne.Warning, tt.wantErr) {
					t.Errorf("warning %q does not say %q", ne.Warning, tt.wantErr)
				}
				if strings.Contains(ne.Warning, "AQIDBAUG") {
					t.Errorf("warning leaks key material: %q", ne.Warning)
				}
				return
			}
			if err != nil {
				t.Fatalf("answer: %v", err)
			}
			a := string(answer)
			wantPT, wantPTime, wantDir := tt.pt, tt.ptime, tt.dir
			if wantPTime == 0 {
				wantPTime = 20 * time.Millisecond
			}
			if wantDir == DirectionUnknown {
				wantDir = DirectionSendRecv
			}
			if n.Secure != tt.secure || n.Suite != tt.suite || n.Codec != tt.codec || n.PayloadType != wantPT ||
				n.DTMFPayloadType != tt.dtmfPT || n.PTime != wantPTime || n.Direction != wantDir || n.RTCPMux != tt.mux || len(n.Skipped) != tt.skipped {
				t.Errorf("negotiated %+v", n)
			}
			if tt.secure {
				if !strings.Contains(a, "RTP/") || strings.Count(a, "a=crypto:") != 1 || !strings.Contains(a, "a=crypto:"+tt.tag+" inline:") {
					t.Errorf("answer must echo crypto %q once:\n%s", tt.tag, a)
				}
				if strings.Contains(a, "AQIDBAUG") {
					t.Errorf("answer reuses the offerer's key:\n%s", a)
				}
			} else if strings.Contains(a, "a=crypto") {
				t.Errorf("plain answer carries crypto:\n%s", a)
			}
			if !strings.Contains(a, "a="+wantDir.String()+"\r\n") {
				t.Errorf("answer lacks a=%s:\n%s", wantDir, a)
			}
			if tt.check != nil {
				tt.check(t, a, n)
			}
		})
	}
}

// golden compares a normalised answer with testdata/golden/<name>.sdp.
func golden(name string) func(*testing.T, string, Negotiated) {
	return func(t *testing.T, answer string, _ Negotiated) {
		t.Helper()
		got := normaliseSDP([]byte(answer))
		path := filepath.Join("testdata", "golden", name+".sdp")
		if *update {
			os.WriteFile(path, []byte(got), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if got != string(want) {
			t.Errorf("answer differs from %s:\n%s", path, got)
		}
	}
}

var keyRE = regexp.MustCompile(`inline:[A-Za-z0-9+/=]+`)
var originRE = regexp.MustCompile(`o=hookphone \d+ \d+`)
var portRE = regexp.MustCompile(`(m=audio |a=rtcp:)\d+`)

func normaliseSDP(b []byte) string {
	s := keyRE.ReplaceAllString(string(b), "inline:KEY")
	s = originRE.ReplaceAllString(s, "o=hookphone ID VERSION")
	return portRE.ReplaceAllString(s, "${1}PORT")
}

// The offer's lines (rtpmap, fmtp, ptime, rtcp-mux, crypto order) are
// compared with golden files, keys and ports masked.
func TestOfferGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{"offer_mandatory", Config{}},
		{"offer_optional", Config{Policy: PolicyOptional, Suites: []Suite{SuiteAESCM128HMACSHA1_80}}},
		{"offer_off_pcma_ptime40", Config{Policy: PolicyOff, Codecs: []Codec{CodecPCMA}, PTime: 40 * time.Millisecond}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t, tt.cfg)
			b, err := s.Offer()
			if err != nil {
				t.Fatal(err)
			}
			got := normaliseSDP(b)
			path := filepath.Join("testdata", "golden", tt.name+".sdp")
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				os.WriteFile(path, []byte(got), 0o644)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if got != string(want) {
				t.Errorf("offer differs from %s:\n%s", path, got)
			}
			// Every key in a fresh offer is distinct and of the suite's size.
			keys := keyRE.FindAllString(string(b), -1)
			seen := map[string]bool{}
			for _, k := range keys {
				if seen[k] {
					t.Errorf("key repeated in offer")
				}
				seen[k] = true
			}
		})
	}
}

// Answers received by an offerer: crypto must match what was offered.
func TestAcceptAnswerTable(t *testing.T) {
	tests := []struct {
		name    string
		policy  Policy
		edit    func(answer string) string
		wantErr string
		secure  bool
	}{
		{name: "as produced", secure: true},
		{name: "crypto removed", edit: dropLines("a=crypto"), wantErr: "answer has no a=crypto line"},
		{name: "plain answer to optional", policy: PolicyOptional, edit: func(a string) string {
			return strings.Replace(dropLines("a=crypto")(a), "RTP/SAVP", "RTP/AVP", 1)
		}},
		{name: "plain profile to mandatory", edit: func(a string) string {
			return strings.Replace(dropLines("a=crypto")(a), "RTP/SAVP", "RTP/AVP", 1)
		}, wantErr: "answer changed the transport"},
		{name: "tag not offered", edit: func(a string) string { return strings.Replace(a, "a=crypto:1 ", "a=crypto:42 ", 1) }, wantErr: "does not match any offered line"},
		{name: "audio rejected", edit: func(a string) string { return regexp.MustCompile(`m=audio \d+`).ReplaceAllString(a, "m=audio 0") }, wantErr: "no audio stream"},
		{name: "two crypto lines", edit: func(a string) string {
			l := regexp.MustCompile(`a=crypto:[^\r]*\r\n`).FindString(a)
			return strings.Replace(a, l, l+l, 1)
		}, wantErr: "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Policy: tt.policy, Suites: []Suite{SuiteAESCM128HMACSHA1_80}}
			a, b := newSession(t, cfg), newSession(t, Config{Suites: []Suite{SuiteAESCM128HMACSHA1_80}})
			offer, err := a.Offer()
			if err != nil {
				t.Fatal(err)
			}
			if tt.policy == PolicyOptional {
				offer = []byte(strings.Replace(string(offer), "RTP/AVP", "RTP/SAVP", 1)) // so that b answers with crypto
			}
			answer, _, err := b.Answer(offer)
			if err != nil {
				t.Fatal(err)
			}
			ans := string(answer)
			if tt.edit != nil {
				ans = tt.edit(ans)
			}
			n, err := a.AcceptAnswer([]byte(ans))
			if tt.wantErr != "" {
				var ne *NegotiationError
				if !errors.As(err, &ne) || !strings.Contains(ne.Warning, tt.wantErr) {
					t.Fatalf("want 488 saying %q, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Secure != tt.secure {
				t.Errorf("secure = %v", n.Secure)
			}
		})
	}
}

func dropLines(prefix string) func(string) string {
	return func(s string) string {
		var out []string
		for _, l := range strings.SplitAfter(s, "\r\n") {
			if !strings.HasPrefix(l, prefix) {
				out = append(out, l)
			}
		}
		return strings.Join(out, "")
	}
}
