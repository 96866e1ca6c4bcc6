package ui

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/sip"
)

// lock is the verdict of the call's lock badge.
type lock struct {
	// Secure is true only when signalling is TLS and media is SRTP.
	Secure bool
	// Text is the badge's words: what protects the call, or what does not.
	Text string
}

// lockFor decides the badge: green only when the signalling is TLS (with a
// negotiated version) AND the media is SRTP with a named suite; otherwise red
// with what exactly is missing. Before media is negotiated it says so (red).
func lockFor(sec sip.Security) lock {
	tlsOK := strings.EqualFold(sec.Transport, "TLS") && sec.TLSVersion != ""
	srtpOK := sec.SRTP && sec.SRTPSuite != ""
	switch {
	case tlsOK && srtpOK:
		return lock{Secure: true, Text: fmt.Sprintf("Encrypted · %s · SRTP %s", sec.TLSVersion, sec.SRTPSuite)}
	case !tlsOK && !srtpOK && sec.Transport == "" && sec.SRTPSuite == "":
		return lock{Text: "Not secure yet: no TLS flow and no SRTP negotiated"}
	case !tlsOK && !srtpOK:
		return lock{Text: fmt.Sprintf("NOT SECURE: signalling over %s and media is plain RTP", orUnknown(sec.Transport))}
	case !tlsOK:
		return lock{Text: fmt.Sprintf("NOT SECURE: signalling over %s (not TLS); media SRTP %s", orUnknown(sec.Transport), sec.SRTPSuite)}
	default:
		return lock{Text: fmt.Sprintf("NOT SECURE: media is plain RTP (no SRTP); signalling %s", sec.TLSVersion)}
	}
}

// lockForCall is lockFor with the call's progress: before the answer no
// media is negotiated yet, which is said as such (still red) rather than
// as plain RTP.
func lockForCall(info sip.CallInfo) lock {
	l := lockFor(info.Security)
	early := info.State == sip.CallStateUnknown || info.State == sip.CallStateCalling || info.State == sip.CallStateRinging
	if early && !info.Security.SRTP {
		sig := "no TLS flow yet"
		if strings.EqualFold(info.Security.Transport, "TLS") && info.Security.TLSVersion != "" {
			sig = "signalling " + info.Security.TLSVersion
		}
		return lock{Text: "Not secure yet: media not negotiated (" + sig + ")"}
	}
	return l
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown transport"
	}
	return s
}

// Badge colours: the theme's success and error colours are too pale on the
// light theme for a security signal, so the badge has its own.
var (
	lockGreen = color.NRGBA{R: 0x1e, G: 0x8e, B: 0x3e, A: 0xff}
	lockRed   = color.NRGBA{R: 0xc5, G: 0x22, B: 0x1f, A: 0xff}
)

// lockBadge is the tappable badge of the call view.
type lockBadge struct {
	widget.BaseWidget
	bg    *canvas.Rectangle
	icon  *widget.Icon
	text  *canvas.Text
	state lock
	onTap func()
}

func newLockBadge(onTap func()) *lockBadge {
	b := &lockBadge{onTap: onTap}
	b.bg = canvas.NewRectangle(lockRed)
	b.bg.CornerRadius = 6
	b.text = canvas.NewText("", color.White)
	b.text.TextStyle.Bold = true
	b.icon = widget.NewIcon(theme.NewInvertedThemedResource(theme.WarningIcon()))
	b.ExtendBaseWidget(b)
	b.set(lock{Text: "Not secure yet: no call"})
	return b
}

// set shows a verdict.
func (b *lockBadge) set(l lock) {
	b.state = l
	b.text.Text = l.Text
	if l.Secure {
		b.bg.FillColor = lockGreen
		b.icon.SetResource(theme.NewInvertedThemedResource(theme.ConfirmIcon()))
	} else {
		b.bg.FillColor = lockRed
		b.icon.SetResource(theme.NewInvertedThemedResource(theme.WarningIcon()))
	}
	b.bg.Refresh()
	b.text.Refresh()
}

// Tapped opens the security report.
func (b *lockBadge) Tapped(*fyne.PointEvent) {
	if b.onTap != nil {
		b.onTap()
	}
}

// CreateRenderer draws the coloured pill with its icon and words.
func (b *lockBadge) CreateRenderer() fyne.WidgetRenderer {
	row := container.NewHBox(b.icon, container.NewCenter(b.text))
	return widget.NewSimpleRenderer(container.NewStack(b.bg, container.NewPadded(row)))
}

// securityReport is everything the report dialog shows about one call.
type securityReport struct {
	Info sip.CallInfo
	TLS  sip.ConnInfo
}

// securityLines renders the report as label/value rows.
func securityLines(r securityReport) [][2]string {
	sec := r.Info.Security
	l := lockFor(sec)
	verdict := "Not secure"
	if l.Secure {
		verdict = "Secure: signalling TLS and media SRTP"
	}
	tlsVer, cipher := sec.TLSVersion, sec.TLSCipher
	if tlsVer == "" {
		tlsVer = r.TLS.Version
	}
	if cipher == "" {
		cipher = r.TLS.CipherSuite
	}
	sdesOverTLS := "no: SDES keys travelled in clear SIP, anyone on the path could decrypt the media"
	switch {
	case !sec.SRTP:
		sdesOverTLS = "no keys exchanged (media is not SRTP)"
	case strings.EqualFold(sec.Transport, "TLS"):
		sdesOverTLS = "yes: the a=crypto keys were only sent inside the TLS flow"
	}
	verify := "by a trusted CA"
	if r.TLS.Pinned {
		verify = "by its pinned fingerprint"
	}
	fp := sec.PeerCertSHA256
	if fp == "" {
		fp = r.TLS.ServerCertSHA256()
	}
	rows := [][2]string{
		{"Verdict", verdict},
		{"Signalling", signallingText(sec.Transport, tlsVer)},
		{"TLS cipher", orDash(cipher)},
		{"Server name", orDash(r.TLS.ServerName) + " (verified " + verify + ")"},
		{"Certificate SHA-256", orDash(fp)},
	}
	for i, c := range r.TLS.Chain {
		rows = append(rows, [2]string{fmt.Sprintf("Chain [%d]", i), fmt.Sprintf("%s — issued by %s, valid until %s",
			c.Subject, c.Issuer, c.NotAfter.UTC().Format("2006-01-02"))})
	}
	suite := "none (plain RTP)"
	if sec.SRTP {
		suite = sec.SRTPSuite
	}
	rows = append(rows,
		[2]string{"SDES keys over TLS", sdesOverTLS},
		[2]string{"SRTP suite", suite},
		[2]string{"Codec", orDash(sec.Codec)},
		[2]string{"SRTP auth failures", fmt.Sprint(r.Info.Stats.SRTPAuthFailures)},
		[2]string{"SRTP replays rejected", fmt.Sprint(r.Info.Stats.Replays)},
		[2]string{"SRTCP auth failures", fmt.Sprint(r.Info.Stats.SRTCPAuthFailures)},
		[2]string{"Unprotected RTCP dropped", fmt.Sprint(r.Info.Stats.SRTCPPlaintext)},
	)
	return rows
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// securityReportContent lays out the rows as a two-column form.
func securityReportContent(r securityReport) fyne.CanvasObject {
	form := container.New(&formLayout{labelWidth: 170})
	for _, row := range securityLines(r) {
		k := widget.NewLabelWithStyle(row[0], fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		v := widget.NewLabel(row[1])
		v.Wrapping = fyne.TextWrapWord
		v.Selectable = true
		form.Add(k)
		form.Add(v)
	}
	b := newLockBadge(nil)
	b.set(lockFor(r.Info.Security))
	return container.NewBorder(b, nil, nil, nil, container.NewVScroll(form))
}

// showSecurityReport opens the report as a dialog over win.
func showSecurityReport(win fyne.Window, r securityReport) {
	d := dialog.NewCustom("Call security", "Close", securityReportContent(r), win)
	d.Resize(fyne.NewSize(720, 520))
	d.Show()
}

// formLayout is a two-column grid with a fixed label column whose value
// column takes the rest (wrapped labels wrap there).
type formLayout struct{ labelWidth float32 }

// MinSize stacks the rows.
func (f *formLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	h := float32(0)
	w := f.labelWidth + 200
	for i := 0; i+1 < len(objs); i += 2 {
		h += max(objs[i].MinSize().Height, objs[i+1].MinSize().Height) + pad
	}
	return fyne.NewSize(w, h)
}

// Layout places label and value side by side, row by row.
func (f *formLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	y := float32(0)
	vw := max(size.Width-f.labelWidth-pad, 50)
	for i := 0; i+1 < len(objs); i += 2 {
		objs[i+1].Resize(fyne.NewSize(vw, objs[i+1].MinSize().Height))
		h := max(objs[i].MinSize().Height, objs[i+1].MinSize().Height)
		objs[i].Move(fyne.NewPos(0, y))
		objs[i].Resize(fyne.NewSize(f.labelWidth, objs[i].MinSize().Height))
		objs[i+1].Move(fyne.NewPos(f.labelWidth+pad, y))
		objs[i+1].Resize(fyne.NewSize(vw, h))
		y += h + pad
	}
}

// signallingText says how SIP travelled: the TLS version, or the clear transport.
func signallingText(transport, tlsVersion string) string {
	if strings.EqualFold(transport, "TLS") {
		return orDash(tlsVersion) + " (SIP over TLS)"
	}
	return orDash(transport) + " (not encrypted)"
}
