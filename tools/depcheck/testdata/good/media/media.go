// Package media imports only leaves.
package media

import _ "example.com/good/internal/x"
