package config

import (
	"strconv"
	"strings"
)

// locator maps TOML key paths to the line that defines them, so semantic
// errors found after decoding can still name a line. It understands what a
// hand-written config uses: [table] and [[array]] headers, bare, quoted and
// dotted keys, comments and multi-line strings and arrays. Paths look like
// "version", "audio.input", "account#0.server" (0-based table index) or,
// without the index, "account.server" (the first occurrence).
type locator struct {
	lines map[string]int
}

func newLocator(src []byte) *locator {
	l := &locator{lines: map[string]int{}}
	counts := map[string]int{}
	table := ""   // current table path with array indices, e.g. "account#1"
	plain := ""   // the same without indices, e.g. "account"
	inMulti := "" // closing delimiter while inside a multi-line string
	depth := 0    // open brackets of a multi-line array or inline table
	for i, line := range strings.Split(string(src), "\n") {
		n := i + 1
		if inMulti != "" {
			if strings.Contains(line, inMulti) {
				inMulti = ""
			}
			continue
		}
		t := strings.TrimSpace(stripComment(line))
		if depth > 0 {
			depth += bracketBalance(t)
			continue
		}
		switch {
		case t == "":
			continue
		case strings.HasPrefix(t, "[["):
			name := joinKey(splitKey(strings.TrimSuffix(strings.TrimPrefix(t, "[["), "]]")))
			idx := counts[name]
			counts[name] = idx + 1
			plain, table = name, name+"#"+strconv.Itoa(idx)
			l.set(table, n)
			l.set(plain, n)
			continue
		case strings.HasPrefix(t, "["):
			name := joinKey(splitKey(strings.TrimSuffix(strings.TrimPrefix(t, "["), "]")))
			plain, table = name, name
			l.set(table, n)
			continue
		}
		eq := keyEnd(t)
		if eq < 0 {
			continue
		}
		key := joinKey(splitKey(t[:eq]))
		l.set(join(table, key), n)
		l.set(join(plain, key), n)
		rest := strings.TrimSpace(t[eq+1:])
		for _, d := range []string{`"""`, `'''`} {
			if strings.HasPrefix(rest, d) && !strings.Contains(rest[3:], d) {
				inMulti = d
			}
		}
		if inMulti == "" {
			depth = bracketBalance(rest)
		}
	}
	return l
}

func (l *locator) set(path string, line int) {
	if _, ok := l.lines[path]; !ok {
		l.lines[path] = line
	}
}

// line returns the line defining path, else the nearest enclosing table's
// line, else 0.
func (l *locator) line(path string) int {
	for p := path; p != ""; {
		if n, ok := l.lines[p]; ok {
			return n
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

func join(table, key string) string {
	if table == "" {
		return key
	}
	return table + "." + key
}

// keyEnd returns the index of the '=' ending a key at the start of t, or -1.
func keyEnd(t string) int {
	quote := byte(0)
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '=':
			return i
		case c == '[' || c == '{' || c == ',':
			return -1
		}
	}
	return -1
}

// splitKey splits a possibly dotted, possibly quoted key into its parts.
func splitKey(k string) []string {
	var parts []string
	var b strings.Builder
	quote := byte(0)
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				b.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			parts = append(parts, strings.TrimSpace(b.String()))
			b.Reset()
		case c == ' ' || c == '\t':
		default:
			b.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(b.String()))
}

func joinKey(parts []string) string { return strings.Join(parts, ".") }

// eachOutsideStrings calls fn with the index and byte of every character of
// line that is not inside a TOML string ('…' literal or "…" with escapes),
// until fn returns false.
func eachOutsideStrings(line string, fn func(i int, c byte) bool) {
	quote := byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		default:
			if !fn(i, c) {
				return
			}
		}
	}
}

// stripComment removes a trailing # comment that is not inside a string.
func stripComment(line string) string {
	end := len(line)
	eachOutsideStrings(line, func(i int, c byte) bool {
		if c == '#' {
			end = i
			return false
		}
		return true
	})
	return line[:end]
}

// bracketBalance counts opening minus closing brackets and braces outside strings.
func bracketBalance(s string) int {
	n := 0
	eachOutsideStrings(s, func(_ int, c byte) bool {
		switch c {
		case '[', '{':
			n++
		case ']', '}':
			n--
		}
		return true
	})
	return n
}
