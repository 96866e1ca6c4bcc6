package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/hookphone/hookphone/internal/pki"
)

// Parse decodes a config file's bytes strictly: a syntax error, a value of the
// wrong type, an unknown key or an invalid value is reported as a *FileError
// naming file (used only in messages), line and field. Keys the file leaves
// out take their defaults. Fingerprints are normalised.
func Parse(file string, data []byte) (*Config, error) {
	c := Default()
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(c)
	loc := newLocator(data)
	if err != nil {
		return nil, &FileError{File: file, Problems: []Problem{decodeProblem(err, loc)}}
	}
	var ps []Problem
	if !md.IsDefined("version") {
		ps = append(ps, Problem{Line: 1, Field: "version", Message: fmt.Sprintf("missing: add version = %d as the first line", CurrentVersion)})
	}
	for _, k := range md.Undecoded() {
		ps = append(ps, unknownKey(k, loc))
	}
	for _, p := range c.Problems() {
		if p.Field == "version" && !md.IsDefined("version") {
			continue
		}
		p.Line = loc.line(locPath(p.Field))
		ps = append(ps, p)
	}
	if len(ps) > 0 {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
		return nil, &FileError{File: file, Problems: ps}
	}
	for i := range c.Accounts {
		c.Accounts[i].normalise()
	}
	return c, nil
}

// normalise rewrites fields with several accepted spellings into one.
func (a *Account) normalise() {
	if f, err := pki.NormalizeFingerprint(a.Fingerprint); err == nil && a.Fingerprint != "" {
		a.Fingerprint = f
	}
	for i, s := range a.Suites {
		a.Suites[i] = strings.ToUpper(s)
	}
	for i, s := range a.Codecs {
		a.Codecs[i] = strings.ToUpper(s)
	}
}

var indexRE = regexp.MustCompile(`\[(\d+)\]`)

// locPath turns "account[2].server" (1-based) into the locator's "account#1.server".
func locPath(field string) string {
	return indexRE.ReplaceAllStringFunc(field, func(m string) string {
		n, _ := strconv.Atoi(m[1 : len(m)-1])
		return "#" + strconv.Itoa(n-1)
	})
}

// knownKeys lists, per table, the keys a file may use (from the struct tags).
var knownKeys = map[string]string{
	"":                            "version, [audio], [inspector], [[account]]",
	"account":                     "name, display_name, server, user, auth_user, domain, ca_file, fingerprint, srtp, suites, codecs, mode, listen, device",
	"audio":                       "input, output, ringer, echo_cancellation",
	"inspector":                   "listen, answer_path, event_path, fallback_path, signature_secrets, max_age, application_id, forward, ncco",
	"inspector.signature_secrets": "any API key",
}

func unknownKey(k toml.Key, loc *locator) Problem {
	table := strings.Join(k[:len(k)-1], ".")
	msg := fmt.Sprintf("unknown key %q", k[len(k)-1])
	if known, ok := knownKeys[table]; ok {
		where := "at the top level"
		if table != "" {
			where = "in [" + table + "]"
		}
		msg += fmt.Sprintf("; keys allowed %s: %s", where, known)
	}
	return Problem{Line: loc.line(k.String()), Field: k.String(), Message: msg}
}

// decodeProblem turns the TOML decoder's error into a located Problem.
func decodeProblem(err error, loc *locator) Problem {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		line := pe.Position.Line
		if strings.HasSuffix(pe.Message, `got '\n' instead`) && line > 1 {
			line-- // the parser stands on the next line once it reads the newline
		}
		if line == 0 && pe.LastKey != "" {
			line = loc.line(pe.LastKey)
		}
		return Problem{Line: line, Field: pe.LastKey, Message: pe.Message}
	}
	// Type mismatches come as "toml: line N (last key "k"): incompatible types: …".
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	p := Problem{Message: msg}
	if m := typeErrRE.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Field = m[2]
		p.Message = m[3]
	} else if m := keyErrRE.FindStringSubmatch(msg); m != nil {
		p.Field = m[1]
		p.Line = loc.line(m[1])
		p.Message = m[2]
	}
	return p
}

var (
	typeErrRE = regexp.MustCompile(`^line (\d+) \(last key "([^"]*)"\): (.*)$`)
	keyErrRE  = regexp.MustCompile(`^\(last key "([^"]*)"\): (.*)$`)
)
