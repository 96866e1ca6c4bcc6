// Package sip breaks the rule: it imports ui and audio.
package sip

import (
	_ "example.com/bad/audio"
	_ "example.com/bad/ui"
)
