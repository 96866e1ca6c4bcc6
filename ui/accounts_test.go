package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/internal/pki"
)

func writeCA(t *testing.T) string {
	t.Helper()
	ca, err := pki.NewCA("ui test CA", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// typeInto replaces an entry's text the way a user would: type it, then move
// on (focus lost is when a form shows its verdict under the field).
func typeInto(e *widget.Entry, s string) {
	e.SetText("")
	e.FocusGained()
	test.Type(e, s)
	e.FocusLost()
}

// Fill the form, save, reload from disk: same values; the password is in the
// secret store (the 0600 file here) and nowhere in the config file.
func TestAccountsAddSaveReload(t *testing.T) {
	e := newTestEnv(t)
	_, s := newTestShell(t, e)
	s.Show(settingsID)
	v := s.settings.accounts
	ca := writeCA(t)
	fp := strings.Repeat("ab", 32)

	test.Tap(v.add)
	typeInto(v.name, "office")
	typeInto(v.display, "Alice Desk")
	typeInto(v.server, "sips:pbx.example.com:5061")
	typeInto(v.user, "alice")
	typeInto(v.password, "correct horse battery")
	typeInto(v.authUser, "alice-auth")
	typeInto(v.domain, "example.com")
	v.mode.SetSelected("trunk")
	typeInto(v.listen, "127.0.0.1:5071")
	typeInto(v.caFile, ca)
	typeInto(v.fingerprint, fp)
	v.srtp.SetSelected("optional")
	typeInto(v.suites, "aes_cm_128_hmac_sha1_80, AEAD_AES_128_GCM")
	typeInto(v.codecs, "PCMA PCMU")
	typeInto(v.device, "default")
	test.Tap(v.save)

	if !strings.HasPrefix(v.status.Text, "Saved office") {
		t.Fatalf("status after Save = %q", v.status.Text)
	}
	want := config.Account{
		Name: "office", DisplayName: "Alice Desk", Server: "sips:pbx.example.com:5061", User: "alice",
		AuthUser: "alice-auth", Domain: "example.com", CAFile: ca, Fingerprint: strings.TrimSuffix(strings.Repeat("AB:", 32), ":"),
		SRTP: config.SRTPOptional, Suites: []string{"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"},
		Codecs: []string{"PCMA", "PCMU"}, Mode: config.ModeTrunk, Listen: "127.0.0.1:5071", Device: "default",
	}
	// From disk, through a fresh store.
	c, err := config.NewStore(e.paths.ConfigFile).Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Accounts) != 1 || !reflect.DeepEqual(c.Accounts[0], want) {
		t.Fatalf("config on disk has %+v\nwant %+v", c.Accounts, want)
	}
	raw, _ := os.ReadFile(e.paths.ConfigFile)
	if strings.Contains(string(raw), "correct horse") {
		t.Fatal("the password was written into the config file")
	}
	pw, err := config.NewFileStore(e.paths.SecretsFallback).Get(context.Background(), config.AccountPasswordKey("office"))
	if err != nil || pw != "correct horse battery" {
		t.Fatalf("secret store has %q, %v", pw, err)
	}
	if fi, err := os.Stat(e.paths.SecretsFallback); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file mode: %v", err)
	}
	if prefs, _ := os.ReadFile(filepath.Join(e.paths.DataDir, "..")); strings.Contains(string(prefs), "correct horse") {
		t.Fatal("password leaked")
	}

	// A restart shows the saved account, and the form loads its values.
	_, s2 := newTestShell(t, e)
	v2 := s2.settings.accounts
	if v2.list.Length() != 1 {
		t.Fatalf("after restart the list has %d accounts", v2.list.Length())
	}
	v2.list.Select(0)
	got := v2.accountFromForm()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("form after restart = %+v\nwant %+v", got, want)
	}
	if v2.password.Text != "" || !strings.Contains(v2.password.PlaceHolder, "stored in the 0600 secrets file") {
		t.Errorf("password field: text %q, hint %q", v2.password.Text, v2.password.PlaceHolder)
	}
}

// Each bad input is flagged on its own field, and Save writes nothing.
func TestAccountsInlineValidation(t *testing.T) {
	e := newTestEnv(t)
	_, s := newTestShell(t, e)
	v := s.settings.accounts
	test.Tap(v.add)
	typeInto(v.name, "office")
	typeInto(v.server, "sips:pbx.example.com")
	typeInto(v.user, "alice")
	for _, tt := range []struct {
		field *widget.Entry
		bad   string
		msg   string
	}{
		{v.server, "sip//pbx.example.com", "is not a SIP URI"},
		{v.server, "sip:pbx.example.com", "does not use TLS"},
		{v.server, "https://pbx.example.com", "not a SIP"},
		{v.user, "", "user is empty"},
		{v.user, "al ice", "spaces"},
		{v.caFile, "/nonexistent/ca.pem", "CA file unreadable"},
		{v.fingerprint, "AB:CD", "64 hex digits"},
		{v.suites, "AES_CM_128_HMAC_SHA1_80, ROT13", "unknown crypto suite"},
		{v.codecs, "opus", "unknown codec"},
		{v.listen, "5061", "want host:port"},
		{v.name, "", "needs a name"},
		{v.display, `Alice "A"`, "quotes"},
	} {
		old := tt.field.Text
		typeInto(tt.field, tt.bad)
		err := tt.field.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: validation error %v, want one containing %q", tt.bad, err, tt.msg)
		}
		test.Tap(v.save)
		if !strings.HasPrefix(v.status.Text, "Not saved") {
			t.Errorf("%q: status %q, want Not saved", tt.bad, v.status.Text)
		}
		if _, err := os.Stat(e.paths.ConfigFile); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%q: the config file was written", tt.bad)
		}
		typeInto(tt.field, old)
	}
	// An empty user is fine for a trunk.
	typeInto(v.user, "")
	v.mode.SetSelected("trunk")
	if err := v.user.Validate(); err != nil {
		t.Errorf("trunk without user: %v", err)
	}
	test.Tap(v.save)
	if !strings.HasPrefix(v.status.Text, "Saved office") {
		t.Fatalf("valid trunk not saved: %q", v.status.Text)
	}
	// A second account may not take the same name.
	test.Tap(v.add)
	typeInto(v.name, "office")
	if err := v.name.Validate(); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate name: %v", err)
	}
}

// The form with every field flagged, as markup (so layout changes are reviewed).
func TestAccountsValidationMarkup(t *testing.T) {
	s := NewShell(test.NewTempApp(t), fixedDeps())
	defer s.Window().Close()
	s.Show(settingsID)
	s.Window().Resize(fyne.NewSize(1000, 900))
	v := s.settings.accounts
	test.WidgetRenderer(v.form) // rendered, so the form hooks each field's validation
	test.Tap(v.add)
	typeInto(v.name, "office")
	typeInto(v.server, "sip//pbx.example.com")
	typeInto(v.user, "")
	typeInto(v.user, "a")
	typeInto(v.user, "")
	typeInto(v.fingerprint, "AB:CD")
	test.Tap(v.save)
	test.AssertRendersToMarkup(t, "accounts_invalid.xml", s.Window().Canvas())
	test.AssertImageMatches(t, "accounts_invalid.png", s.Window().Canvas().Capture())
}

// Renaming moves the stored password; deleting removes account and password.
func TestAccountsRenameAndDelete(t *testing.T) {
	e := newTestEnv(t)
	_, s := newTestShell(t, e)
	v := s.settings.accounts
	ctx := context.Background()
	test.Tap(v.add)
	typeInto(v.name, "old")
	typeInto(v.server, "sips:pbx.example.com")
	typeInto(v.user, "bob")
	typeInto(v.password, "s3cret")
	test.Tap(v.save)

	typeInto(v.name, "new")
	test.Tap(v.save)
	if !strings.HasPrefix(v.status.Text, "Saved new") {
		t.Fatalf("rename: %q", v.status.Text)
	}
	if pw, err := e.secrets.Get(ctx, config.AccountPasswordKey("new")); err != nil || pw != "s3cret" {
		t.Errorf("password under the new name: %q %v", pw, err)
	}
	if _, err := e.secrets.Get(ctx, config.AccountPasswordKey("old")); !errors.Is(err, config.ErrSecretNotFound) {
		t.Errorf("password under the old name: %v", err)
	}
	c, _ := config.NewStore(e.paths.ConfigFile).Load()
	if len(c.Accounts) != 1 || c.Accounts[0].Name != "new" {
		t.Fatalf("accounts after rename: %+v", c.Accounts)
	}

	test.Tap(v.del)
	if v.confirm == nil {
		t.Fatal("Delete did not ask for confirmation")
	}
	v.confirm.Confirm()
	if !strings.HasPrefix(v.status.Text, "Deleted new") {
		t.Fatalf("delete: %q", v.status.Text)
	}
	c, _ = config.NewStore(e.paths.ConfigFile).Load()
	if len(c.Accounts) != 0 {
		t.Errorf("accounts after delete: %+v", c.Accounts)
	}
	if _, err := e.secrets.Get(ctx, config.AccountPasswordKey("new")); !errors.Is(err, config.ErrSecretNotFound) {
		t.Errorf("password after delete: %v", err)
	}
	if v.list.Length() != 0 || v.heading.Text != "New account" {
		t.Errorf("after delete: %d in list, heading %q", v.list.Length(), v.heading.Text)
	}
}

// A Save refused by the store (the file changed on disk) is shown, and the
// password is not stored for an account that was not saved.
func TestAccountsSaveRefusedByStore(t *testing.T) {
	e := newTestEnv(t)
	_, s := newTestShell(t, e)
	v := s.settings.accounts
	if err := os.MkdirAll(filepath.Dir(e.paths.ConfigFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.paths.ConfigFile, []byte("version = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	test.Tap(v.add)
	typeInto(v.name, "x")
	typeInto(v.server, "sips:pbx.example.com")
	typeInto(v.user, "bob")
	typeInto(v.password, "pw")
	test.Tap(v.save)
	if !strings.Contains(v.status.Text, "changed on disk") {
		t.Fatalf("status = %q", v.status.Text)
	}
	if _, err := e.secrets.Get(context.Background(), config.AccountPasswordKey("x")); !errors.Is(err, config.ErrSecretNotFound) {
		t.Errorf("password stored for an unsaved account: %v", err)
	}
}
