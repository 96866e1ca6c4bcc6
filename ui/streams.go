package ui

import (
	"context"
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	wi "github.com/hookphone/hookphone/webhookinspector"
	sc "github.com/hookphone/hookphone/webhookinspector/streamcache"
)

const streamsID = "streams"

// streamPage is how many URLs one page of the Streams pane holds.
const streamPage = 200

// chip is a stream URL's cache state as the pane labels it.
type chip int

// The four chips of a cached URL.
const (
	chipFresh chip = iota
	chipStale
	chipRevalidated
	chipUncacheable
)

// String is the chip's label.
func (c chip) String() string {
	return [...]string{"fresh", "stale", "revalidated", "uncacheable"}[c]
}

func (c chip) colour() color.Color {
	return [...]color.Color{
		lockGreen,
		color.NRGBA{R: 0xd9, G: 0x8c, B: 0x00, A: 0xff},
		color.NRGBA{R: 0x1e, G: 0x6f, B: 0xd9, A: 0xff},
		color.NRGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff},
	}[c]
}

// chipFor decides a report's chip: what the last fetch did (revalidated,
// uncacheable) first, else whether the stored copy is still fresh.
func chipFor(r sc.Report) chip {
	switch {
	case r.Status == sc.StatusUncacheable || !r.Stored:
		return chipUncacheable
	case r.Status == sc.StatusRevalidated && r.Fresh:
		return chipRevalidated
	case r.Fresh:
		return chipFresh
	}
	return chipStale
}

// chipWidget draws a chip: a coloured rounded label.
func newChip() (*fyne.Container, func(chip)) {
	bg := canvas.NewRectangle(chipFresh.colour())
	bg.CornerRadius = 8
	t := canvas.NewText("uncacheable", color.White)
	t.TextStyle.Bold = true
	t.TextSize = theme.CaptionTextSize()
	t.Alignment = fyne.TextAlignCenter
	c := container.NewStack(bg, container.NewPadded(t))
	return c, func(ch chip) {
		bg.FillColor = ch.colour()
		t.Text = ch.String()
		bg.Refresh()
		t.Refresh()
	}
}

// streamsArea is the Streams pane: cached NCCO stream URLs with state chips
// and the picked one's detail, prediction, waveform and actions.
type streamsArea struct {
	env     *viewEnv
	rows    []sc.Report
	list    *widget.List
	detail  *fyne.Container
	empty   fyne.CanvasObject
	body    fyne.CanvasObject // the panes, hidden while the empty state shows
	content fyne.CanvasObject
	stop    context.CancelFunc
	more    *widget.Button
}

// ID returns the area's key.
func (a *streamsArea) ID() string { return streamsID }

// Title returns the sidebar label.
func (a *streamsArea) Title() string { return "Streams" }

// Icon returns the sidebar icon.
func (a *streamsArea) Icon() fyne.Resource { return theme.MediaMusicIcon() }

// Content returns the area's widgets.
func (a *streamsArea) Content() fyne.CanvasObject { return a.content }

func newStreamsArea(env *viewEnv) *streamsArea {
	a := &streamsArea{env: env}
	a.list = widget.NewList(func() int { return len(a.rows) }, func() fyne.CanvasObject {
		c, _ := newChip()
		return container.NewBorder(nil, nil, c, nil, widget.NewLabel("https://example.com/audio/welcome.mp3"))
	}, func(i widget.ListItemID, o fyne.CanvasObject) {
		r := a.rows[i]
		b := o.(*fyne.Container)
		lbl := b.Objects[0].(*widget.Label)
		lbl.Truncation = fyne.TextTruncateEllipsis
		lbl.SetText(sc.RedactURL(r.URL))
		chipBox := b.Objects[1].(*fyne.Container)
		setChipBox(chipBox, chipFor(r))
	})
	a.list.OnSelected = func(i widget.ListItemID) {
		if i < len(a.rows) {
			a.pick(a.rows[i])
		}
	}
	a.detail = container.NewStack(widget.NewLabel("Pick a URL to see its cache state, prediction and waveform."))
	e := &emptyState{
		icon:  theme.MediaMusicIcon(),
		title: "Streams",
		what: "Audio files that NCCO stream actions point at appear here, fetched through Hookphone's private " +
			"HTTP cache: fresh, stale, revalidated or uncacheable, with headers, freshness, what the voice " +
			"platform will do with them, a waveform and a play button.",
		how: []string{
			"Answer webhooks whose NCCO has a stream action list their audio URLs automatically.",
			"Or put a stream action in the inspector's answer NCCO (Webhooks → Inspector settings).",
		},
	}
	e.actions = append(e.actions, widget.NewButtonWithIcon("Go to Webhooks", theme.MailSendIcon(), func() { env.show(webhooksID) }))
	a.empty = e.build()
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), a.Reload)
	a.more = widget.NewButtonWithIcon("More URLs", theme.MoreVerticalIcon(), a.loadMore)
	a.more.Hide()
	left := container.NewBorder(container.NewBorder(nil, nil, widget.NewLabelWithStyle("Stream audio", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), refresh), a.more, nil, nil, a.list)
	split := container.NewHSplit(left, container.NewVScroll(container.NewPadded(a.detail)))
	split.Offset = 0.45
	a.body = split
	split.Hide()
	a.content = container.NewStack(split, a.empty)
	a.Reload()
	if in := env.svc.Inspector; in != nil && env.svc.Streams != nil {
		a.followAnswers(in)
	}
	return a
}

// followAnswers reloads the list shortly after each answer webhook: its NCCO
// may name new stream URLs, which the cache fetches in the background.
func (a *streamsArea) followAnswers(in InspectorService) {
	ch, _ := in.Subscribe(64)
	go func() {
		for n := range ch {
			if n.Capture != nil && n.Capture.Kind == wi.KindAnswer {
				time.AfterFunc(2*time.Second, func() { a.env.ui(a.Reload) })
			}
		}
	}()
}

// setChipBox updates a chip built by newChip inside a list row.
func setChipBox(c *fyne.Container, ch chip) {
	bg := c.Objects[0].(*canvas.Rectangle)
	t := c.Objects[1].(*fyne.Container).Objects[0].(*canvas.Text)
	bg.FillColor = ch.colour()
	t.Text = ch.String()
	bg.Refresh()
	t.Refresh()
}

// Reload fetches the first page of cached URLs.
func (a *streamsArea) Reload() {
	s := a.env.svc.Streams
	if s == nil {
		return
	}
	var rows []sc.Report
	a.env.run(func(ctx context.Context) (err error) {
		rows, err = s.List(ctx, 0, streamPage)
		return err
	}, func(err error) {
		if err != nil {
			a.env.svc.logf("streams err=%q", err.Error())
			return
		}
		a.rows = rows
		a.more.Hidden = len(rows) < streamPage
		a.env.svc.logf("streams rows=%d", len(rows))
		if len(rows) == 0 {
			a.empty.Show()
			a.body.Hide()
		} else {
			a.empty.Hide()
			a.body.Show()
		}
		a.content.Refresh()
		a.list.Refresh()
	})
}

// loadMore appends the next page of URLs.
func (a *streamsArea) loadMore() {
	s := a.env.svc.Streams
	var rows []sc.Report
	off := len(a.rows)
	a.env.run(func(ctx context.Context) (err error) {
		rows, err = s.List(ctx, off, streamPage)
		return err
	}, func(err error) {
		if err != nil {
			return
		}
		a.rows = append(a.rows, rows...)
		a.more.Hidden = len(rows) < streamPage
		a.content.Refresh()
		a.list.Refresh()
	})
}

// pick shows one URL's detail.
func (a *streamsArea) pick(r sc.Report) {
	c, set := newChip()
	set(chipFor(r))
	url := widget.NewLabelWithStyle(sc.RedactURL(r.URL), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	url.Wrapping = fyne.TextWrapBreak
	pred := widget.NewLabel(r.Prediction)
	pred.Wrapping = fyne.TextWrapWord
	pred.Importance = widget.HighImportance
	rows := [][2]string{
		{"HTTP status", fmt.Sprint(r.HTTPStatus)},
		{"Last fetch", r.Status.String() + whyText(r.Why)},
		{"Freshness", freshnessText(r)},
		{"Cache-Control", orDash(r.CacheControl)},
		{"ETag", orDash(r.ETag)},
		{"Last-Modified", orDash(r.LastModified)},
		{"Vary", orDash(r.Vary)},
		{"Content-Type", orDash(r.ContentType)},
		{"Audio", audioText(r)},
		{"Hits / size", fmt.Sprintf("%d / %d bytes", r.Hits, r.Bytes)},
	}
	form := container.New(&formLayout{labelWidth: 120})
	for _, row := range rows {
		form.Add(widget.NewLabelWithStyle(row[0], fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		v := widget.NewLabel(row[1])
		v.Wrapping = fyne.TextWrapWord
		form.Add(v)
	}
	wave := newWaveform()
	play := widget.NewButtonWithIcon("Play", theme.MediaPlayIcon(), nil)
	play.OnTapped = func() { a.togglePlay(r.URL, play) }
	reval := widget.NewButtonWithIcon("Revalidate now", theme.ViewRefreshIcon(), func() { a.revalidate(r.URL) })
	evict := widget.NewButtonWithIcon("Evict", theme.DeleteIcon(), func() { a.evict(r.URL) })
	evict.Importance = widget.DangerImportance
	if !r.Stored || r.AudioError != "" {
		play.Disable()
	}
	a.detail.Objects = []fyne.CanvasObject{container.NewVBox(
		container.NewBorder(nil, nil, container.NewCenter(c), nil, url), pred, form, wave, container.NewHBox(play, reval, evict))}
	a.detail.Refresh()
	if s := a.env.svc.Streams; s != nil && r.Stored {
		var peaks []float32
		a.env.run(func(ctx context.Context) (err error) {
			peaks, err = s.Peaks(ctx, r.URL)
			return err
		}, func(err error) {
			if err == nil {
				wave.set(peaks)
			}
		})
	}
}

func whyText(why string) string {
	if why == "" {
		return ""
	}
	return " — " + why
}

func freshnessText(r sc.Report) string {
	if r.Fresh {
		return fmt.Sprintf("fresh for %s more (lifetime %s from %s, age %s)", r.FreshFor.Round(time.Second),
			r.FreshnessLifetime.Round(time.Second), orDash(r.FreshnessSource), r.Age.Round(time.Second))
	}
	if !r.Stored {
		return "not stored"
	}
	return fmt.Sprintf("stale since %s (lifetime %s from %s)", (-r.ExpiresIn).Round(time.Second),
		r.FreshnessLifetime.Round(time.Second), orDash(r.FreshnessSource))
}

func audioText(r sc.Report) string {
	if r.AudioError != "" {
		return "not playable: " + r.AudioError
	}
	s := fmt.Sprintf("%s, %d Hz, %d ch, %.1f s", orDash(r.Format), r.SampleRate, r.Channels, r.DurationS)
	if r.StreamNote != "" {
		s += " — " + r.StreamNote
	}
	return s
}

func (a *streamsArea) togglePlay(url string, b *widget.Button) {
	if a.stop != nil {
		a.stop()
		a.stop = nil
		b.SetText("Play")
		b.SetIcon(theme.MediaPlayIcon())
		return
	}
	s := a.env.svc.Streams
	ctx, cancel := context.WithCancel(context.Background())
	a.stop = cancel
	b.SetText("Stop")
	b.SetIcon(theme.MediaStopIcon())
	a.env.async(func() {
		err := s.Play(ctx, url)
		fyne.Do(func() {
			if a.stop != nil {
				a.stop()
				a.stop = nil
			}
			b.SetText("Play")
			b.SetIcon(theme.MediaPlayIcon())
			if err != nil && ctx.Err() == nil {
				dialog.ShowError(fmt.Errorf("play: %w", err), a.env.win)
			}
		})
	})
}

func (a *streamsArea) revalidate(url string) {
	s := a.env.svc.Streams
	var r sc.Report
	a.env.run(func(ctx context.Context) (err error) {
		r, err = s.Revalidate(ctx, url)
		return err
	}, func(err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("revalidate: %w", err), a.env.win)
			return
		}
		a.Reload()
		a.pick(r)
	})
}

func (a *streamsArea) evict(url string) {
	s := a.env.svc.Streams
	a.env.run(func(ctx context.Context) error { return s.Evict(ctx, url) }, func(err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("evict: %w", err), a.env.win)
			return
		}
		a.detail.Objects = []fyne.CanvasObject{widget.NewLabel("Evicted " + sc.RedactURL(url))}
		a.detail.Refresh()
		a.Reload()
	})
}

// waveform draws peak amplitudes (0…1) as vertical bars.
type waveform struct {
	widget.BaseWidget
	peaks []float32
}

func newWaveform() *waveform {
	w := &waveform{}
	w.ExtendBaseWidget(w)
	return w
}

func (w *waveform) set(p []float32) { w.peaks = p; w.Refresh() }

// CreateRenderer builds the waveform's renderer.
func (w *waveform) CreateRenderer() fyne.WidgetRenderer {
	r := &waveRenderer{w: w}
	r.plotRenderer = newPlotRenderer(fyne.NewSize(240, 72), r.place)
	r.place()
	return r
}

type waveRenderer struct {
	plotRenderer
	w    *waveform
	bars []*canvas.Rectangle // a pool: objects are never created while laying out
}

// place draws at most one bar per two pixels, spread over the width.
func (r *waveRenderer) place() {
	if r.objs == nil {
		r.objs = []fyne.CanvasObject{r.bg}
	}
	p := r.w.peaks
	n := 0
	if len(p) > 0 && r.size.Width > 0 {
		n = min(len(p), int(r.size.Width/2))
	}
	col := theme.Color(theme.ColorNamePrimary)
	for len(r.bars) < n {
		b := canvas.NewRectangle(col)
		r.bars = append(r.bars, b)
		r.objs = append(r.objs, b)
	}
	mid := r.size.Height / 2
	step := float32(0)
	if n > 0 {
		step = r.size.Width / float32(n)
	}
	for i, bar := range r.bars {
		if i >= n {
			bar.Hidden = true
			continue
		}
		v := p[i*len(p)/n]
		h := max(v*(r.size.Height-6), 1)
		bar.Hidden = false
		bar.Move(fyne.NewPos(float32(i)*step, mid-h/2))
		bar.Resize(fyne.NewSize(max(step*0.7, 1), h))
	}
}
