package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// emptyState is what an area shows before it has data: what will appear
// there, and the steps that make it appear. Views replace it once they have
// something to show.
type emptyState struct {
	icon    fyne.Resource
	title   string
	what    string   // one paragraph: what will appear here
	how     []string // numbered steps: how to get it
	note    *widget.Label
	actions []fyne.CanvasObject
}

// build lays the empty state out as a centred column of readable width.
func (e *emptyState) build() fyne.CanvasObject {
	img := canvas.NewImageFromResource(theme.NewPrimaryThemedResource(e.icon))
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(56, 56))

	title := widget.NewLabelWithStyle(e.title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	what := widget.NewLabel(e.what)
	what.Wrapping = fyne.TextWrapWord
	what.Alignment = fyne.TextAlignCenter

	col := []fyne.CanvasObject{img, title, what}
	if len(e.how) > 0 {
		col = append(col, widget.NewLabelWithStyle("How to get it", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for i, step := range e.how {
			l := widget.NewLabel(fmt.Sprintf("%d.  %s", i+1, step))
			l.Wrapping = fyne.TextWrapWord
			col = append(col, l)
		}
	}
	if e.note != nil {
		e.note.Wrapping = fyne.TextWrapWord
		e.note.Importance = widget.MediumImportance
		col = append(col, e.note)
	}
	if len(e.actions) > 0 {
		col = append(col, container.NewCenter(container.NewHBox(e.actions...)))
	}
	return container.NewVScroll(container.NewCenter(container.New(&columnLayout{width: 560}, col...)))
}

// columnLayout stacks objects vertically at a fixed width, so wrapped labels
// wrap at a readable line length instead of collapsing in a centred box.
type columnLayout struct{ width float32 }

// MinSize sizes every object to the column width first, so wrapped text
// reports the height it needs at that width.
func (l *columnLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	h := float32(0)
	for i, o := range objects {
		if !o.Visible() {
			continue
		}
		if o.Size().Width != l.width {
			o.Resize(fyne.NewSize(l.width, o.MinSize().Height))
		}
		if i > 0 {
			h += pad
		}
		h += o.MinSize().Height
	}
	return fyne.NewSize(l.width, h)
}

// Layout places the objects top to bottom at the column width.
func (l *columnLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	y := float32(0)
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		h := o.MinSize().Height
		o.Move(fyne.NewPos((size.Width-l.width)/2, y))
		o.Resize(fyne.NewSize(l.width, h))
		y += h + pad
	}
}
