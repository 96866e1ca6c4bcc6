package ui

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/sip"
)

const traceID = "trace"

// traceArea is the SIP trace pane: one group per registration or call, the
// group's messages coloured by direction, a filter, the reveal-secrets
// toggle (off by default) and text and pcap exports.
type traceArea struct {
	env     *viewEnv
	groups  []sip.TraceGroup
	group   string // Call-ID on show ("" all)
	msgs    []sip.TraceMessage
	shown   []sip.TraceMessage
	glist   *widget.List
	mlist   *widget.List
	text    *widget.Label
	filter  *widget.Entry
	reveal  *widget.Check
	picked  int
	empty   fyne.CanvasObject
	body    fyne.CanvasObject // the panes, hidden while the empty state shows
	content fyne.CanvasObject
	dirty   bool
}

// ID returns the area's key.
func (a *traceArea) ID() string { return traceID }

// Title returns the sidebar label.
func (a *traceArea) Title() string { return "SIP trace" }

// Icon returns the sidebar icon.
func (a *traceArea) Icon() fyne.Resource { return theme.ListIcon() }

// Content returns the area's widgets.
func (a *traceArea) Content() fyne.CanvasObject { return a.content }

// Direction colours: sent blue, received green.
var (
	sentColour     = color.NRGBA{R: 0x1e, G: 0x6f, B: 0xd9, A: 0xff}
	receivedColour = color.NRGBA{R: 0x1e, G: 0x8e, B: 0x3e, A: 0xff}
)

func newTraceArea(env *viewEnv) *traceArea {
	a := &traceArea{env: env, picked: -1}
	a.glist = widget.NewList(func() int { return len(a.groups) + 1 }, func() fyne.CanvasObject {
		return widget.NewLabel("REGISTER sip:example.com (12)")
	}, func(i widget.ListItemID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		l.Truncation = fyne.TextTruncateEllipsis
		if i == 0 {
			l.SetText("All messages")
			return
		}
		g := a.groups[i-1]
		l.SetText(fmt.Sprintf("%s (%d)", g.Summary, g.Count))
	})
	a.glist.OnSelected = func(i widget.ListItemID) {
		a.group = ""
		if i > 0 && i-1 < len(a.groups) {
			a.group = a.groups[i-1].CallID
		}
		a.reload()
	}
	a.mlist = widget.NewList(func() int { return len(a.shown) }, func() fyne.CanvasObject {
		t := canvas.NewText("→", sentColour)
		t.TextStyle.Bold = true
		return container.NewBorder(nil, nil, t, nil, widget.NewLabel("00:00:00.000 SIP/2.0 200 OK"))
	}, func(i widget.ListItemID, o fyne.CanvasObject) {
		m := a.shown[i]
		c := o.(*fyne.Container)
		c.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s  %s", m.Time.Local().Format("15:04:05.000"), m.Summary))
		arrow := c.Objects[1].(*canvas.Text)
		arrow.Text = m.Dir.Arrow()
		arrow.Color = sentColour
		if m.Dir == sip.DirReceived {
			arrow.Color = receivedColour
		}
		arrow.Refresh()
	})
	a.mlist.OnSelected = func(i widget.ListItemID) { a.picked = i; a.showText() }
	a.text = widget.NewLabel("")
	a.text.TextStyle.Monospace = true
	a.text.Selectable = true
	a.filter = widget.NewEntry()
	a.filter.SetPlaceHolder("Filter (method, status, header text)")
	a.filter.OnChanged = func(string) { a.applyFilter() }
	a.reveal = widget.NewCheck("Reveal secrets", func(on bool) {
		a.env.svc.logf("ui trace reveal=%v", on)
		a.showText()
	})
	exportText := widget.NewButtonWithIcon("Export text", theme.DocumentSaveIcon(), func() { a.save("hookphone-trace.txt", a.writeText) })
	exportPCAP := widget.NewButtonWithIcon("Export pcap", theme.DocumentSaveIcon(), func() { a.save("hookphone-trace.pcap", a.writePCAP) })
	refresh := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), a.reloadGroups)
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(a.reveal, exportText, exportPCAP, refresh), a.filter)
	right := container.NewVSplit(a.mlist, container.NewScroll(a.text))
	right.Offset = 0.45
	split := container.NewHSplit(a.glist, container.NewBorder(bar, nil, nil, nil, right))
	split.Offset = 0.28

	e := &emptyState{
		icon:  theme.ListIcon(),
		title: "SIP trace",
		what: "Every SIP message on each account's TLS connection appears here, grouped by registration and call, " +
			"with Authorization digest responses and SDES keys redacted unless you choose to reveal them.",
		how: []string{"Wait for an account to register (its REGISTER exchange is traced first), or place a call."},
	}
	a.empty = e.build()
	a.body = split
	split.Hide()
	a.content = container.NewStack(split, a.empty)
	if t := env.svc.Trace; t != nil {
		t.Subscribe(func(sip.TraceMessage) {
			a.env.ui(func() {
				if !a.dirty {
					a.dirty = true
					a.reloadGroups()
				}
			})
		})
	}
	a.reloadGroups()
	return a
}

// reloadGroups re-reads the groups and the messages on show.
func (a *traceArea) reloadGroups() {
	a.dirty = false
	t := a.env.svc.Trace
	if t == nil {
		return
	}
	a.groups = t.Groups()
	if len(a.groups) == 0 {
		a.empty.Show()
		a.body.Hide()
	} else {
		a.empty.Hide()
		a.body.Show()
	}
	a.content.Refresh()
	a.glist.Refresh()
	a.reload()
}

func (a *traceArea) reload() {
	if t := a.env.svc.Trace; t != nil {
		a.msgs = t.Messages(a.group)
	}
	a.applyFilter()
}

// applyFilter keeps the messages whose redacted text contains the filter.
func (a *traceArea) applyFilter() {
	a.shown = filterTrace(a.msgs, a.filter.Text)
	a.mlist.Refresh()
	a.showText()
}

// filterTrace keeps messages whose redacted text contains q (case-insensitive).
func filterTrace(msgs []sip.TraceMessage, q string) []sip.TraceMessage {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return msgs
	}
	var out []sip.TraceMessage
	for _, m := range msgs {
		if strings.Contains(strings.ToLower(m.Text(false)), q) {
			out = append(out, m)
		}
	}
	return out
}

// showText shows the picked message (redacted unless revealed).
func (a *traceArea) showText() {
	if a.picked < 0 || a.picked >= len(a.shown) {
		a.text.SetText("Pick a message to read it.")
		return
	}
	m := a.shown[a.picked]
	a.text.SetText(m.Header() + "\n" + m.Text(a.reveal.Checked))
}

func (a *traceArea) writeText(w io.Writer) error { return sip.Export(w, a.shown, a.reveal.Checked) }

func (a *traceArea) writePCAP(w io.Writer) error { return writeTracePCAP(w, a.shown, a.reveal.Checked) }

// save asks for a file and writes the messages on show into it.
func (a *traceArea) save(name string, write func(io.Writer) error) {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		dialog.ShowError(err, a.env.win)
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		data := buf.Bytes()
		a.env.run(func(context.Context) error {
			defer w.Close()
			_, err := w.Write(data)
			return err
		}, func(err error) {
			if err != nil {
				dialog.ShowError(fmt.Errorf("export: %w", err), a.env.win)
			}
		})
	}, a.env.win)
	d.SetFileName(name)
	d.Show()
}
