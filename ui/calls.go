package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/sip"
	wi "github.com/hookphone/hookphone/webhookinspector"
)

const callsID = "calls"

// historyPage is how many calls one page of the history holds.
const historyPage = 100

// callsArea is the call history: a paged list and the picked call's detail
// (SIP ladder, stats summary, its webhooks) with Redial.
type callsArea struct {
	env     *viewEnv
	rows    []sip.HistoryEntry
	list    *widget.List
	more    *widget.Button
	detail  *fyne.Container
	empty   fyne.CanvasObject
	body    fyne.CanvasObject // the panes, hidden while the empty state shows
	content fyne.CanvasObject
	picked  int
}

// ID returns the area's key.
func (a *callsArea) ID() string { return callsID }

// Title returns the sidebar label.
func (a *callsArea) Title() string { return "Calls" }

// Icon returns the sidebar icon.
func (a *callsArea) Icon() fyne.Resource { return theme.HistoryIcon() }

// Content returns the area's widgets.
func (a *callsArea) Content() fyne.CanvasObject { return a.content }

func newCallsArea(env *viewEnv) *callsArea {
	a := &callsArea{env: env, picked: -1}
	a.list = widget.NewList(func() int { return len(a.rows) }, newHistoryRow, func(i widget.ListItemID, o fyne.CanvasObject) {
		setHistoryRow(o, a.rows[i])
	})
	a.list.OnSelected = func(i widget.ListItemID) { a.pick(i) }
	a.more = widget.NewButtonWithIcon("Older calls", theme.MoreVerticalIcon(), a.loadMore)
	a.more.Hide()
	a.detail = container.NewStack()
	e := &emptyState{
		icon:  theme.HistoryIcon(),
		title: "Calls",
		what: "Every call you place or take is listed here: direction, who, when, how long, how it ended, codec, " +
			"SRTP suite and MOS. Pick one to see its SIP ladder, media statistics and the webhooks tied to it.",
		how: []string{"Place or answer a call in the Phone area (dial echo for the local echo service)."},
	}
	e.actions = append(e.actions, widget.NewButtonWithIcon("Go to Phone", theme.MediaRecordIcon(), func() { env.show(phoneID) }))
	a.empty = e.build()
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), a.Reload)
	head := container.NewBorder(nil, nil, widget.NewLabelWithStyle("Call history", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), refresh)
	listSide := container.NewBorder(head, a.more, nil, nil, a.list)
	split := container.NewHSplit(listSide, container.NewVScroll(container.NewPadded(a.detail)))
	split.Offset = 0.45
	a.body = split
	split.Hide()
	a.content = container.NewStack(split, a.empty)
	a.Reload()
	return a
}

func newHistoryRow() fyne.CanvasObject {
	main := widget.NewLabel("someone@example.com · Jan 2 15:04:05")
	main.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, widget.NewIcon(theme.MailReplyIcon()),
		widget.NewLabelWithStyle("00:00 answered", fyne.TextAlignTrailing, fyne.TextStyle{}), main)
}

func setHistoryRow(o fyne.CanvasObject, e sip.HistoryEntry) {
	c := o.(*fyne.Container)
	main := c.Objects[0].(*widget.Label)
	icon := c.Objects[1].(*widget.Icon)
	right := c.Objects[2].(*widget.Label)
	if e.Direction == sip.DirectionIncoming {
		icon.SetResource(theme.MailReplyIcon())
	} else {
		icon.SetResource(theme.MailForwardIcon())
	}
	main.SetText(fmt.Sprintf("%s · %s", shortRemote(e.Remote), e.Start.Local().Format("Jan 2 15:04:05")))
	right.SetText(fmt.Sprintf("%s  %s", fmtDuration(e.Duration), e.Result))
}

// fmtDuration is m:ss.
func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// Reload fetches the newest page.
func (a *callsArea) Reload() {
	h := a.env.svc.History
	if h == nil {
		return
	}
	var rows []sip.HistoryEntry
	a.env.run(func(ctx context.Context) (err error) {
		rows, err = h.List(ctx, time.Time{}, historyPage)
		return err
	}, func(err error) {
		if err != nil {
			a.env.svc.logf("history err=%q", err.Error())
			return
		}
		a.rows = rows
		a.show()
	})
}

func (a *callsArea) loadMore() {
	h := a.env.svc.History
	if h == nil || len(a.rows) == 0 {
		return
	}
	before := a.rows[len(a.rows)-1].Start
	var rows []sip.HistoryEntry
	a.env.run(func(ctx context.Context) (err error) {
		rows, err = h.List(ctx, before, historyPage)
		return err
	}, func(err error) {
		if err == nil {
			a.rows = append(a.rows, rows...)
			if len(rows) < historyPage {
				a.more.Hide()
			}
			a.list.Refresh()
		}
	})
}

func (a *callsArea) show() {
	if len(a.rows) == 0 {
		a.empty.Show()
		a.body.Hide()
	} else {
		a.empty.Hide()
		a.body.Show()
	}
	if len(a.rows) >= historyPage {
		a.more.Show()
	} else {
		a.more.Hide()
	}
	a.list.Refresh()
	a.content.Refresh()
	a.env.svc.logf("history rows=%d", len(a.rows))
}

// pick shows call i's detail: summary, SIP ladder and its webhooks.
func (a *callsArea) pick(i int) {
	if i < 0 || i >= len(a.rows) {
		return
	}
	a.picked = i
	e := a.rows[i]
	rows := [][2]string{
		{"Remote", e.Remote},
		{"Direction", e.Direction.String()},
		{"Started", e.Start.Local().Format("2006-01-02 15:04:05")},
		{"Duration", fmtDuration(e.Duration)},
		{"Result", fmt.Sprintf("%s (SIP %d) %s", e.Result, e.SIPStatus, e.Reason)},
		{"Codec / SRTP", fmt.Sprintf("%s / %s", orDash(e.Codec), orDash(e.SRTPSuite))},
		{"MOS", fmt.Sprintf("%.2f", e.MOS)},
		{"Setup", fmt.Sprintf("%d ms", e.SetupMS)},
		{"Account", e.Account},
	}
	form := container.New(&formLayout{labelWidth: 120})
	for _, r := range rows {
		form.Add(widget.NewLabelWithStyle(r[0], fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		form.Add(widget.NewLabel(r[1]))
	}
	redial := widget.NewButtonWithIcon("Redial", theme.MediaRecordIcon(), func() {
		if a.env.phone != nil {
			a.env.phone.dialNumber(shortRemote(e.Remote))
			a.env.phone.Dial()
		}
	})
	redial.Importance = widget.SuccessImportance
	ladder := widget.NewLabel("Reading the SIP trace…")
	ladder.TextStyle.Monospace = true
	hooks := widget.NewLabel("Looking for this call's webhooks…")
	hooks.Wrapping = fyne.TextWrapWord
	timeline := widget.NewLabel("")
	timeline.TextStyle.Monospace = true
	a.detail.Objects = []fyne.CanvasObject{container.NewVBox(
		container.NewBorder(nil, nil, nil, redial, widget.NewLabelWithStyle("Call detail", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})),
		form,
		widget.NewLabelWithStyle("SIP ladder", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), ladder,
		widget.NewLabelWithStyle("Webhooks of this call", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), hooks,
		widget.NewLabelWithStyle("Timeline: SIP and webhooks", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), timeline,
	)}
	a.detail.Refresh()
	// The trace of an older call comes from the database: read it off the UI goroutine.
	var msgs []sip.TraceMessage
	a.env.run(func(context.Context) error {
		if t := a.env.svc.Trace; t != nil && e.SIPCallID != "" {
			msgs = t.Messages(e.SIPCallID)
		}
		return nil
	}, func(error) {
		if a.picked != i {
			return
		}
		ladder.SetText(ladderOf(msgs))
		timeline.SetText(timelineText(msgs, nil))
		a.detail.Refresh()
		a.loadWebhooks(e, hooks, func(rows []wi.Summary) { timeline.SetText(timelineText(msgs, rows)) })
	})
}

// ladderOf draws a call's SIP messages as a text ladder, or says none are kept.
func ladderOf(msgs []sip.TraceMessage) string {
	if len(msgs) == 0 {
		return "No SIP trace kept for this call."
	}
	return ladderText(msgs)
}

// ladderText renders messages as "time  us ──INVITE──▶ server" lines.
func ladderText(msgs []sip.TraceMessage) string {
	var b strings.Builder
	t0 := msgs[0].Time
	for _, m := range msgs {
		label := m.Summary
		if strings.HasPrefix(label, "SIP/2.0 ") {
			label = strings.TrimPrefix(label, "SIP/2.0 ")
		} else if i := strings.IndexByte(label, ' '); i > 0 {
			label = label[:i]
		}
		if len(label) > 28 {
			label = label[:28]
		}
		arrow := fmt.Sprintf("us ──%s──▶ server", label)
		if m.Dir == sip.DirReceived {
			arrow = fmt.Sprintf("us ◀──%s── server", label)
		}
		fmt.Fprintf(&b, "%+7.3fs  %s\n", m.Time.Sub(t0).Seconds(), arrow)
	}
	return strings.TrimRight(b.String(), "\n")
}

// loadWebhooks lists the call's webhooks: by X-Hookphone-Call-Id, else by
// time window (the captures received while the call lasted).
func (a *callsArea) loadWebhooks(e sip.HistoryEntry, out *widget.Label, found func([]wi.Summary)) {
	in := a.env.svc.Inspector
	if in == nil {
		out.SetText("The inspector is not running.")
		return
	}
	var rows []wi.Summary
	how := ""
	a.env.run(func(ctx context.Context) error {
		var err error
		rows, how, err = callWebhooks(ctx, in, e)
		return err
	}, func(err error) {
		if err != nil {
			out.SetText("Could not read the webhooks: " + err.Error())
			return
		}
		if len(rows) == 0 {
			out.SetText("No webhook matched this call (by X-Hookphone-Call-Id, or received while it lasted).")
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%d webhooks (%s):\n", len(rows), how)
		for _, r := range rows {
			fmt.Fprintf(&b, "%s  %-6s %s  %s  %s\n", r.ReceivedAt.Local().Format("15:04:05"), r.Method, r.Path, r.Verdict, r.Event)
		}
		out.SetText(strings.TrimRight(b.String(), "\n"))
		found(rows)
		a.detail.Refresh()
	})
}

// callWebhooks finds a call's webhooks: those carrying its call id first;
// if none, those received from its start to its end (plus a minute).
func callWebhooks(ctx context.Context, in InspectorService, e sip.HistoryEntry) ([]wi.Summary, string, error) {
	for _, id := range []string{e.ID, e.SIPCallID} {
		if id == "" {
			continue
		}
		rows, err := in.List(ctx, wi.Filter{Call: id, Limit: 100})
		if err != nil {
			return nil, "", err
		}
		if len(rows) > 0 {
			return rows, "matched by SipHeader_X-Hookphone-Call-Id", nil
		}
	}
	rows, err := in.List(ctx, wi.Filter{Since: e.Start.Add(-5 * time.Second), Limit: 200})
	if err != nil {
		return nil, "", err
	}
	end := e.Start.Add(e.Duration + time.Minute)
	user := remoteUser(e.Remote)
	var keep []wi.Summary
	for _, r := range rows {
		if r.ReceivedAt.After(end) {
			continue
		}
		c, err := in.Get(ctx, r.ID)
		if err != nil {
			return nil, "", err
		}
		if user == "" || strings.Contains(c.Event.From, user) || strings.Contains(c.Event.To, user) {
			keep = append(keep, r)
		}
	}
	return keep, "matched by from/to and time: no call id header", nil
}

// remoteUser is the user part of a SIP URI ("" when there is none).
func remoteUser(uri string) string {
	s := shortRemote(uri)
	if u, _, ok := strings.Cut(s, "@"); ok {
		return u
	}
	return s
}

// timelineText interleaves a call's SIP messages and its webhooks by time,
// one line each: what the phone said and heard, and what the voice API told
// the application, on one clock.
func timelineText(msgs []sip.TraceMessage, hooks []wi.Summary) string {
	type line struct {
		at   time.Time
		text string
	}
	var lines []line
	for _, m := range msgs {
		lines = append(lines, line{m.Time, fmt.Sprintf("SIP  %s %s", m.Dir.Arrow(), m.Summary)})
	}
	for _, h := range hooks {
		ev := h.Event
		if ev == "" {
			ev = h.Kind.String()
		}
		lines = append(lines, line{h.ReceivedAt, fmt.Sprintf("HOOK ⇠ %s %s %s (%s)", h.Method, h.Path, ev, h.Verdict)})
	}
	if len(lines) == 0 {
		return "Nothing recorded for this call in this session."
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].at.Before(lines[j].at) })
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s  %s\n", l.at.Local().Format("15:04:05.000"), l.text)
	}
	return strings.TrimRight(b.String(), "\n")
}
