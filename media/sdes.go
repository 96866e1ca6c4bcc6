package media

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// CryptoAttr is one parsed SDES a=crypto attribute (RFC 4568 §9.1):
//
//	a=crypto:<tag> <crypto-suite> inline:<key||salt>[|<lifetime>][|<MKI>:<length>] [<session-param>...]
type CryptoAttr struct {
	// Tag is the 1–9 digit tag that the answer echoes.
	Tag int
	// Suite is the crypto suite.
	Suite Suite
	// Key and Salt are the master key and master salt.
	Key, Salt []byte
	// Lifetime is the master key lifetime in packets (0: the suite default,
	// 2^48 for SRTP).
	Lifetime uint64
	// MKI is the master key identifier as it appears on the wire (nil when
	// the line has none); its length is the MKI length from the line.
	MKI []byte
	// WindowSizeHint is the WSH session parameter (0 when absent).
	WindowSizeHint int
}

// maxLifetime is the SRTP maximum master key lifetime, 2^48 packets
// (RFC 3711 §9.2).
const maxLifetime = uint64(1) << 48

// ParseCrypto parses the value of an a=crypto attribute (everything after
// "crypto:"). An error names what was wrong, never quoting key material;
// errors for suites we do not implement wrap [ErrUnknownSuite].
func ParseCrypto(value string) (CryptoAttr, error) {
	var c CryptoAttr
	fields := strings.Fields(value)
	if len(fields) < 3 {
		return c, fmt.Errorf("a=crypto line has %d fields: want <tag> <suite> inline:<key>", len(fields))
	}
	if len(fields[0]) > 9 {
		return c, fmt.Errorf("a=crypto tag %q: more than 9 digits", fields[0])
	}
	tag, err := strconv.Atoi(fields[0])
	if err != nil || tag < 0 || fields[0][0] == '+' || fields[0][0] == '-' {
		return c, fmt.Errorf("a=crypto tag %q: not a decimal number", fields[0])
	}
	c.Tag = tag
	suite, err := ParseSuite(fields[1])
	if err != nil {
		return c, fmt.Errorf("a=crypto tag %d: %w", tag, err)
	}
	c.Suite = suite
	if strings.Contains(fields[2], ";") {
		return c, fmt.Errorf("a=crypto tag %d: several master keys (';'-joined key-params) are not supported", tag)
	}
	if err := c.parseKeyParam(fields[2]); err != nil {
		return c, fmt.Errorf("a=crypto tag %d: %w", tag, err)
	}
	for _, p := range fields[3:] {
		if err := c.parseSessionParam(p); err != nil {
			return c, fmt.Errorf("a=crypto tag %d: %w", tag, err)
		}
	}
	return c, nil
}

func (c *CryptoAttr) parseKeyParam(kp string) error {
	method, info, ok := strings.Cut(kp, ":")
	if !ok {
		return errors.New("key-params lack a method: want inline:<key>")
	}
	if !strings.EqualFold(method, "inline") {
		return fmt.Errorf("key method %q: only inline: is defined", method)
	}
	parts := strings.Split(info, "|")
	if len(parts) > 3 {
		return fmt.Errorf("key-info has %d '|' fields, at most 3 (key, lifetime, MKI)", len(parts))
	}
	raw, err := decodeKeySalt(parts[0])
	if err != nil {
		return err
	}
	kl, sl := c.Suite.keyLens()
	if len(raw) != kl+sl {
		return fmt.Errorf("%s key||salt is %d bytes, want %d (%d-byte key + %d-byte salt)", c.Suite, len(raw), kl+sl, kl, sl)
	}
	c.Key, c.Salt = raw[:kl], raw[kl:]
	for _, p := range parts[1:] {
		if strings.Contains(p, ":") {
			if c.MKI != nil {
				return errors.New("key-info has two MKI fields")
			}
			if err := c.parseMKI(p); err != nil {
				return err
			}
			continue
		}
		if c.Lifetime != 0 || c.MKI != nil {
			return errors.New("key-info: the lifetime must come before the MKI, and only once")
		}
		lt, err := parseLifetime(p)
		if err != nil {
			return err
		}
		c.Lifetime = lt
	}
	return nil
}

func decodeKeySalt(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("inline key is empty")
	}
	enc := base64.StdEncoding
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = base64.RawStdEncoding // some peers strip the padding
	}
	raw, err := enc.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("inline key is not valid base64: %w", err)
	}
	return raw, nil
}

// parseLifetime reads a lifetime written in decimal or as 2^n (RFC 4568 §6.1).
func parseLifetime(s string) (uint64, error) {
	var v uint64
	if exp, ok := strings.CutPrefix(s, "2^"); ok {
		n, err := strconv.ParseUint(exp, 10, 8)
		if err != nil || n > 48 {
			return 0, fmt.Errorf("lifetime %q: exponent must be 0..48", s)
		}
		v = uint64(1) << n
	} else {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("lifetime %q: want a decimal number or 2^n", s)
		}
		v = n
	}
	if v == 0 || v > maxLifetime {
		return 0, fmt.Errorf("lifetime %q: must be 1..2^48 packets", s)
	}
	return v, nil
}

// parseMKI reads <MKI value>:<MKI length> (RFC 4568 §9.1): a decimal value
// carried in length bytes (1..128) on the wire.
func (c *CryptoAttr) parseMKI(s string) error {
	vs, ls, _ := strings.Cut(s, ":")
	n, err := strconv.Atoi(ls)
	if err != nil || len(ls) > 3 || n < 1 || n > 128 {
		return fmt.Errorf("MKI %q: length must be 1..128 bytes", s)
	}
	v, err := strconv.ParseUint(vs, 10, 64)
	if err != nil || len(vs) > 20 {
		return fmt.Errorf("MKI %q: value must be a decimal number", s)
	}
	if n < 8 && v>>(8*uint(n)) != 0 {
		return fmt.Errorf("MKI %q: value does not fit in %d bytes", s, n)
	}
	mki := make([]byte, n)
	for i := n - 1; i >= 0 && v > 0; i-- {
		mki[i] = byte(v)
		v >>= 8
	}
	c.MKI = mki
	return nil
}

// parseSessionParam accepts the parameters we can honour and rejects the
// rest (RFC 4568 §6.3), so that the caller skips the line with a reason.
func (c *CryptoAttr) parseSessionParam(p string) error {
	name, val, _ := strings.Cut(p, "=")
	switch strings.ToUpper(name) {
	case "KDR":
		if val != "0" {
			return fmt.Errorf("session parameter %s: key derivation rates other than 0 are not supported", p)
		}
	case "WSH":
		n, err := strconv.Atoi(val)
		if err != nil || n < 64 {
			return fmt.Errorf("session parameter %s: window size hint must be a number >= 64", p)
		}
		c.WindowSizeHint = n
	case "FEC_ORDER":
		if !strings.EqualFold(val, "FEC_SRTP") && !strings.EqualFold(val, "SRTP_FEC") {
			return fmt.Errorf("session parameter %s: unknown FEC order", p)
		}
	case "UNENCRYPTED_SRTP", "UNENCRYPTED_SRTCP", "UNAUTHENTICATED_SRTP":
		return fmt.Errorf("session parameter %s: refusing to weaken SRTP", p)
	case "FEC_KEY":
		return fmt.Errorf("session parameter %s: separate FEC keys are not supported", p)
	default:
		if strings.HasPrefix(name, "-") {
			return nil // RFC 4568 §6.3.7: a '-' prefix marks an ignorable parameter
		}
		return fmt.Errorf("session parameter %q: not understood", p)
	}
	return nil
}

// String describes the attribute with the key material redacted, so that
// printing or logging a CryptoAttr never leaks a key.
func (c CryptoAttr) String() string {
	return fmt.Sprintf("%d %s inline:<redacted>", c.Tag, c.Suite)
}

// LogValue implements slog.LogValuer with the key material redacted.
func (c CryptoAttr) LogValue() slog.Value { return slog.StringValue(c.String()) }

// sdpValue formats the attribute value for SDP (without "crypto:"). Keys
// are only ever written into SDP, never into logs.
func (c CryptoAttr) sdpValue() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s inline:%s", c.Tag, c.Suite, base64.StdEncoding.EncodeToString(append(append([]byte{}, c.Key...), c.Salt...)))
	if c.Lifetime != 0 {
		b.WriteString("|" + formatLifetime(c.Lifetime))
	}
	if c.MKI != nil {
		var v uint64
		for _, x := range c.MKI {
			v = v<<8 | uint64(x)
		}
		fmt.Fprintf(&b, "|%d:%d", v, len(c.MKI))
	}
	if c.WindowSizeHint != 0 {
		fmt.Fprintf(&b, " WSH=%d", c.WindowSizeHint)
	}
	return b.String()
}

func formatLifetime(v uint64) string {
	for n := 0; n <= 48; n++ {
		if v == uint64(1)<<n {
			return "2^" + strconv.Itoa(n)
		}
	}
	return strconv.FormatUint(v, 10)
}

// newCryptoAttr makes a fresh master key and salt from crypto/rand.
func newCryptoAttr(tag int, s Suite) (CryptoAttr, error) {
	kl, sl := s.keyLens()
	if kl == 0 {
		return CryptoAttr{}, fmt.Errorf("new key for %v: %w", s, ErrUnknownSuite)
	}
	buf := make([]byte, kl+sl)
	if _, err := rand.Read(buf); err != nil {
		return CryptoAttr{}, fmt.Errorf("new %s key: %w", s, err)
	}
	return CryptoAttr{Tag: tag, Suite: s, Key: buf[:kl], Salt: buf[kl:]}, nil
}
