package ui

import (
	"testing"

	"fyne.io/fyne/v2"
)

// The tray menu is re-sent only when what it shows changed: the same
// entries built again (new closures) keep the signature, any visible
// difference changes it.
func TestMenuSignature(t *testing.T) {
	build := func(state string, disabled bool, redial ...string) *fyne.Menu {
		st := fyne.NewMenuItem(state, nil)
		st.Disabled = disabled
		items := []*fyne.MenuItem{st, fyne.NewMenuItem("Quick dial…", func() {})}
		if len(redial) > 0 {
			var sub []*fyne.MenuItem
			for _, r := range redial {
				sub = append(sub, fyne.NewMenuItem(r, func() {}))
			}
			rd := fyne.NewMenuItem("Redial", nil)
			rd.ChildMenu = fyne.NewMenu("", sub...)
			items = append(items, rd)
		}
		items = append(items, fyne.NewMenuItemSeparator(), &fyne.MenuItem{Label: "Quit", IsQuit: true})
		return fyne.NewMenu("Hookphone", items...)
	}
	base := menuSignature(build("Local echo: registered", true, "echo"))
	if got := menuSignature(build("Local echo: registered", true, "echo")); got != base {
		t.Errorf("the same menu built twice differs:\n%s\n%s", base, got)
	}
	for name, m := range map[string]*fyne.Menu{
		"state line":       build("Local echo: registering…", true, "echo"),
		"enabled":          build("Local echo: registered", false, "echo"),
		"redial entries":   build("Local echo: registered", true, "echo", "bob"),
		"no redial":        build("Local echo: registered", true),
		"redial reordered": build("Local echo: registered", true, "bob"),
	} {
		if menuSignature(m) == base {
			t.Errorf("%s changed but the signature did not", name)
		}
	}
}
