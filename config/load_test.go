package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFullExample(t *testing.T) {
	data, err := os.ReadFile("testdata/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("testdata/full.toml", data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(c.Accounts) != 2 {
		t.Fatalf("accounts = %d, want 2", len(c.Accounts))
	}
	a := c.Accounts[0]
	want := Account{
		Name: "office", DisplayName: "Alice (desk)", Server: "sips:pbx.example.com:5061", User: "alice",
		AuthUser: "alice-auth", Domain: "example.com",
		Fingerprint: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
		SRTP:        SRTPMandatory, Suites: []string{"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"},
		Codecs: []string{"PCMU", "PCMA"}, Mode: ModeRegister, Device: "default",
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("account[1] =\n%+v\nwant\n%+v", a, want)
	}
	if b := c.Accounts[1]; b.Mode != ModeTrunk || b.SRTP != SRTPOptional || b.Listen != "0.0.0.0:5061" {
		t.Errorf("account[2] = %+v", b)
	}
	if c.Audio != (Audio{Input: "USB headset", Output: "USB headset", Ringer: "default", EchoCancellation: false}) {
		t.Errorf("audio = %+v", c.Audio)
	}
	in := c.Inspector
	if in.Listen != "127.0.0.1:9090" || in.MaxAge != Duration(2*time.Minute) || !strings.Contains(in.NCCO, `"stream"`) ||
		in.SignatureSecrets["abcd1234"] != "inspector/abcd1234/signature_secret" || in.Forward == "" || in.ApplicationID == "" {
		t.Errorf("inspector = %+v", in)
	}
}

func TestParseDefaultsForMissingKeys(t *testing.T) {
	c, err := Parse("min.toml", []byte("version = 1\n[[account]]\nname = \"a\"\nserver = \"sips:h.example.com\"\nuser = \"u\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Audio.EchoCancellation || c.Inspector.Listen != DefaultInspectorListen || c.Inspector.MaxAge != DefaultMaxAge {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c.Accounts[0].SRTP != SRTPMandatory || c.Accounts[0].Mode != ModeRegister {
		t.Errorf("account defaults: %+v", c.Accounts[0])
	}
}

// Every hand-broken file gives a *FileError whose first problem names the
// right line and field, and a message that says what to do.
func TestParseBrokenFiles(t *testing.T) {
	tests := []struct {
		file  string
		line  int
		field string
		msg   string
	}{
		{"syntax.toml", 4, "", "end table name"},
		{"unknown_key.toml", 12, "account.srtp_polcy", `unknown key "srtp_polcy"`},
		{"bad_type.toml", 4, "audio.echo_cancellation", "incompatible types"},
		{"bad_uri.toml", 11, "account[2].server", "is not a SIP URI"},
		{"no_tls.toml", 4, "account[1].server", "does not use TLS"},
		{"bad_fingerprint.toml", 6, "account[1].fingerprint", "64 hex digits"},
		{"missing_version.toml", 1, "version", "add version = 1"},
		{"newer_version.toml", 1, "version", "newer Hookphone"},
		{"duplicate_name.toml", 7, "account[2].name", "already used by account[1]"},
		{"bad_ca.toml", 6, "account[1].ca_file", "CA file unreadable"},
		{"empty_user.toml", 5, "account[1].user", "user is empty"},
		{"bad_ncco.toml", 4, "inspector.ncco", `action 2 has no "action"`},
		{"bad_duration.toml", 3, "inspector.max_age", "write it like 5m"},
		{"bad_srtp.toml", 6, "account.srtp", "want mandatory, optional or off"},
		{"binary.toml", 2, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "broken", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(path, data)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse = %v, %v; want *FileError", c, err)
			}
			if fe.File != path || len(fe.Problems) == 0 {
				t.Fatalf("FileError = %+v", fe)
			}
			p := fe.Problems[0]
			if p.Line != tt.line || p.Field != tt.field || !strings.Contains(p.Message, tt.msg) {
				t.Errorf("problem = line %d field %q msg %q; want line %d field %q msg containing %q",
					p.Line, p.Field, p.Message, tt.line, tt.field, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), path+":") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestLocatorPaths(t *testing.T) {
	data, err := os.ReadFile("testdata/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	loc := newLocator(data)
	for path, want := range map[string]int{
		"version":                              2,
		"account#0.server":                     7,
		"account#0.codecs":                     17,
		"account#1":                            21,
		"account#1.listen":                     27,
		"audio.echo_cancellation":              33,
		"inspector.ncco":                       43,
		"inspector.signature_secrets.abcd1234": 49,
		"inspector.nothere":                    35, // falls back to the table
	} {
		if got := loc.line(path); got != want {
			t.Errorf("line(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestAccountProblemsFieldByField(t *testing.T) {
	ok := Account{Name: "a", Server: "sips:pbx.example.com", User: "alice"}
	if ps := ok.Problems(); len(ps) != 0 {
		t.Fatalf("valid account: %v", ps)
	}
	tests := []struct {
		edit  func(*Account)
		field string
	}{
		{func(a *Account) { a.Name = "" }, "name"},
		{func(a *Account) { a.Name = "a/b" }, "name"},
		{func(a *Account) { a.Server = "http://x" }, "server"},
		{func(a *Account) { a.Server = "sips:" }, "server"},
		{func(a *Account) { a.Server = "sips:host:99999" }, "server"},
		{func(a *Account) { a.Server = "sips:bad_host!" }, "server"},
		{func(a *Account) { a.Server = "sips:[::1" }, "server"},
		{func(a *Account) { a.Server = "sips:h;transport=udp" }, "server"},
		{func(a *Account) { a.Server = "sips://pbx.example.com" }, "server"},
		{func(a *Account) { a.Server = "sips:alice@pbx.example.com" }, "server"},
		{func(a *Account) { a.Server = "tel:+441234" }, "server"},
		{func(a *Account) { a.User = "" }, "user"},
		{func(a *Account) { a.User = "al ice" }, "user"},
		{func(a *Account) { a.AuthUser = "x@y" }, "auth_user"},
		{func(a *Account) { a.CAFile = "relative/ca.pem" }, "ca_file"},
		{func(a *Account) { a.Fingerprint = "00" }, "fingerprint"},
		{func(a *Account) { a.Suites = []string{"ROT13"} }, "suites"},
		{func(a *Account) { a.Codecs = []string{"opus"} }, "codecs"},
		{func(a *Account) { a.Listen = "5061" }, "listen"},
		{func(a *Account) { a.SRTP = SRTPPolicy(9) }, "srtp"},
		{func(a *Account) { a.Mode = Mode(9) }, "mode"},
	}
	for _, tt := range tests {
		a := ok
		tt.edit(&a)
		ps := a.Problems()
		if len(ps) != 1 || ps[0].Field != tt.field {
			t.Errorf("%+v: problems %v, want one on %q", a, ps, tt.field)
		}
	}
	for _, good := range []string{"sips:[2001:db8::1]:5061", "sip:pbx.example.com;transport=TLS", "SIPS:10.0.0.1:5061;lr", "pbx.example.com", "pbx.example.com:5061", "sips:pbx.example.com."} {
		if err := CheckServerURI(good); err != nil {
			t.Errorf("CheckServerURI(%q) = %v", good, err)
		}
	}
}

func TestCheckCAFile(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckCAFile(notPEM); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("junk file: %v", err)
	}
	if err := CheckCAFile(dir); err == nil {
		t.Error("a folder was accepted as a CA file")
	}
	ca := writeTestCA(t, dir)
	if err := CheckCAFile(ca); err != nil {
		t.Errorf("real CA: %v", err)
	}
}
