package ui

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/hookphone/hookphone/config"
)

// recordingPhone is a fakePhone that remembers what TestAccount was given.
type recordingPhone struct {
	fakePhone
	acct config.Account
	pw   string
}

func (p *recordingPhone) TestAccount(_ context.Context, a config.Account, pw string) (string, error) {
	p.acct, p.pw = a, pw
	return "Local lab: registered at sips:127.0.0.1:5061 (expires 600s)", nil
}

// "Test connection" tests the account as typed, with the typed password or,
// when none is typed, the stored one; the outcome shows under the form.
func TestAccountsTestConnection(t *testing.T) {
	_, w := newViewEnv(t, nil)
	secrets := &memSecrets{}
	secrets.Set(t.Context(), config.AccountPasswordKey("lab"), "stored-pw")
	d := Deps{Secrets: secrets, Async: func(f func()) { f() }, Log: slog.New(slog.DiscardHandler)}
	v := newAccountsView(w, d, &configState{store: &memConfig{}, cfg: config.Default()})
	w.SetContent(v.content)
	rp := &recordingPhone{}
	b := v.testConnectionButton(rp)

	test.Tap(b)
	if !strings.Contains(v.status.Text, "Fill in at least the server and the user") {
		t.Errorf("empty form: %q", v.status.Text)
	}
	v.name.SetText("lab")
	v.server.SetText("sips:127.0.0.1:5061")
	v.user.SetText("alice")
	test.Tap(b)
	if rp.acct.Server != "sips:127.0.0.1:5061" || rp.acct.User != "alice" || rp.pw != "stored-pw" {
		t.Errorf("tested %+v with password %q", rp.acct, rp.pw)
	}
	if !strings.HasPrefix(v.status.Text, "Test passed: Local lab: registered") {
		t.Errorf("status %q", v.status.Text)
	}
	v.password.SetText("typed-pw")
	test.Tap(b)
	if rp.pw != "typed-pw" {
		t.Errorf("typed password not used: %q", rp.pw)
	}
	if _, err := new(recordingPhone).TestAccount(context.Background(), config.Account{}, ""); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(v.status.Text, "typed-pw") || strings.Contains(v.status.Text, "stored-pw") {
		t.Error("a password is shown")
	}
}
