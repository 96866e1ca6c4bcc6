package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/config"
	wi "github.com/hookphone/hookphone/webhookinspector"
)

const webhooksID = "webhooks"

// webhookPage is the list's page size; the list never holds more than
// maxWebhookRows rows (older ones are paged in on demand, newest dropped
// from memory again when the list is reloaded).
const (
	webhookPage    = 200
	maxWebhookRows = 2000
)

// webhookFilter is what the filter bar selects.
type webhookFilter struct {
	Verdict wi.Verdict // VerdictUnknown: all
	Path    string     // substring of the path
	Call    string     // uuid, conversation uuid or X-Hookphone-Call-Id
	Text    string     // substring of method, path, event, uuid, reason
}

// storeFilter is f for the store, which applies every filter to all
// captures (a search finds an old one behind 100k newer); matches applies
// the same filters to captures arriving live.
func (f webhookFilter) storeFilter() wi.Filter {
	return wi.Filter{Verdict: f.Verdict, Call: strings.TrimSpace(f.Call), Path: strings.TrimSpace(f.Path),
		Text: strings.TrimSpace(f.Text), Newest: true, Limit: webhookPage}
}

// matches says whether a capture passes every filter.
func (f webhookFilter) matches(s wi.Summary) bool {
	if f.Verdict != wi.VerdictUnknown && s.Verdict != f.Verdict {
		return false
	}
	if c := strings.TrimSpace(f.Call); c != "" && s.UUID != c && s.ConversationUUID != c && s.CallID != c {
		return false
	}
	if p := strings.TrimSpace(f.Path); p != "" && !strings.Contains(strings.ToLower(s.Path), strings.ToLower(p)) {
		return false
	}
	if t := strings.ToLower(strings.TrimSpace(f.Text)); t != "" {
		hay := strings.ToLower(strings.Join([]string{s.Method, s.Path, s.Event, s.UUID, s.ConversationUUID, s.CallID, s.Reason, s.Kind.String()}, " "))
		if !strings.Contains(hay, t) {
			return false
		}
	}
	return true
}

// webhooksArea is the Webhooks pane: a live, filtered, paged list of
// captures and the picked one's detail with replay and export actions.
type webhooksArea struct {
	env    *viewEnv
	state  *configState
	deps   Deps
	rows   []wi.Summary
	filter webhookFilter
	// reloads numbers Reload calls, so a slow search answered after a
	// newer one (a full scan of a big store per keystroke) is dropped.
	reloads int
	list    *widget.List
	count   *widget.Label
	older   *widget.Button
	warn    *widget.Label
	warnC   fyne.CanvasObject
	detail  *fyne.Container
	picked  *wi.Capture
	url     *widget.Label

	verdict            *widget.Select
	path, call, search *widget.Entry
	content            fyne.CanvasObject
}

// ID returns the area's key.
func (a *webhooksArea) ID() string { return webhooksID }

// Title returns the sidebar label.
func (a *webhooksArea) Title() string { return "Webhooks" }

// Icon returns the sidebar icon.
func (a *webhooksArea) Icon() fyne.Resource { return theme.MailSendIcon() }

// Content returns the area's widgets.
func (a *webhooksArea) Content() fyne.CanvasObject { return a.content }

func newWebhooksArea(env *viewEnv, state *configState, d Deps) *webhooksArea {
	a := &webhooksArea{env: env, state: state, deps: d}
	a.list = widget.NewList(func() int { return len(a.rows) }, newWebhookRow, func(i widget.ListItemID, o fyne.CanvasObject) {
		setWebhookRow(o, a.rows[i])
	})
	a.list.OnSelected = func(i widget.ListItemID) {
		if i < len(a.rows) {
			a.open(a.rows[i].ID)
		}
	}
	a.count = widget.NewLabel("")
	a.older = widget.NewButtonWithIcon("Older", theme.MoreVerticalIcon(), a.loadOlder)
	a.older.Hide()

	a.verdict = widget.NewSelect([]string{"All verdicts", "valid", "invalid", "unsigned"}, func(s string) {
		v, err := wi.ParseVerdict(s)
		if err != nil {
			v = wi.VerdictUnknown
		}
		a.filter.Verdict = v
		a.Reload()
	})
	a.verdict.SetSelectedIndex(0)
	a.path = filterEntry("Path", func(s string) { a.filter.Path = s; a.applyLocal() })
	a.call = filterEntry("Call (uuid or call id)", func(s string) { a.filter.Call = s; a.Reload() })
	a.search = filterEntry("Search text", func(s string) { a.filter.Text = s; a.applyLocal() })

	a.warn = widget.NewLabel("")
	a.warn.Wrapping = fyne.TextWrapWord
	a.warn.Importance = widget.WarningImportance
	dismiss := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { a.warnC.Hide() })
	a.warnC = container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon())), dismiss, a.warn)
	a.warnC.Hide()

	sample := widget.NewButtonWithIcon("Send sample webhook", theme.MailSendIcon(), a.sendSample)
	sample.Importance = widget.HighImportance
	har := widget.NewButtonWithIcon("Export HAR", theme.DocumentSaveIcon(), a.exportHAR)
	settings := widget.NewButtonWithIcon("Inspector settings", theme.SettingsIcon(), func() { showInspectorSettings(env, state, d) })
	a.url = widget.NewLabel("")
	a.url.Truncation = fyne.TextTruncateEllipsis
	toolbar := container.NewBorder(nil, nil, nil, container.NewHBox(sample, har, settings), a.url)
	filters := container.NewGridWithColumns(4, a.verdict, a.path, a.call, a.search)
	top := container.NewVBox(toolbar, a.warnC, filters)

	a.detail = container.NewStack(widget.NewLabel("Pick a webhook to see its headers, body, token and every check."))
	left := container.NewBorder(nil, container.NewBorder(nil, nil, nil, a.older, a.count), nil, nil, a.list)
	split := container.NewHSplit(left, a.detail)
	split.Offset = 0.42
	a.content = container.NewBorder(container.NewPadded(top), nil, nil, nil, split)

	if in := env.svc.Inspector; in == nil {
		a.url.SetText("The inspector is not running: see the log and Settings → Inspector.")
		sample.Disable()
		har.Disable()
	} else {
		showURL := func() {
			a.url.SetText("Listening on " + in.BaseURL() + " — answer " + state.cfg.Inspector.AnswerPath + ", event " + state.cfg.Inspector.EventPath)
		}
		showURL()
		state.onChange(showURL)
		a.follow(in)
		a.Reload()
	}
	return a
}

func filterEntry(placeholder string, changed func(string)) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	e.OnChanged = changed
	return e
}

func newWebhookRow() fyne.CanvasObject {
	return container.NewBorder(nil, nil,
		container.NewHBox(widget.NewIcon(theme.ConfirmIcon()), widget.NewLabelWithStyle("15:04:05", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})),
		widget.NewLabel("completed"),
		truncLabel("POST /webhooks/event"))
}

func setWebhookRow(o fyne.CanvasObject, s wi.Summary) {
	c := o.(*fyne.Container)
	mid := c.Objects[0].(*widget.Label)
	left := c.Objects[1].(*fyne.Container)
	right := c.Objects[2].(*widget.Label)
	left.Objects[0].(*widget.Icon).SetResource(verdictIcon(s.Verdict))
	left.Objects[1].(*widget.Label).SetText(s.ReceivedAt.Local().Format("15:04:05"))
	mid.SetText(s.Method + " " + s.Path)
	ev := s.Event
	if ev == "" {
		ev = s.Kind.String()
	}
	right.SetText(ev)
}

// verdictIcon is a green tick, red cross or grey question mark.
func verdictIcon(v wi.Verdict) fyne.Resource {
	switch v {
	case wi.VerdictValid:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case wi.VerdictInvalid:
		return theme.NewErrorThemedResource(theme.CancelIcon())
	}
	return theme.NewWarningThemedResource(theme.QuestionIcon())
}

// follow adds live captures and shows watchdog warnings until the app ends.
func (a *webhooksArea) follow(in InspectorService) {
	ch, _ := in.Subscribe(256)
	go func() {
		for n := range ch {
			a.env.ui(func() { a.notice(n) })
		}
	}()
}

// notice applies one live notice on the UI goroutine.
func (a *webhooksArea) notice(n wi.Notice) {
	if n.Warning != nil {
		a.warn.SetText(n.Warning.Message)
		a.warnC.Show()
		if a.content != nil {
			a.content.Refresh()
		}
		a.env.svc.logf("webhook watchdog call=%s", n.Warning.CallID)
	}
	if s := n.Capture; s != nil {
		a.env.svc.logf("webhook captured id=%d path=%s verdict=%s event=%s", s.ID, s.Path, s.Verdict, s.Event)
		if a.filter.matches(*s) {
			a.rows = append([]wi.Summary{*s}, a.rows...)
			if len(a.rows) > maxWebhookRows {
				a.rows = a.rows[:maxWebhookRows]
			}
			a.showCount()
			a.list.Refresh()
		}
	}
}

// Reload fetches the newest page for the filter.
func (a *webhooksArea) Reload() {
	in := a.env.svc.Inspector
	if in == nil {
		return
	}
	f := a.filter
	a.reloads++
	gen := a.reloads
	var rows []wi.Summary
	a.env.run(func(ctx context.Context) (err error) {
		rows, err = in.List(ctx, f.storeFilter())
		return err
	}, func(err error) {
		if gen != a.reloads {
			return // a newer filter (the next keystroke) is on its way
		}
		if err != nil {
			a.count.SetText("Could not read the store: " + err.Error())
			return
		}
		a.rows = keepMatching(rows, a.filter)
		a.older.Hidden = len(rows) < webhookPage
		a.older.Refresh()
		if a.content != nil {
			a.content.Refresh()
		}
		a.showCount()
		a.list.UnselectAll()
		a.list.Refresh()
	})
}

// applyLocal re-applies the path and text filters by reloading: the store
// keeps the source of truth, the list only a page.
func (a *webhooksArea) applyLocal() { a.Reload() }

func keepMatching(rows []wi.Summary, f webhookFilter) []wi.Summary {
	out := rows[:0:0]
	for _, r := range rows {
		if f.matches(r) {
			out = append(out, r)
		}
	}
	return out
}

func (a *webhooksArea) loadOlder() {
	in := a.env.svc.Inspector
	if in == nil || len(a.rows) == 0 {
		return
	}
	sf := a.filter.storeFilter()
	sf.BeforeID = a.rows[len(a.rows)-1].ID
	var rows []wi.Summary
	a.env.run(func(ctx context.Context) (err error) {
		rows, err = in.List(ctx, sf)
		return err
	}, func(err error) {
		if err != nil {
			return
		}
		a.rows = append(a.rows, keepMatching(rows, a.filter)...)
		if len(a.rows) > maxWebhookRows {
			a.rows = a.rows[len(a.rows)-maxWebhookRows:]
		}
		a.older.Hidden = len(rows) < webhookPage
		a.older.Refresh()
		if a.content != nil {
			a.content.Refresh()
		}
		a.showCount()
		a.list.Refresh()
	})
}

func (a *webhooksArea) showCount() {
	a.count.SetText(fmt.Sprintf("%d shown", len(a.rows)))
}

func (a *webhooksArea) sendSample() {
	in := a.env.svc.Inspector
	var n int
	a.env.svc.logf("ui send sample webhooks")
	a.env.run(func(ctx context.Context) (err error) {
		n, err = in.SendSamples(ctx)
		return err
	}, func(err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("send sample webhooks: %w", err), a.env.win)
			return
		}
		a.env.svc.logf("sample webhooks sent=%d", n)
	})
}

// open loads and shows one capture's detail.
func (a *webhooksArea) open(id int64) {
	in := a.env.svc.Inspector
	var c *wi.Capture
	a.env.run(func(ctx context.Context) (err error) {
		c, err = in.Get(ctx, id)
		return err
	}, func(err error) {
		if err != nil {
			a.detail.Objects = []fyne.CanvasObject{widget.NewLabel("Could not load the capture: " + err.Error())}
			a.detail.Refresh()
			return
		}
		a.picked = c
		a.detail.Objects = []fyne.CanvasObject{a.detailView(c)}
		a.detail.Refresh()
	})
}

// detailView is one capture: verdict sentence, checks, headers, body, token.
func (a *webhooksArea) detailView(c *wi.Capture) fyne.CanvasObject {
	head := widget.NewLabelWithStyle(fmt.Sprintf("%s %s — %s", c.Method, c.Target, c.Result.Verdict), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.Truncation = fyne.TextTruncateEllipsis
	reason := widget.NewLabel(c.Result.Reason)
	reason.Wrapping = fyne.TextWrapWord
	switch c.Result.Verdict {
	case wi.VerdictValid:
		reason.Importance = widget.SuccessImportance
	case wi.VerdictInvalid:
		reason.Importance = widget.DangerImportance
	default:
		reason.Importance = widget.WarningImportance
	}
	checks := container.NewVBox()
	for _, ch := range c.Result.Checks {
		var icon fyne.Resource = theme.NewSuccessThemedResource(theme.ConfirmIcon())
		if !ch.OK {
			icon = theme.NewErrorThemedResource(theme.CancelIcon())
		}
		l := widget.NewLabel(ch.Name + ": " + ch.Detail)
		l.Wrapping = fyne.TextWrapWord
		checks.Add(container.NewBorder(nil, nil, widget.NewIcon(icon), nil, l))
	}
	if len(c.Result.Checks) == 0 {
		checks.Add(widget.NewLabel("No checks ran (unsigned request)."))
	}

	var hb strings.Builder
	for _, h := range c.Headers {
		v := h.Value
		if strings.EqualFold(h.Name, "Authorization") {
			v = maskToken(v)
		}
		fmt.Fprintf(&hb, "%s: %s\n", h.Name, v)
	}
	headers := monoText(hb.String())
	body := monoText(prettyJSON(c.Body))
	tokHead, tokClaims := "", ""
	if auth, ok := c.Header("Authorization"); ok {
		tokHead, tokClaims = decodeJWT(auth)
	}
	token := monoText("Header\n" + orDash(tokHead) + "\n\nClaims\n" + orDash(tokClaims) + "\n\n(signature not shown)")
	resp := monoText(fmt.Sprintf("%d\n%s", c.Response.Status, prettyJSON(c.Response.Body)))

	replay := widget.NewButtonWithIcon("Replay", theme.MediaReplayIcon(), func() { a.replay(c.ID, false) })
	resign := widget.NewButtonWithIcon("Replay re-signed", theme.MediaReplayIcon(), func() { a.replay(c.ID, true) })
	curl := widget.NewButtonWithIcon("Copy as cURL", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(wi.CURL(c))
		a.env.svc.logf("ui copied curl id=%d", c.ID)
	})
	tabs := container.NewAppTabs(
		container.NewTabItem("Checks", container.NewVScroll(checks)),
		container.NewTabItem("Headers", container.NewScroll(headers)),
		container.NewTabItem("Body", container.NewScroll(body)),
		container.NewTabItem("Token", container.NewScroll(token)),
		container.NewTabItem("Response", container.NewScroll(resp)),
	)
	top := container.NewVBox(head, reason, container.NewHBox(replay, resign, curl))
	return container.NewBorder(top, nil, nil, nil, tabs)
}

func monoText(s string) *widget.Label {
	l := widget.NewLabel(strings.TrimRight(s, "\n"))
	l.TextStyle.Monospace = true
	l.Selectable = true
	return l
}

// prettyJSON indents a JSON body; anything else is shown as text.
func prettyJSON(b []byte) string {
	if len(b) == 0 {
		return "(empty body)"
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err == nil {
		return out.String()
	}
	return string(b)
}

// maskToken keeps the scheme and the first characters of a credential.
func maskToken(v string) string {
	scheme, rest, ok := strings.Cut(v, " ")
	if !ok {
		rest, scheme = v, ""
	}
	if len(rest) > 12 {
		rest = rest[:12] + "…"
	}
	return strings.TrimSpace(scheme + " " + rest)
}

// decodeJWT returns the pretty header and claims of a bearer token; the
// signature is never shown.
func decodeJWT(auth string) (header, claims string) {
	tok := strings.TrimSpace(auth)
	if s, ok := strings.CutPrefix(tok, "Bearer "); ok {
		tok = strings.TrimSpace(s)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", ""
	}
	dec := func(p string) string {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p, "="))
		if err != nil {
			return "(not base64url: " + err.Error() + ")"
		}
		return prettyJSON(b)
	}
	return dec(parts[0]), dec(parts[1])
}

func (a *webhooksArea) replay(id int64, resign bool) {
	in := a.env.svc.Inspector
	var res wi.ReplayResult
	a.env.run(func(ctx context.Context) (err error) {
		res, err = in.Replay(ctx, id, resign)
		return err
	}, func(err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("replay: %w", err), a.env.win)
			return
		}
		msg := fmt.Sprintf("Sent to %s (%s): answered %d.", res.URL, res.Mode, res.Response.Status)
		if len(res.Differences) > 0 {
			msg += "\nDifferences from the capture:\n• " + strings.Join(res.Differences, "\n• ")
		}
		dialog.ShowInformation("Replayed", msg, a.env.win)
	})
}

func (a *webhooksArea) exportHAR() {
	in := a.env.svc.Inspector
	f := a.filter.storeFilter()
	f.Newest = false
	dialog.ShowFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		a.env.run(func(ctx context.Context) error {
			defer w.Close()
			return in.WriteHAR(ctx, w, f)
		}, func(err error) {
			if err != nil {
				dialog.ShowError(fmt.Errorf("export HAR: %w", err), a.env.win)
				return
			}
			dialog.ShowInformation("Exported", "Saved "+w.URI().Path(), a.env.win)
		})
	}, a.env.win)
}

// nccoProblems validates an NCCO as typed: "" when it is valid.
func nccoProblems(text string) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	n, err := wi.ParseNCCO([]byte(text))
	if err != nil {
		return err.Error()
	}
	var msgs []string
	for _, e := range n.Validate() {
		msgs = append(msgs, e.Error())
	}
	return strings.Join(msgs, "\n")
}

// newNCCOEditor is a multi-line JSON entry with a live verdict under it.
func newNCCOEditor(initial string) (*widget.Entry, *widget.Label, fyne.CanvasObject) {
	e := widget.NewMultiLineEntry()
	e.TextStyle.Monospace = true
	e.SetMinRowsVisible(8)
	e.SetPlaceHolder(`[{"action":"talk","text":"Hello"}]`)
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	check := func(s string) {
		if p := nccoProblems(s); p != "" {
			status.SetText("✗ " + p)
			status.Importance = widget.DangerImportance
		} else if strings.TrimSpace(s) == "" {
			status.SetText("Empty: the inspector answers with a short talk action.")
			status.Importance = widget.MediumImportance
		} else {
			status.SetText("✓ Valid NCCO")
			status.Importance = widget.SuccessImportance
		}
		status.Refresh()
	}
	e.OnChanged = check
	e.SetText(initial)
	check(initial)
	return e, status, container.NewBorder(nil, status, nil, nil, e)
}

// inspectorSettings is the form of the inspector settings: secrets per
// api_key (stored in the secret store, never in the config), time window,
// application id, NCCO (validated as typed) and forward target.
type inspectorSettings struct {
	env                           *viewEnv
	state                         *configState
	secrets                       SecretStore
	apiKey, secret, window, appID *widget.Entry
	forward, ncco                 *widget.Entry
	keys                          *widget.Label
	items                         []*widget.FormItem
}

func newInspectorSettings(env *viewEnv, state *configState, secrets SecretStore) *inspectorSettings {
	in := state.cfg.Inspector
	f := &inspectorSettings{env: env, state: state, secrets: secrets}
	f.apiKey = widget.NewEntry()
	f.apiKey.SetPlaceHolder("api_key (as in the JWT claims)")
	var names []string
	for k := range in.SignatureSecrets {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) > 0 {
		f.apiKey.SetText(names[0])
	}
	f.keys = widget.NewLabel("Keys with a secret: " + orDash(strings.Join(append([]string{localAPIKey + " (samples)"}, names...), ", ")) +
		". Secrets live in the secret store, never in the config file.")
	f.keys.Wrapping = fyne.TextWrapWord
	f.secret = widget.NewPasswordEntry()
	f.secret.SetPlaceHolder("leave empty to keep the stored secret")
	f.window = widget.NewEntry()
	f.window.SetText(time.Duration(in.MaxAge).String())
	f.appID = widget.NewEntry()
	f.appID.SetText(in.ApplicationID)
	f.forward = widget.NewEntry()
	f.forward.SetPlaceHolder("https://your-app.example.com (empty: do not forward)")
	f.forward.SetText(in.Forward)
	var nccoBox fyne.CanvasObject
	f.ncco, _, nccoBox = newNCCOEditor(in.NCCO)
	f.items = []*widget.FormItem{
		widget.NewFormItem("API key", f.apiKey),
		widget.NewFormItem("Signature secret", f.secret),
		widget.NewFormItem("", f.keys),
		widget.NewFormItem("Max age", f.window),
		widget.NewFormItem("Application ID", f.appID),
		widget.NewFormItem("Forward to", f.forward),
		widget.NewFormItem("Answer NCCO", nccoBox),
	}
	return f
}

// config checks the form and returns the config it describes.
func (f *inspectorSettings) config() (*config.Config, error) {
	if p := nccoProblems(f.ncco.Text); p != "" {
		return nil, fmt.Errorf("the NCCO is not valid: %s", p)
	}
	dur, err := time.ParseDuration(strings.TrimSpace(f.window.Text))
	if err != nil || dur <= 0 {
		return nil, fmt.Errorf("max age %q: write a duration such as 5m or 90s", f.window.Text)
	}
	cfg := f.state.cfg.Clone()
	in := &cfg.Inspector
	in.MaxAge = config.Duration(dur)
	in.ApplicationID = strings.TrimSpace(f.appID.Text)
	in.Forward = strings.TrimSpace(f.forward.Text)
	in.NCCO = strings.TrimSpace(f.ncco.Text)
	if key := strings.TrimSpace(f.apiKey.Text); key != "" {
		if in.SignatureSecrets == nil {
			in.SignatureSecrets = map[string]string{}
		}
		in.SignatureSecrets[key] = config.SignatureSecretKey(key)
	}
	return cfg, nil
}

// save stores the secret (secret store), the config (file) and applies
// them to the running inspector; done gets the outcome on the UI goroutine.
func (f *inspectorSettings) save(done func(error)) {
	cfg, err := f.config()
	if err != nil {
		done(err)
		return
	}
	key, sec := strings.TrimSpace(f.apiKey.Text), f.secret.Text
	f.env.run(func(ctx context.Context) error {
		if key != "" && sec != "" && f.secrets != nil {
			if err := f.secrets.Set(ctx, config.SignatureSecretKey(key), sec); err != nil {
				return fmt.Errorf("store the secret: %w", err)
			}
		}
		if err := f.state.store.Save(cfg); err != nil {
			return err
		}
		if in := f.env.svc.Inspector; in != nil {
			if err := in.Apply(ctx, cfg.Inspector); err != nil {
				return fmt.Errorf("saved, but the inspector did not restart: %w", err)
			}
		}
		return nil
	}, func(err error) {
		if err == nil {
			f.state.saved(cfg)
			f.secret.SetText("")
			f.env.svc.logf("inspector settings applied")
		}
		done(err)
	})
}

// showInspectorSettings opens the inspector settings as a dialog.
func showInspectorSettings(env *viewEnv, state *configState, d Deps) {
	f := newInspectorSettings(env, state, d.Secrets)
	dlg := dialog.NewForm("Inspector settings", "Save", "Cancel", f.items, func(ok bool) {
		if !ok {
			return
		}
		f.save(func(err error) {
			if err != nil {
				dialog.ShowError(err, env.win)
				return
			}
			dialog.ShowInformation("Saved", "The inspector settings are saved and in force.", env.win)
		})
	}, env.win)
	dlg.Resize(fyne.NewSize(640, 600))
	dlg.Show()
}

// truncLabel is a one-line label that ends in an ellipsis when too long.
func truncLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}
