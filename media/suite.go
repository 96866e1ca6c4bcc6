package media

import (
	"fmt"
	"strings"

	"github.com/pion/srtp/v3"
)

// Suite is an SDES crypto suite (RFC 4568 §6.2, RFC 7714 §14.2).
type Suite int

const (
	// SuiteUnknown is the zero value: no suite (plain RTP).
	SuiteUnknown Suite = iota
	// SuiteAESCM128HMACSHA1_80 is AES_CM_128_HMAC_SHA1_80, the one suite the
	// voice API documents.
	SuiteAESCM128HMACSHA1_80
	// SuiteAESCM128HMACSHA1_32 is AES_CM_128_HMAC_SHA1_32 (4-byte SRTP tag).
	SuiteAESCM128HMACSHA1_32
	// SuiteAEADAES128GCM is AEAD_AES_128_GCM (RFC 7714).
	SuiteAEADAES128GCM
	// SuiteAEADAES256GCM is AEAD_AES_256_GCM (RFC 7714).
	SuiteAEADAES256GCM
)

var suiteNames = [...]string{
	SuiteUnknown:             "",
	SuiteAESCM128HMACSHA1_80: "AES_CM_128_HMAC_SHA1_80",
	SuiteAESCM128HMACSHA1_32: "AES_CM_128_HMAC_SHA1_32",
	SuiteAEADAES128GCM:       "AEAD_AES_128_GCM",
	SuiteAEADAES256GCM:       "AEAD_AES_256_GCM",
}

// String returns the SDES name, or "" for [SuiteUnknown].
func (s Suite) String() string {
	if s < 0 || int(s) >= len(suiteNames) {
		return fmt.Sprintf("suite(%d)", int(s))
	}
	return suiteNames[s]
}

// DefaultSuites is the offer order used when [Config.Suites] is empty:
// AES_CM_128_HMAC_SHA1_80 first.
func DefaultSuites() []Suite {
	return []Suite{SuiteAESCM128HMACSHA1_80, SuiteAESCM128HMACSHA1_32, SuiteAEADAES128GCM, SuiteAEADAES256GCM}
}

// ParseSuite parses an SDES suite name (case-sensitive, as RFC 4568 writes it).
func ParseSuite(name string) (Suite, error) {
	for i, n := range suiteNames {
		if i > 0 && n == name {
			return Suite(i), nil
		}
	}
	return SuiteUnknown, fmt.Errorf("crypto suite %q: %w", name, ErrUnknownSuite)
}

// ParseSuites parses a comma-separated list such as the --suites flag.
func ParseSuites(list string) ([]Suite, error) {
	var out []Suite
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		s, err := ParseSuite(f)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("suites %q: empty list", list)
	}
	return out, nil
}

// profile maps the suite onto pion/srtp's protection profile.
func (s Suite) profile() (srtp.ProtectionProfile, bool) {
	switch s {
	case SuiteAESCM128HMACSHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, true
	case SuiteAESCM128HMACSHA1_32:
		return srtp.ProtectionProfileAes128CmHmacSha1_32, true
	case SuiteAEADAES128GCM:
		return srtp.ProtectionProfileAeadAes128Gcm, true
	case SuiteAEADAES256GCM:
		return srtp.ProtectionProfileAeadAes256Gcm, true
	}
	return 0, false
}

// keyLens returns the master key and master salt lengths in bytes
// (SPEC §6.2).
func (s Suite) keyLens() (key, salt int) {
	switch s {
	case SuiteAESCM128HMACSHA1_80, SuiteAESCM128HMACSHA1_32:
		return 16, 14
	case SuiteAEADAES128GCM:
		return 16, 12
	case SuiteAEADAES256GCM:
		return 32, 12
	}
	return 0, 0
}
