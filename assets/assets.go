// Package assets holds the files Hookphone embeds in its binary: the app
// icon (drawn by tools/mkicon) and, later, ring and call-progress tones. It
// imports nothing of Hookphone, so any package may use it.
package assets

import _ "embed"

// IconPNG is the 512×512 app icon, also named by FyneApp.toml.
//
//go:embed icon.png
var IconPNG []byte
