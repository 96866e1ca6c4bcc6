package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/internal/pki"
	"github.com/hookphone/hookphone/sip"
)

// secretTimeout bounds one secret-store call made from the window.
const secretTimeout = 15 * time.Second

// accountsView is the accounts admin in Settings: a list of accounts and a
// form to add, edit and delete them, with inline validation. Accounts are
// saved to the config file; their passwords to the secret store.
type accountsView struct {
	win     fyne.Window
	state   *configState
	secrets SecretStore
	async   func(func())
	log     *slog.Logger

	editing string // name of the account in the form; "" for a new one

	list    *widget.List
	heading *widget.Label
	form    *widget.Form
	status  *widget.Label
	confirm *dialog.ConfirmDialog // the open delete confirmation, if any
	right   *fyne.Container       // heading, form and status: relaid out when the status changes

	name, display, server, user, password, authUser, domain *widget.Entry
	listen, caFile, fingerprint, suites, codecs, device     *widget.Entry
	srtp                                                    *widget.Select
	mode                                                    *widget.RadioGroup
	add, del, save, revert                                  *widget.Button

	content fyne.CanvasObject
}

func newAccountsView(win fyne.Window, d Deps, state *configState) *accountsView {
	v := &accountsView{win: win, state: state, secrets: d.Secrets, async: d.Async, log: d.Log}
	v.buildForm()

	v.list = widget.NewList(
		func() int { return len(v.state.cfg.Accounts) },
		func() fyne.CanvasObject {
			title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			sub := widget.NewLabel("")
			sub.Truncation = fyne.TextTruncateEllipsis
			sub.SizeName = theme.SizeNameCaptionText
			return container.NewVBox(title, sub)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(v.state.cfg.Accounts) {
				return
			}
			a := v.state.cfg.Accounts[id]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(a.Name)
			box.Objects[1].(*widget.Label).SetText(a.Mode.String() + " · " + a.Server)
		},
	)
	v.list.OnSelected = func(id widget.ListItemID) {
		if id < len(v.state.cfg.Accounts) {
			v.edit(v.state.cfg.Accounts[id].Name)
		}
	}
	v.add = widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), func() { v.list.UnselectAll(); v.edit("") })
	v.add.Importance = widget.HighImportance
	v.del = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), v.askDelete)
	empty := widget.NewLabel("No accounts yet: fill in the form and press Save.")
	empty.Wrapping = fyne.TextWrapWord
	left := container.NewBorder(
		widget.NewLabelWithStyle("Accounts", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewGridWithColumns(2, v.add, v.del), nil, nil,
		container.NewStack(empty, v.list),
	)

	v.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), v.saveForm)
	v.save.Importance = widget.HighImportance
	v.revert = widget.NewButtonWithIcon("Revert", theme.ContentUndoIcon(), func() { v.edit(v.editing) })
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord
	v.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	test := v.testConnectionButton(nil)
	if d.Services != nil {
		test = v.testConnectionButton(d.Services.Phone)
	}
	v.right = container.NewBorder(v.heading,
		container.NewVBox(v.status, container.NewHBox(layout.NewSpacer(), test, v.revert, v.save)), nil, nil,
		container.NewVScroll(v.form))

	split := container.NewHSplit(left, v.right)
	split.Offset = 0.27
	v.content = split

	refresh := func() {
		if len(v.state.cfg.Accounts) == 0 {
			empty.Show()
		} else {
			empty.Hide()
		}
		v.list.Refresh()
		if _, ok := v.state.cfg.Account(v.editing); !ok {
			v.editing = ""
		}
		v.edit(v.editing)
		if v.state.err != nil {
			v.setEditable(false)
			v.add.Disable()
			v.del.Disable()
			v.save.Disable()
			v.setStatus("The config file has errors (see above): accounts cannot be changed until it is fixed.", widget.DangerImportance)
		} else {
			v.setEditable(true)
			v.add.Enable()
			v.save.Enable()
		}
	}
	v.state.onChange(refresh)
	refresh()
	return v
}

func (v *accountsView) buildForm() {
	entry := func(placeholder string, check func(string) error) *widget.Entry {
		e := widget.NewEntry()
		e.PlaceHolder = placeholder
		e.Validator = check
		return e
	}
	optional := func(check func(string) error) func(string) error {
		return func(s string) error {
			if strings.TrimSpace(s) == "" {
				return nil
			}
			return check(strings.TrimSpace(s))
		}
	}
	v.name = entry("e.g. office", v.checkName)
	v.display = entry("e.g. Alice Example", optional(sip.ValidateDisplayName))
	v.server = entry("e.g. sips:pbx.example.com:5061", checkServer)
	v.user = entry("e.g. alice", v.checkUser)
	v.password = widget.NewPasswordEntry()
	v.password.Validator = func(s string) error {
		if strings.ContainsAny(s, "\r\n\x00") {
			return errors.New("the password may not contain a line break or NUL")
		}
		return nil
	}
	v.authUser = entry("same as user", optional(config.CheckUser))
	v.domain = entry("same as the server's host", optional(sip.ValidateHost))
	v.listen = entry("trunk mode: 0.0.0.0:5061 for inbound calls", optional(config.CheckListenAddr))
	v.caFile = entry("/path/to/ca.pem (extra CA to trust)", optional(config.CheckCAFile))
	v.fingerprint = entry("SHA-256 of a self-signed server certificate", optional(func(s string) error {
		_, err := pki.NormalizeFingerprint(s)
		return err
	}))
	v.suites = entry("default: AES_CM_128_HMAC_SHA1_80", optional(listOf(config.KnownSuites, "crypto suite")))
	v.codecs = entry("default: PCMU, PCMA", optional(listOf(config.KnownCodecs, "codec")))
	v.device = entry("default (the devices under Audio)", nil)
	v.srtp = widget.NewSelect([]string{config.SRTPMandatory.String(), config.SRTPOptional.String(), config.SRTPOff.String()}, nil)
	v.mode = widget.NewRadioGroup([]string{config.ModeRegister.String(), config.ModeTrunk.String()}, func(string) {
		if v.user != nil && v.user.Text != "" {
			_ = v.user.Validate()
		}
	})
	v.mode.Horizontal = true
	v.mode.Required = true

	item := func(label string, w fyne.CanvasObject, hint string) *widget.FormItem {
		it := widget.NewFormItem(label, w)
		it.HintText = hint
		return it
	}
	v.form = widget.NewForm(
		item("Name", v.name, "How you pick the account (hookphone --account NAME)"),
		item("Display name", v.display, "Shown to the people you call"),
		item("Server", v.server, "sips:host[:port] or sip:host;transport=tls — always TLS"),
		item("User", v.user, "The user part of your SIP address"),
		item("Password", v.password, ""),
		item("Auth user", v.authUser, "Only if the digest user name differs from User"),
		item("Domain", v.domain, "Only if your address's domain differs from the server's host"),
		item("Mode", v.mode, "register: a PBX or registrar; trunk: a SIP trunk that takes no REGISTER"),
		item("Listen", v.listen, "Trunk mode: local TLS address for inbound calls"),
		item("CA file", v.caFile, "PEM file of CA certificates to trust besides the system's"),
		item("Pinned certificate", v.fingerprint, "Accept this server certificate even if no CA signed it"),
		item("SRTP", v.srtp, "mandatory refuses unencrypted calls"),
		item("SRTP suites", v.suites, "Comma-separated, in order of preference"),
		item("Codecs", v.codecs, "Comma-separated, in order of preference"),
		item("Audio device", v.device, ""),
	)
}

// setEditable turns every input of the form on or off (widget.Form's own
// Enable/Disable needs the form to have been rendered first).
func (v *accountsView) setEditable(on bool) {
	for _, w := range []fyne.Disableable{v.name, v.display, v.server, v.user, v.password, v.authUser, v.domain,
		v.listen, v.caFile, v.fingerprint, v.suites, v.codecs, v.device, v.srtp, v.mode, v.revert} {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

// passwordHint updates the password field's hint for the account on show.
func (v *accountsView) passwordHint(stored bool) {
	where := "the OS secret store"
	if v.secrets.Backend() == config.BackendFile {
		where = "the 0600 secrets file"
	}
	switch {
	case v.editing == "":
		v.password.PlaceHolder = "kept in " + where
	case stored:
		v.password.PlaceHolder = "stored in " + where + " — type to replace"
	default:
		v.password.PlaceHolder = "none stored — type one to store it in " + where
	}
	v.password.Refresh()
}

func checkServer(s string) error {
	s = strings.TrimSpace(s)
	if err := config.CheckServerURI(s); err != nil {
		return err
	}
	if _, err := sip.ParseServerURI(s); err != nil {
		return err
	}
	return nil
}

func (v *accountsView) checkName(s string) error {
	if err := config.CheckAccountName(s); err != nil {
		return err
	}
	if _, exists := v.state.cfg.Account(s); exists && s != v.editing {
		return fmt.Errorf("an account called %q already exists", s)
	}
	return nil
}

func (v *accountsView) checkUser(s string) error {
	if s == "" && v.mode.Selected == config.ModeTrunk.String() {
		return nil
	}
	if err := config.CheckUser(s); err != nil {
		return err
	}
	return sip.ValidateUser(s)
}

func listOf(allowed []string, what string) func(string) error {
	return func(s string) error {
		for _, item := range splitList(s) {
			ok := false
			for _, a := range allowed {
				ok = ok || strings.EqualFold(item, a)
			}
			if !ok {
				return fmt.Errorf("unknown %s %q: choose from %s", what, item, strings.Join(allowed, ", "))
			}
		}
		return nil
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, strings.ToUpper(p))
	}
	return out
}

// edit loads the named account into the form ("" for a blank new account).
func (v *accountsView) edit(name string) {
	a, ok := v.state.cfg.Account(name)
	if !ok {
		name, a = "", config.Account{}
	}
	v.editing = name
	v.name.SetText(a.Name)
	v.display.SetText(a.DisplayName)
	v.server.SetText(a.Server)
	v.user.SetText(a.User)
	v.password.SetText("")
	v.authUser.SetText(a.AuthUser)
	v.domain.SetText(a.Domain)
	v.mode.SetSelected(a.Mode.String())
	v.listen.SetText(a.Listen)
	v.caFile.SetText(a.CAFile)
	v.fingerprint.SetText(a.Fingerprint)
	v.srtp.SetSelected(a.SRTP.String())
	v.suites.SetText(strings.Join(a.Suites, ", "))
	v.codecs.SetText(strings.Join(a.Codecs, ", "))
	v.device.SetText(a.Device)
	if name == "" {
		v.heading.SetText("New account")
		v.del.Disable()
		v.passwordHint(false)
	} else {
		v.heading.SetText("Account " + name)
		if v.state.err == nil {
			v.del.Enable()
		}
		v.lookupPassword(name)
	}
	v.setStatus("", widget.MediumImportance)
}

// lookupPassword asks the secret store whether the account has a password
// (off the UI goroutine) and updates the hint; the value is never shown.
func (v *accountsView) lookupPassword(name string) {
	v.passwordHint(false)
	v.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), secretTimeout)
		defer cancel()
		_, err := v.secrets.Get(ctx, config.AccountPasswordKey(name))
		if err != nil && !errors.Is(err, config.ErrSecretNotFound) {
			v.log.Warn("secret store", "err", err)
		}
		fyne.Do(func() {
			if v.editing == name {
				v.passwordHint(err == nil)
			}
		})
	})
}

// accountFromForm reads the form into an Account (fields normalised).
func (v *accountsView) accountFromForm() config.Account {
	srtp, _ := config.ParseSRTPPolicy(v.srtp.Selected)
	mode, _ := config.ParseMode(v.mode.Selected)
	a := config.Account{
		Name:        strings.TrimSpace(v.name.Text),
		DisplayName: strings.TrimSpace(v.display.Text),
		Server:      strings.TrimSpace(v.server.Text),
		User:        strings.TrimSpace(v.user.Text),
		AuthUser:    strings.TrimSpace(v.authUser.Text),
		Domain:      strings.TrimSpace(v.domain.Text),
		CAFile:      strings.TrimSpace(v.caFile.Text),
		SRTP:        srtp,
		Suites:      splitList(v.suites.Text),
		Codecs:      splitList(v.codecs.Text),
		Mode:        mode,
		Listen:      strings.TrimSpace(v.listen.Text),
		Device:      strings.TrimSpace(v.device.Text),
	}
	if fp, err := pki.NormalizeFingerprint(v.fingerprint.Text); err == nil {
		a.Fingerprint = fp
	}
	return a
}

func (v *accountsView) setStatus(text string, imp widget.Importance) {
	v.status.Importance = imp
	v.status.SetText(text)
	if text == "" {
		v.status.Hide()
	} else {
		v.status.Show()
	}
	if v.right != nil {
		// The status may take more or fewer lines. A wrapped label knows its
		// height only once it has its width, so lay out twice.
		v.right.Refresh()
		v.right.Refresh()
	}
}

// saveForm validates the form, writes the config (atomically, with backup)
// and stores the password, then shows the outcome under the form.
func (v *accountsView) saveForm() {
	for _, it := range v.form.Items {
		if w, ok := it.Widget.(fyne.Validatable); ok {
			if err := w.Validate(); err != nil {
				v.setStatus("Not saved: "+it.Text+": "+err.Error(), widget.DangerImportance)
				return
			}
		}
	}
	acct := v.accountFromForm()
	next := v.state.cfg.Clone()
	replaced := false
	for i := range next.Accounts {
		if next.Accounts[i].Name == v.editing && v.editing != "" {
			next.Accounts[i], replaced = acct, true
		}
	}
	if !replaced {
		next.Accounts = append(next.Accounts, acct)
	}
	if ps := acct.Problems(); len(ps) > 0 {
		v.setStatus("Not saved: "+ps[0].String(), widget.DangerImportance)
		return
	}
	oldName, password := v.editing, v.password.Text
	v.save.Disable()
	v.setStatus("Saving…", widget.MediumImportance)
	v.async(func() {
		err := v.state.store.Save(next)
		var secErr error
		if err == nil {
			secErr = v.storePassword(oldName, acct.Name, password)
		}
		fyne.Do(func() {
			v.save.Enable()
			if err != nil {
				v.setStatus("Not saved: "+err.Error(), widget.DangerImportance)
				return
			}
			v.editing = acct.Name
			v.state.saved(next)
			for i, a := range next.Accounts {
				if a.Name == acct.Name {
					v.list.Select(i)
				}
			}
			if secErr != nil {
				v.setStatus("Saved to "+v.state.store.Path()+", but the password was not stored: "+secErr.Error(), widget.WarningImportance)
				return
			}
			v.setStatus("Saved "+acct.Name+" to "+v.state.store.Path()+".", widget.SuccessImportance)
		})
	})
}

// storePassword writes a typed password under the account's (new) name and,
// on a rename with no new password, moves the stored one.
func (v *accountsView) storePassword(oldName, newName, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), secretTimeout)
	defer cancel()
	newKey := config.AccountPasswordKey(newName)
	if password != "" {
		if err := v.secrets.Set(ctx, newKey, password); err != nil {
			return err
		}
	} else if oldName != "" && oldName != newName {
		old, err := v.secrets.Get(ctx, config.AccountPasswordKey(oldName))
		switch {
		case errors.Is(err, config.ErrSecretNotFound):
			return nil
		case err != nil:
			return err
		}
		if err := v.secrets.Set(ctx, newKey, old); err != nil {
			return err
		}
	}
	if oldName != "" && oldName != newName {
		return v.secrets.Delete(ctx, config.AccountPasswordKey(oldName))
	}
	return nil
}

// askDelete confirms, then removes the account from the config and its password from the store.
func (v *accountsView) askDelete() {
	name := v.editing
	if name == "" {
		return
	}
	v.confirm = dialog.NewConfirm("Delete account",
		fmt.Sprintf("Delete the account %q and its stored password?", name),
		func(ok bool) {
			v.confirm = nil
			if ok {
				v.deleteAccount(name)
			}
		}, v.win)
	v.confirm.SetConfirmText("Delete")
	v.confirm.SetConfirmImportance(widget.DangerImportance)
	v.confirm.Show()
}

func (v *accountsView) deleteAccount(name string) {
	next := v.state.cfg.Clone()
	next.Accounts = next.Accounts[:0]
	for _, a := range v.state.cfg.Accounts {
		if a.Name != name {
			next.Accounts = append(next.Accounts, a)
		}
	}
	v.async(func() {
		err := v.state.store.Save(next)
		var secErr error
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), secretTimeout)
			secErr = v.secrets.Delete(ctx, config.AccountPasswordKey(name))
			cancel()
		}
		fyne.Do(func() {
			if err != nil {
				v.setStatus("Not deleted: "+err.Error(), widget.DangerImportance)
				return
			}
			v.list.UnselectAll()
			v.editing = ""
			v.state.saved(next)
			if secErr != nil {
				v.setStatus("Deleted "+name+", but its password could not be removed: "+secErr.Error(), widget.WarningImportance)
				return
			}
			v.setStatus("Deleted "+name+".", widget.SuccessImportance)
		})
	})
}
