package webhookinspector

import "fmt"

// Verdict is the outcome of verifying one webhook.
type Verdict int

// Verdicts, as printed by the CLI (DESIGN.md: valid, invalid, unsigned).
const (
	VerdictUnknown  Verdict = iota // not verified (zero value)
	VerdictValid                   // every check passed
	VerdictInvalid                 // signed, but at least one check failed
	VerdictUnsigned                // carries neither a JWT nor a sig parameter
)

var verdictNames = [...]string{"unknown", "valid", "invalid", "unsigned"}

// String returns the verdict's name: "valid", "invalid", "unsigned" or "unknown".
func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return fmt.Sprintf("verdict(%d)", int(v))
	}
	return verdictNames[v]
}

// ParseVerdict parses a verdict name as printed by String.
func ParseVerdict(s string) (Verdict, error) {
	for i, n := range verdictNames {
		if n == s && i != 0 {
			return Verdict(i), nil
		}
	}
	return VerdictUnknown, fmt.Errorf("unknown verdict %q (want valid, invalid or unsigned)", s)
}

// MarshalText writes the verdict's name (JSON fields carry names, not numbers).
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText reads a verdict name.
func (v *Verdict) UnmarshalText(b []byte) error {
	if string(b) == "unknown" {
		*v = VerdictUnknown
		return nil
	}
	p, err := ParseVerdict(string(b))
	*v = p
	return err
}

// Scheme is the signing scheme a webhook used.
type Scheme int

// Schemes: a JWT in the Authorization header (SPEC §1) or the legacy SMS sig
// parameter (SPEC §2).
const (
	SchemeNone Scheme = iota // unsigned
	SchemeJWT                // Authorization: Bearer <JWT>
	SchemeSig                // sig + timestamp parameters
)

var schemeNames = [...]string{"none", "jwt", "sig"}

// String returns "none", "jwt" or "sig".
func (s Scheme) String() string {
	if s < 0 || int(s) >= len(schemeNames) {
		return fmt.Sprintf("scheme(%d)", int(s))
	}
	return schemeNames[s]
}

// MarshalText writes the scheme's name.
func (s Scheme) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a scheme name.
func (s *Scheme) UnmarshalText(b []byte) error {
	for i, n := range schemeNames {
		if n == string(b) {
			*s = Scheme(i)
			return nil
		}
	}
	return fmt.Errorf("unknown scheme %q", b)
}
