// Package webhookinspector may import media, config and internal/*.
package webhookinspector

import (
	_ "example.com/good/config"
	_ "example.com/good/internal/x"
	_ "example.com/good/media"
)
