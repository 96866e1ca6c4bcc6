// Package audio breaks the rule: it imports Fyne.
package audio

import _ "fyne.io/fyne/v2"
