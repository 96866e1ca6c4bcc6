package ui

import "fyne.io/fyne/v2"

// area is the plain View implementation the areas use: fixed ID, title and
// icon, content built by the area's constructor.
type area struct {
	id, title string
	icon      fyne.Resource
	content   fyne.CanvasObject
}

// ID returns the area's key.
func (a *area) ID() string { return a.id }

// Title returns the sidebar label.
func (a *area) Title() string { return a.title }

// Icon returns the sidebar icon.
func (a *area) Icon() fyne.Resource { return a.icon }

// Content returns the area's widgets.
func (a *area) Content() fyne.CanvasObject { return a.content }
