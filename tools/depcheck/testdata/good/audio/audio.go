// Package audio may import media, config and internal/*.
package audio

import (
	_ "example.com/good/config"
	_ "example.com/good/internal/x"
	_ "example.com/good/media"
)
