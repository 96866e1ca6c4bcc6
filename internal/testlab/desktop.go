package testlab

// desktop.go: the bus services of a desktop session, on a private session
// bus. A system tray host owns org.kde.StatusNotifierWatcher, as a desktop
// panel does, takes the registrations of StatusNotifierItems, and reads and
// clicks their menus through com.canonical.dbusmenu, the way a panel shows
// and uses them. A notification daemon owns org.freedesktop.Notifications
// and keeps what it is asked to show.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Desktop is a tray host and a notification daemon on one session bus.
type Desktop struct {
	// BusAddress is the DBUS_SESSION_BUS_ADDRESS the app must be given.
	BusAddress string

	conn    *dbus.Conn
	mu      sync.Mutex
	items   []trayItemRef
	notes   []Notification
	changed chan struct{} // closed and replaced on each registration or notification
}

// Notification is one notification an app asked the desktop to show.
type Notification struct {
	App, Summary, Body string
}

// trayItemRef is one registered item: the bus name that owns it and its
// object path.
type trayItemRef struct{ service, path string }

// TrayMenuItem is one entry of an item's menu as a panel would draw it.
type TrayMenuItem struct {
	ID        int32
	Label     string // "" for a separator
	Separator bool
	Enabled   bool
	Visible   bool
	Children  []TrayMenuItem
}

// watcher is the exported org.kde.StatusNotifierWatcher object.
type watcher struct{ h *Desktop }

// RegisterStatusNotifierItem takes an item's registration. Apps pass either
// an object path (the sender owns it) or a bus name (at /StatusNotifierItem).
func (w watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	ref := trayItemRef{service: string(sender), path: service}
	if !strings.HasPrefix(service, "/") {
		ref = trayItemRef{service: service, path: "/StatusNotifierItem"}
	}
	w.h.mu.Lock()
	w.h.items = append(w.h.items, ref)
	w.h.notifyLocked()
	w.h.mu.Unlock()
	return nil
}

// notifyLocked wakes the waiters; h.mu is held.
func (h *Desktop) notifyLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// notifier is the exported org.freedesktop.Notifications object (Desktop
// Notifications Specification 1.2).
type notifier struct{ h *Desktop }

// Notify keeps the notification and returns its id.
func (n notifier) Notify(app string, _ uint32, _ string, summary, body string, _ []string, _ map[string]dbus.Variant, _ int32) (uint32, *dbus.Error) {
	n.h.mu.Lock()
	defer n.h.mu.Unlock()
	n.h.notes = append(n.h.notes, Notification{App: app, Summary: summary, Body: body})
	n.h.notifyLocked()
	return uint32(len(n.h.notes)), nil
}

// CloseNotification accepts and ignores closes.
func (notifier) CloseNotification(uint32) *dbus.Error { return nil }

// GetCapabilities says only bodies are shown.
func (notifier) GetCapabilities() ([]string, *dbus.Error) { return []string{"body"}, nil }

// GetServerInformation names this daemon.
func (notifier) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "hookphone-testlab", "Hookphone", "1", "1.2", nil
}

// RegisterStatusNotifierHost accepts hosts (there is only us).
func (w watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

// StartDesktop starts a private session bus with a tray host and a
// notification daemon on it; all stop at cleanup.
func StartDesktop(t testing.TB) *Desktop {
	t.Helper()
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8"}
	h := &Desktop{BusAddress: startSessionBus(t, dir, env), changed: make(chan struct{})}
	conn, err := dbus.Connect(h.BusAddress)
	if err != nil {
		t.Fatalf("testlab: desktop: connect to the bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	h.conn = conn
	if err := conn.Export(watcher{h}, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatalf("testlab: tray host: export the watcher: %v", err)
	}
	if err := conn.Export(notifier{h}, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatalf("testlab: notification daemon: export: %v", err)
	}
	for _, name := range []string{"org.kde.StatusNotifierWatcher", "org.freedesktop.Notifications"} {
		reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
		if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
			t.Fatalf("testlab: desktop: own %s: reply %v, %v", name, reply, err)
		}
	}
	return h
}

// WaitNotification waits for a notification whose summary is summary.
func (h *Desktop) WaitNotification(ctx context.Context, summary string) (Notification, error) {
	for {
		h.mu.Lock()
		ch := h.changed
		for _, n := range h.notes {
			if n.Summary == summary {
				h.mu.Unlock()
				return n, nil
			}
		}
		seen := append([]Notification(nil), h.notes...)
		h.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Notification{}, fmt.Errorf("no notification %q (got %+v): %w", summary, seen, ctx.Err())
		}
	}
}

// WaitItem waits for the first item to register.
func (h *Desktop) WaitItem(ctx context.Context) error {
	for {
		h.mu.Lock()
		n, ch := len(h.items), h.changed
		h.mu.Unlock()
		if n > 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("no tray item registered: %w", ctx.Err())
		}
	}
}

// Title reads the newest item's Title property.
func (h *Desktop) Title(ctx context.Context) (string, error) {
	ref := h.item()
	var title dbus.Variant
	err := h.conn.Object(ref.service, dbus.ObjectPath(ref.path)).CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.Get", 0, "org.kde.StatusNotifierItem", "Title").Store(&title)
	if err != nil {
		return "", fmt.Errorf("tray item %s%s: Title: %w", ref.service, ref.path, err)
	}
	s, _ := title.Value().(string)
	return s, nil
}

func (h *Desktop) item() trayItemRef {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.items[len(h.items)-1]
}

// menuObject is the dbusmenu object of the newest item (its Menu property).
func (h *Desktop) menuObject(ctx context.Context) (dbus.BusObject, error) {
	ref := h.item()
	var menu dbus.Variant
	err := h.conn.Object(ref.service, dbus.ObjectPath(ref.path)).CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.Get", 0, "org.kde.StatusNotifierItem", "Menu").Store(&menu)
	if err != nil {
		return nil, fmt.Errorf("tray item menu property: %w", err)
	}
	p, ok := menu.Value().(dbus.ObjectPath)
	if !ok {
		return nil, fmt.Errorf("tray item menu property is %T, want an object path", menu.Value())
	}
	return h.conn.Object(ref.service, p), nil
}

// Menu reads the whole menu of the newest item (dbusmenu GetLayout).
func (h *Desktop) Menu(ctx context.Context) ([]TrayMenuItem, error) {
	items, _, err := h.layout(ctx)
	return items, err
}

// layout reads the menu and its revision, which changes with every rebuild.
func (h *Desktop) layout(ctx context.Context) ([]TrayMenuItem, uint32, error) {
	obj, err := h.menuObject(ctx)
	if err != nil {
		return nil, 0, err
	}
	var rev uint32
	var root []any
	if err := obj.CallWithContext(ctx, "com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
		return nil, 0, fmt.Errorf("dbusmenu GetLayout: %w", err)
	}
	top, err := decodeMenuItem(root)
	if err != nil {
		return nil, 0, err
	}
	return top.Children, rev, nil
}

// settledLayout waits until the menu's revision has stayed the same for
// half a second, as a person opening the menu would see it: entries get new
// ids when the app rebuilds its menu, and a click on an old id is lost.
func (h *Desktop) settledLayout(ctx context.Context) ([]TrayMenuItem, error) {
	_, rev, err := h.layout(ctx)
	for err == nil {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		items, again, err := h.layout(ctx)
		if err != nil {
			return nil, err
		}
		if again == rev {
			return items, nil
		}
		rev = again
	}
	return nil, err
}

// decodeMenuItem reads one (ia{sv}av) layout node.
func decodeMenuItem(node []any) (TrayMenuItem, error) {
	if len(node) != 3 {
		return TrayMenuItem{}, fmt.Errorf("dbusmenu layout node has %d fields, want 3", len(node))
	}
	id, ok1 := node[0].(int32)
	props, ok2 := node[1].(map[string]dbus.Variant)
	kids, ok3 := node[2].([]dbus.Variant)
	if !ok1 || !ok2 || !ok3 {
		return TrayMenuItem{}, fmt.Errorf("dbusmenu layout node of types %T %T %T", node[0], node[1], node[2])
	}
	it := TrayMenuItem{ID: id, Enabled: true, Visible: true}
	if v, ok := props["label"]; ok {
		it.Label, _ = v.Value().(string)
	}
	if v, ok := props["type"]; ok {
		it.Separator = v.Value() == "separator"
	}
	if v, ok := props["enabled"]; ok {
		it.Enabled, _ = v.Value().(bool)
	}
	if v, ok := props["visible"]; ok {
		it.Visible, _ = v.Value().(bool)
	}
	for _, k := range kids {
		child, ok := k.Value().([]any)
		if !ok {
			return TrayMenuItem{}, fmt.Errorf("dbusmenu child of type %T", k.Value())
		}
		c, err := decodeMenuItem(child)
		if err != nil {
			return TrayMenuItem{}, err
		}
		it.Children = append(it.Children, c)
	}
	return it, nil
}

// Labels lists the visible entries of a menu, submenus indented by "  ".
func Labels(items []TrayMenuItem) []string {
	var out []string
	var walk func([]TrayMenuItem, string)
	walk = func(items []TrayMenuItem, indent string) {
		for _, it := range items {
			if !it.Visible {
				continue
			}
			l := it.Label
			if it.Separator {
				l = "—"
			}
			out = append(out, indent+l)
			walk(it.Children, indent+"  ")
		}
	}
	walk(items, "")
	return out
}

// Click sends a panel's "clicked" event for the visible, enabled entry
// labelled label (searched in submenus too), once the menu has settled.
func (h *Desktop) Click(ctx context.Context, label string) error {
	items, err := h.settledLayout(ctx)
	if err != nil {
		return err
	}
	it, ok := findMenuItem(items, label)
	if !ok {
		return fmt.Errorf("tray menu has no enabled entry %q: %q", label, Labels(items))
	}
	obj, err := h.menuObject(ctx)
	if err != nil {
		return err
	}
	if err := obj.CallWithContext(ctx, "com.canonical.dbusmenu.Event", 0, it.ID, "clicked",
		dbus.MakeVariant(""), uint32(time.Now().Unix())).Err; err != nil {
		return fmt.Errorf("dbusmenu Event clicked %q: %w", label, err)
	}
	return nil
}

func findMenuItem(items []TrayMenuItem, label string) (TrayMenuItem, bool) {
	for _, it := range items {
		if it.Visible && it.Enabled && !it.Separator && it.Label == label {
			return it, true
		}
		if c, ok := findMenuItem(it.Children, label); ok {
			return c, true
		}
	}
	return TrayMenuItem{}, false
}
