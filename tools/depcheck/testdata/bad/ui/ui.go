// Package ui is fine on its own.
package ui

import _ "fyne.io/fyne/v2"
