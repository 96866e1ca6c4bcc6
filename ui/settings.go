package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/config"
)

const settingsID = "settings"

// settingsView is the Settings area: the config file's health (with every
// problem's line and field when it is broken), where secrets are kept, the
// accounts admin, the audio devices (audiosettings.go) and a summary of the
// inspector settings (edited in the Webhooks area).
type settingsView struct {
	area
	banner   fyne.CanvasObject // shown while the config file is broken
	problems *widget.Label     // the broken config's problems
	store    *widget.Label     // where secrets are kept
	accounts *accountsView
}

func newSettingsView(win fyne.Window, d Deps, state *configState) *settingsView {
	problems := widget.NewLabel("")
	problems.Wrapping = fyne.TextWrapWord
	problems.Importance = widget.DangerImportance
	reload := widget.NewButtonWithIcon("Reload", theme.ViewRefreshIcon(), func() {
		if err := state.reload(); err != nil {
			d.Log.Warn("config reload", "err", err)
		}
	})
	banner := container.NewBorder(nil, nil, widget.NewIcon(theme.NewErrorThemedResource(theme.ErrorIcon())), reload, problems)

	store := widget.NewLabel(secretStoreText(d))
	store.Wrapping = fyne.TextWrapWord
	storeIcon := theme.NewSuccessThemedResource(theme.ConfirmIcon())
	if d.Secrets.Backend() == config.BackendFile {
		store.Importance = widget.WarningImportance
		storeIcon = theme.NewWarningThemedResource(theme.WarningIcon())
	}
	storeRow := container.NewBorder(nil, nil, widget.NewIcon(storeIcon), nil, store)

	update := func() {
		if state.err == nil {
			banner.Hide()
			return
		}
		problems.SetText(configProblemText(state.store.Path(), state.err))
		banner.Show()
	}
	state.onChange(update)
	update()

	accounts := newAccountsView(win, d, state)
	inspector := widget.NewLabel("")
	inspector.Wrapping = fyne.TextWrapWord
	summaries := func() {
		inspector.SetText(inspectorSummary(state.cfg.Inspector, state.store.Path()))
	}
	state.onChange(summaries)
	summaries()

	tabs := container.NewAppTabs(
		container.NewTabItemWithIcon("Accounts", theme.AccountIcon(), accounts.content),
		container.NewTabItemWithIcon("Files", theme.FolderIcon(), container.NewVScroll(filesInfo(d))),
		container.NewTabItemWithIcon("Audio", theme.VolumeUpIcon(), newAudioSettings(win, d, state)),
		container.NewTabItemWithIcon("Inspector", theme.MailSendIcon(), container.NewVScroll(container.NewPadded(inspector))),
	)
	top := container.NewVBox(banner, storeRow, widget.NewSeparator())
	return &settingsView{
		area:   area{id: settingsID, title: "Settings", icon: theme.SettingsIcon(), content: container.NewBorder(top, nil, nil, nil, tabs)},
		banner: banner, problems: problems, store: store, accounts: accounts,
	}
}

// secretStoreText says where passwords are kept and, for the file, why.
func secretStoreText(d Deps) string {
	if d.Secrets.Backend() == config.BackendFile {
		s := "Passwords and signature secrets are kept in the " + d.Secrets.Describe() + "."
		if d.SecretsNote != "" {
			s += " Why: " + d.SecretsNote + "."
		}
		return s + " Run a Secret Service (gnome-keyring, KeePassXC) to use the OS secret store instead."
	}
	return "Passwords and signature secrets are kept in the " + d.Secrets.Describe() + ", never in the config file."
}

// configProblemText lists a broken config's problems, one per line.
func configProblemText(path string, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s has errors. Hookphone runs with default settings and leaves the file as you wrote it; "+
		"fix it in an editor and press Reload.", path)
	var fe *config.FileError
	if errors.As(err, &fe) {
		for _, p := range fe.Problems {
			b.WriteString("\n• " + p.String())
		}
	} else {
		b.WriteString("\n• " + err.Error())
	}
	return b.String()
}

func filesInfo(d Deps) fyne.CanvasObject {
	f := widget.NewForm(
		widget.NewFormItem("Config file", selectable(d.Paths.ConfigFile)),
		widget.NewFormItem("Previous version", selectable(d.Config.BackupPath())),
		widget.NewFormItem("Secrets", selectable(d.Secrets.Describe())),
		widget.NewFormItem("Data (webhooks, calls, traces)", selectable(d.Paths.Database)),
		widget.NewFormItem("Cache (stream audio)", selectable(d.Paths.CacheDir)),
	)
	if d.Secrets.Backend() == config.BackendKeyring {
		f.Append("Fallback secrets file", selectable(d.Paths.SecretsFallback+" (not in use)"))
	}
	return container.NewPadded(f)
}

// selectable shows text the user can select and copy.
func selectable(s string) fyne.CanvasObject {
	l := widget.NewLabel(s)
	l.Selectable = true
	l.Wrapping = fyne.TextWrapBreak
	return l
}

func inspectorSummary(in config.Inspector, path string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Listens on http://%s\nAnswer path: %s\nEvent path: %s\nFallback path: %s\nMaximum webhook age: %s\n",
		in.Listen, in.AnswerPath, in.EventPath, in.FallbackPath, in.MaxAge)
	if in.ApplicationID != "" {
		fmt.Fprintf(&b, "Application: %s\n", in.ApplicationID)
	}
	if in.Forward != "" {
		fmt.Fprintf(&b, "Forwards every webhook to: %s\n", in.Forward)
	}
	fmt.Fprintf(&b, "Signature secrets configured: %d\n", len(in.SignatureSecrets))
	fmt.Fprintf(&b, "\nChange them in the Webhooks area's settings, or under [inspector] in %s.", path)
	return b.String()
}
