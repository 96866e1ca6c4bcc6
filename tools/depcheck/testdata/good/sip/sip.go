// Package sip may import media, config and internal/*.
package sip

import (
	_ "example.com/good/config"
	_ "example.com/good/internal/x"
	_ "example.com/good/media"
)
