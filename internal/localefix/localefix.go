// Package localefix runs before Fyne's lang package initialises (package
// main imports it for its side effect; Go initialises it first because its
// import path sorts before Fyne's locale dependency). Fyne cannot parse the
// POSIX locale names "C" and "POSIX" (LANG=C.UTF-8 is common on servers and
// in containers) and prints "Fyne error: Error parsing user locale C" on
// every start, even for headless commands. This package maps those names to
// en_US.UTF-8 for this process, which is what Fyne falls back to anyway.
package localefix

import (
	"os"
	"strings"
)

func init() { Fix(os.Getenv, os.Setenv) }

// Fix rewrites each of LC_ALL, LC_MESSAGES and LANG that names the C/POSIX
// locale to en_US.UTF-8, and reports whether it changed anything.
func Fix(getenv func(string) string, setenv func(string, string) error) bool {
	changed := false
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if isPOSIX(getenv(k)) {
			_ = setenv(k, "en_US.UTF-8")
			changed = true
		}
	}
	return changed
}

func isPOSIX(v string) bool {
	base, _, _ := strings.Cut(v, ".")
	return base == "C" || base == "POSIX"
}
