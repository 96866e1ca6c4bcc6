package ui

import (
	"fmt"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/hookphone/hookphone/assets"
	"github.com/hookphone/hookphone/config"
)

// AppID is Hookphone's application ID (FyneApp.toml [Details] ID); Fyne keys
// the preferences file by it.
const AppID = "com.hookphone.app"

// Preference keys. Fyne stores preferences as plaintext JSON: never a secret.
const (
	prefWidth  = "window.width"
	prefHeight = "window.height"
	prefArea   = "window.area"
)

// defaultSize is the window size on first run.
var defaultSize = fyne.NewSize(1000, 660)

// Icon is the app icon as a Fyne resource.
var Icon = fyne.NewStaticResource("hookphone.png", assets.IconPNG)

// View is one area of the main window. Add one by writing a file with a
// constructor returning a View and listing it in NewShell.
type View interface {
	// ID is the area's stable key ("phone", "settings"): stored in preferences.
	ID() string
	// Title is the sidebar label.
	Title() string
	// Icon is the sidebar icon.
	Icon() fyne.Resource
	// Content is the area's widget tree, built once.
	Content() fyne.CanvasObject
}

// Deps is what the window needs from the rest of the program. Every field
// but Async and Log is required.
type Deps struct {
	// Paths says where Hookphone's files live (shown in Settings).
	Paths config.Paths
	// Config loads and saves the config file (a *config.Store).
	Config ConfigStore
	// Secrets keeps passwords and signature secrets (a config.SecretStore).
	Secrets SecretStore
	// SecretsNote explains why the fallback file store is in use ("" for the keyring).
	SecretsNote string
	// Dial is a URI given on the command line, shown in the Phone area.
	Dial string
	// Tray puts an icon with a Show/Hide/Quit menu in the system tray. On
	// Linux it needs a D-Bus session bus (StatusNotifierItem); without one
	// Fyne's systray panics on quit, so Run sets it only when a bus answers.
	Tray bool
	// Services are the phone, inspector, stream cache and trace behind the
	// views (services.go); nil shows every area's empty state.
	Services *Services
	// Async runs blocking work off the UI goroutine; nil means `go f()`.
	// Tests pass a synchronous runner.
	Async func(func())
	// Log receives the window's log lines; nil means slog.Default().
	Log *slog.Logger
}

// Shell is the main window with its areas, tray menu and remembered geometry.
type Shell struct {
	app   fyne.App
	win   fyne.Window
	tabs  *container.AppTabs
	views []View
	state *configState
	log   *slog.Logger

	settings *settingsView
}

// NewShell builds the main window on a (real or test) app. It loads the
// config once; a broken config does not stop it (Settings shows the problem).
func NewShell(a fyne.App, d Deps) *Shell {
	if d.Async == nil {
		d.Async = func(f func()) { go f() }
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Shell{app: a, log: d.Log}
	s.state = newConfigState(d.Config)
	if err := s.state.reload(); err != nil {
		d.Log.Warn("config has errors; running with defaults until it is fixed", "err", err)
	}

	s.win = a.NewWindow("Hookphone")
	s.win.SetIcon(Icon)
	s.views = newServiceViews(s.win, d, d.Services, s.state, s.Show)
	s.settings = newSettingsView(s.win, d, s.state)
	s.views = append(s.views, s.settings)
	items := make([]*container.TabItem, len(s.views))
	for i, v := range s.views {
		items[i] = container.NewTabItemWithIcon(v.Title(), v.Icon(), v.Content())
	}
	s.tabs = container.NewAppTabs(items...)
	s.tabs.SetTabLocation(container.TabLocationLeading)
	// Size first: laying out the content below already reports a size.
	prefs := a.Preferences()
	w := prefs.FloatWithFallback(prefWidth, float64(defaultSize.Width))
	h := prefs.FloatWithFallback(prefHeight, float64(defaultSize.Height))
	s.win.Resize(fyne.NewSize(float32(max(w, 480)), float32(max(h, 360))))
	// The size is remembered as it changes (Fyne has no resize event, but the
	// content is laid out on every resize), so a crash or kill keeps it too.
	s.win.SetContent(container.New(&resizeWatcher{onResize: s.saveSize}, s.tabs))

	s.Show(prefs.StringWithFallback(prefArea, phoneID))
	s.tabs.OnSelected = func(*container.TabItem) { prefs.SetString(prefArea, s.Area()) }

	s.win.SetMaster()
	s.win.SetCloseIntercept(s.Quit)
	if da, ok := a.(desktop.App); ok && d.Tray {
		da.SetSystemTrayIcon(Icon)
		m := s.trayMenu()
		da.SetSystemTrayMenu(m)
		da.SetSystemTrayWindow(s.win)
		if p, ok := s.views[0].(*phoneArea); ok {
			// On the UI goroutine. Every rebuild gives the entries new
			// dbusmenu ids, so a click a panel sends a moment later would
			// hit nothing: rebuild only when what the menu shows changed.
			last := menuSignature(m)
			p.onTray = func() {
				m := s.trayMenu()
				if sig := menuSignature(m); sig != last {
					last = sig
					da.SetSystemTrayMenu(m)
				}
			}
		}
	}
	return s
}

// trayMenu is the system tray's menu: the Phone area's entries (state line,
// quick dial, redial or hang up; tray.go), then Show, Hide, Quit.
func (s *Shell) trayMenu() *fyne.Menu {
	var items []*fyne.MenuItem
	if p, ok := s.views[0].(*phoneArea); ok {
		items = p.trayItems()
	}
	items = append(items,
		fyne.NewMenuItem("Show", func() { s.win.Show(); s.win.RequestFocus() }),
		fyne.NewMenuItem("Hide", s.win.Hide),
		fyne.NewMenuItemSeparator(),
		&fyne.MenuItem{Label: "Quit", IsQuit: true, Action: s.Quit},
	)
	return fyne.NewMenu("Hookphone", items...)
}

// menuSignature is what a menu shows (labels, state, structure), to tell
// whether a rebuilt menu differs from the one on show.
func menuSignature(m *fyne.Menu) string {
	var b strings.Builder
	var walk func(items []*fyne.MenuItem, depth int)
	walk = func(items []*fyne.MenuItem, depth int) {
		for _, it := range items {
			fmt.Fprintf(&b, "%d|%q|%v|%v|%v\n", depth, it.Label, it.IsSeparator, it.Disabled, it.Checked)
			if it.ChildMenu != nil {
				walk(it.ChildMenu.Items, depth+1)
			}
		}
	}
	walk(m.Items, 0)
	return b.String()
}

// Window is the main window.
func (s *Shell) Window() fyne.Window { return s.win }

// Area returns the ID of the area on show.
func (s *Shell) Area() string {
	i := s.tabs.SelectedIndex()
	if i < 0 || i >= len(s.views) {
		return ""
	}
	return s.views[i].ID()
}

// Show switches to the area with the given ID (unknown IDs show Phone).
func (s *Shell) Show(id string) {
	for i, v := range s.views {
		if v.ID() == id {
			s.tabs.SelectIndex(i)
			return
		}
	}
	s.tabs.SelectIndex(0)
}

// SaveGeometry remembers the window size and the area on show.
func (s *Shell) SaveGeometry() {
	s.saveSize()
	s.app.Preferences().SetString(prefArea, s.Area())
}

// saveSize stores the window's size when it changed and is plausible.
func (s *Shell) saveSize() {
	prefs := s.app.Preferences()
	size := s.win.Canvas().Size()
	if size.Width < 100 || size.Height < 100 {
		return
	}
	if prefs.Float(prefWidth) != float64(size.Width) || prefs.Float(prefHeight) != float64(size.Height) {
		prefs.SetFloat(prefWidth, float64(size.Width))
		prefs.SetFloat(prefHeight, float64(size.Height))
	}
}

// resizeWatcher lays out its one child over the whole area and calls onResize
// on each layout, which Fyne does whenever the window is resized.
type resizeWatcher struct{ onResize func() }

// MinSize is the child's.
func (r *resizeWatcher) MinSize(objects []fyne.CanvasObject) fyne.Size {
	if len(objects) == 0 {
		return fyne.Size{}
	}
	return objects[0].MinSize()
}

// Layout fills the area with the child and reports the new size.
func (r *resizeWatcher) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
	if r.onResize != nil {
		r.onResize()
	}
}

// Quit saves the geometry and ends the app.
func (s *Shell) Quit() {
	s.SaveGeometry()
	s.log.Info("quit")
	s.app.Quit()
}
