package media

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// replayWindow is the SRTP and SRTCP replay window (RFC 3711 §3.3.2: at
// least 64).
const replayWindow = 128

// Drop reasons for inbound SRTP/SRTCP, counted per session.
var (
	errAuthFailed = errors.New("srtp authentication failed")
	errReplayed   = errors.New("srtp replayed packet")
	errPlaintext  = errors.New("unprotected rtcp on an srtp session")
)

// cryptoCounters counts inbound packets the SRTP layer refused.
type cryptoCounters struct {
	authFailures atomic.Int64
	replays      atomic.Int64
	plaintext    atomic.Int64 // unprotected RTCP on a secure session
}

// srtpCipher is one direction of one protocol (RTP or RTCP) of an SRTP
// stream: pion's Context is one-directional and not goroutine-safe, so each
// holds its own and a mutex guards it across re-keying.
type srtpCipher struct {
	mu  sync.Mutex
	ctx *srtp.Context
	key string // fingerprint of the master key and salt, to detect re-keying
	// shortRTCPAuth is the SRTCP authentication key for AES_CM_128_HMAC_SHA1_32
	// receive contexts, to accept peers that put a 32-bit tag on SRTCP too.
	shortRTCPAuth []byte
}

// newCipher builds a context for attr; decrypting contexts get replay
// protection for both SRTP and SRTCP.
func newCipher(attr CryptoAttr, decrypt bool) (*srtpCipher, error) {
	prof, ok := attr.Suite.profile()
	if !ok {
		return nil, fmt.Errorf("srtp context: %w", ErrUnknownSuite)
	}
	var opts []srtp.ContextOption
	if decrypt {
		w := uint(replayWindow)
		if attr.WindowSizeHint > replayWindow {
			w = uint(attr.WindowSizeHint)
		}
		opts = append(opts, srtp.SRTPReplayProtection(w), srtp.SRTCPReplayProtection(w))
	}
	if attr.MKI != nil {
		opts = append(opts, srtp.MasterKeyIndicator(attr.MKI))
	}
	ctx, err := srtp.CreateContext(attr.Key, attr.Salt, prof, opts...)
	if err != nil {
		return nil, fmt.Errorf("srtp context for %s: %w", attr.Suite, err)
	}
	c := &srtpCipher{ctx: ctx, key: string(attr.Key) + string(attr.Salt) + string(attr.MKI)}
	if decrypt && attr.Suite == SuiteAESCM128HMACSHA1_32 && attr.MKI == nil {
		if c.shortRTCPAuth, err = deriveSessionKey(attr.Key, attr.Salt, labelSRTCPAuth, 20); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *srtpCipher) encryptRTP(dst, pkt []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ctx.EncryptRTP(dst, pkt, nil)
}

func (c *srtpCipher) encryptRTCP(dst, pkt []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ctx.EncryptRTCP(dst, pkt, nil)
}

func (c *srtpCipher) decryptRTP(dst, pkt []byte, h *rtp.Header, cnt *cryptoCounters) ([]byte, error) {
	c.mu.Lock()
	out, err := c.ctx.DecryptRTP(dst, pkt, h)
	c.mu.Unlock()
	return out, classify(err, cnt)
}

// decryptRTCP authenticates and decrypts one SRTCP packet. short reports
// that the packet carried a 32-bit tag (see widenShortTag).
func (c *srtpCipher) decryptRTCP(dst, pkt []byte, cnt *cryptoCounters) (out []byte, short bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err = c.ctx.DecryptRTCP(dst, pkt, nil)
	if err != nil && c.shortRTCPAuth != nil && !strings.Contains(err.Error(), "duplicated") {
		if wide, ok := widenShortTag(c.shortRTCPAuth, pkt); ok {
			if out2, err2 := c.ctx.DecryptRTCP(dst, wide, nil); err2 == nil {
				return out2, true, nil
			} else if strings.Contains(err2.Error(), "duplicated") {
				err = err2
			}
		}
	}
	if err != nil && !strings.Contains(err.Error(), "duplicated") {
		if kind, ok := plainRTCP(pkt); ok {
			cnt.plaintext.Add(1)
			return nil, false, fmt.Errorf("%w: %s", errPlaintext, kind)
		}
	}
	return out, false, classify(err, cnt)
}

// plainRTCP reports whether pkt, which failed SRTCP authentication, is a
// whole unprotected RTCP packet rather than a damaged or forged SRTCP one,
// and names its first packet's type. An SRTCP packet carries E||index and a
// tag after the RTCP length fields (RFC 3711 §3.4), so its headers never
// add up to the datagram; plain RTCP headers add up exactly, and every one
// has version 2 and a type in the RTCP range 192–223 (RFC 5761 §4). Some
// peers (libre/baresip) send an unprotected RTCP APP "PING" to open NAT
// bindings; it is dropped as RFC 3711 requires, but it is not an attack.
func plainRTCP(pkt []byte) (kind string, ok bool) {
	off := 0
	for off < len(pkt) {
		if len(pkt)-off < 4 {
			return "", false
		}
		h := pkt[off:]
		if h[0]>>6 != 2 || h[1] < 192 || h[1] > 223 {
			return "", false
		}
		n := (int(h[2])<<8 | int(h[3]) + 1) * 4
		if n > len(pkt)-off {
			return "", false
		}
		if off == 0 {
			var name []byte
			if n >= 12 {
				name = h[8:12]
			}
			kind = rtcpTypeName(h[1], name)
		}
		off += n
	}
	return kind, off == len(pkt) && off > 0
}

// rtcpTypeName names an RTCP packet type for logs; name is an APP packet's
// four-character name when present.
func rtcpTypeName(pt byte, name []byte) string {
	switch pt {
	case 200:
		return "SR"
	case 201:
		return "RR"
	case 202:
		return "SDES"
	case 203:
		return "BYE"
	case 204:
		if len(name) == 4 {
			return fmt.Sprintf("APP %q", name)
		}
		return "APP"
	case 205:
		return "RTPFB"
	case 206:
		return "PSFB"
	case 207:
		return "XR"
	}
	return fmt.Sprintf("type %d", pt)
}

// Key derivation labels (RFC 3711 §4.3.2).
const labelSRTCPAuth = 0x04

// deriveSessionKey is the AES-CM key derivation of RFC 3711 §4.3.1 with a
// key derivation rate of 0: x = (label || 0^48) XOR master_salt, and the
// session key is the AES-CM keystream under the master key from IV x·2^16.
func deriveSessionKey(masterKey, masterSalt []byte, label byte, n int) ([]byte, error) {
	if len(masterSalt) != 14 {
		return nil, fmt.Errorf("srtp key derivation: salt is %d bytes, want 14", len(masterSalt))
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, fmt.Errorf("srtp key derivation: %w", err)
	}
	iv := make([]byte, aes.BlockSize)
	copy(iv, masterSalt)
	iv[7] ^= label // key_id = label || r occupies the low 56 bits of the 112-bit salt
	out := make([]byte, n)
	cipher.NewCTR(block, iv).XORKeyStream(out, out)
	return out, nil
}

// widenShortTag handles peers (libre/baresip) that protect SRTCP under
// AES_CM_128_HMAC_SHA1_32 with a 32-bit tag, where RFC 4568 §6.2.2 says 80
// bits. Both tags are truncations of the same HMAC-SHA1 (RFC 3711 §4.2), so
// the 32-bit tag is checked here and the packet is rewritten with the
// 80-bit tag for pion to verify again, decrypt and replay-check.
func widenShortTag(authKey, pkt []byte) ([]byte, bool) {
	const short, full = 4, 10
	if len(pkt) < 8+4+short { // RTCP header+SSRC, E||index, tag
		return nil, false
	}
	body := pkt[:len(pkt)-short]
	m := hmac.New(sha1.New, authKey)
	m.Write(body)
	sum := m.Sum(nil)
	if subtle.ConstantTimeCompare(sum[:short], pkt[len(pkt)-short:]) != 1 {
		return nil, false
	}
	wide := make([]byte, 0, len(body)+full)
	return append(append(wide, body...), sum[:full]...), true
}

// classify sorts a decrypt error into replay or authentication failure and
// counts it. pion wraps replays in an unexported error whose text says
// "duplicated" (LIBNOTES §3); anything else that fails to decrypt (bad tag,
// truncated, garbage) counts as an authentication failure.
func classify(err error, cnt *cryptoCounters) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "duplicated") {
		cnt.replays.Add(1)
		return fmt.Errorf("%w: %v", errReplayed, err)
	}
	cnt.authFailures.Add(1)
	return fmt.Errorf("%w: %v", errAuthFailed, err)
}
