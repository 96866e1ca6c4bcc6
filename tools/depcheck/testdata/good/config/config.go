// Package config imports only internal/*.
package config

import _ "example.com/good/internal/x"
