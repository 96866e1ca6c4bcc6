package ui

import (
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// keypadKeys are the twelve keys of a telephone keypad, row by row, with the
// letters printed under the digits.
var keypadKeys = [][2]string{
	{"1", ""}, {"2", "ABC"}, {"3", "DEF"},
	{"4", "GHI"}, {"5", "JKL"}, {"6", "MNO"},
	{"7", "PQRS"}, {"8", "TUV"}, {"9", "WXYZ"},
	{"*", ""}, {"0", "+"}, {"#", ""},
}

// newKeypad is a 3×4 grid of key buttons calling press with the key's digit.
func newKeypad(press func(digit string)) *fyne.Container {
	grid := container.NewGridWithColumns(3)
	for _, k := range keypadKeys {
		digit := k[0]
		label := digit
		if k[1] != "" {
			label = digit + "  " + k[1]
		}
		b := widget.NewButton(label, func() { press(digit) })
		grid.Add(b)
	}
	return grid
}

// isDialRune says whether r, typed with nothing focused, starts or extends
// the number: digits, *, # and +, and the letters and signs of user names
// and URIs (echo, sip:bob@example.com).
func isDialRune(r rune) bool {
	return r > ' ' && r != 0x7f && unicode.IsPrint(r)
}

// dialEntry is the number field: an Entry whose Escape key hangs up (Enter
// calls through OnSubmitted), so the keyboard alone places and ends calls.
type dialEntry struct {
	widget.Entry
	onEscape func()
}

func newDialEntry() *dialEntry {
	e := &dialEntry{}
	e.ExtendBaseWidget(e)
	e.SetPlaceHolder("Number, user or sip: URI — e.g. echo")
	return e
}

// TypedKey handles Escape and passes everything else to the Entry.
func (e *dialEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		if e.onEscape != nil {
			e.onEscape()
		}
		return
	}
	e.Entry.TypedKey(k)
}

// normaliseDial trims what was typed or pasted into a dial target: spaces,
// dashes and brackets inside phone numbers go; URIs are kept as typed.
func normaliseDial(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, ":@") || strings.ContainsFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' {
			return -1
		}
		return r
	}, s)
}

// dialTargetFromURI turns a command-line sip:, sips: or tel: URI into what
// the dial field shows: tel: numbers lose the scheme and visual separators.
func dialTargetFromURI(uri string) string {
	u := strings.TrimSpace(uri)
	if len(u) > 4 && strings.EqualFold(u[:4], "tel:") {
		num := u[4:]
		if i := strings.IndexByte(num, ';'); i >= 0 {
			num = num[:i]
		}
		return normaliseDial(num)
	}
	return u
}
