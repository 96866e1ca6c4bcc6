package ui

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/sip"
	wi "github.com/hookphone/hookphone/webhookinspector"
)

// The real inspector adapter: a generated secret in the secret store (never
// in the config), signed samples captured valid; Apply restarts the server
// with new settings (application id, answer NCCO) on the same address and
// the same subscription.
func TestInspectorAdapterSamplesAndApply(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	paths := config.PathsUnder(filepath.Join(dir, "c"), filepath.Join(dir, "d"), filepath.Join(dir, "k"))
	secrets := &memSecrets{}
	ic := config.Default().Inspector
	ic.Listen = "127.0.0.1:0"
	in, err := startInspector(ctx, paths, ic, secrets, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.close()
	secret, err := secrets.Get(ctx, config.SignatureSecretKey(localAPIKey))
	if err != nil || len(secret) < 40 {
		t.Fatalf("generated secret not stored: %q %v", secret, err)
	}
	notices, stop := in.Subscribe(64)
	defer stop()
	verdicts := func(n int) []wi.Verdict {
		t.Helper()
		var out []wi.Verdict
		for len(out) < n {
			select {
			case nt := <-notices:
				if nt.Capture != nil {
					out = append(out, nt.Capture.Verdict)
				}
			case <-ctx.Done():
				t.Fatalf("only %d of %d captures arrived", len(out), n)
			}
		}
		return out
	}
	base := in.BaseURL()
	sent, err := in.SendSamples(ctx)
	if err != nil || sent != 5 {
		t.Fatalf("SendSamples = %d, %v", sent, err)
	}
	for i, v := range verdicts(5) {
		if v != wi.VerdictValid {
			t.Errorf("sample %d: %s, want valid", i, v)
		}
	}

	ic.ApplicationID = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
	ic.NCCO = `[{"action":"talk","text":"applied"}]`
	if err := in.Apply(ctx, ic); err != nil {
		t.Fatal(err)
	}
	if in.BaseURL() != base {
		t.Errorf("Apply moved the inspector from %s to %s", base, in.BaseURL())
	}
	if _, err := in.SendSamples(ctx); err != nil {
		t.Fatal(err)
	}
	for i, v := range verdicts(5) {
		if v != wi.VerdictValid {
			t.Errorf("sample %d after Apply: %s, want valid (signed for the new application id)", i, v)
		}
	}
	rows, err := in.List(ctx, wi.Filter{Newest: true, Kind: wi.KindAnswer, KindSet: true, Limit: 1})
	if err != nil || len(rows) != 1 {
		t.Fatalf("answer captures: %v %v", rows, err)
	}
	c, err := in.Get(ctx, rows[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(c.Response.Body); got != ic.NCCO {
		t.Errorf("after Apply the answer NCCO is %s, want %s", got, ic.NCCO)
	}
	if c.Result.ApplicationID != ic.ApplicationID {
		t.Errorf("application_id claim %q", c.Result.ApplicationID)
	}
	n, err := in.store.Count(ctx, wi.Filter{})
	if err != nil || n != 10 {
		t.Errorf("store holds %d captures (%v), want 10", n, err)
	}
}

// The real phone adapter against the in-process echo service: Test
// connection on an unsaved account (and a refused certificate), then Sync
// starts a saved account that registers and stops it when it is removed.
func TestPhoneAdapterTestAccountAndSync(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	echo, err := sip.StartEchoServer(ctx, sip.EchoConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	p := &phone{runCtx: runCtx, secrets: &memSecrets{}, log: slog.New(slog.DiscardHandler), trace: sip.NewTrace(0), listenerDir: t.TempDir()}
	defer p.close()

	acct := config.Account{Name: "lab", Server: echo.ServerURI(), User: "alice", CAFile: echo.CAFile()}
	got, err := p.TestAccount(ctx, acct, "")
	if err != nil || !strings.Contains(got, "registered") {
		t.Fatalf("TestAccount = %q, %v", got, err)
	}
	noCA := acct
	noCA.CAFile = ""
	if _, err := p.TestAccount(ctx, noCA, ""); err == nil || !strings.Contains(err.Error(), "failed") {
		t.Errorf("TestAccount without the echo's CA = %v, want a refused certificate", err)
	}

	p.Sync(ctx, []config.Account{acct})
	waitState := func(want sip.State) {
		t.Helper()
		for ctx.Err() == nil {
			for _, a := range p.Accounts() {
				if a.Name == "lab" && a.State == want {
					return
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("account lab never reached %s: %+v", want, p.Accounts())
	}
	waitState(sip.StateRegistered)
	p.Sync(ctx, []config.Account{acct}) // unchanged: stays
	if n := len(p.Accounts()); n != 1 {
		t.Fatalf("%d accounts after a no-op sync", n)
	}
	p.Sync(ctx, nil)
	if n := len(p.Accounts()); n != 0 {
		t.Errorf("%d accounts after removing lab", n)
	}
}
