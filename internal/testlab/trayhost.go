package testlab

// trayhost.go: a system tray host on a private session bus. It owns
// org.kde.StatusNotifierWatcher, as a desktop panel does, takes the
// registrations of StatusNotifierItems, and reads and clicks their menus
// through com.canonical.dbusmenu, the way a panel shows and uses them.

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

// TrayHost is the StatusNotifierWatcher side of the tray protocol.
type TrayHost struct {
	// BusAddress is the DBUS_SESSION_BUS_ADDRESS the app must be given.
	BusAddress string

	conn    *dbus.Conn
	mu      sync.Mutex
	items   []trayItemRef
	changed chan struct{} // closed and replaced on each registration
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
type watcher struct{ h *TrayHost }

// RegisterStatusNotifierItem takes an item's registration. Apps pass either
// an object path (the sender owns it) or a bus name (at /StatusNotifierItem).
func (w watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	ref := trayItemRef{service: string(sender), path: service}
	if !strings.HasPrefix(service, "/") {
		ref = trayItemRef{service: service, path: "/StatusNotifierItem"}
	}
	w.h.mu.Lock()
	w.h.items = append(w.h.items, ref)
	close(w.h.changed)
	w.h.changed = make(chan struct{})
	w.h.mu.Unlock()
	return nil
}

// RegisterStatusNotifierHost accepts hosts (there is only us).
func (w watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

// StartTrayHost starts a private session bus and a tray host on it; both
// stop at cleanup.
func StartTrayHost(t testing.TB) *TrayHost {
	t.Helper()
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LANG=C.UTF-8"}
	h := &TrayHost{BusAddress: startSessionBus(t, dir, env), changed: make(chan struct{})}
	conn, err := dbus.Connect(h.BusAddress)
	if err != nil {
		t.Fatalf("testlab: tray host: connect to the bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	h.conn = conn
	if err := conn.Export(watcher{h}, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatalf("testlab: tray host: export the watcher: %v", err)
	}
	reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("testlab: tray host: own org.kde.StatusNotifierWatcher: reply %v, %v", reply, err)
	}
	return h
}

// WaitItem waits for the first item to register.
func (h *TrayHost) WaitItem(ctx context.Context) error {
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
func (h *TrayHost) Title(ctx context.Context) (string, error) {
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

func (h *TrayHost) item() trayItemRef {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.items[len(h.items)-1]
}

// menuObject is the dbusmenu object of the newest item (its Menu property).
func (h *TrayHost) menuObject(ctx context.Context) (dbus.BusObject, error) {
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
func (h *TrayHost) Menu(ctx context.Context) ([]TrayMenuItem, error) {
	items, _, err := h.layout(ctx)
	return items, err
}

// layout reads the menu and its revision, which changes with every rebuild.
func (h *TrayHost) layout(ctx context.Context) ([]TrayMenuItem, uint32, error) {
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
func (h *TrayHost) settledLayout(ctx context.Context) ([]TrayMenuItem, error) {
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
func (h *TrayHost) Click(ctx context.Context, label string) error {
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
