package ui

import (
	"context"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/internal/testlab"
)

// The accounts admin against a real Secret Service (gnome-keyring on a
// private session bus): the password lands in the keyring, as secret-tool
// sees it, and neither in the config file nor in the fallback file. godbus
// keeps the first session-bus connection for the process, so this is the only
// ui test that talks D-Bus.
func TestAccountsPasswordGoesToTheKeyring(t *testing.T) {
	ss := testlab.StartSecretService(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", ss.BusAddress)
	e := newTestEnv(t)
	secrets, note, err := config.OpenSecrets(context.Background(), e.paths.SecretsFallback, "auto")
	if err != nil || secrets.Backend() != config.BackendKeyring || note != "" {
		t.Fatalf("OpenSecrets = %v, %q, %v", secrets, note, err)
	}
	d := e.deps()
	d.Secrets, d.SecretsNote = secrets, ""
	s := NewShell(test.NewTempApp(t), d)
	defer s.Window().Close()
	if txt := s.settings.store.Text; !strings.Contains(txt, "OS secret store") {
		t.Errorf("Settings says %q", txt)
	}
	v := s.settings.accounts
	test.Tap(v.add)
	typeInto(v.name, "pbx")
	typeInto(v.server, "sips:pbx.example.com")
	typeInto(v.user, "carol")
	typeInto(v.password, "keyring-only p4ss")
	test.Tap(v.save)
	if !strings.HasPrefix(v.status.Text, "Saved pbx") {
		t.Fatalf("status = %q", v.status.Text)
	}
	got, ok, err := ss.Lookup(config.KeyringService, config.AccountPasswordKey("pbx"))
	if err != nil || !ok || got != "keyring-only p4ss" {
		t.Fatalf("secret-tool lookup = %q %v %v", got, ok, err)
	}
	raw, _ := os.ReadFile(e.paths.ConfigFile)
	if strings.Contains(string(raw), "p4ss") {
		t.Fatal("password in the config file")
	}
	if _, err := os.Stat(e.paths.SecretsFallback); err == nil {
		t.Fatal("the fallback file was written although the keyring answered")
	}
	// Reloaded, the form says a password is stored in the OS store.
	s2 := NewShell(test.NewTempApp(t), d)
	defer s2.Window().Close()
	s2.settings.accounts.list.Select(0)
	if ph := s2.settings.accounts.password.PlaceHolder; !strings.Contains(ph, "stored in the OS secret store") {
		t.Errorf("password hint after reload = %q", ph)
	}
	// Deleting the account removes the keyring item.
	v2 := s2.settings.accounts
	test.Tap(v2.del)
	v2.confirm.Confirm()
	if _, ok, _ := ss.Lookup(config.KeyringService, config.AccountPasswordKey("pbx")); ok {
		t.Error("keyring item left after deleting the account")
	}
}
