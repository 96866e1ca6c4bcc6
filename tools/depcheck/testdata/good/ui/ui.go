// Package ui may import Fyne, sip, audio and webhookinspector.
package ui

import (
	_ "example.com/good/audio"
	_ "example.com/good/config"
	_ "example.com/good/sip"
	_ "example.com/good/webhookinspector"
	_ "fyne.io/fyne/v2"
)

// Run opens nothing.
func Run() {}
