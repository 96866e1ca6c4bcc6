package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong in a config file, located by line and field.
type Problem struct {
	// Line is the 1-based line of the offending key (0 when unknown).
	Line int
	// Field is the key path, e.g. "account[2].server" (1-based index) or "inspector.max_age".
	Field string
	// Message says what is wrong and what to write instead.
	Message string
}

// String formats the problem as "line 12: account[2].server: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// FileError reports every problem found in one config file. Load returns it
// for a file that cannot be used as written; the file itself is left alone.
type FileError struct {
	// File is the config file's path.
	File string
	// Problems lists what is wrong, in file order.
	Problems []Problem
}

// Error names the file and its problems: "/x/config.toml:12: account[2].server: …".
func (e *FileError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		loc := e.File
		if p.Line > 0 {
			loc = fmt.Sprintf("%s:%d", e.File, p.Line)
		}
		field := ""
		if p.Field != "" {
			field = p.Field + ": "
		}
		parts[i] = loc + ": " + field + p.Message
	}
	return strings.Join(parts, "; ")
}
