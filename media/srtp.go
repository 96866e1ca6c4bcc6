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
)

// cryptoCounters counts inbound packets the SRTP layer refused.
type cryptoCounters struct {
	authFailures atomic.Int64
	replays      atomic.Int64
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
	return out, false, classify(err, cnt)
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
