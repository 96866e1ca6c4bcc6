package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/config"
)

// testEnv is a Shell's dependencies on real stores in a temp folder: the
// config file and the 0600 secrets file.
type testEnv struct {
	paths   config.Paths
	store   *config.Store
	secrets *config.FileStore
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	dir := t.TempDir()
	p := config.PathsUnder(filepath.Join(dir, "config"), filepath.Join(dir, "data"), filepath.Join(dir, "cache"))
	return &testEnv{paths: p, store: config.NewStore(p.ConfigFile), secrets: config.NewFileStore(p.SecretsFallback)}
}

func (e *testEnv) deps() Deps {
	return Deps{
		Paths: e.paths, Config: e.store, Secrets: e.secrets,
		SecretsNote: "no OS secret store answered (test)",
		Async:       func(f func()) { f() }, // synchronous: tests see results at once
	}
}

// newTestShell builds the Shell on a fresh test app with the test theme.
func newTestShell(t *testing.T, e *testEnv) (fyne.App, *Shell) {
	t.Helper()
	a := test.NewTempApp(t)
	s := NewShell(a, e.deps())
	t.Cleanup(func() { s.Window().Close() })
	return a, s
}

func TestShellHasEveryArea(t *testing.T) {
	_, s := newTestShell(t, newTestEnv(t))
	var titles []string
	for _, it := range s.tabs.Items {
		titles = append(titles, it.Text)
	}
	if got := strings.Join(titles, "|"); got != "Phone|Calls|Webhooks|Streams|SIP trace|Settings" {
		t.Fatalf("areas = %s", got)
	}
	if s.Area() != phoneID {
		t.Errorf("first run shows %q, want phone", s.Area())
	}
	for _, v := range s.views {
		s.Show(v.ID())
		if s.Area() != v.ID() {
			t.Errorf("Show(%q) shows %q", v.ID(), s.Area())
		}
		// Every area says what will appear there: no blank or placeholder text.
		text := allText(v.Content())
		if len(text) < 20 || strings.Contains(strings.ToLower(text), "lorem") {
			t.Errorf("area %s has no honest empty state: %q", v.ID(), text)
		}
	}
	s.Show("no such area")
	if s.Area() != phoneID {
		t.Errorf("unknown area shows %q", s.Area())
	}
}

// The first-run window on the Settings area, as markup: the sidebar of areas,
// the secret-store warning and the empty accounts admin.
func TestShellFirstRunSettingsMarkup(t *testing.T) {
	a := test.NewTempApp(t)
	s := NewShell(a, fixedDeps())
	defer s.Window().Close()
	s.Window().Resize(fyne.NewSize(1000, 660))
	s.Show(settingsID)
	test.AssertRendersToMarkup(t, "shell_first_run_settings.xml", s.Window().Canvas())
}

// The area on show and the window size survive a restart (Fyne preferences).
func TestShellRemembersAreaAndSize(t *testing.T) {
	e := newTestEnv(t)
	a := test.NewTempApp(t)
	s := NewShell(a, e.deps())
	s.Show(webhooksID)
	s.Window().Resize(fyne.NewSize(1111, 777))
	s.SaveGeometry()
	s.Window().Close()

	if got := a.Preferences().String(prefArea); got != webhooksID {
		t.Fatalf("stored area = %q", got)
	}
	s2 := NewShell(a, e.deps())
	defer s2.Window().Close()
	if s2.Area() != webhooksID {
		t.Errorf("restarted on %q, want webhooks", s2.Area())
	}
	if size := s2.Window().Canvas().Size(); size.Width != 1111 || size.Height != 777 {
		t.Errorf("restarted at %v, want 1111×777", size)
	}
	// Selecting a tab is remembered without an explicit save.
	s2.tabs.SelectIndex(5)
	if got := a.Preferences().String(prefArea); got != settingsID {
		t.Errorf("after selecting Settings, stored area = %q", got)
	}
}

func TestShellTrayMenu(t *testing.T) {
	_, s := newTestShell(t, newTestEnv(t))
	m := s.trayMenu()
	var labels []string
	for _, it := range m.Items {
		labels = append(labels, it.Label)
	}
	// The Phone area's entries come first, then the window's.
	got := strings.Join(labels, "|")
	if !strings.HasSuffix(got, "|Show|Hide||Quit") || !strings.Contains(got, "Quick dial") {
		t.Fatalf("tray menu = %q", got)
	}
	n := len(m.Items)
	if !m.Items[n-1].IsQuit || m.Items[n-1].Action == nil {
		t.Error("Quit item is not our quit action")
	}
	s.Show(traceID)
	m.Items[n-3].Action() // Hide
	m.Items[n-4].Action() // Show
	m.Items[n-1].Action() // Quit saves the area
	if got := fyne.CurrentApp().Preferences().String(prefArea); got != traceID {
		t.Errorf("Quit stored area %q, want trace", got)
	}
}

// A hand-broken config: the window still opens, Settings names the line and
// field, accounts cannot be changed, and the file is left exactly as written.
func TestShellWithBrokenConfig(t *testing.T) {
	e := newTestEnv(t)
	broken, err := os.ReadFile("../config/testdata/broken/bad_uri.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(e.paths.ConfigFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.paths.ConfigFile, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	_, s := newTestShell(t, e)
	p := s.settings.problems
	if !s.settings.banner.Visible() || !strings.Contains(p.Text, "line 11: account[2].server") || !strings.Contains(p.Text, e.paths.ConfigFile) {
		t.Fatalf("settings banner = %q (visible %v)", p.Text, p.Visible())
	}
	v := s.settings.accounts
	if !v.name.Disabled() || !v.add.Disabled() || !v.save.Disabled() {
		t.Error("accounts can be edited while the config is broken")
	}
	v.saveForm() // even if forced, nothing is written
	if after, _ := os.ReadFile(e.paths.ConfigFile); !bytes.Equal(after, broken) {
		t.Error("the broken config file was modified")
	}
	if _, err := os.Stat(e.store.BackupPath()); err == nil {
		t.Error("a backup was written although nothing was saved")
	}
	// Fixed by hand and reloaded: the problems go away and editing works.
	fixed := bytes.Replace(broken, []byte("sip//pbx"), []byte("sips:pbx"), 1)
	if err := os.WriteFile(e.paths.ConfigFile, fixed, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.state.reload(); err != nil {
		t.Fatal(err)
	}
	if s.settings.banner.Visible() || v.name.Disabled() || v.list.Length() != 2 {
		t.Errorf("after the fix: banner visible %v, name disabled %v, %d accounts", s.settings.banner.Visible(), v.name.Disabled(), v.list.Length())
	}
}

func TestSettingsSaysWhichSecretStore(t *testing.T) {
	_, s := newTestShell(t, newTestEnv(t))
	txt := s.settings.store.Text
	if !strings.Contains(txt, "secrets.json (mode 0600") || !strings.Contains(txt, "no OS secret store answered") {
		t.Errorf("secret store line = %q", txt)
	}
	if s.settings.store.Importance != widget.WarningImportance {
		t.Error("the file fallback is not flagged as a warning")
	}
}

// allText concatenates the text of every label and rich text under o.
func allText(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + " ")
		case *widget.Button:
			b.WriteString(w.Text + " ")
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}
