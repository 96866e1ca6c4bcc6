package ui

import (
	"context"
	"fmt"
	"image/color"
	"net/netip"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/sip"
)

// callView is the call in progress: who, state, timer, controls, the lock
// badge and live media statistics. It shows one CallHandle at a time and
// refreshes from the call's events (and a 1 s tick for the timer and meters).
type callView struct {
	env  *viewEnv
	call CallHandle
	gen  int // bumps on each attach, so a stale pump stops updating

	remote, state, timer *widget.Label
	badge                *lockBadge
	mute, hold, pad      *widget.Button
	transfer, hangup     *widget.Button
	dtmf                 *fyne.Container
	dtmfSent             *widget.Label
	jitter, loss         *widget.Label
	rtt, mos, packets    *widget.Label
	graph                *mosGraph
	micMeter, spkMeter   *levelMeter
	hints                *widget.Label
	lastState            sip.CallState
	root                 fyne.CanvasObject
	onState              func(sip.CallInfo) // called on each state change
}

func newCallView(env *viewEnv) *callView {
	v := &callView{env: env}
	v.remote = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.remote.SizeName = theme.SizeNameSubHeadingText
	v.remote.Truncation = fyne.TextTruncateEllipsis
	v.state = widget.NewLabel("")
	v.timer = widget.NewLabelWithStyle("00:00", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	v.timer.SizeName = theme.SizeNameSubHeadingText
	v.badge = newLockBadge(v.showSecurity)

	v.mute = widget.NewButtonWithIcon("Mute", theme.VolumeMuteIcon(), v.toggleMute)
	v.hold = widget.NewButtonWithIcon("Hold", theme.MediaPauseIcon(), v.toggleHold)
	v.pad = widget.NewButtonWithIcon("Keypad", theme.GridIcon(), v.togglePad)
	v.transfer = widget.NewButtonWithIcon("Transfer", theme.MailForwardIcon(), v.askTransfer)
	v.hangup = widget.NewButtonWithIcon("Hang up", theme.CancelIcon(), v.Hangup)
	v.hangup.Importance = widget.DangerImportance

	v.dtmfSent = widget.NewLabel("")
	v.dtmf = container.NewVBox(newKeypad(v.sendDigit), v.dtmfSent)
	v.dtmf.Hide()

	v.jitter, v.loss, v.rtt, v.mos, v.packets = statLabel(), statLabel(), statLabel(), statLabel(), statLabel()
	v.graph = newMOSGraph()
	v.micMeter, v.spkMeter = newLevelMeter(), newLevelMeter()
	v.hints = widget.NewLabel("")
	v.hints.Wrapping = fyne.TextWrapWord
	v.hints.Importance = widget.WarningImportance

	head := container.NewBorder(nil, nil, nil, v.timer, container.NewVBox(v.remote, v.state))
	controls := container.NewGridWithColumns(5, v.mute, v.hold, v.pad, v.transfer, v.hangup)
	stats := container.NewGridWithColumns(5,
		statBox("Jitter", v.jitter), statBox("Loss", v.loss), statBox("RTT", v.rtt),
		statBox("MOS", v.mos), statBox("Packets in/out", v.packets))
	meters := container.New(&formLayout{labelWidth: 90},
		widget.NewLabel("Microphone"), v.micMeter,
		widget.NewLabel("Speaker"), v.spkMeter)
	graphBox := container.NewBorder(widget.NewLabelWithStyle("MOS over the call", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, v.graph)
	v.root = container.NewVBox(head, v.badge, controls, v.dtmf, widget.NewSeparator(), stats, graphBox, meters, v.hints)
	v.clear()
	return v
}

func statLabel() *widget.Label {
	return widget.NewLabelWithStyle("—", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
}

func statBox(name string, value *widget.Label) fyne.CanvasObject {
	t := canvas.NewText(name, theme.Color(theme.ColorNamePlaceHolder))
	t.Alignment = fyne.TextAlignCenter
	t.TextSize = theme.CaptionTextSize()
	return container.NewVBox(t, value)
}

// Content is the view's widget tree.
func (v *callView) Content() fyne.CanvasObject { return v.root }

// Call returns the call on show (nil when idle).
func (v *callView) Call() CallHandle { return v.call }

// clear shows "no call".
func (v *callView) clear() {
	v.call = nil
	v.remote.SetText("No call")
	v.state.SetText("Dial a number or a sip: URI on the left; Enter calls, Escape hangs up.")
	v.timer.SetText("00:00")
	v.badge.set(lock{Text: "Not secure yet: no call"})
	for _, b := range []*widget.Button{v.mute, v.hold, v.pad, v.transfer, v.hangup} {
		b.Disable()
	}
	v.dtmf.Hide()
	v.hints.SetText("")
	v.hints.Hide()
	v.graph.set(nil)
	for _, l := range []*widget.Label{v.jitter, v.loss, v.rtt, v.mos, v.packets} {
		l.SetText("—")
	}
	v.micMeter.SetValue(0)
	v.spkMeter.SetValue(0)
}

// attach shows c and follows its events until it ends.
func (v *callView) attach(c CallHandle) {
	v.gen++
	gen := v.gen
	v.call = c
	v.lastState = sip.CallStateUnknown
	v.graph.set(nil)
	v.dtmfSent.SetText("")
	v.refresh()
	events, cancel := c.Subscribe(64)
	go func() {
		defer cancel()
		var tickC <-chan time.Time
		if v.env.tick > 0 {
			tick := time.NewTicker(v.env.tick)
			defer tick.Stop()
			tickC = tick.C
		}
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					v.env.ui(func() { v.refreshIf(gen) })
					return
				}
				v.env.ui(func() { v.applyIf(gen, ev) })
			case <-tickC:
				v.env.ui(func() { v.refreshIf(gen) })
			case <-c.Done():
				v.env.ui(func() { v.refreshIf(gen) })
				return
			}
		}
	}()
}

func (v *callView) refreshIf(gen int) {
	if gen == v.gen && v.call != nil {
		v.refresh()
	}
}

func (v *callView) applyIf(gen int, ev sip.CallEvent) {
	if gen != v.gen || v.call == nil {
		return
	}
	if ev.Kind == sip.EventDTMF && ev.Digit != "" {
		v.dtmfSent.SetText(strings.TrimSpace(v.dtmfSent.Text + " received " + ev.Digit))
	}
	if ev.Stats != nil && ev.Stats.MOS > 0 {
		v.graph.add(ev.Stats.MOS)
	}
	if s := ev.Stats; s != nil {
		mic, spk := v.call.Levels()
		v.env.svc.logf("call stats received=%d sent=%d mos=%.2f jitter=%.1f mic_dbfs=%.0f speaker_dbfs=%.0f", s.Received, s.Sent, s.MOS, s.JitterMS, mic, spk)
	}
	v.refresh()
}

// refresh redraws everything from the call's snapshot.
func (v *callView) refresh() {
	c := v.call
	if c == nil {
		return
	}
	info := c.Info()
	now := v.env.now()
	v.remote.SetText(orDash(info.Remote))
	v.state.SetText(callStateText(info))
	v.timer.SetText(callTimer(info, now))
	v.badge.set(lockForCall(info))

	ended := info.State == sip.CallStateEnded
	active := info.State == sip.CallStateActive || info.State == sip.CallStateHeld || info.State == sip.CallStateRemoteHeld
	for _, b := range []*widget.Button{v.mute, v.hold, v.pad, v.transfer} {
		if active {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if ended {
		v.hangup.Disable()
	} else {
		v.hangup.Enable()
	}
	if info.Muted {
		v.mute.SetText("Unmute")
		v.mute.SetIcon(theme.VolumeUpIcon())
	} else {
		v.mute.SetText("Mute")
		v.mute.SetIcon(theme.VolumeMuteIcon())
	}
	if info.State == sip.CallStateHeld || info.LocalHold {
		v.hold.SetText("Resume")
		v.hold.SetIcon(theme.MediaPlayIcon())
	} else {
		v.hold.SetText("Hold")
		v.hold.SetIcon(theme.MediaPauseIcon())
	}

	st := info.Stats
	if st.Sent+st.Received > 0 {
		v.jitter.SetText(fmt.Sprintf("%.1f ms", st.JitterMS))
		v.loss.SetText(fmt.Sprintf("%d (%.1f%%)", st.Lost, st.FractionLost*100))
		if st.RTTMS > 0 {
			v.rtt.SetText(fmt.Sprintf("%.0f ms", st.RTTMS))
		} else {
			v.rtt.SetText("—")
		}
		if st.MOS > 0 {
			v.mos.SetText(fmt.Sprintf("%.2f", st.MOS))
		}
		v.packets.SetText(fmt.Sprintf("%d / %d", st.Received, st.Sent))
	}
	if active && !ended {
		mic, spk := c.Levels()
		v.micMeter.SetValue(meterValue(mic))
		v.spkMeter.SetValue(meterValue(spk))
	} else {
		v.micMeter.SetValue(0)
		v.spkMeter.SetValue(0)
	}
	if h := oneWayHints(info, now); len(h) > 0 {
		v.hints.SetText("⚠ " + strings.Join(h, "\n⚠ "))
		v.hints.Show()
	} else {
		v.hints.Hide()
	}
	v.root.Refresh()
	if info.State != v.lastState {
		v.lastState = info.State
		v.env.svc.logf("call state=%s remote=%s lock=%s tls=%q srtp=%q", info.State, info.Remote,
			map[bool]string{true: "green", false: "red"}[lockForCall(info).Secure], info.Security.TLSVersion, info.Security.SRTPSuite)
		if v.onState != nil {
			v.onState(info)
		}
	}
}

// meterValue maps dBFS (−60…0) to 0…1.
func meterValue(db float64) float64 {
	return min(max((db+60)/60, 0), 1)
}

// callStateText says where the call is, in words.
func callStateText(info sip.CallInfo) string {
	dir := "Outgoing"
	if info.Direction == sip.DirectionIncoming {
		dir = "Incoming"
	}
	switch info.State {
	case sip.CallStateCalling:
		return dir + " call: calling…"
	case sip.CallStateRinging:
		if info.Direction == sip.DirectionIncoming {
			return "Incoming call: ringing (Enter answers, Escape rejects)"
		}
		return "Outgoing call: ringing…"
	case sip.CallStateEarlyMedia:
		return dir + " call: early media"
	case sip.CallStateActive:
		if info.Muted {
			return "Call established (muted)"
		}
		return "Call established"
	case sip.CallStateHeld:
		return "On hold"
	case sip.CallStateRemoteHeld:
		return "The far end put you on hold"
	case sip.CallStateEnded:
		s := "Call ended: " + info.Result.String()
		if info.SIPStatus != 0 {
			s += fmt.Sprintf(" (SIP %d)", info.SIPStatus)
		}
		if info.Reason != "" {
			s += " — " + info.Reason
		}
		return s
	}
	return dir + " call"
}

// callTimer is mm:ss since the answer (or since the start while ringing).
func callTimer(info sip.CallInfo, now time.Time) string {
	from := info.Answered
	if from.IsZero() {
		from = info.Started
	}
	to := now
	if !info.Ended.IsZero() {
		to = info.Ended
	}
	if from.IsZero() || to.Before(from) {
		return "00:00"
	}
	d := to.Sub(from).Truncate(time.Second)
	if d >= time.Hour {
		return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	}
	return fmt.Sprintf("%02d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// oneWayHints explains likely one-way audio from the call's counters.
func oneWayHints(info sip.CallInfo, now time.Time) []string {
	if info.State != sip.CallStateActive || info.Answered.IsZero() {
		return nil
	}
	var h []string
	since := now.Sub(info.Answered)
	st := info.Stats
	if since > 3*time.Second && st.Received == 0 {
		h = append(h, fmt.Sprintf("No audio received %s after the answer: the far end's RTP is not reaching us "+
			"(a firewall or NAT, or a private address in its SDP).", since.Truncate(time.Second)))
	}
	if since > 3*time.Second && st.Sent == 0 {
		h = append(h, "We have sent no audio yet: the microphone or the media engine is stalled.")
	}
	if st.SRTPAuthFailures > 0 {
		h = append(h, fmt.Sprintf("%d SRTP packets failed authentication: the far end encrypts with other keys "+
			"(SDES mismatch) or someone injects packets.", st.SRTPAuthFailures))
	}
	if st.RemoteLost > 0 && st.Received > 0 && st.RemoteFractionLost > 0.5 {
		h = append(h, "The far end reports losing most of our audio: our packets are not reaching it.")
	}
	return append(h, mediaAddressHints(info.MediaSDPAddr, info.MediaSourceAddr)...)
}

func (v *callView) showSecurity() {
	if v.call == nil {
		return
	}
	showSecurityReport(v.env.win, securityReport{Info: v.call.Info(), TLS: v.call.TLS()})
}

// Hangup ends the call on show (rejects it when ringing in).
func (v *callView) Hangup() {
	c := v.call
	if c == nil || c.Info().State == sip.CallStateEnded {
		return
	}
	v.hangup.Disable()
	v.env.svc.logf("ui hangup")
	v.env.run(func(ctx context.Context) error { return c.Hangup(ctx) }, v.done("Hang up"))
}

func (v *callView) toggleMute() {
	c := v.call
	if c == nil {
		return
	}
	on := !c.Info().Muted
	if err := c.SetMuted(on); err != nil {
		v.showErr("Mute", err)
	}
	v.refresh()
}

func (v *callView) toggleHold() {
	c := v.call
	if c == nil {
		return
	}
	v.hold.Disable()
	held := c.Info().State == sip.CallStateHeld || c.Info().LocalHold
	v.env.run(func(ctx context.Context) error {
		if held {
			return c.Resume(ctx)
		}
		return c.Hold(ctx)
	}, v.done("Hold"))
}

func (v *callView) togglePad() {
	if v.dtmf.Visible() {
		v.dtmf.Hide()
	} else {
		v.dtmf.Show()
	}
	v.root.Refresh()
}

// sendDigit sends one DTMF digit.
func (v *callView) sendDigit(d string) {
	c := v.call
	if c == nil {
		return
	}
	v.dtmfSent.SetText(strings.TrimSpace(v.dtmfSent.Text + " " + d))
	v.env.run(func(ctx context.Context) error { return c.SendDTMF(ctx, d) }, v.done("DTMF"))
}

func (v *callView) askTransfer() {
	c := v.call
	if c == nil {
		return
	}
	e := widget.NewEntry()
	e.SetPlaceHolder("sip:bob@example.com or a number")
	dialog.ShowForm("Blind transfer", "Transfer", "Cancel", []*widget.FormItem{widget.NewFormItem("Transfer to", e)}, func(ok bool) {
		if !ok || strings.TrimSpace(e.Text) == "" {
			return
		}
		target := strings.TrimSpace(e.Text)
		v.env.run(func(ctx context.Context) error { return c.Transfer(ctx, target) }, v.done("Transfer"))
	}, v.env.win)
}

// done returns the completion callback of an action: refresh, and explain a failure.
func (v *callView) done(what string) func(error) {
	return func(err error) {
		if err != nil {
			v.showErr(what, err)
		}
		v.refresh()
	}
}

func (v *callView) showErr(what string, err error) {
	v.env.svc.logf("ui error action=%s err=%v", what, err)
	dialog.ShowError(fmt.Errorf("%s: %w", strings.ToLower(what), err), v.env.win)
}

// mosGraph draws MOS samples over the call as a line on a 1…5 scale, with a
// faint reference line at 4 (good).
type mosGraph struct {
	widget.BaseWidget
	points []float64
}

// maxGraphPoints bounds the graph's memory: older samples are halved.
const maxGraphPoints = 240

func newMOSGraph() *mosGraph {
	g := &mosGraph{}
	g.ExtendBaseWidget(g)
	return g
}

func (g *mosGraph) set(p []float64) { g.points = p; g.Refresh() }

func (g *mosGraph) add(m float64) {
	g.points = append(g.points, m)
	if len(g.points) > maxGraphPoints {
		half := make([]float64, 0, maxGraphPoints/2+1)
		for i := 0; i+1 < len(g.points); i += 2 {
			half = append(half, (g.points[i]+g.points[i+1])/2)
		}
		g.points = half
	}
	g.Refresh()
}

// CreateRenderer builds the graph's renderer.
func (g *mosGraph) CreateRenderer() fyne.WidgetRenderer {
	r := &mosRenderer{g: g}
	r.plotRenderer = newPlotRenderer(fyne.NewSize(200, 56), r.place)
	r.place()
	return r
}

// plotRenderer is what the MOS graph's and the waveform's renderers share:
// a background and a pool of objects that place positions for the current
// size and data. place may grow the pool, but objects are never created
// while laying out for an unchanged size: that makes the driver lay out
// again, every frame.
type plotRenderer struct {
	bg    *canvas.Rectangle
	objs  []fyne.CanvasObject
	size  fyne.Size
	min   fyne.Size
	place func()
}

func newPlotRenderer(minSize fyne.Size, place func()) plotRenderer {
	return plotRenderer{bg: canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)), min: minSize, place: place}
}

func (r *plotRenderer) Destroy() {}

// Layout places the objects for a new size.
func (r *plotRenderer) Layout(s fyne.Size) {
	if s == r.size {
		return
	}
	r.size = s
	r.bg.Resize(s)
	r.place()
}

func (r *plotRenderer) MinSize() fyne.Size { return r.min }

func (r *plotRenderer) Objects() []fyne.CanvasObject { return r.objs }

// Refresh follows new data: places the objects again and redraws them.
func (r *plotRenderer) Refresh() {
	r.place()
	for _, o := range r.objs {
		o.Refresh()
	}
}

type mosRenderer struct {
	plotRenderer
	g    *mosGraph
	ref  *canvas.Line   // the MOS 4 ("good") reference line
	segs []*canvas.Line // a pool, grown as the call goes on, never rebuilt
}

func (r *mosRenderer) place() {
	if r.ref == nil {
		r.ref = canvas.NewLine(color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0x60})
		r.objs = []fyne.CanvasObject{r.bg, r.ref}
	}
	p := r.g.points
	w, h := r.size.Width, r.size.Height
	y := func(m float64) float32 { return h - 4 - float32((min(max(m, 1), 5)-1)/4)*(h-8) }
	r.ref.Position1, r.ref.Position2 = fyne.NewPos(0, y(4)), fyne.NewPos(w, y(4))
	n := max(len(p)-1, 0)
	for len(r.segs) < n {
		l := canvas.NewLine(lockGreen)
		l.StrokeWidth = 2
		r.segs = append(r.segs, l)
		r.objs = append(r.objs, l)
	}
	step := float32(0)
	if n > 0 {
		step = w / float32(n)
	}
	for i, l := range r.segs {
		if i >= n || w <= 0 {
			l.Hidden = true
			continue
		}
		l.Hidden = false
		l.StrokeColor = mosColour(p[i+1])
		l.Position1 = fyne.NewPos(step*float32(i), y(p[i]))
		l.Position2 = fyne.NewPos(step*float32(i+1), y(p[i+1]))
	}
}

// mosColour is green for good (≥4), amber for fair (≥3.6), red below.
func mosColour(m float64) color.Color {
	switch {
	case m >= 4:
		return lockGreen
	case m >= 3.6:
		return color.NRGBA{R: 0xd9, G: 0x8c, B: 0x00, A: 0xff}
	}
	return lockRed
}

// levelMeter is a horizontal bar for a 0…1 audio level (square corners: the
// software painter cannot draw rounded bars narrower than their radius).
type levelMeter struct {
	widget.BaseWidget
	Value float64
	bg    *canvas.Rectangle
	bar   *canvas.Rectangle
}

func newLevelMeter() *levelMeter {
	m := &levelMeter{bg: canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)), bar: canvas.NewRectangle(lockGreen)}
	m.ExtendBaseWidget(m)
	return m
}

// SetValue sets the level (clamped to 0…1).
func (m *levelMeter) SetValue(v float64) {
	m.Value = min(max(v, 0), 1)
	m.Refresh()
}

// CreateRenderer draws the background and the level bar.
func (m *levelMeter) CreateRenderer() fyne.WidgetRenderer { return &meterRenderer{m: m} }

type meterRenderer struct {
	m    *levelMeter
	size fyne.Size
}

func (r *meterRenderer) Destroy() {}
func (r *meterRenderer) Layout(s fyne.Size) {
	r.size = s
	r.place()
}
func (r *meterRenderer) MinSize() fyne.Size           { return fyne.NewSize(120, 12) }
func (r *meterRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.m.bg, r.m.bar} }
func (r *meterRenderer) Refresh() {
	r.place()
	r.m.bg.Refresh()
	r.m.bar.Refresh()
}

func (r *meterRenderer) place() {
	h := min(r.size.Height, 12)
	y := (r.size.Height - h) / 2
	r.m.bg.Move(fyne.NewPos(0, y))
	r.m.bg.Resize(fyne.NewSize(r.size.Width, h))
	r.m.bar.Move(fyne.NewPos(0, y))
	r.m.bar.Resize(fyne.NewSize(r.size.Width*float32(r.m.Value), h))
	if r.m.Value > 0.9 {
		r.m.bar.FillColor = lockRed
	} else {
		r.m.bar.FillColor = lockGreen
	}
}

// mediaAddressHints compares the far end's SDP media address with where its
// audio actually comes from (zero until the first packet): a private SDP
// address or a different source explains one-way audio through NAT.
func mediaAddressHints(sdp, source netip.AddrPort) []string {
	if !sdp.IsValid() {
		return nil
	}
	private := sdp.Addr().IsPrivate() || sdp.Addr().IsLinkLocalUnicast()
	switch {
	case !source.IsValid() && private:
		return []string{fmt.Sprintf("The far end's SDP names the private address %s: our audio may not reach it "+
			"(it is behind NAT and its SDP was not rewritten).", sdp)}
	case source.IsValid() && source != sdp && private:
		return []string{fmt.Sprintf("The far end's SDP names the private address %s but its audio comes from %s: it is behind NAT; "+
			"we send to where its audio comes from.", sdp, source)}
	case source.IsValid() && source != sdp:
		return []string{fmt.Sprintf("Audio comes from %s, not from the SDP's %s (a media relay or NAT in between).", source, sdp)}
	}
	return nil
}
