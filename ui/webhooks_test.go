package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/config"
	wi "github.com/hookphone/hookphone/webhookinspector"
)

func newTestWebhooks(t *testing.T) (*webhooksArea, *fakeInspector, func() []int64) {
	t.Helper()
	fi := sampleWebhooks()
	env, w := newViewEnv(t, &Services{Inspector: fi})
	st := &configState{cfg: config.Default()}
	a := newWebhooksArea(env, st, Deps{})
	w.SetContent(a.Content())
	ids := func() []int64 {
		var out []int64
		for _, r := range a.rows {
			out = append(out, r.ID)
		}
		return out
	}
	return a, fi, ids
}

func idsString(ids []int64) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(itoa(int(id)) + " ")
	}
	return strings.TrimSpace(b.String())
}

func TestWebhookListFiltering(t *testing.T) {
	a, fi, ids := newTestWebhooks(t)
	if got := idsString(ids()); got != "6 5 4 3 2 1" {
		t.Fatalf("unfiltered = %s", got)
	}
	a.verdict.SetSelected("valid")
	if got := idsString(ids()); got != "6 4 2 1" {
		t.Errorf("valid = %s", got)
	}
	test.Type(a.path, "event")
	if got := idsString(ids()); got != "6 4" {
		t.Errorf("valid + path event = %s", got)
	}
	// The store does the filtering (it holds every capture, the list a page).
	if f := fi.lastFilter; f.Path != "event" || f.Verdict != wi.VerdictValid {
		t.Errorf("store asked for %+v, want path event and verdict valid", f)
	}
	a.verdict.SetSelectedIndex(0)
	a.path.SetText("")
	test.Type(a.call, "call-b")
	if got := idsString(ids()); got != "5 1" {
		t.Errorf("call-b = %s", got)
	}
	a.call.SetText("")
	test.Type(a.search, "RINGING")
	if got := idsString(ids()); got != "4" {
		t.Errorf("text ringing = %s", got)
	}
	if f := fi.lastFilter; f.Text != "RINGING" || f.Path != "" || f.Call != "" {
		t.Errorf("store asked for %+v, want text RINGING only", f)
	}
	test.AssertImageMatches(t, "webhooks/filtered.png", a.env.win.Canvas().Capture())
	if !strings.Contains(a.count.Text, "1 shown") {
		t.Errorf("count = %q", a.count.Text)
	}
}

// Searches answer in any order (a full scan of a big store can take longer
// than the next keystroke's): only the newest filter's answer is shown.
func TestWebhookStaleSearchDropped(t *testing.T) {
	a, _, ids := newTestWebhooks(t)
	var held []func()
	a.env.async = func(f func()) { held = append(held, f) }
	test.Type(a.search, "RINGING") // seven keystrokes: seven searches held
	a.search.SetText("")           // the user clears the box
	if len(held) < 2 {
		t.Fatalf("%d searches queued, want several", len(held))
	}
	last := held[len(held)-1]
	last()
	for _, f := range held[:len(held)-1] {
		f() // the older searches answer late
	}
	if got := idsString(ids()); got != "6 5 4 3 2 1" {
		t.Errorf("rows %s after the late answers, want the cleared search's 6 5 4 3 2 1", got)
	}
}

// A live capture is added on top only when it passes the filter.
func TestWebhookLiveNotice(t *testing.T) {
	a, _, ids := newTestWebhooks(t)
	a.verdict.SetSelected("invalid")
	a.notice(wi.Notice{Capture: &wi.Summary{ID: 7, Verdict: wi.VerdictValid, Path: "/webhooks/event"}})
	a.notice(wi.Notice{Capture: &wi.Summary{ID: 8, Verdict: wi.VerdictInvalid, Path: "/webhooks/event"}})
	if got := idsString(ids()); got != "8 5" {
		t.Errorf("after notices = %s", got)
	}
	a.notice(wi.Notice{Warning: &wi.Warning{CallID: "c1", Message: "Call c1 started 15 s ago and no webhook has arrived: check the answer URL."}})
	if !a.warnC.Visible() || !strings.Contains(a.warn.Text, "no webhook has arrived") {
		t.Errorf("watchdog warning not shown: %q", a.warn.Text)
	}
}

func TestWebhookDetailShowsChecksAndMasksToken(t *testing.T) {
	a, fi, _ := newTestWebhooks(t)
	tok := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcGlfa2V5IjoiYWJjIiwiaWF0IjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLXNlY3JldA"
	fi.captures[6] = &wi.Capture{ID: 6, Method: "POST", Target: "/webhooks/event", Path: "/webhooks/event",
		Headers: []wi.Header{{Name: "Authorization", Value: "Bearer " + tok}, {Name: "Content-Type", Value: "application/json"}},
		Body:    []byte(`{"status":"completed","uuid":"call-a"}`),
		Result: wi.Result{Verdict: wi.VerdictInvalid, Reason: "The payload_hash claim does not match the body: it was changed after signing.",
			Checks: []wi.Check{{Name: "signature", OK: true, Detail: "HS256 with the secret of api_key abc"}, {Name: "payload_hash", OK: false, Detail: "mismatch"}}}}
	a.list.Select(0)
	text := strings.Join(labelTexts(a.detail), "\n")
	for _, want := range []string{"POST /webhooks/event — invalid", "The payload_hash claim does not match", "signature: HS256", "payload_hash: mismatch",
		"Authorization: Bearer eyJhbGciOiJI…", `"status": "completed"`, `"alg": "HS256"`, `"api_key": "abc"`} {
		if !strings.Contains(text, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	if strings.Contains(text, "c2lnbmF0dXJl") {
		t.Error("the token's signature is shown")
	}
}

// labelTexts lists every label's text under o (every tab of AppTabs included).
func labelTexts(o fyne.CanvasObject) []string {
	var out []string
	switch v := o.(type) {
	case *widget.Label:
		return []string{v.Text}
	case *container.AppTabs:
		for _, it := range v.Items {
			out = append(out, labelTexts(it.Content)...)
		}
		return out
	case *fyne.Container:
		for _, c := range v.Objects {
			out = append(out, labelTexts(c)...)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			out = append(out, labelTexts(c)...)
		}
	}
	return out
}

func TestNCCOEditorValidatesAsYouType(t *testing.T) {
	_, w := newViewEnv(t, nil)
	e, status, box := newNCCOEditor("")
	w.SetContent(box)
	if !strings.HasPrefix(status.Text, "Empty") {
		t.Errorf("empty: %q", status.Text)
	}
	test.Type(e, `[{"action":"talk","text":"Hi"}]`)
	if status.Text != "✓ Valid NCCO" || status.Importance != widget.SuccessImportance {
		t.Errorf("valid: %q", status.Text)
	}
	e.SetText(`[{"action":"stream"}]`)
	if !strings.HasPrefix(status.Text, "✗") || status.Importance != widget.DangerImportance {
		t.Errorf("stream without url: %q", status.Text)
	}
	test.AssertImageMatches(t, "webhooks/ncco_invalid.png", w.Canvas().Capture())
	e.SetText(`[{"action":"talk","text":"Hi"}`)
	if !strings.HasPrefix(status.Text, "✗") {
		t.Errorf("broken JSON: %q", status.Text)
	}
}

// Inspector settings: an invalid NCCO or window is refused with the reason;
// a valid form saves the config, puts the secret in the secret store (never
// in the config file) and applies the settings to the running inspector.
func TestInspectorSettingsSave(t *testing.T) {
	fi := sampleWebhooks()
	env, _ := newViewEnv(t, &Services{Inspector: fi})
	mc := &memConfig{}
	st := &configState{store: mc, cfg: config.Default()}
	secrets := &memSecrets{}
	f := newInspectorSettings(env, st, secrets)

	var got error
	f.ncco.SetText(`[{"action":"stream"}]`)
	f.save(func(err error) { got = err })
	if got == nil || !strings.Contains(got.Error(), "the NCCO is not valid") {
		t.Fatalf("invalid NCCO saved: %v", got)
	}
	f.ncco.SetText(`[{"action":"talk","text":"Hello from the inspector"}]`)
	f.window.SetText("five minutes")
	f.save(func(err error) { got = err })
	if got == nil || !strings.Contains(got.Error(), "write a duration such as 5m") {
		t.Fatalf("bad window saved: %v", got)
	}
	f.window.SetText("90s")
	f.apiKey.SetText("abcd1234")
	f.secret.SetText("s3cr3t-signature-value")
	f.appID.SetText("aaaaaaaa-bbbb-cccc-dddd-0123456789ab")
	f.save(func(err error) { got = err })
	if got != nil {
		t.Fatal(got)
	}
	saved, _ := mc.Load()
	in := saved.Inspector
	if time.Duration(in.MaxAge) != 90*time.Second || in.ApplicationID != "aaaaaaaa-bbbb-cccc-dddd-0123456789ab" ||
		in.SignatureSecrets["abcd1234"] != config.SignatureSecretKey("abcd1234") || !strings.Contains(in.NCCO, "Hello from the inspector") {
		t.Errorf("saved inspector = %+v", in)
	}
	if v, err := secrets.Get(t.Context(), config.SignatureSecretKey("abcd1234")); err != nil || v != "s3cr3t-signature-value" {
		t.Errorf("secret store has %q, %v", v, err)
	}
	if strings.Contains(fmt.Sprintf("%+v", saved), "s3cr3t-signature-value") {
		t.Error("the signature secret is in the config")
	}
	if f.secret.Text != "" {
		t.Error("the secret stays in the form after saving")
	}
	if fi.applied != 1 {
		t.Errorf("inspector Apply called %d times, want 1", fi.applied)
	}
}
