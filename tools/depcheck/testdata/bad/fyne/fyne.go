// Package fyne stands in for Fyne in the depcheck fixtures.
package fyne

// Version is a placeholder export.
const Version = "fixture"
